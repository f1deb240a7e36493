"""The audit trail in the admin: superusers read it; nobody adds, changes or deletes a row (the database refuses
it too: alliance migration 0003). HR reads it on `/<org>/audit/`.

Its pages run in `alliance.admin.admin_scope`: scoping disabled for a superuser, who reads every organization's
trail by design; a staff user without superuser rights is refused before any row is read."""

from django.contrib import admin

from alliance.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "organization", "actor_user", "action", "object_label", "ip_address"]
    list_filter = ["action"]
    date_hierarchy = "at"
    list_select_related = ["organization", "actor_user"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
