from django.urls import path

from alumni.views import community, home

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
]
