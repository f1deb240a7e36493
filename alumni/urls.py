from django.urls import path

from alumni.views import home
from alumni.views import opportunities as opportunities

app_name = "alumni"

urlpatterns = [
    path("alumni/", home.CommunityHomeView.as_view(), name="home"),
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
]
