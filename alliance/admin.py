"""Django admin, scoped: a staff HR admin sees and changes only rows of organizations where they are HR.

Every admin page runs in a django-scopes scope of its own (`admin_scope`, wrapped around each view by
`admin.site.admin_view`): the organizations where the user is active HR, or, for a superuser, scoping disabled.
"""

from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_scopes import scope, scopes_disabled

from alliance import services
from alliance.audit import audit_log, diff, register_actions
from alliance.models import (
    CompanyValue,
    Department,
    Invitation,
    ManagerChange,
    Membership,
    MembershipStatus,
    Notice,
    Organization,
    Role,
    User,
)
from alliance.permissions import VIEW_REPORTS, roles_with


def hr_organization_ids(user) -> list[int]:
    """The ids of the organizations where `user` is active HR (the admin's reach for a staff user)."""
    # Across organizations on purpose: the user's own HR memberships are what decide the admin's scope.
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, role=Role.HR, status=MembershipStatus.ACTIVE).values_list(
                "organization_id", flat=True
            )
        )


def admin_scope(request):
    """The django-scopes scope an admin page runs in, as a context manager.

    A superuser administers every organization by design: scoping is disabled, and the ModelAdmins' own
    permission checks still apply. A staff user is scoped to the organizations where they are active HR, the
    same set TenantScopedAdmin filters by, so a query the admin forgot to filter still stays inside them.
    Anyone else (the admin sends them to sign in, or refuses them) gets a scope of no organization."""
    user = request.user
    if user.is_active and user.is_superuser:
        return scopes_disabled()
    if user.is_active and user.is_staff:
        return scope(organization=hr_organization_ids(user))
    return scope(organization=[])


def _scoped_admin_view(admin_view):
    """Wrap AdminSite.admin_view so that each admin view, and its template's rendering, runs in `admin_scope`."""

    @wraps(admin_view)
    def wrap(view, cacheable=False):
        checked = admin_view(view, cacheable)

        @wraps(checked)
        def in_scope(request, *args, **kwargs):
            with admin_scope(request):
                response = checked(request, *args, **kwargs)
                # Rendered here, while the scope is open, rather than by the handler after this returns.
                if callable(getattr(response, "render", None)):
                    response = response.render()
                return response

        return in_scope

    return wrap


# ModelAdmin and AdminSite URLs call admin_site.admin_view(view) on every request, so this covers every page
# behind the admin's permission check (index, change lists and forms, history, autocomplete).
admin.site.admin_view = _scoped_admin_view(admin.site.admin_view)


