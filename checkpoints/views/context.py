"""The meeting part of the checkpoint page's context (agenda, next actions, carried-over actions, correction
notes, cancellation), shared by the page itself and the meeting forms that re-render it with their errors."""

from __future__ import annotations

from checkpoints import access, rules, selectors
from checkpoints.forms import AgendaTopicForm, CorrectionNoteForm, NextActionForm
from checkpoints.models import Checkpoint, CheckpointStatus


def meeting_context(membership, checkpoint: Checkpoint, side: str | None, bound: dict) -> dict:
    """Context for templates/checkpoints/_meeting_*.html: `meeting` (selectors.Meeting) with per-row flags
    (`can_withdraw` on topics, `can_mark_done` on actions) for the viewer, the forms open to their side (`bound`
    ones, with errors, replace the empty ones), and `can_cancel`."""
    state = selectors.meeting(checkpoint)
    party = side is not None
    agenda_open = party and rules.agenda_conflict(checkpoint) is None
    actions_open = party and rules.actions_conflict(checkpoint) is None
    notes_open = party and rules.correction_conflict(checkpoint) is None
    for topic in state.topics:
        topic.can_withdraw = agenda_open and topic.withdrawn_at is None and topic.added_by_id == membership.pk
    here_open = party and rules.edit_conflict(checkpoint) is None
    for action in state.actions:
        action.can_mark_done = here_open and action.done_at is None
    for action in state.carried:
        action.can_mark_done = party and action.done_at is None and checkpoint.status != CheckpointStatus.CANCELLED
    employee = checkpoint.tour.employee
    manager = employee.manager
    context = {
        "meeting": state,
        "agenda_open": agenda_open,
        "actions_open": actions_open,
        "can_cancel": rules.cancel_conflict(checkpoint) is None
        and checkpoint.status == CheckpointStatus.SCHEDULED
        and access.can_cancel_checkpoint(membership, checkpoint),
        "agenda_form": None,
        "action_form": None,
        "note_form": None,
    }
    if agenda_open:
        context["agenda_form"] = bound.get("agenda_form") or AgendaTopicForm()
    if actions_open:
        context["action_form"] = bound.get("action_form") or NextActionForm(
            employee_name=employee.user.display_name,
            manager_name=manager.user.display_name if manager else "",
        )
    if notes_open:
        context["note_form"] = bound.get("note_form") or CorrectionNoteForm()
    return context
