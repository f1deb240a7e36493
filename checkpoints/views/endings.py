"""The end of a tour and what followed it: propose (completion or early end), confirm, decline, withdraw, HR's
direct end, what followed, and "start the next tour". Each page confirms before it changes anything."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from agreements import access as agreement_access
from agreements.views.tours import TourFormView, visible_tour
from alliance.conflicts import StateConflict
from alliance.permissions import VIEW_OWN_RECORDS
from alliance.tenancy import TenantView, apply_form_errors, url_object
from checkpoints import access, rules, selectors, services
from checkpoints.capabilities import CLOSE_TOURS, END_TOURS
from checkpoints.forms import EndingReasonForm, HrEndForm, OutcomeForm
from checkpoints.models import EndingKind

visible_ending = url_object(access.access_ending, pk="pk")


def _to_tour(view, tour_pk):
    return redirect("agreements:tour", view.organization.slug, tour_pk)


class _Page:
    """Render the view's template with its URL objects and `context` (a mixin of the pages below)."""

    def page(self, **context):
        return self.render_to_response(self.get_context_data(**context))


# --- proposing ------------------------------------------------------------------------------------------------


def tour_to_end(view):
    """The tour `pk` names, for a proposal of the view's `kind`: visible (404), a side's (403), and only while
    the rules allow it (409: not active, a proposal open, the closing review not recorded)."""
    tour = visible_tour(view)
    if access.side_of_tour(view.membership, tour) is None:
        raise PermissionDenied
    conflict = rules.ending_propose_conflict(tour, view.kind, selectors.open_ending(tour))
    if conflict is not None:
        raise conflict
    return tour


class ProposeEndingView(_Page, TenantView, TemplateView):
    """Propose to mark the tour completed (`kind="completed"`) or to end it early with a reason."""

    template_name = "checkpoints/ending_propose.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": CLOSE_TOURS}
    url_objects = {"tour": tour_to_end}
    kind = EndingKind.COMPLETED

    def form(self, data=None):
        if self.kind == EndingKind.COMPLETED:
            return EndingReasonForm(data, label=gettext_lazy("A note on the tour (optional)"))
        return EndingReasonForm(
            data,
            label=gettext_lazy("Why does the tour end early?"),
            help_text=gettext_lazy("Both sides keep this reason; HR reads it too."),
        )

    def get(self, request, *args, **kwargs):
        return self.page(form=self.form(), kind=self.kind, unheld=selectors.unheld_count(self.tour))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.tour_ending_propose(
                    tour=self.tour, actor=self.membership, kind=self.kind, reason=form.cleaned_data["reason"]
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("Your proposal was sent. The tour ends when the other side confirms it."))
                return _to_tour(self, self.tour.pk)
        return self.page(form=form, kind=self.kind, unheld=selectors.unheld_count(self.tour))


def tour_to_end_now(view):
    """The tour `pk` names, for HR's direct end: visible (404), HR's to end (403), active (409)."""
    tour = visible_tour(view)
    if not access.can_end_directly(view.membership, tour):
        raise PermissionDenied
    conflict = rules.tour_not_active_conflict(tour)
    if conflict is not None:
        raise conflict
    return tour


class EndNowView(_Page, TenantView, TemplateView):
    """HR ends a tour early at once because its person leaves (a reason, and HR's statement)."""

    template_name = "checkpoints/ending_hr.html"
    capabilities = {"GET": END_TOURS, "POST": END_TOURS}
    url_objects = {"tour": tour_to_end_now}

    def get(self, request, *args, **kwargs):
        return self.page(form=HrEndForm(), unheld=selectors.unheld_count(self.tour))

    def post(self, request, *args, **kwargs):
        form = HrEndForm(request.POST)
        if form.is_valid():
            try:
                services.tour_end_by_hr(
                    tour=self.tour,
                    actor=self.membership,
                    reason=form.cleaned_data["reason"],
                    person_leaving=form.cleaned_data["person_leaving"],
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The tour of duty was ended early."))
                return _to_tour(self, self.tour.pk)
        return self.page(form=form, unheld=selectors.unheld_count(self.tour))


# --- answering ------------------------------------------------------------------------------------------------


def ending_to_answer(view):
    """The proposal `pk` names, for the other side's answer: visible (404), a side's (403), still open and not
    the viewer's own side's (409)."""
    ending = visible_ending(view)
    side = access.side_of_tour(view.membership, ending.tour)
    if side is None:
        raise PermissionDenied
    conflict = rules.ending_answer_conflict(ending)
    if conflict is not None:
        raise conflict
    if side == ending.proposed_side:
        raise rules.own_proposal_conflict(ending)
    return ending


def ending_to_withdraw(view):
    """The proposal `pk` names, for its own side to withdraw: visible (404), a side's (403), open and of the
    viewer's side (409)."""
    ending = visible_ending(view)
    side = access.side_of_tour(view.membership, ending.tour)
    if side is None:
        raise PermissionDenied
    conflict = rules.ending_answer_conflict(ending)
    if conflict is not None:
        raise conflict
    if side != ending.proposed_side:
        raise rules.others_proposal_conflict(ending)
    return ending


class EndingConfirmView(_Page, TenantView, TemplateView):
    """The other side confirms the proposal: the tour ends."""

    template_name = "checkpoints/ending_answer.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": CLOSE_TOURS}
    url_objects = {"ending": ending_to_answer}
    action = "confirm"

    def context(self, **extra):
        ending = self.ending
        return {"tour": ending.tour, "action": self.action, "unheld": selectors.unheld_count(ending.tour), **extra}

    def get(self, request, *args, **kwargs):
        return self.page(**self.context())

    def post(self, request, *args, **kwargs):
        ending = services.tour_ending_confirm(ending=self.ending, actor=self.membership)
        if ending.kind == EndingKind.COMPLETED:
            messages.success(request, _("The tour of duty is completed. Record what follows it, or start the next."))
        else:
            messages.success(request, _("The tour of duty ended early. Record what follows it."))
        return _to_tour(self, ending.tour_id)


