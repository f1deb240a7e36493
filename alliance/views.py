import json

from allauth.account.adapter import get_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Window
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import FormView, TemplateView

from alliance import page_cache, selectors, services
from alliance.account_security import MFA_NEXT_SESSION_KEY, safe_next
from alliance.forms import (
    CompanyValueFormSet,
    DepartmentForm,
    InvitationAcceptForm,
    InvitationForm,
    MemberFilterForm,
    MemberImportForm,
    MembershipForm,
    OrganizationForm,
    ProfileForm,
)
from alliance.models import CompanyValue
from alliance.org_settings import settings_parts
from alliance.permissions import (
    MANAGE_MEMBERS,
    MANAGE_ORGANIZATION,
    VIEW_ALUMNI_PAGES,
    VIEW_MEMBERS,
    VIEW_ORG_STATISTICS,
    VIEW_REPORTS,
    access_department,
    access_membership,
    access_pending_invitation,
    membership_has,
)
from alliance.templatetags.form_errors import error_items
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page, url_object

MEMBERS_PER_PAGE = 25
DASHBOARD_REPORTS = 8


@require_GET
def landing(request):
    """`/`: a signed-in member goes to their organization (or chooses one); everyone else sees the product."""
    if request.user.is_authenticated:
        memberships = list(selectors.memberships_of_user(user=request.user))
        if len(memberships) == 1:
            return redirect("dashboard", org_slug=memberships[0].organization.slug)
        return redirect("organization_chooser")
    return render(request, "alliance/landing.html")


class OrganizationChooserView(LoginRequiredMixin, TemplateView):
    template_name = "alliance/chooser.html"


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "alliance/profile.html"
    form_class = ProfileForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "mfa_enabled": is_mfa_enabled(self.request.user)}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def form_valid(self, form):
        user = form.save()
        messages.success(self.request, _("Your profile was saved."))
        response = HttpResponseRedirect(reverse("profile"))
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response


class MfaRequiredView(LoginRequiredMixin, TemplateView):
    """`/profile/two-factor/required/?next=<path>`: where an HR member of an organization requiring two-factor
    authentication lands from an HR page or the admin (alliance.account_security). Remembers `next` (a path of
    this site) so the MFA pages can offer to continue there once it is on."""

    template_name = "alliance/mfa_required.html"

    def get(self, request, *args, **kwargs):
        next_url = safe_next(request, request.GET.get("next"))
        if next_url:
            request.session[MFA_NEXT_SESSION_KEY] = next_url
        if is_mfa_enabled(request.user):
            return redirect(reverse("mfa_continue"))
        return super().get(request, *args, **kwargs)


@login_required
@require_GET
def mfa_continue(request):
    """`/profile/two-factor/continue/`: go on to the page remembered by MfaRequiredView (once), or the profile."""
    next_url = safe_next(request, request.session.pop(MFA_NEXT_SESSION_KEY, None))
    return HttpResponseRedirect(next_url or reverse("profile"))


def set_language(request):
    """Switch the page language; a signed-in user's choice also becomes their preference (and e-mail language)."""
    if request.method != "POST":
        return redirect("landing")
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


