"""Writes of the checkpoints app. Each public service is one `@transaction.atomic` step that ends with an
`alliance.audit.audit_log` row (tests/checkpoints/test_audit.py walks this package to hold that rule)."""

from django.utils.translation import gettext_lazy as _

from checkpoints.services.amendments import checkpoint_propose_amendment
from checkpoints.services.calendar import calendar_feed_create, calendar_feed_revoke
from checkpoints.services.endings import (
    tour_end_by_hr,
    tour_end_on_leaving,
    tour_ending_confirm,
    tour_ending_decline,
    tour_ending_propose,
    tour_ending_withdraw,
    tour_outcome_record,
    tour_start_next,
)
from checkpoints.services.meeting import (
    agenda_topic_add,
    agenda_topic_withdraw,
    checkpoint_cancel,
    correction_note_add,
    next_action_add,
    next_action_mark_done,
)
from checkpoints.services.records import checkpoint_confirm, checkpoint_record
from checkpoints.services.scheduling import checkpoints_reschedule, checkpoints_schedule

__all__ = [
    "agenda_topic_add",
    "agenda_topic_withdraw",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "checkpoint_cancel",
    "checkpoint_confirm",
    "checkpoint_propose_amendment",
    "checkpoint_record",
    "checkpoints_reschedule",
    "checkpoints_schedule",
    "correction_note_add",
    "next_action_add",
    "next_action_mark_done",
    "tour_end_by_hr",
    "tour_end_on_leaving",
    "tour_ending_confirm",
    "tour_ending_decline",
    "tour_ending_propose",
    "tour_ending_withdraw",
    "tour_outcome_record",
    "tour_start_next",
]

# What HR reads on the audit page for each action these services write (added to alliance.audit.ACTIONS).
AUDIT_ACTIONS = {
    "checkpoint.schedule": _("Checkpoints scheduled"),
    "checkpoint.record": _("Checkpoint recorded"),
    "checkpoint.confirm": _("Checkpoint confirmed"),
    "tour_ending.propose": _("End of a tour proposed"),
    "tour_ending.confirm": _("End of a tour confirmed"),
    "tour_ending.decline": _("End of a tour declined"),
    "tour_ending.withdraw": _("Proposal to end a tour withdrawn"),
    "tour_ending.end_by_hr": _("Tour ended early by HR"),
    "tour_ending.left": _("Tour ended: the person left"),
    "tour_outcome.record": _("What followed a tour recorded"),
    "tour.start_next": _("Next tour started"),
    "checkpoint.agenda_add": _("Agenda topic added to a checkpoint"),
    "checkpoint.agenda_withdraw": _("Agenda topic withdrawn"),
    "checkpoint.action_add": _("Next action agreed at a checkpoint"),
    "checkpoint.action_done": _("Next action marked done"),
    "checkpoint.correction_add": _("Correction note added to a checkpoint"),
    "checkpoint.cancel": _("Checkpoint cancelled"),
    "calendar_feed.create": _("Private calendar feed made"),
    "calendar_feed.revoke": _("Private calendar feed revoked"),
    "checkpoint.propose_amendment": _("Amendment proposed at a checkpoint"),
    "checkpoint.reschedule": _("Checkpoints rescheduled"),
}