class EndingDeclineView(EndingConfirmView):
    """The other side declines the proposal, saying why: the tour goes on."""

    action = "decline"

    def form(self, data=None):
        return EndingReasonForm(
            data,
            label=gettext_lazy("Why do you decline?"),
            help_text=gettext_lazy("The other side reads it on the tour's page."),
        )

    def get(self, request, *args, **kwargs):
        return self.page(**self.context(form=self.form()))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.tour_ending_decline(
                    ending=self.ending, actor=self.membership, reason=form.cleaned_data["reason"]
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("You declined the proposal. The tour goes on."))
                return _to_tour(self, self.ending.tour_id)
        return self.page(**self.context(form=form))


class EndingWithdrawView(EndingConfirmView):
    """The proposer's side withdraws its proposal."""

    url_objects = {"ending": ending_to_withdraw}
    action = "withdraw"

    def post(self, request, *args, **kwargs):
        ending = services.tour_ending_withdraw(ending=self.ending, actor=self.membership)
        messages.success(request, _("You withdrew the proposal. The tour goes on."))
        return _to_tour(self, ending.tour_id)


# --- what followed --------------------------------------------------------------------------------------------


def ended_tour_for_outcome(view):
    """The tour `pk` names, for recording what followed: visible (404), a side's or HR's (403), ended (409)."""
    tour = visible_tour(view)
    if not access.can_record_outcome(view.membership, tour):
        raise PermissionDenied
    conflict = rules.tour_not_ended_conflict(tour)
    if conflict is not None:
        raise conflict
    return tour


class OutcomeView(_Page, TenantView, TemplateView):
    """Record (or correct) what followed an ended tour: the next tour, a move inside, or a move outside."""

    template_name = "checkpoints/outcome_form.html"
    url_objects = {"tour": ended_tour_for_outcome}
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": CLOSE_TOURS}

    def get(self, request, *args, **kwargs):
        outcome = selectors.outcome_of(self.tour)
        initial = {"kind": outcome.kind, "destination": outcome.destination, "note": outcome.note} if outcome else {}
        return self.page(form=OutcomeForm(initial=initial))

    def post(self, request, *args, **kwargs):
        form = OutcomeForm(request.POST)
        if form.is_valid():
            try:
                services.tour_outcome_record(tour=self.tour, actor=self.membership, **form.cleaned_data)
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("What followed the tour is recorded."))
                return _to_tour(self, self.tour.pk)
        return self.page(form=form)


# --- the next tour --------------------------------------------------------------------------------------------


def tour_to_follow(view):
    """The ended tour `pk` names, to start its next tour: visible (404), a side's (403), ended and not followed
    by another tour yet (409)."""
    tour = visible_tour(view)
    if access.side_of_tour(view.membership, tour) is None:
        raise PermissionDenied
    conflict = rules.next_tour_conflict(tour, services.endings.next_tour_of(tour))
    if conflict is not None:
        raise conflict
    return tour


def latest_readable_alignment(view):
    """The latest career alignment of the person that the starter may read (agreements.access); a 409 with the
    way forward when there is none (a new manager the employee has not shared one with)."""
    tour = view.previous
    alignment = (
        agreement_access.visible_alignments(membership=view.membership)
        .filter(employee_id=tour.employee_id)
        .select_related("employee__user", "employee__manager__user", "manager__user")
        .order_by("-held_on", "-id")
        .first()
    )
    if alignment is None:
        raise StateConflict(
            _("There is no career alignment of this person that you may read, and a tour grows from one."),
            next_step=_("Hold a career alignment 1on1 first, or ask the employee to share their latest one."),
            next_url_name="agreements:alignment_new",
            next_label=_("Record a new 1on1"),
        )
    return alignment


class NextTourView(TourFormView):
    """The tour creation form (agreements), prefilled for the tour after `previous`: from the person's latest
    alignment the starter may read, the same kind, starting after the ended tour. Saving links both tours and
    records "next tour" as what followed."""

    url_objects = {"previous": tour_to_follow, "tour": lambda view: None, "alignment": latest_readable_alignment}
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": CLOSE_TOURS}

    def initial(self, tour):
        previous = self.previous
        today = timezone.localdate()
        start = max(today, previous.end_date + timedelta(days=1)) if previous.status == "completed" else today
        return {"kind": previous.kind, "length": 12, "start_date": start}

    def create_tour(self, alignment, data):
        return services.tour_start_next(previous=self.previous, actor=self.membership, alignment=alignment, data=data)
