from django.urls import path

from alumni.views import home
from alumni.views import surveys as survey_views

app_name = "alumni"

urlpatterns = [
    path("alumni/", home.CommunityHomeView.as_view(), name="home"),
    # surveys
    path("alumni/surveys/", survey_views.SurveyListView.as_view(), name="surveys"),
    path("alumni/surveys/new/", survey_views.SurveyCreateView.as_view(), name="survey_new"),
    path("alumni/surveys/<int:pk>/", survey_views.SurveyDetailView.as_view(), name="survey"),
    path("alumni/surveys/<int:pk>/edit/", survey_views.SurveyEditView.as_view(), name="survey_edit"),
    path("alumni/surveys/<int:pk>/activate/", survey_views.SurveyActivateView.as_view(), name="survey_activate"),
    path("alumni/surveys/<int:pk>/deactivate/", survey_views.SurveyDeactivateView.as_view(), name="survey_deactivate"),
    path("alumni/surveys/<int:pk>/copy/", survey_views.SurveyCopyView.as_view(), name="survey_copy"),
    path("alumni/surveys/<int:pk>/questions/new/", survey_views.QuestionFormView.as_view(), name="survey_question_new"),
    path(
        "alumni/surveys/<int:pk>/questions/<int:question_pk>/",
        survey_views.QuestionFormView.as_view(),
        name="survey_question_edit",
    ),
    path(
        "alumni/surveys/<int:pk>/questions/<int:question_pk>/remove/",
        survey_views.QuestionRemoveView.as_view(),
        name="survey_question_remove",
    ),
    path("alumni/surveys/<int:pk>/results/", survey_views.SurveyResultsView.as_view(), name="survey_results"),
    path("alumni/surveys/answer/<int:pk>/", survey_views.SurveyAnswerView.as_view(), name="survey_answer"),
]