@require_safe
def healthz(request):
    checks, failed = {}, []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
        failed.append("database")
    if settings.CELERY_BROKER_URL:
        from alliance.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception:
            checks["broker"] = "error"
            failed.append("broker")
    body = {"status": "error" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return HttpResponse(json.dumps(body), status=503 if failed else 200, content_type="application/json")


class InvitationAcceptView(View):
    """The link from the invitation e-mail; it lives outside `/<org_slug>/` since its holder is no member yet."""

    template_name = "alliance/invitation_accept.html"

    def get(self, request, token):
        try:
            invitation = services.invitation_by_token(token)
        except services.InvitationError as error:
            return render(request, self.template_name, {"error": str(error)}, status=410)
        if not request.user.is_authenticated:
            # The address the link was mailed to is proven: signing up with it needs no second verification.
            get_adapter(request).stash_verified_email(request, invitation.email)
            form = None
        else:
            # The reading the person gave themselves wins over the one HR typed; either can be corrected here.
            form = InvitationAcceptForm(initial={"reading": request.user.reading or invitation.reading})
        return render(request, self.template_name, {"invitation": invitation, "token": token, "form": form})

    def post(self, request, token):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        form = InvitationAcceptForm(request.POST)
        try:
            if not form.is_valid():
                invitation = services.invitation_by_token(token)
                context = {"invitation": invitation, "token": token, "form": form}
                return render(request, self.template_name, context, status=200)
            membership = services.invitation_accept(
                token=token,
                user=request.user,
                reading=form.cleaned_data["reading"] if "reading" in request.POST else None,
            )
        except services.InvitationError as error:
            return render(request, self.template_name, {"error": str(error)}, status=410)
        messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
        return redirect("dashboard", org_slug=membership.organization.slug)


class DashboardView(TenantView, TemplateView):
    template_name = "alliance/dashboard.html"
    # Alumni keep a home page in the organization they left (the alumni pages hang off it).
    capabilities = {"GET": VIEW_ALUMNI_PAGES}
    page_cache = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["values"] = list(self.organization.values.all())
        if membership_has(self.membership, VIEW_REPORTS):
            # The card shows a few names; the team page lists everyone, paginated. The total rides on the same
            # query (a window count), so a manager of many makes as many queries as a manager of a few.
            reports = selectors.reports_of(membership=self.membership).annotate(listed_total=Window(Count("pk")))
            ctx["reports"] = list(reports[:DASHBOARD_REPORTS])
            ctx["reports_total"] = ctx["reports"][0].listed_total if ctx["reports"] else 0
        if membership_has(self.membership, VIEW_ORG_STATISTICS):
            ctx["counts"] = selectors.organization_counts(organization=self.organization)
            page_cache.changes_at(self.request, ctx["counts"]["next_invitation_expiry"])
        ctx["cards"] = dashboard_cards(self.request, self.membership)
        if not self.membership.is_alumni:
            from alliance.dashboard import collect_waiting

            ctx["waiting"] = collect_waiting(membership=self.membership)
        return ctx


def dashboard_cards(request, membership):
    """Cards that the lifecycle apps add to the dashboard; each app registers a function in DASHBOARD_CARDS."""
    from alliance.dashboard import collect_cards

    return collect_cards(request=request, membership=membership)


class MemberListView(TenantView, TemplateView):
    template_name = "alliance/members.html"
    capabilities = {"GET": VIEW_MEMBERS}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = MemberFilterForm(self.request.GET or None, organization=self.organization)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.member_list(
            organization=self.organization,
            query=filters.get("q", ""),
            role=filters.get("role", ""),
            status=filters.get("status", ""),
            manager_id=filters["manager"].pk if filters.get("manager") else None,
            without_manager=filters.get("no_manager", False),
            department_id=filters["department"].pk if filters.get("department") else None,
        )
        page = Paginator(qs, MEMBERS_PER_PAGE).get_page(self.request.GET.get("page"))
        ctx.update(
            filter_form=form,
            page=page,
            filtered=any(filters.values()),
            querystring=querystring_without_page(self.request),
            invitations=selectors.pending_invitations(organization=self.organization)[:50],
        )
        return ctx


class InviteView(TenantView, FormView):
    template_name = "alliance/invite.html"
    form_class = InvitationForm
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS, "PUT": MANAGE_MEMBERS}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.organization}

    def get_initial(self):
        # "Send again" on the members page opens this form filled from the pending invitation.
        return {
            key: self.request.GET[key]
            for key in ("email", "reading", "role", "manager", "job_title", "department")
            if key in self.request.GET
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(invitation_days=settings.INVITATION_VALID_DAYS, **kwargs)

    def form_valid(self, form):
        try:
            invitation, _token = services.invitation_create(
                organization=self.organization, invited_by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
        return redirect("members", org_slug=self.organization.slug)


class MemberEditView(TenantView, FormView):
    template_name = "alliance/member_edit.html"
    form_class = MembershipForm
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS, "PUT": MANAGE_MEMBERS}
    url_objects = {"target": url_object(access_membership, pk="pk")}

    def get_initial(self):
        target = self.target
        return {
            "role": target.role,
            "manager": target.manager,
            "job_title": target.job_title,
            "department": target.department_id,
        }

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "organization": self.organization,
            "exclude_pk": self.target.pk,
            "current_department_id": self.target.department_id,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            target=self.target, manager_changes=selectors.manager_changes(membership=self.target)[:50], **kwargs
        )

    def form_valid(self, form):
        try:
            services.membership_update(membership=self.target, actor=self.membership, **form.cleaned_data)
        except ValidationError as error:
            apply_form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was updated.") % {"name": self.target.shown_name})
        return redirect("members", org_slug=self.organization.slug)


