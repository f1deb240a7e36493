"""The checkpoint 1on1 as a meeting: add or withdraw agenda topics, note next actions and mark them done, add
correction notes, cancel a checkpoint; and HR's list of overdue checkpoints by manager.

The form views POST to their own URL and, on a mistake, render the checkpoint page (CheckpointView) with their
form bound beside its errors; a GET of them leads back to the checkpoint page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from alliance.conflicts import StateConflict
from alliance.permissions import VIEW_OWN_RECORDS
from alliance.tenancy import TenantView, apply_form_errors, querystring_without_page, url_object
from checkpoints import access, rules, selectors, services
from checkpoints.capabilities import HOLD_CHECKPOINTS, VIEW_OVERDUE_CHECKPOINTS
from checkpoints.forms import AgendaTopicForm, CancelForm, CorrectionNoteForm, NextActionForm, OverdueFilterForm
from checkpoints.models import AgendaTopic, CheckpointStatus, NextAction
from checkpoints.views.checkpoints import CheckpointView

OVERDUE_PER_PAGE = 50


def party_checkpoint(view):
    """The checkpoint `pk` names as the member may see it (404); a POST needs a party of the tour (403). State
    rules are the services' (409)."""
    checkpoint = url_object(access.access_checkpoint, pk="pk")(view)
    if view.request.method == "POST" and access.side_of(view.membership, checkpoint) is None:
        raise PermissionDenied
    return checkpoint


def _page_url(view, anchor=""):
    return reverse("checkpoints:checkpoint", args=[view.organization.slug, view.checkpoint.pk]) + anchor


class MeetingFormView(CheckpointView):
    """Base of the meeting forms: GET leads back to the checkpoint page; POST validates `form_class`, calls
    `save(form)` (one service) and redirects to the page at `anchor`, or renders the page with the form bound."""

    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": HOLD_CHECKPOINTS}
    url_objects = {"checkpoint": party_checkpoint}
    form_class = None
    form_name = ""
    anchor = ""
    success = ""

    def get(self, request, *args, **kwargs):
        return redirect(_page_url(self, self.anchor))

    def make_form(self, data):
        return self.form_class(data)

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                self.save(form)
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, self.success)
                return redirect(_page_url(self, self.anchor))
        return self._page(**{self.form_name: form})

    def save(self, form):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class AgendaTopicAddView(MeetingFormView):
    form_class, form_name, anchor = AgendaTopicForm, "agenda_form", "#agenda-title"

    @property
    def success(self):
        return _("Your topic is on the agenda.")

    def save(self, form):
        services.agenda_topic_add(checkpoint=self.checkpoint, actor=self.membership, text=form.cleaned_data["text"])


class NextActionAddView(MeetingFormView):
    form_class, form_name, anchor = NextActionForm, "action_form", "#actions-title"

    @property
    def success(self):
        return _("The next action is noted.")

    def make_form(self, data):
        employee = self.checkpoint.tour.employee
        return NextActionForm(
            data,
            employee_name=employee.user.display_name,
            manager_name=employee.manager.user.display_name if employee.manager else "",
        )

    def save(self, form):
        services.next_action_add(
            checkpoint=self.checkpoint,
            actor=self.membership,
            text=form.cleaned_data["text"],
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
        )


class CorrectionNoteAddView(MeetingFormView):
    form_class, form_name, anchor = CorrectionNoteForm, "note_form", "#corrections-title"

    @property
    def success(self):
        return _("Your correction note is added under the checkpoint.")

    def save(self, form):
        services.correction_note_add(checkpoint=self.checkpoint, actor=self.membership, text=form.cleaned_data["text"])


def _topic(view) -> AgendaTopic:
    topic = view.checkpoint.agenda_topics.filter(pk=view.kwargs["topic_pk"]).first()
    if topic is None:
        raise Http404
    return topic


def _action(view) -> NextAction:
    """An action of the checkpoint's tour agreed at this checkpoint or an earlier one (one carried to it)."""
    checkpoint = view.checkpoint
    action = (
        NextAction.objects.for_organization(checkpoint.organization_id)
        .filter(selectors.earlier_in_tour(checkpoint, inclusive=True), pk=view.kwargs["action_pk"])
        .select_related("checkpoint")
        .first()
    )
    if action is None:
        raise Http404
    return action


