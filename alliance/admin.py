"""Django admin, scoped: a staff HR admin sees and changes only rows of organizations where they are HR."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from alliance.models import CompanyValue, Invitation, Membership, MembershipStatus, Organization, Role, User


def hr_organization_ids(user) -> list[int]:
    return list(
        Membership.objects.filter(user=user, role=Role.HR, status=MembershipStatus.ACTIVE).values_list(
            "organization_id", flat=True
        )
    )


class TenantScopedAdmin(admin.ModelAdmin):
    """Base for tenant-owned models: the queryset, the foreign-key choices and the rights follow HR membership."""

    tenant_field = "organization"

    def _org_ids(self, request):
        if not hasattr(request, "_hr_org_ids"):
            request._hr_org_ids = hr_organization_ids(request.user)
        return request._hr_org_ids

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.tenant_field}__in": self._org_ids(request)})

    def _allowed(self, request, obj=None):
        if request.user.is_superuser:
            return True
        if not self._org_ids(request):
            return False
        if obj is None:
            return True
        return getattr(obj, f"{self.tenant_field}_id") in self._org_ids(request)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and self._allowed(request, obj)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        # Nothing a user or an auditor may need is hard-deleted from the admin; only superusers may.
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.is_superuser:
            return field
        model = db_field.related_model
        if model is Organization:
            field.queryset = field.queryset.filter(pk__in=self._org_ids(request))
        elif hasattr(model, "organization"):
            field.queryset = field.queryset.filter(organization__in=self._org_ids(request))
        elif model is User:
            field.queryset = field.queryset.filter(memberships__organization__in=self._org_ids(request)).distinct()
        return field


class CompanyValueInline(admin.TabularInline):
    """The organization's values, edited on its page; the parent's scoping already decided who gets here."""

    model = CompanyValue
    extra = 0
    fields = ["position", "title", "description"]

    def _allowed(self, request, obj):
        if request.user.is_superuser:
            return True
        org_ids = hr_organization_ids(request.user)
        # Django asks without an object when it builds the inline's queryset, which the parent already scoped.
        return bool(org_ids) if obj is None else obj.pk in org_ids

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and self._allowed(request, obj)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Organization)
class OrganizationAdmin(TenantScopedAdmin):
    tenant_field = "id"
    list_display = ["name", "slug", "checkpoint_interval_months", "hr_countersign"]
    search_fields = ["name", "slug"]
    inlines = [CompanyValueInline]

    def _allowed(self, request, obj=None):
        if request.user.is_superuser:
            return True
        if obj is None:
            return bool(self._org_ids(request))
        return obj.pk in self._org_ids(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["name"]} if obj is None else {}

    def get_readonly_fields(self, request, obj=None):
        # Renaming the slug would break every link already mailed; only a superuser may.
        return [] if request.user.is_superuser else ["slug"]


@admin.register(CompanyValue)
class CompanyValueAdmin(TenantScopedAdmin):
    list_display = ["title", "organization", "position"]
    list_filter = ["organization"]
    search_fields = ["title"]


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ["user", "organization", "role", "status", "job_title", "manager"]
    list_filter = ["organization", "role", "status"]
    search_fields = ["user__email", "user__name", "job_title"]
    list_select_related = ["user", "organization", "manager__user"]
    autocomplete_fields: list[str] = []
    raw_id_fields: list[str] = []


@admin.register(Invitation)
class InvitationAdmin(TenantScopedAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organization", "role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "accepted_at", "accepted_by", "revoked_at", "email_sent_at"]

    def has_add_permission(self, request, obj=None):
        # Invitations are sent from the members page, which mails the link; a row made here would have none.
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "language", "is_staff", "is_active"]
    search_fields = ["email", "name", "reading"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "reading", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(memberships__organization__in=hr_organization_ids(request.user)).distinct()

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