class InvitationRevokeView(TenantView, TemplateView):
    """GET asks for confirmation; POST withdraws the invitation (the row is kept, its link stops working)."""

    template_name = "alliance/invitation_revoke.html"
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS}
    url_objects = {"invitation": url_object(access_pending_invitation, pk="pk")}

    def post(self, request, *args, **kwargs):
        invitation = self.invitation
        services.invitation_revoke(invitation=invitation)
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
        return redirect("members", org_slug=self.organization.slug)


def user_has_mfa(user) -> bool:
    """Whether `user` has set up a second factor (allauth's MFA authenticators); False where MFA is not installed."""
    from django.apps import apps

    if not apps.is_installed("allauth.mfa"):
        return False
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).exists()


# Read by the page's script too (static/js/value-order.js), with {title}, {n} and {total} filled in.
VALUE_MOVED = gettext_lazy("“{title}” is now value {n} of {total}. Save to keep the new order.")
VALUE_NOT_MOVED = gettext_lazy("“{title}” is already value {n} of {total}: it cannot move further.")


def move_value(data, move: str):
    """Apply a no-script move button to posted settings: `move` is "<value id>:up" or ":down". Returns a copy of
    `data` with the existing values' `position` inputs renumbered 1..n in the new order, and the sentence that
    says where the value now stands (or that it cannot move further: the first up, the last down). Nothing is
    saved: the page shows the new order, and Save stores it with the rest. Unreadable input leaves the order
    as it was (None for the sentence)."""
    data = data.copy()
    pk, _sep, direction = move.partition(":")
    try:
        count = min(int(data.get("values-INITIAL_FORMS", 0)), 1000)
        rows = sorted(
            (int(data.get(f"values-{i}-position") or 0), i, data.get(f"values-{i}-id"), data.get(f"values-{i}-title"))
            for i in range(count)
        )
    except ValueError:
        return data, None
    index = next((n for n, row in enumerate(rows) if row[2] == pk), None)
    if index is None or direction not in {"up", "down"}:
        return data, None
    target = index - 1 if direction == "up" else index + 1
    sentence = VALUE_NOT_MOVED
    if 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
        index, sentence = target, VALUE_MOVED
    for number, row in enumerate(rows, start=1):
        data[f"values-{row[1]}-position"] = str(number)
    return data, str(sentence).format(title=rows[index][3] or "", n=index + 1, total=len(rows))


class OrganizationSettingsView(TenantView, TemplateView):
    """HR edits the organization's settings in sections: the company's name, mission and vision; its values (with
    their order); agreements and checkpoints; the feature apps' parts (alliance.org_settings); security. One Save
    stores them all (services.organization_update); the values' move buttons post the form back in a new order
    without saving it."""

    template_name = "alliance/settings.html"
    capabilities = {"GET": MANAGE_ORGANIZATION, "POST": MANAGE_ORGANIZATION}

    def forms(self, data=None):
        values = CompanyValue.objects.for_organization(self.organization).order_by("position", "id")
        parts = [(part, part.form(data, organization=self.organization, prefix=part.key)) for part in settings_parts()]
        return (
            OrganizationForm(data, instance=self.organization),
            CompanyValueFormSet(data, queryset=values, prefix="values"),
            parts,
        )

    def page(self, form, values, parts, *, moved=None, moved_pk=None):
        existing = values.forms[: values.initial_form_count()]

        def place(value_form):
            try:
                return int(value_form["position"].value() or 0)
            except (TypeError, ValueError):
                return 0

        ctx = self.get_context_data(
            form=form,
            values_formset=values,
            value_rows=sorted(existing, key=place),
            new_value_rows=values.forms[values.initial_form_count() :],
            parts=[(part, part_form, self._links(part)) for part, part_form in parts],
            sections={key: [form[name] for name in names] for key, names in OrganizationForm.SECTIONS.items()},
            mfa_required_now=form.initial.get("hr_requires_mfa"),
            error_items=error_items(form, values, *(part_form for _part, part_form in parts)),
            moved=moved,
            moved_pk=moved_pk,
            value_moved=str(VALUE_MOVED),
            value_not_moved=str(VALUE_NOT_MOVED),
            viewer_has_mfa=user_has_mfa(self.request.user),
        )
        return self.render_to_response(ctx)

    def _links(self, part):
        return [(label, reverse(name, kwargs={"org_slug": self.organization.slug})) for label, name in part.links]

    def get(self, request, *args, **kwargs):
        return self.page(*self.forms())

    def post(self, request, *args, **kwargs):
        if "move" in request.POST:
            data, sentence = move_value(request.POST, request.POST["move"])
            return self.page(*self.forms(data), moved=sentence, moved_pk=request.POST["move"].partition(":")[0])
        form, values, parts = self.forms(request.POST)
        if not (form.is_valid() and values.is_valid() and all(part_form.is_valid() for _p, part_form in parts)):
            return self.page(form, values, parts)
        turned_on_mfa = form.cleaned_data["hr_requires_mfa"] and not form.initial.get("hr_requires_mfa")
        services.organization_update(
            organization=self.organization, form=form, values_formset=values, parts=parts, actor=self.membership
        )
        messages.success(request, _("The organization's settings were saved."))
        if turned_on_mfa and not user_has_mfa(request.user):
            messages.warning(
                request,
                _(
                    "HR members must now use two-factor authentication, and you have not set it up yet: you will "
                    "be asked to set it up before you open an HR page again."
                ),
            )
        return redirect("organization_settings", org_slug=self.organization.slug)


