"""Opportunities and referrals pages: the list and one opportunity (interest, follow-up), posting, editing and
closing one, referring a candidate, one's own referrals, HR's referrals list and a referral's page.

Who may read what is decided in alumni.selectors.opportunities (the access_* helpers); the writes and their
rules are alumni.services.opportunities. Form views render their page again with the form bound on a mistake.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from alliance.conflicts import StateConflict
from alliance.permissions import membership_has
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page, url_object
from alumni.capabilities import (
    EXPRESS_INTEREST,
    MANAGE_COMMUNITY,
    REFER_CANDIDATES,
    USE_COMMUNITY,
    VIEW_OPPORTUNITIES,
)
from alumni.forms_opportunities import (
    InterestForm,
    InterestStatusForm,
    OpportunityFilterForm,
    OpportunityForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralStatusForm,
)
from alumni.models import InterestStatus, OpportunityStatus
from alumni.selectors import opportunities as selectors
from alumni.selectors.posts import author_name
from alumni.services import opportunities as services

PER_PAGE = 20


def _opportunity_url(view, pk=None):
    return reverse("alumni:opportunity", args=[view.organization.slug, pk or view.opportunity.pk])


def managed_opportunity(view):
    """The opportunity `pk` as the member may read it (404), which they must manage: poster or HR (403)."""
    opportunity = url_object(selectors.access_opportunity, pk="pk")(view)
    if not selectors.may_manage(view.membership, opportunity):
        raise PermissionDenied
    return opportunity


def editable_opportunity(view):
    """A managed opportunity that is not closed: a closed one is kept as it was (409)."""
    opportunity = managed_opportunity(view)
    if opportunity.status == OpportunityStatus.CLOSED:
        raise services.closed_conflict(opportunity)
    return opportunity


def own_active_interest(view):
    """The member's active interest in the opportunity `pk` (404 when they have none)."""
    from django.http import Http404

    interest = selectors.own_interest(opportunity=view.opportunity, membership=view.membership)
    if interest is None or not interest.is_active:
        raise Http404
    return interest


class OpportunityListView(TenantView, TemplateView):
    """GET: the opportunities the member may read (current employees: open ones), filtered by kind and open or
    closed (open by default), paginated. A fixed number of queries whatever the number of rows."""

    template_name = "alumni/opportunities/list.html"
    capabilities = {"GET": VIEW_OPPORTUNITIES}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = OpportunityFilterForm(self.request.GET or {"state": selectors.OPEN})
        data = form.cleaned_data if form.is_valid() else {"state": selectors.OPEN}
        state = data.get("state") or selectors.OPEN
        rows = selectors.opportunities(
            organization=self.organization, viewer=self.membership, kind=data.get("kind", ""), state=state
        )
        page = Paginator(rows, PER_PAGE).get_page(self.request.GET.get("page"))
        for opportunity in page.object_list:
            opportunity.shown_poster = selectors.poster_name(opportunity)
        ctx.update(
            filter_form=form,
            sees_closed=selectors.sees_closed(self.membership),
            may_post=membership_has(self.membership, USE_COMMUNITY),
            page=page,
            querystring=querystring_without_page(self.request),
            filtered=bool(self.request.GET.get("kind")) or state != selectors.OPEN,
        )
        return ctx


class OpportunityFormView(TenantView, TemplateView):
    """Posting (no `pk`) or editing (its poster or HR) an opportunity."""

    template_name = "alumni/opportunities/form.html"
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}

    def initial(self):
        return {}

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=OpportunityForm(initial=self.initial())))

    def post(self, request, *args, **kwargs):
        form = OpportunityForm(request.POST)
        if form.is_valid():
            try:
                opportunity = self.save(form.cleaned_data)
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, self.success)
                return redirect(_opportunity_url(self, opportunity.pk))
        return self.render_to_response(self.get_context_data(form=form))


class OpportunityCreateView(OpportunityFormView):
    success = ""

    def save(self, data):
        self.success = _("Your opportunity is posted.")
        return services.opportunity_create(actor=self.membership, **data)


