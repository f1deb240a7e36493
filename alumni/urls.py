from django.urls import path

from alumni.views import community, departures, home, opportunities
from alumni.views import posts as posts_views
from alumni.views import records as records_views
from alumni.views import surveys as survey_views

app_name = "alumni"

urlpatterns = [
    path("alumni/", home.CommunityHomeView.as_view(), name="home"),
    # Profiles and directory (alumni/views/community.py).
    path("alumni/join/", community.JoinView.as_view(), name="join"),
    path("alumni/profile/", community.ProfileView.as_view(), name="profile"),
    path("alumni/profile/leave/", community.LeaveView.as_view(), name="leave"),
    path("alumni/directory/", community.DirectoryView.as_view(), name="directory"),
    path("alumni/directory/<int:pk>/", community.DirectoryProfileView.as_view(), name="directory_profile"),
    path("alumni/settings/", community.CommunitySettingsView.as_view(), name="settings"),
    # posts
    path("alumni/posts/", posts_views.FeedView.as_view(), name="posts"),
    path("alumni/posts/digest/", posts_views.DigestView.as_view(), name="posts_digest"),
    path("alumni/posts/<int:pk>/", posts_views.PostView.as_view(), name="post"),
    path("alumni/posts/<int:pk>/edit/", posts_views.PostEditView.as_view(), name="post_edit"),
    path("alumni/posts/<int:pk>/withdraw/", posts_views.PostWithdrawView.as_view(), name="post_withdraw"),
    path("alumni/posts/<int:pk>/pin/", posts_views.PostPinView.as_view(), name="post_pin"),
    path("alumni/posts/<int:pk>/hide/", posts_views.PostHideView.as_view(), name="post_hide"),
    path("alumni/posts/<int:pk>/unhide/", posts_views.PostUnhideView.as_view(), name="post_unhide"),
    path("alumni/posts/<int:pk>/comments/", posts_views.CommentAddView.as_view(), name="comment_add"),
    path(
        "alumni/posts/comments/<int:pk>/withdraw/", posts_views.CommentWithdrawView.as_view(), name="comment_withdraw"
    ),
    path("alumni/posts/comments/<int:pk>/hide/", posts_views.CommentHideView.as_view(), name="comment_hide"),
    path("alumni/posts/comments/<int:pk>/unhide/", posts_views.CommentUnhideView.as_view(), name="comment_unhide"),
    # Opportunities and referrals (alumni/views/opportunities.py).
    path("alumni/opportunities/", opportunities.OpportunityListView.as_view(), name="opportunities"),
    path("alumni/opportunities/new/", opportunities.OpportunityCreateView.as_view(), name="opportunity_new"),
    path("alumni/opportunities/<int:pk>/", opportunities.OpportunityDetailView.as_view(), name="opportunity"),
    path("alumni/opportunities/<int:pk>/edit/", opportunities.OpportunityEditView.as_view(), name="opportunity_edit"),
    path(
        "alumni/opportunities/<int:pk>/close/", opportunities.OpportunityCloseView.as_view(), name="opportunity_close"
    ),
    path(
        "alumni/opportunities/<int:pk>/interest/",
        opportunities.InterestExpressView.as_view(),
        name="opportunity_interest",
    ),
    path(
        "alumni/opportunities/<int:pk>/interest/withdraw/",
        opportunities.InterestWithdrawView.as_view(),
        name="interest_withdraw",
    ),
    path("alumni/interests/<int:pk>/status/", opportunities.InterestStatusView.as_view(), name="interest_status"),
    path("alumni/opportunities/<int:pk>/refer/", opportunities.ReferralCreateView.as_view(), name="opportunity_refer"),
    path("alumni/referrals/", opportunities.ReferralListView.as_view(), name="referrals"),
    path("alumni/referrals/mine/", opportunities.MyReferralsView.as_view(), name="referrals_mine"),
    path("alumni/referrals/<int:pk>/", opportunities.ReferralDetailView.as_view(), name="referral"),
    path("alumni/referrals/<int:pk>/status/", opportunities.ReferralStatusView.as_view(), name="referral_status"),
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
    # departures (leaving well)
    path("alumni/departures/", departures.DepartureListView.as_view(), name="departures"),
    path("alumni/departures/start/", departures.DepartureStartView.as_view(), name="departure_start"),
    path("alumni/departures/<int:pk>/", departures.DepartureView.as_view(), name="departure"),
    path("alumni/departures/<int:pk>/edit/", departures.DepartureEditView.as_view(), name="departure_edit"),
    path("alumni/departures/<int:pk>/cancel/", departures.DepartureCancelView.as_view(), name="departure_cancel"),
    path(
        "alumni/departures/<int:pk>/conversation/",
        departures.ConversationView.as_view(),
        name="departure_conversation",
    ),
    path("alumni/records/", records_views.RecordsView.as_view(), name="records"),
    path("alumni/records.csv", records_views.RecordsCsvView.as_view(), name="records_csv"),
]