class DepartmentListView(TenantView, TemplateView):
    """HR's list of departments (部署) with member counts; POST adds one at the end of the list."""

    template_name = "alliance/departments.html"
    capabilities = {"GET": VIEW_MEMBERS, "POST": MANAGE_MEMBERS}

    def get_context_data(self, **kwargs):
        departments = list(selectors.department_list(organization=self.organization))
        kwargs.setdefault("form", DepartmentForm())
        return super().get_context_data(
            active=[d for d in departments if d.archived_at is None],
            archived=[d for d in departments if d.archived_at is not None],
            can_manage=membership_has(self.membership, MANAGE_MEMBERS),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = DepartmentForm(request.POST)
        if form.is_valid():
            try:
                department = services.department_create(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The department %(name)s was added.") % {"name": department.name})
                return redirect("departments", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))


class DepartmentEditView(TenantView, FormView):
    """Rename a department or change its code."""

    template_name = "alliance/department_edit.html"
    form_class = DepartmentForm
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS, "PUT": MANAGE_MEMBERS}
    url_objects = {"department": url_object(access_department, pk="pk")}

    def get_initial(self):
        return {"name": self.department.name, "code": self.department.code}

    def form_valid(self, form):
        try:
            services.department_update(department=self.department, **form.cleaned_data)
        except ValidationError as error:
            apply_form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The department %(name)s was saved.") % {"name": self.department.name})
        return redirect("departments", org_slug=self.organization.slug)


class DepartmentMoveView(TenantView):
    """POST `direction=up|down`: move a department one place in the list (buttons, usable by keyboard)."""

    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS}
    url_objects = {"department": url_object(access_department, pk="pk")}

    def get(self, request, *args, **kwargs):
        # Moving is a POST from the list's buttons; a GET (a bookmarked or copied link) just shows the list.
        return redirect("departments", org_slug=self.organization.slug)

    def post(self, request, *args, **kwargs):
        services.department_move(department=self.department, up=request.POST.get("direction") != "down")
        return redirect(f"{reverse('departments', args=[self.organization.slug])}#department-{self.department.pk}")


class DepartmentArchiveView(TenantView, TemplateView):
    """GET asks for confirmation; POST archives the department (or, with `restore`, brings it back)."""

    template_name = "alliance/department_archive.html"
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS}
    url_objects = {"department": url_object(access_department, pk="pk")}

    def post(self, request, *args, **kwargs):
        restore = request.POST.get("restore") == "1"
        services.department_archive(department=self.department, archived=not restore)
        text = _("%(name)s is back in the list.") if restore else _("%(name)s was archived.")
        messages.success(request, text % {"name": self.department.name})
        return redirect("departments", org_slug=self.organization.slug)


IMPORT_SESSION_KEY = "member_import"
IMPORT_ROWS_PER_PAGE = 100


