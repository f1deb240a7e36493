"""Leaving well: the departures list (HR; a manager their reports'), start, the departure page, edit, cancel (with a
confirmation page and a reason) and the exit conversation. Thin: reads through alumni.selectors.departures,
writes through alumni.services.departures."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from alliance.conflicts import StateConflict
from alliance.permissions import VIEW_ALUMNI_PAGES, VIEW_OWN_RECORDS, VIEW_REPORTS
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page, url_object
from alumni.forms_departures import CancelForm, ConversationForm, DepartureForm
from alumni.models import DepartureStatus
from alumni.selectors import departures as selectors
from alumni.services import departures as services

visible_departure = url_object(selectors.visible_departure, pk="pk")


def editable_departure(view):
    """The departure `pk` names, to edit: visible (404), editable by the viewer (403), planned (409)."""
    departure = visible_departure(view)
    if not selectors.can_edit(view.membership, departure):
        raise PermissionDenied
    conflict = services.not_planned_conflict(departure)
    if conflict is not None:
        raise conflict
    return departure


def cancellable_departure(view):
    """The departure `pk` names, to cancel: as editable_departure, and its last day not passed (409)."""
    departure = editable_departure(view)
    conflict = services.cancel_conflict(departure, timezone.localdate())
    if conflict is not None:
        raise conflict
    return departure


def own_departure(view):
    """The departure `pk` names, for its exit conversation: visible (404), the person's own (403), planned (409)."""
    departure = visible_departure(view)
    if departure.membership_id != view.membership.pk:
        raise PermissionDenied
    conflict = services.not_planned_conflict(departure)
    if conflict is not None:
        raise conflict
    return departure


def _to_departure(view, departure):
    return redirect("alumni:departure", view.organization.slug, departure.pk)


class _Page:
    def page(self, **context):
        return self.render_to_response(self.get_context_data(**context))


class DepartureListView(TenantView, TemplateView):
    """HR: every departure of the organization; a manager: those of their reports. Planned first; status filter;
    paginated."""

    template_name = "alumni/departures/list.html"
    capabilities = {"GET": VIEW_REPORTS}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status not in DepartureStatus.values:
            status = ""
        departures = selectors.departure_list(viewer=self.membership, status=status)
        ctx.update(
            page=Paginator(departures, selectors.PER_PAGE).get_page(self.request.GET.get("page")),
            status=status,
            statuses=DepartureStatus.choices,
            querystring=querystring_without_page(self.request),
        )
        return ctx


class DepartureStartView(_Page, TenantView, TemplateView):
    """Start a departure: for oneself, a manager for a report too, HR for anyone (and names who takes the
    reports)."""

    template_name = "alumni/departures/form.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}

    def form(self, data=None):
        members = selectors.startable_members(actor=self.membership)
        is_hr = selectors.is_hr(self.membership)
        initial = {}
        wanted = self.request.GET.get("member")
        if wanted and wanted.isdigit() and members.filter(pk=wanted).exists():
            initial["membership"] = int(wanted)
        elif not members.exclude(pk=self.membership.pk).exists():
            initial["membership"] = self.membership.pk
        return DepartureForm(
            data,
            initial=initial,
            members=members,
            reports_to_choices=selectors.reports_to_choices(organization=self.organization) if is_hr else None,
        )

    def get(self, request, *args, **kwargs):
        return self.page(form=self.form(), starting=True, own=selectors.planned_departure_of(self.membership))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                departure = services.departure_start(
                    actor=self.membership, membership=data["membership"], data=data, reports_to=data.get("reports_to")
                )
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The departure was started. The people concerned were told."))
                return _to_departure(self, departure)
        return self.page(form=form, starting=True)


class DepartureView(TenantView, TemplateView):
    """One departure: its details, status, the exit conversation as the viewer may read it, and its actions."""

    template_name = "alumni/departures/detail.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES}
    url_objects = {"departure": visible_departure}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        departure, viewer = self.departure, self.membership
        planned = departure.status == DepartureStatus.PLANNED
        ctx.update(
            answers=selectors.readable_answers(viewer, departure),
            hidden_answers=selectors.hidden_answer_count(viewer, departure),
            reads_every_answer=selectors.reads_every_answer(viewer, departure),
            is_person=departure.membership_id == viewer.pk,
            may_edit=planned and selectors.can_edit(viewer, departure),
            may_cancel=selectors.can_edit(viewer, departure)
            and services.cancel_conflict(departure, timezone.localdate()) is None,
            has_reports=planned and selectors.active_reports(departure.membership).exists(),
        )
        return ctx


class DepartureEditView(_Page, TenantView, TemplateView):
    """Change a planned departure's details (HR, its manager, the person; who takes the reports: HR)."""

    template_name = "alumni/departures/form.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"departure": editable_departure}

    def form(self, data=None):
        departure = self.departure
        is_hr = selectors.is_hr(self.membership)
        initial = {name: getattr(departure, name) for name in services.DETAIL_FIELDS}
        initial["reports_to"] = departure.reports_to_id
        return DepartureForm(
            data,
            initial=initial,
            reports_to_choices=selectors.reports_to_choices(organization=self.organization, leaver=departure.membership)
            if is_hr
            else None,
        )

    def get(self, request, *args, **kwargs):
        return self.page(form=self.form())

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.departure_update(
                    actor=self.membership, departure=self.departure, data=data, reports_to=data.get("reports_to")
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The departure was saved."))
                return _to_departure(self, self.departure)
        return self.page(form=form)


class DepartureCancelView(_Page, TenantView, TemplateView):
    """Confirm the cancellation of a planned departure, with a reason (kept; nothing is deleted)."""

    template_name = "alumni/departures/cancel.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"departure": cancellable_departure}

    def get(self, request, *args, **kwargs):
        return self.page(form=CancelForm())

    def post(self, request, *args, **kwargs):
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.departure_cancel(
                    actor=self.membership, departure=self.departure, reason=form.cleaned_data["reason"]
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The departure was cancelled. It stays on the record with your reason."))
                return _to_departure(self, self.departure)
        return self.page(form=form)


class ConversationView(_Page, TenantView, TemplateView):
    """The person's exit conversation: each answer with its "HR may quote this answer" checkbox."""

    template_name = "alumni/departures/conversation.html"
    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": VIEW_OWN_RECORDS}
    url_objects = {"departure": own_departure}

    def form(self, data=None):
        departure = self.departure
        fields = ConversationForm.base_fields
        return ConversationForm(data, initial={name: getattr(departure, name) for name in fields})

    def get(self, request, *args, **kwargs):
        return self.page(form=self.form())

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.conversation_update(actor=self.membership, departure=self.departure, data=form.cleaned_data)
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("Your exit conversation was saved."))
                return _to_departure(self, self.departure)
        return self.page(form=form)
