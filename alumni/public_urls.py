"""Pages of the alumni app outside any organization: the personal link of a survey e-mail, opened without a
sign-in (the token is the key). Included at the site's root by `alliance.urls`; `surveys` is a reserved
organization slug (alliance.models.RESERVED_SLUGS)."""

from django.urls import path

from alumni.views import surveys

urlpatterns = [
    path("surveys/<str:token>/", surveys.PublicSurveyView.as_view(), name="survey_public"),
]
