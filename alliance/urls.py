from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from alliance import core_views, hr_views, views

# The admin signs in through allauth's login (its rate limits and lockout rules), never its own form.
admin.site.login = secure_admin_login(admin.site.login)

# Top-level names here are reserved as organization slugs (alliance.models.RESERVED_SLUGS).
org_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("settings/", views.OrganizationSettingsView.as_view(), name="organization_settings"),
    path("members/", views.MemberListView.as_view(), name="members"),
    path("members/invite/", views.InviteView.as_view(), name="member_invite"),
    path("members/<int:pk>/", views.MemberEditView.as_view(), name="member_edit"),
    path("members/import/", views.MemberImportView.as_view(), name="member_import"),
    path("members/import/preview/", views.MemberImportPreviewView.as_view(), name="member_import_preview"),
    path("members/export/", views.MemberExportView.as_view(), name="member_export"),
    path("members/departments/", views.DepartmentListView.as_view(), name="departments"),
    path("members/departments/<int:pk>/", views.DepartmentEditView.as_view(), name="department_edit"),
    path("members/departments/<int:pk>/move/", views.DepartmentMoveView.as_view(), name="department_move"),
    path("members/departments/<int:pk>/archive/", views.DepartmentArchiveView.as_view(), name="department_archive"),
    path("invitations/<int:pk>/revoke/", views.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("notifications/", core_views.NotificationListView.as_view(), name="notifications"),
    path("notifications/failed/", core_views.FailedNoticeListView.as_view(), name="notifications_failed"),
    path("notifications/<int:pk>/", core_views.NotificationOpenView.as_view(), name="notification_open"),
    path("audit/", core_views.AuditTrailView.as_view(), name="audit"),
    path("audit/export.csv", core_views.AuditCsvView.as_view(), name="audit_export"),
    path("hr/", hr_views.HrDashboardView.as_view(), name="hr_dashboard"),
    path("hr/lists/<slug:key>/", hr_views.HrListView.as_view(), name="hr_list"),
    path("", include("agreements.urls")),
    path("", include("checkpoints.urls")),
    path("", include("alumni.urls")),
]

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("orgs/", views.OrganizationChooserView.as_view(), name="organization_chooser"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/two-factor/required/", views.MfaRequiredView.as_view(), name="mfa_required"),
    path("profile/two-factor/continue/", views.mfa_continue, name="mfa_continue"),
    path("", include("agreements.public_urls")),
    path("", include("checkpoints.public_urls")),
    path("", include("alumni.public_urls")),
    path("invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("<slug:org_slug>/", include(org_patterns)),
]
