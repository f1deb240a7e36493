"""Read-only admin views of STEP 1-3 for HR staff of the organization (and superusers).

Career alignments are not here: an aspiration is private to the employee and their manager, and the admin
must not become a way around that. Signed versions, signatures and the signing record are immutable, so
nothing here can change them; tours and agreements change through their pages, where the rules live.
"""

from django.contrib import admin

from agreements.models import KPI_FIELDS, AgreementTemplate, AgreementVersion, Kpi, Signature, SigningEvent, Tour
from alliance.admin import TenantScopedAdmin


class ReadOnlyTenantAdmin(TenantScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KpiInline(admin.TabularInline):
    model = Kpi
    extra = 0
    fields = list(KPI_FIELDS)
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


class SignatureInline(KpiInline):
    model = Signature
    fields = ["signer", "role", "signed_at", "ip_address", "user_agent", "content_hash", "voided_at"]
    readonly_fields = fields


@admin.register(Tour)
class TourAdmin(ReadOnlyTenantAdmin):
    list_display = ["title", "employee", "kind", "start_date", "end_date", "status"]
    list_filter = ["organization", "status", "kind"]
    search_fields = ["title", "employee__user__name", "employee__user__email"]
    list_select_related = ["employee__user"]
    exclude = ["alignment"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyTenantAdmin):
    list_display = ["agreement", "number", "status", "requested_at", "signed_at", "content_hash"]
    list_filter = ["organization", "status"]
    search_fields = ["content_hash", "agreement__tour__title"]
    list_select_related = ["agreement__tour"]
    inlines = [KpiInline, SignatureInline]


@admin.register(SigningEvent)
class SigningEventAdmin(ReadOnlyTenantAdmin):
    list_display = ["version", "kind", "actor", "role", "at", "ip_address"]
    list_filter = ["organization", "kind"]
    list_select_related = ["version__agreement__tour", "actor__user"]


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(TenantScopedAdmin):
    list_display = ["organization", "updated_at"]