class MemberImportView(TenantView, FormView):
    """Step 1 of an import: upload a CSV or Excel file. It is read and kept (as parsed rows) in the session for
    the preview; a file that cannot be read is refused here with the reason."""

    template_name = "alliance/member_import.html"
    form_class = MemberImportForm
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS, "PUT": MANAGE_MEMBERS}
    # The file may be up to MAX_BYTES (2 MB); the form's other fields need little more (RequestBodyLimitMiddleware).
    max_request_body = 2 * 1024 * 1024 + 64 * 1024

    def get_context_data(self, **kwargs):
        from alliance.member_import import HEADERS_EN, HEADERS_JA, column_headers

        return super().get_context_data(
            headers=list(zip(HEADERS_JA, HEADERS_EN, strict=True)), columns=column_headers(), **kwargs
        )

    def form_valid(self, form):
        from alliance.member_import import MAX_BYTES, ImportFileError, read_member_file

        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:
                raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files and import each."))
            parsed = read_member_file(upload.name, upload.read())
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        self.request.session[IMPORT_SESSION_KEY] = {"organization": self.organization.pk, **parsed.to_session()}
        return redirect("member_import_preview", org_slug=self.organization.slug)


def _stored_import(view):
    """The parsed file of the import in progress for this organization, or None."""
    from alliance.member_import import ParsedFile

    data = view.request.session.get(IMPORT_SESSION_KEY)
    if not data or data.get("organization") != view.organization.pk:
        return None
    return ParsedFile.from_session(data)


class MemberImportPreviewView(TenantView, TemplateView):
    """Step 2: what the import would do, row by row, and what to fix; POST confirms and applies it."""

    template_name = "alliance/member_import_preview.html"
    capabilities = {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS}

    def get(self, request, *args, **kwargs):
        from alliance.member_import import plan_import

        parsed = _stored_import(self)
        if parsed is None:
            return redirect("member_import", org_slug=self.organization.slug)
        plan = plan_import(organization=self.organization, actor=self.membership, parsed=parsed)
        return self.render_to_response(self.get_context_data(plan=plan, parsed=parsed))

    def get_context_data(self, *, plan, parsed, **kwargs):
        from alliance.member_import import column_headers

        page = Paginator(plan.rows, IMPORT_ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            columns=column_headers(),
            plan=plan,
            parsed=parsed,
            page=page,
            querystring="",
            errors=plan.errors[:500],
            more_errors=max(0, len(plan.errors) - 500),
            counts={
                "invite": plan.count("invite"),
                "update": plan.count("update"),
                "unchanged": plan.count("unchanged"),
                "error": plan.count("error"),
            },
            fingerprint=plan.fingerprint(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        from alliance.member_import import member_import_apply, plan_import

        parsed = _stored_import(self)
        if parsed is None:
            messages.error(request, _("The import has expired. Upload the file again."))
            return redirect("member_import", org_slug=self.organization.slug)
        current = plan_import(organization=self.organization, actor=self.membership, parsed=parsed)
        if current.fingerprint() != request.POST.get("fingerprint"):
            # The members changed since the preview was shown: show what the import would do now.
            messages.warning(request, _("Members changed since this preview was made. Check it again and confirm."))
            return self.render_to_response(self.get_context_data(plan=current, parsed=parsed))
        plan = member_import_apply(organization=self.organization, actor=self.membership, parsed=parsed)
        if not plan.is_valid:
            return self.render_to_response(self.get_context_data(plan=plan, parsed=parsed), status=200)
        del request.session[IMPORT_SESSION_KEY]
        messages.success(
            request,
            _("Import done: %(invited)s invited, %(updated)s changed, %(unchanged)s left as they were.")
            % {
                "invited": plan.count("invite"),
                "updated": plan.count("update"),
                "unchanged": plan.count("unchanged"),
            },
        )
        return redirect("members", org_slug=self.organization.slug)


class MemberExportView(TenantView):
    """The members in the import's format: `?format=xlsx` for Excel (built in memory: an .xlsx is a zip), CSV
    (UTF-8 with BOM, streamed) otherwise. Every download is recorded in the audit trail."""

    capabilities = {"GET": VIEW_MEMBERS}

    def get(self, request, *args, **kwargs):
        from django.utils import timezone
        from django.utils.translation import get_language

        from alliance import exports
        from alliance.member_import import MemberExport, export_members

        file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        japanese = (get_language() or "ja").startswith("ja")
        export = MemberExport(organization=self.organization, japanese=japanese)
        services.export_recorded(
            organization=self.organization, action="member.export", file_format=file_format, rows=export.count()
        )
        name = f"members-{self.organization.slug}-{timezone.localdate():%Y%m%d}.{file_format}"
        if file_format == "csv":
            return exports.csv_download(
                filename=name, organization=self.organization, header=export.header, rows=export.rows
            )
        body = export_members(organization=self.organization, file_format="xlsx", japanese=japanese)
        return exports.attachment(HttpResponse(body, content_type=exports.XLSX_CONTENT_TYPE), name)
