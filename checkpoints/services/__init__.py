"""Writes of the checkpoints app. Each public service is one `@transaction.atomic` step that ends with an
`alliance.audit.audit_log` row (tests/checkpoints/test_audit.py walks this package to hold that rule)."""

from django.utils.translation import gettext_lazy as _

from checkpoints.services.meeting import (
    agenda_topic_add,
    agenda_topic_withdraw,
    checkpoint_cancel,
    correction_note_add,
    next_action_add,
    next_action_mark_done,
)
from checkpoints.services.records import checkpoint_confirm, checkpoint_record
from checkpoints.services.scheduling import checkpoints_schedule

__all__ = [
    "agenda_topic_add",
    "agenda_topic_withdraw",
    "checkpoint_cancel",
    "checkpoint_confirm",
    "checkpoint_record",
    "checkpoints_schedule",
    "correction_note_add",
    "next_action_add",
    "next_action_mark_done",
]

# What HR reads on the audit page for each action these services write (added to alliance.audit.ACTIONS).
AUDIT_ACTIONS = {
    "checkpoint.schedule": _("Checkpoints scheduled"),
    "checkpoint.record": _("Checkpoint recorded"),
    "checkpoint.confirm": _("Checkpoint confirmed"),
    "checkpoint.agenda_add": _("Agenda topic added to a checkpoint"),
    "checkpoint.agenda_withdraw": _("Agenda topic withdrawn"),
    "checkpoint.action_add": _("Next action agreed at a checkpoint"),
    "checkpoint.action_done": _("Next action marked done"),
    "checkpoint.correction_add": _("Correction note added to a checkpoint"),
    "checkpoint.cancel": _("Checkpoint cancelled"),
}