class OpportunityEditView(OpportunityFormView):
    url_objects = {"opportunity": editable_opportunity}

    def initial(self):
        o = self.opportunity
        return {
            "kind": o.kind,
            "title": o.title,
            "description": o.description,
            "location": o.location,
            "remote": o.remote,
            "closes_on": o.closes_on,
        }

    def save(self, data):
        self.success = _("The opportunity is saved.")
        return services.opportunity_update(opportunity=self.opportunity, actor=self.membership, **data)


class OpportunityDetailView(TenantView, TemplateView):
    """GET: one opportunity; its poster and HR see who is interested (and follow each up), an alumnus their own
    interest and its status, anyone who may refer the way to refer someone."""

    template_name = "alumni/opportunities/detail.html"
    capabilities = {"GET": VIEW_OPPORTUNITIES}
    url_objects = {"opportunity": url_object(selectors.access_opportunity, pk="pk")}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opportunity = self.opportunity
        opportunity.shown_poster = selectors.poster_name(opportunity)
        opportunity.shown_closer = author_name(opportunity.closed_by) if opportunity.closed_by_id else ""
        manages = selectors.may_manage(self.membership, opportunity)
        may_express = (
            membership_has(self.membership, EXPRESS_INTEREST) and opportunity.posted_by_id != self.membership.pk
        )
        own = selectors.own_interest(opportunity=opportunity, membership=self.membership) if may_express else None
        ctx.update(
            manages=manages,
            interests=list(selectors.interests_of(opportunity=opportunity)) if manages else None,
            status_choices=InterestStatus.choices,
            may_express=may_express,
            own_interest=own,
            may_refer=membership_has(self.membership, REFER_CANDIDATES) and opportunity.is_open,
            my_referrals=list(selectors.referrals_by(membership=self.membership).filter(opportunity=opportunity)),
        )
        ctx.setdefault("interest_form", InterestForm())
        return ctx


class OpportunityCloseView(TenantView, TemplateView):
    """GET: asks to confirm; POST: closes the opportunity (its poster or HR), which stays readable."""

    template_name = "alumni/opportunities/close.html"
    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"opportunity": managed_opportunity}

    def post(self, request, *args, **kwargs):
        services.opportunity_close(opportunity=self.opportunity, actor=self.membership)
        messages.success(request, _("The opportunity is closed. It stays readable, marked closed."))
        return redirect(_opportunity_url(self))