class AgendaTopicWithdrawView(TenantView):
    """POST: its author withdraws a topic before the meeting (kept, marked withdrawn)."""

    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": HOLD_CHECKPOINTS}
    url_objects = {"checkpoint": party_checkpoint, "topic": _topic}

    def get(self, request, *args, **kwargs):
        return redirect(_page_url(self, "#agenda-title"))

    def post(self, request, *args, **kwargs):
        services.agenda_topic_withdraw(topic=self.topic, actor=self.membership)
        messages.success(request, _("Your topic is withdrawn from the agenda."))
        return redirect(_page_url(self, "#agenda-title"))


class NextActionDoneView(TenantView):
    """POST: either side marks an action done, on its checkpoint or a later one it was carried over to."""

    capabilities = {"GET": VIEW_OWN_RECORDS, "POST": HOLD_CHECKPOINTS}
    url_objects = {"checkpoint": party_checkpoint, "action": _action}

    def get(self, request, *args, **kwargs):
        return redirect(_page_url(self, "#actions-title"))

    def post(self, request, *args, **kwargs):
        services.next_action_mark_done(action=self.action, at=self.checkpoint, actor=self.membership)
        messages.success(request, _("The action is marked done."))
        return redirect(_page_url(self, "#actions-title"))


def cancellable_checkpoint(view):
    """The checkpoint, when the member may cancel it (the tour's manager, or HR: 403 otherwise) and it is still
    scheduled (409 otherwise; a cancelled one leads back to its page)."""
    checkpoint = url_object(access.access_checkpoint, pk="pk")(view)
    if not access.can_cancel_checkpoint(view.membership, checkpoint):
        raise PermissionDenied
    conflict = rules.cancel_conflict(checkpoint)
    if conflict is not None:
        raise conflict
    return checkpoint


class CheckpointCancelView(TenantView, TemplateView):
    """GET: the confirmation page with the reason to give; POST cancels the scheduled checkpoint."""

    template_name = "checkpoints/cancel.html"
    capabilities = {"GET": HOLD_CHECKPOINTS, "POST": HOLD_CHECKPOINTS}
    url_objects = {"checkpoint": cancellable_checkpoint}

    def get(self, request, *args, **kwargs):
        if self.checkpoint.status == CheckpointStatus.CANCELLED:
            return redirect(_page_url(self))
        return self.render_to_response(self.get_context_data(form=CancelForm(), tour=self.checkpoint.tour))

    def post(self, request, *args, **kwargs):
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.checkpoint_cancel(
                    checkpoint=self.checkpoint, actor=self.membership, reason=form.cleaned_data["reason"]
                )
            except StateConflict:
                raise
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The checkpoint is cancelled."))
                return redirect(_page_url(self))
        return self.render_to_response(self.get_context_data(form=form, tour=self.checkpoint.tour))


class OverdueView(TenantView, TemplateView):
    """HR: the organization's overdue, unheld checkpoints grouped by manager (a count per manager, then the rows,
    paginated), optionally one manager's. Query count independent of the number of rows."""

    template_name = "checkpoints/overdue.html"
    capabilities = {"GET": VIEW_OVERDUE_CHECKPOINTS}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        counts = selectors.overdue_counts(organization=self.organization, today=today)
        form = OverdueFilterForm(
            self.request.GET or None, managers=[row.manager for row in counts if row.manager is not None]
        )
        manager_id = form.cleaned_data.get("manager") if form.is_valid() else None
        rows = selectors.overdue_checkpoints(organization=self.organization, today=today, manager_id=manager_id)
        page = Paginator(rows, OVERDUE_PER_PAGE).get_page(self.request.GET.get("page"))
        for checkpoint in page:
            checkpoint.days_overdue = (today - checkpoint.due_date).days
        ctx.update(
            counts=counts,
            total=sum(row.count for row in counts),
            filter_form=form,
            filtered=manager_id is not None,
            page=page,
            querystring=querystring_without_page(self.request),
        )
        return ctx
