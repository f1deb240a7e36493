import json

from allauth.account.adapter import get_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import FormView, TemplateView

from alliance import selectors, services
from alliance.account_security import MFA_NEXT_SESSION_KEY, safe_next
from alliance.forms import (
    CompanyValueFormSet,
    InvitationAcceptForm,
    InvitationForm,
    MemberFilterForm,
    MembershipForm,
    OrganizationForm,
    ProfileForm,
)
from alliance.models import CompanyValue
from alliance.permissions import (
    MANAGE_MEMBERS,
    MANAGE_ORGANIZATION,
    VIEW_ALUMNI_PAGES,
    VIEW_MEMBERS,
    VIEW_ORG_STATISTICS,
    VIEW_REPORTS,
    access_membership,
    access_pending_invitation,
    membership_has,
)
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

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["values"] = list(self.organization.values.all())
        if membership_has(self.membership, VIEW_REPORTS):
            reports = selectors.reports_of(membership=self.membership)
            # The card shows a few names; the team page lists everyone, paginated.
            ctx["reports"] = list(reports[:DASHBOARD_REPORTS])
            ctx["reports_total"] = reports.count() if len(ctx["reports"]) == DASHBOARD_REPORTS else len(ctx["reports"])
        if membership_has(self.membership, VIEW_ORG_STATISTICS):
            ctx["counts"] = selectors.organization_counts(organization=self.organization)
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
            for key in ("email", "reading", "role", "manager", "job_title")
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
        return {"role": self.target.role, "manager": self.target.manager, "job_title": self.target.job_title}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organization": self.organization, "exclude_pk": self.target.pk}

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


class OrganizationSettingsView(TenantView, TemplateView):
    """HR edits the company's name, mission, vision, values, checkpoint interval and countersigning."""

    template_name = "alliance/settings.html"
    capabilities = {"GET": MANAGE_ORGANIZATION, "POST": MANAGE_ORGANIZATION}

    def forms(self, data=None):
        values = CompanyValue.objects.for_organization(self.organization).order_by("position", "id")
        return (
            OrganizationForm(data, instance=self.organization),
            CompanyValueFormSet(data, queryset=values, prefix="values"),
        )

    def get(self, request, *args, **kwargs):
        form, values = self.forms()
        return self.render_to_response(self.get_context_data(form=form, values_formset=values))

    def post(self, request, *args, **kwargs):
        form, values = self.forms(request.POST)
        if form.is_valid() and values.is_valid():
            services.organization_update(organization=self.organization, form=form, values_formset=values)
            messages.success(request, _("The organization's settings were saved."))
            return redirect("organization_settings", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form, values_formset=values))
