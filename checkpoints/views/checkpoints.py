"""The checkpoint page: read it, record it (the employee and the manager), confirm it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from alliance.permissions import READ_OWN_RECORDS
from alliance.tenancy import TenantView, apply_form_errors, url_object
from checkpoints import access, rules, selectors, services
from checkpoints.capabilities import HOLD_CHECKPOINTS
from checkpoints.forms import CheckpointForm
from checkpoints.models import CheckpointStatus
from checkpoints.views.context import meeting_context

_visible_checkpoint = url_object(access.access_checkpoint, check=access.check_checkpoint, pk="pk")


def checkpoint_for_method(view):
    """The checkpoint `pk` names, as the member may see it (404); for a POST, only a party may act (403), and
    only while the checkpoint is open (409). A kept page (GET only) runs `_visible_checkpoint.check`."""
    checkpoint = _visible_checkpoint(view)
    if view.request.method == "POST":
        if access.side_of(view.membership, checkpoint) is None:
            raise PermissionDenied
        conflict = rules.edit_conflict(checkpoint)
        if conflict is not None:
            raise conflict
    return checkpoint


# A kept page (GET only) runs the visibility check alone: every other rule of this resolver is for POST. A rule
# for GET added above must be added to the check too, or a kept page would skip it.
checkpoint_for_method.check = _visible_checkpoint.check


class CheckpointView(TenantView, TemplateView):
    """GET shows the checkpoint with the record form for a party while it is open; POST `action=record` saves
    the actor's side of the record, `action=confirm` confirms it."""

    template_name = "checkpoints/checkpoint.html"
    capabilities = {"GET": READ_OWN_RECORDS, "POST": HOLD_CHECKPOINTS}
    page_cache = True
    url_objects = {"checkpoint": checkpoint_for_method}

    def _page(self, form=None, status=200, **meeting_forms):
        """The page; `meeting_forms` are bound forms of checkpoints.views.meeting to show with their errors."""
        checkpoint = self.checkpoint
        version = selectors.version_in_force(checkpoint.tour)
        rows = selectors.kpi_rows(checkpoint, version)
        side = access.side_of(self.membership, checkpoint)
        editable = side is not None and rules.edit_conflict(checkpoint) is None
        if form is None and editable:
            form = CheckpointForm(side=side, kpis=[row.kpi for row in rows], initial=self._initial(rows))
        confirmed_by_me = side is not None and getattr(checkpoint, services.records.CONFIRMED_AT[side]) is not None
        context = self.get_context_data(
            tour=checkpoint.tour,
            version=version,
            rows=rows,
            side=side,
            form=form if editable else None,
            can_confirm=editable and checkpoint.status == CheckpointStatus.HELD and not confirmed_by_me,
            confirmed_by_me=confirmed_by_me,
            picture=selectors.tour_picture(membership=self.membership, tour=checkpoint.tour, current=checkpoint),
            **meeting_context(self.membership, checkpoint, side, meeting_forms),
        )
        return self.render_to_response(context, status=status)

    def _initial(self, rows):
        checkpoint = self.checkpoint
        initial = {
            name: getattr(checkpoint, name)
            for name in (
                "held_on",
                "confidence",
                *services.records.SIDE_FIELDS[access.side_of(self.membership, checkpoint)],
            )
        }
        for row in rows:
            if row.measurement is not None:
                initial[services.records.measurement_key(row.kpi.pk, "value")] = row.measurement.value
                initial[services.records.measurement_key(row.kpi.pk, "comment")] = row.measurement.comment
        return initial

    def get(self, request, *args, **kwargs):
        return self._page()

    def post(self, request, *args, **kwargs):
        checkpoint = self.checkpoint
        if request.POST.get("action") == "confirm":
            try:
                services.checkpoint_confirm(checkpoint=checkpoint, actor=self.membership)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("You confirmed the checkpoint."))
            return redirect("checkpoints:checkpoint", self.organization.slug, checkpoint.pk)
        side = access.side_of(self.membership, checkpoint)
        rows = selectors.kpi_rows(checkpoint, selectors.version_in_force(checkpoint.tour))
        form = CheckpointForm(request.POST, side=side, kpis=[row.kpi for row in rows])
        if form.is_valid():
            try:
                services.checkpoint_record(
                    checkpoint=checkpoint,
                    actor=self.membership,
                    data=form.record_data(),
                    measurements=form.measurements(),
                )
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                messages.success(request, _("The checkpoint is recorded. Confirm it when both sides agree."))
                return redirect("checkpoints:checkpoint", self.organization.slug, checkpoint.pk)
        return self._page(form=form)