class InterestExpressView(OpportunityDetailView):
    """POST: the member says they are interested (with an optional note); GET leads back to the opportunity."""

    capabilities = {"GET": EXPRESS_INTEREST, "POST": EXPRESS_INTEREST}

    def get(self, request, *args, **kwargs):
        return redirect(_opportunity_url(self))

    def post(self, request, *args, **kwargs):
        form = InterestForm(request.POST)
        if form.is_valid():
            try:
                services.interest_express(
                    opportunity=self.opportunity, actor=self.membership, note=form.cleaned_data["note"]
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The poster knows you are interested."))
                return redirect(_opportunity_url(self))
        return self.render_to_response(self.get_context_data(interest_form=form))


class InterestWithdrawView(TenantView, TemplateView):
    """GET: asks to confirm; POST: withdraws the member's own interest (kept, marked withdrawn)."""

    template_name = "alumni/opportunities/interest_withdraw.html"
    capabilities = {"GET": EXPRESS_INTEREST, "POST": EXPRESS_INTEREST}
    url_objects = {
        "opportunity": url_object(selectors.access_opportunity, pk="pk"),
        "interest": own_active_interest,
    }

    def post(self, request, *args, **kwargs):
        services.interest_withdraw(interest=self.interest, actor=self.membership)
        messages.success(request, _("Your interest is withdrawn."))
        return redirect(_opportunity_url(self))


class InterestStatusView(TenantView, TemplateView):
    """POST: the poster or HR set the follow-up status of one interest; GET leads back to the opportunity."""

    capabilities = {"GET": USE_COMMUNITY, "POST": USE_COMMUNITY}
    url_objects = {"interest": url_object(selectors.access_interest, pk="pk")}

    def get(self, request, *args, **kwargs):
        return redirect(_opportunity_url(self, self.interest.opportunity_id) + "#interest")

    def post(self, request, *args, **kwargs):
        form = InterestStatusForm(request.POST)
        if form.is_valid():
            services.interest_set_status(
                interest=self.interest, actor=self.membership, status=form.cleaned_data["status"]
            )
            messages.success(request, _("The follow-up status is saved."))
        else:
            messages.error(request, _("Choose one of the statuses listed."))
        return redirect(_opportunity_url(self, self.interest.opportunity_id) + "#interest")


class ReferralCreateView(TenantView, TemplateView):
    """GET/POST: refer a candidate to an open opportunity (closed: 409)."""

    template_name = "alumni/opportunities/refer.html"
    capabilities = {"GET": REFER_CANDIDATES, "POST": REFER_CANDIDATES}
    url_objects = {"opportunity": url_object(selectors.access_opportunity, pk="pk")}

    def get(self, request, *args, **kwargs):
        if not self.opportunity.is_open:
            raise services.closed_conflict(self.opportunity)
        return self.render_to_response(self.get_context_data(form=ReferralForm()))

    def post(self, request, *args, **kwargs):
        form = ReferralForm(request.POST)
        if form.is_valid():
            try:
                referral = services.referral_create(
                    opportunity=self.opportunity, actor=self.membership, **form.cleaned_data
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("Thank you: HR has your referral and will tell you of each step."))
                return redirect("alumni:referral", self.organization.slug, referral.pk)
        return self.render_to_response(self.get_context_data(form=form))


class MyReferralsView(TenantView, TemplateView):
    """GET: the referrals the member made, with their status, paginated."""

    template_name = "alumni/opportunities/my_referrals.html"
    capabilities = {"GET": REFER_CANDIDATES}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = selectors.referrals_by(membership=self.membership)
        ctx["page"] = Paginator(rows, PER_PAGE).get_page(self.request.GET.get("page"))
        ctx["querystring"] = querystring_without_page(self.request)
        return ctx


class ReferralListView(TenantView, TemplateView):
    """GET (HR): every referral of the organization, filtered by status, paginated; fixed query count."""

    template_name = "alumni/opportunities/referrals.html"
    capabilities = {"GET": MANAGE_COMMUNITY}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ReferralFilterForm(self.request.GET or None)
        status = form.cleaned_data.get("status", "") if form.is_valid() else ""
        rows = selectors.referrals(organization=self.organization, status=status)
        ctx.update(
            filter_form=form,
            filtered=bool(status),
            page=Paginator(rows, PER_PAGE).get_page(self.request.GET.get("page")),
            querystring=querystring_without_page(self.request),
        )
        return ctx


class ReferralDetailView(TenantView, TemplateView):
    """GET: one referral with its history (HR and its referrer; 404 to anyone else); HR moves its status."""

    template_name = "alumni/opportunities/referral.html"
    capabilities = {"GET": REFER_CANDIDATES}
    url_objects = {"referral": url_object(selectors.access_referral, pk="pk")}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        may_move = membership_has(self.membership, MANAGE_COMMUNITY) and not self.referral.is_final
        if may_move and "status_form" not in ctx:
            ctx["status_form"] = ReferralStatusForm(choices=self.referral.next_statuses())
        ctx["may_move"] = may_move
        return ctx


class ReferralStatusView(ReferralDetailView):
    """POST (HR): move the referral to its next status with a note; GET leads back to the referral."""

    capabilities = {"GET": MANAGE_COMMUNITY, "POST": MANAGE_COMMUNITY}

    def get(self, request, *args, **kwargs):
        return redirect("alumni:referral", self.organization.slug, self.referral.pk)

    def post(self, request, *args, **kwargs):
        if self.referral.is_final:
            # The service answers with the 409 that says the referral is final.
            services.referral_set_status(referral=self.referral, actor=self.membership, status="", note="")
        form = ReferralStatusForm(request.POST, choices=self.referral.next_statuses())
        if form.is_valid():
            try:
                services.referral_set_status(
                    referral=self.referral,
                    actor=self.membership,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The status is changed; the referrer is told."))
                return redirect("alumni:referral", self.organization.slug, self.referral.pk)
        return self.render_to_response(self.get_context_data(status_form=form))
