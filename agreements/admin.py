"""Admin views of STEP 1-3 for HR staff of the organization (and superusers), read-only.

Career alignments are not here: an aspiration is private to the employee and their manager, and the admin
must not become a way around that. Signed versions, signatures and the signing record are immutable, so
nothing here can change them; tours and agreements change through their pages, where the rules live. The
agreement template's clauses are edited here as on the settings page (each save audited by TenantScopedAdmin).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    KPI_FIELDS,
    Agreement,
    AgreementPdf,
    AgreementTemplate,
    AgreementVersion,
    Kpi,
    Signature,
    SigningEvent,
    Tour,
)
from alliance.admin import ReadOnlyTenantAdmin, TenantScopedAdmin

AGREEMENT_PAGES = _(
    "Tours and agreements change on their own pages (the person's alliance page, the tour and the agreement), "
    "where their rules and signatures apply; signed versions never change."
)


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

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


class SignatureInline(KpiInline):
    model = Signature
    fields = ["signer", "role", "signed_at", "ip_address", "user_agent", "content_hash", "voided_at"]
    readonly_fields = fields


@admin.register(Tour)
class TourAdmin(ReadOnlyTenantAdmin):
    service_note = AGREEMENT_PAGES
    list_display = ["title", "employee", "kind", "start_date", "end_date", "status"]
    list_filter = ["organization", "status", "kind", "employee"]
    search_fields = ["title", "employee__user__name", "employee__user__email"]
    list_select_related = ["employee__user", "employee__organization"]
    date_hierarchy = "start_date"
    exclude = ["alignment"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyTenantAdmin):
    service_note = AGREEMENT_PAGES
    list_display = ["tour", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["tour__title", "tour__employee__user__name", "tour__employee__user__email"]
    list_select_related = ["tour", "organization"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyTenantAdmin):
    service_note = AGREEMENT_PAGES
    list_display = ["agreement", "number", "status", "requested_at", "signed_at", "content_hash"]
    list_filter = ["organization", "status", "is_amendment"]
    search_fields = ["content_hash", "agreement__tour__title", "agreement__tour__employee__user__name"]
    list_select_related = ["agreement__tour"]
    exclude = ["snapshot"]
    inlines = [KpiInline, SignatureInline]


@admin.register(Kpi)
class KpiAdmin(ReadOnlyTenantAdmin):
    service_note = AGREEMENT_PAGES
    list_display = ["name", "version", "unit", "baseline", "target", "due_date"]
    list_filter = ["organization", "direction"]
    search_fields = ["name", "definition", "version__agreement__tour__title"]
    list_select_related = ["version__agreement__tour"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyTenantAdmin):
    service_note = AGREEMENT_PAGES
    list_display = ["version", "signer", "role", "signed_at", "voided_at"]
    list_filter = ["organization", "role", "signer"]
    search_fields = ["content_hash", "signer__user__name", "signer__user__email", "version__agreement__tour__title"]
    list_select_related = ["version__agreement__tour", "signer__user", "signer__organization"]


@admin.register(SigningEvent)
class SigningEventAdmin(ReadOnlyTenantAdmin):
    service_note = AGREEMENT_PAGES
    list_display = ["version", "kind", "actor", "role", "at", "ip_address"]
    list_filter = ["organization", "kind"]
    search_fields = ["content_hash", "version__agreement__tour__title", "actor__user__name"]
    list_select_related = ["version__agreement__tour", "actor__user", "actor__organization"]


@admin.register(AgreementPdf)
class AgreementPdfAdmin(ReadOnlyTenantAdmin):
    service_note = _("The PDF is rendered once, when a version is signed, and never changes.")
    list_display = ["version", "sha256", "size", "created_at"]
    list_filter = ["organization"]
    search_fields = ["sha256", "version__agreement__tour__title"]
    list_select_related = ["version__agreement__tour"]
    # The stored file is opened through the agreement's PDF page, which checks access; a FileField's own link
    # would be the storage's URL (a bucket address, or a /media/ path the site does not serve).
    fields = ["organization", "version", "document", "sha256", "size", "render_ms", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("PDF"))
    def document(self, obj):
        version = obj.version
        url = reverse("agreements:pdf", args=[obj.organization.slug, version.agreement_id, version.number])
        return format_html('<a href="{}">{}</a>', url, _("Open the sealed PDF"))


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(TenantScopedAdmin):
    list_display = ["organization", "updated_at"]
    list_filter = ["organization"]
    search_fields = ["organization__name"]

    def get_readonly_fields(self, request, obj=None):
        # One template per organization, created with it: its organization is not changed here.
        return ["organization"] if obj is not None else []