class OwnOrganizationFilter(admin.RelatedFieldListFilter):
    """The sidebar's organization filter: a staff HR admin is offered only their own organizations."""

    def field_choices(self, field, request, model_admin):
        choices = super().field_choices(field, request, model_admin)
        if request.user.is_superuser:
            return choices
        own = set(hr_organization_ids(request.user))
        return [(pk, label) for pk, label in choices if pk in own]


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

    # What the change form says above the fields: where the rules of this record live (the page that changes it
    # through the services), for the fields this admin shows read-only. Empty: nothing to say.
    service_note = ""
    change_form_template = "admin/alliance/change_form_with_note.html"

    def get_list_filter(self, request):
        return [_scoped_filter(self.model, item) for item in super().get_list_filter(request)]

    def get_ordering(self, request):
        """The admin's or the model's ordering, else the newest first: a list or an autocomplete paginated over
        an unordered queryset may show a row twice and another never (Django warns of it)."""
        return super().get_ordering(request) or self.model._meta.ordering or ["-pk"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {"service_note": self.service_note, **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Save, then file the change in the audit trail (`admin.add` / `admin.change`), as a service would."""
        changes = diff(obj) if change else {}
        super().save_model(request, obj, form, change)
        _audit_admin_save(request, obj, change=change, changes=changes)

    def save_formset(self, request, form, formset, change):
        """Save the inline rows and audit each one added or changed (the admin deletes nothing for HR)."""
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _audit_admin_save(request, obj, change=False, changes={})
        for obj, _fields in formset.changed_objects:
            # The row still holds the values it was read with (RemembersLoadedValues), so diff works after save.
            _audit_admin_save(request, obj, change=True, changes=diff(obj))

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
            # Only people who accepted: an invited account's name stays private until they accept.
            field.queryset = field.queryset.filter(
                memberships__organization__in=self._org_ids(request),
                memberships__status__in=[MembershipStatus.ACTIVE, MembershipStatus.ALUMNI],
            ).distinct()
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if request.user.is_superuser or field is None:
            return field
        model = db_field.related_model
        if hasattr(model, "organization"):
            field.queryset = field.queryset.filter(organization__in=self._org_ids(request))
        else:
            # No choice outside the organizations: a many-to-many to anything untenanted is the superuser's.
            field.queryset = field.queryset.none()
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
    service_note = _(
        "The checkpoint interval changes on the organization's settings page, which moves the scheduled "
        "checkpoints with it."
    )
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
        # Renaming the slug would break every link already mailed; only a superuser may. The checkpoint interval
        # moves the unheld checkpoints with it (alliance.services.organization_update): only the settings page.
        fields = ["checkpoint_interval_months"]
        return fields if request.user.is_superuser else ["slug", *fields]


@admin.register(CompanyValue)
class CompanyValueAdmin(TenantScopedAdmin):
    list_display = ["title", "organization", "position"]
    list_filter = ["organization"]
    search_fields = ["title"]


class MembershipAdminForm(forms.ModelForm):
    """Checks a change with the same rules as the members page (alliance.services.membership_check_change)."""

    class Meta:
        model = Membership
        # No `manager` here: a foreign key to a tenant model declared on the class would build its choices when
        # this module is imported, outside any organization scope (ScopeError). The admin adds the field per
        # request from MembershipAdmin.get_fields, inside its scope, through formfield_for_foreignkey.
        fields = ["role", "status", "job_title", "joined_on", "left_on"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.errors:
            return cleaned
        # Before _post_clean, self.instance still holds the stored values that the rules compare against.
        try:
            services.membership_check_change(
                membership=self.instance,
                actor=self.request_user,
                role=cleaned.get("role", self.instance.role),
                manager=cleaned.get("manager"),
                status=cleaned.get("status", self.instance.status),
            )
            if "department" in cleaned:
                services.check_department(
                    organization=self.instance.organization,
                    department=cleaned["department"],
                    current_id=self.instance.department_id,
                )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class OwnManagerForm(forms.ModelForm):
    """An admin form whose `manager` follows the rule of every other path (alliance.services.check_manager): an
    active manager or HR of the row's own organization, never a member of another one. No Meta: the admin
    builds the form per request, inside its scope (the reason MembershipAdminForm gives); a new membership gets
    ADD_FIELDS (MembershipAdmin.get_form), an invitation its ModelAdmin's fields."""

    ADD_FIELDS = ["organization", "user", "role", "status", "job_title", "manager", "joined_on", "left_on"]

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization") if "organization" in self.fields else None
        if organization is None and "organization" not in self.fields and self.instance.organization_id:
            organization = self.instance.organization
        if organization is not None and "manager" in self.fields:
            try:
                services.check_manager(organization=organization, manager=cleaned.get("manager"))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    """Memberships change through alliance.services here too: the graph's rules, the last-HR guard, the
    manager-change record and the loss of reports all apply. New memberships come from accepted invitations
    (a superuser may add one to start an organization)."""

    form = MembershipAdminForm
    list_display = ["person", "organization", "role", "status", "job_title", "manager"]
    list_filter = ["organization", "role", "status"]
    search_fields = ["user__email", "user__name", "job_title"]
    list_select_related = ["user", "organization", "manager__user", "manager__organization"]
    autocomplete_fields: list[str] = []
    raw_id_fields: list[str] = []

    @admin.display(description=_("member"), ordering="user__email")
    def person(self, obj):
        return obj.shown_name

    def get_fields(self, request, obj=None):
        if obj is None:
            return OwnManagerForm.ADD_FIELDS
        return [
            "person",
            "organization",
            "role",
            "status",
            "job_title",
            "manager",
            "department",
            "joined_on",
            "left_on",
        ]

    def get_readonly_fields(self, request, obj=None):
        return ["person", "organization"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OwnManagerForm
            kwargs["fields"] = OwnManagerForm.ADD_FIELDS
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def has_add_permission(self, request):
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "manager":
            field.queryset = field.queryset.filter(
                status=MembershipStatus.ACTIVE, role__in=roles_with(VIEW_REPORTS)
            ).select_related("user", "organization")
        return field

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # An invited person's account name is not theirs to search yet: match them by address only.
            results = results.exclude(status=MembershipStatus.INVITED) | queryset.filter(
                status=MembershipStatus.INVITED, user__email__icontains=search_term
            )
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        services.membership_update(
            membership=Membership.objects.for_organization(obj.organization_id).get(pk=obj.pk),
            actor=request.user,
            role=obj.role,
            manager=obj.manager,
            job_title=obj.job_title,
            status=obj.status,
            left_on=obj.left_on,
            department=obj.department,
        )
        # Dates are plain facts HR may correct; the service already set left_on when the member left.
        fields = {"joined_on": obj.joined_on}
        if obj.left_on is not None:
            fields["left_on"] = obj.left_on
        Membership.objects.for_organization(obj.organization_id).filter(pk=obj.pk).update(**fields)


@admin.register(ManagerChange)
class ManagerChangeAdmin(TenantScopedAdmin):
    """The record of manager changes: read-only, as an audit record is."""

    list_display = ["membership", "previous_manager", "new_manager", "changed_by", "changed_at", "reason"]
    list_filter = ["organization", "reason"]
    list_select_related = ["membership__user", "previous_manager__user", "new_manager__user", "changed_by"]
    # Whether the employee shared their earlier alignments with the new manager is their private answer: it tells
    # that alignments exist, which HR may not learn unless the employee shares them (issue 7).
    exclude = ["share_offer_closed_at", "share_offer_accepted"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(TenantScopedAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organization", "role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "accepted_at", "accepted_by", "revoked_at", "email_sent_at"]
    form = OwnManagerForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "manager":
            field.queryset = field.queryset.filter(status=MembershipStatus.ACTIVE, role__in=roles_with(VIEW_REPORTS))
        return field

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


# --- Issue 11: every model in the admin, scoped ------------------------------------------------------------------
# The pieces below extend the scoping above to every list filter, the index's "recent actions", the models of
# other apps and the project's read-only records. TenantScopedAdmin calls `_scoped_filter` and `_audit_admin_save`.

# Nothing an auditor may need is hard-deleted: no bulk delete on any change list, a superuser's included. A truly
# disposable model would list "delete_selected" in its own `actions` to get it back; none is, today.
admin.site.disable_action("delete_selected")

register_actions(
    {
        "admin.add": _("Added in the admin"),
        "admin.change": _("Changed in the admin"),
    }
)


class ScopedRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """A sidebar filter on a relation that offers only the related rows the admin's own (scoped) queryset refers
    to: never a row, or a person's name, of an organization the user does not administer."""

    def field_choices(self, field, request, model_admin):
        referred = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        choices = field.related_model._default_manager.filter(pk__in=referred)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        # The labels read the rows' required relations (a member's user and organization): one query, not one each.
        return [(obj.pk, str(obj)) for obj in choices.select_related()]


def _scoped_filter(model, item):
    """The list filter to use for `item` of a ModelAdmin's `list_filter`: the organization filter offers only the
    user's organizations, a filter on any other relation only the rows the scoped change list refers to."""
    if item == "organization":
        return ("organization", OwnOrganizationFilter)
    if isinstance(item, str):
        try:
            field = get_fields_from_path(model, item)[-1]
        except Exception:  # noqa: BLE001 - not a field path (a SimpleListFilter name): left to Django's checks
            return item
        if field.is_relation:
            return (item, ScopedRelatedFilter)
    return item


def _audit_admin_save(request, obj, *, change: bool, changes: dict) -> None:
    """File a save made in the admin in the audit trail of the row's organization, by the acting HR membership
    when there is one (so HR's audit page can filter by them), else by the user."""
    organization_id = getattr(obj, "organization_id", None) or (obj.pk if isinstance(obj, Organization) else None)
    if organization_id is None:
        return
    with scopes_disabled():
        actor = (
            Membership.objects.filter(user=request.user, organization_id=organization_id)
            .exclude(status=MembershipStatus.INVITED)
            .select_related("user")
            .first()
        )
    audit_log("admin.change" if change else "admin.add", obj=obj, actor=actor, changes=changes)


class ReadOnlyTenantAdmin(TenantScopedAdmin):
    """A record that changes only through its pages' services, or never (signed versions, signatures, audit rows,
    notices, alumni records): HR staff read their organizations' rows; nobody adds, changes or deletes one here,
    a superuser included (the delete page answers 403)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserOnlyAdmin:
    """Mixin for the admins of models that belong to no organization (accounts' groups and e-mail addresses, the
    database history): only a superuser sees them, whatever model permissions a staff user was given."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


def _superuser_only(model) -> None:
    """Register `model`'s existing admin again with SuperuserOnlyAdmin in front (it was registered by its app,
    which INSTALLED_APPS loads before this one)."""
    if not admin.site.is_registered(model):
        return
    current = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(f"SuperuserOnly{current.__name__}", (SuperuserOnlyAdmin, current), {}))


def _reregister_untenanted() -> None:
    """The libraries' own admins list every user's rows: groups, e-mail addresses, two-factor authenticators and
    sessions belong to accounts, not to an organization, so only a superuser may open them."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession
    from django.contrib.auth.models import Group

    for model in (Group, EmailAddress, Authenticator, UserSession):
        _superuser_only(model)


_reregister_untenanted()


@admin.register(Department)
class DepartmentAdmin(ReadOnlyTenantAdmin):
    service_note = _(
        "Departments are added, renamed and archived on the organization's departments page (HR), which keeps "
        "their rules; they are never deleted."
    )
    list_display = ["name", "code", "organization", "position", "archived_at"]
    list_filter = ["organization", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyTenantAdmin):
    """The notices sent and owed: a history, read-only (the failed ones are retried from HR's notices page)."""

    service_note = _("Notices are sent by the site; HR retries failed ones on the failed notifications page.")
    list_display = ["created_at", "kind", "recipient", "state", "sent_at", "read_at", "label"]
    list_filter = ["organization", "state", "kind"]
    search_fields = ["kind", "label", "recipient__user__name", "recipient__user__email"]
    list_select_related = ["recipient__user", "recipient__organization"]
    date_hierarchy = "created_at"
    exclude = ["content_type", "object_id"]


def _register_history_events() -> None:
    """The database history (alliance.history) of each tracked model: superusers read it; it is append-only."""
    from alliance.history import event_models

    for event_model, _tracked in event_models():
        if admin.site.is_registered(event_model):
            continue
        fields = [f.name for f in event_model._meta.concrete_fields]
        admin.site.register(
            event_model,
            type(
                f"{event_model.__name__}Admin",
                (SuperuserOnlyAdmin, admin.ModelAdmin),
                {
                    "list_display": [
                        n for n in ("pgh_created_at", "pgh_label", "pgh_obj", "organization") if n in fields
                    ],
                    "list_filter": ["pgh_label"],
                    "search_fields": ["pgh_obj_id"],
                    "readonly_fields": fields,
                    "has_add_permission": lambda self, request, *args: False,
                    "has_change_permission": lambda self, request, obj=None: False,
                    "has_delete_permission": lambda self, request, obj=None: False,
                },
            ),
        )


_register_history_events()


def scoped_admin_log(request, limit: int = 10) -> list:
    """The user's own latest admin actions (LogEntry, newest first, at most `limit`) on rows they may still see:
    an entry about a row of an organization where they are no longer HR, or about a deleted row (a superuser's
    alone), is left out, so the index's "recent actions" box names nothing outside the user's reach."""
    from django.contrib.admin.models import LogEntry

    shown = []
    for entry in LogEntry.objects.filter(user=request.user).select_related("content_type")[: limit * 5]:
        model = entry.content_type.model_class() if entry.content_type_id else None
        model_admin = admin.site._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            continue
        if entry.is_deletion():
            if not request.user.is_superuser:
                continue
        elif not model_admin.get_queryset(request).filter(pk=entry.object_id).exists():
            continue
        shown.append(entry)
        if len(shown) == limit:
            break
    return shown


_site_index = admin.site.index


def _scoped_index(request, extra_context=None):
    return _site_index(request, {"admin_log": scoped_admin_log(request), **(extra_context or {})})


# AdminSite.get_urls wraps `self.index` (looked up on the instance) in admin_view, so this runs in admin_scope.
admin.site.index = _scoped_index
admin.site.index_template = "admin/alliance/index.html"
