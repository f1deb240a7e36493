"""The audit trail in the admin: read-only for everyone; nobody adds, changes or deletes a row (the database
refuses it too: alliance migration 0003). HR reads it on `/<org>/audit/` too.

A staff HR user reads the rows of their organizations that HR's page lists (not the private ones); a superuser
reads every organization's trail by design. Its pages run in `alliance.admin.admin_scope`."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from alliance.admin import ReadOnlyTenantAdmin
from alliance.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyTenantAdmin):
    service_note = _("The audit trail is written by the site and never changes; HR reads it on the audit page.")
    list_display = ["at", "organization", "actor_user", "action", "object_label", "ip_address"]
    list_filter = ["organization", "action"]
    search_fields = ["action", "object_label"]
    date_hierarchy = "at"
    list_select_related = ["organization", "actor_user"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # A record about a private career alignment is kept for auditors, never shown to HR (alliance.audit).
        return queryset.filter(private=False)
