from django.urls import path

from alumni.views import community, home
from alumni.views import posts as posts_views

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
]
