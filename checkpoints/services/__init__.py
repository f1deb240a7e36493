"""Writes of the checkpoints app. Each public service is one `@transaction.atomic` step that ends with an
`alliance.audit.audit_log` row (tests/checkpoints/test_audit.py walks this package to hold that rule)."""

from django.utils.translation import gettext_lazy as _

from checkpoints.services.amendments import checkpoint_propose_amendment
from checkpoints.services.records import checkpoint_confirm, checkpoint_record
from checkpoints.services.scheduling import checkpoints_reschedule, checkpoints_schedule

__all__ = ["checkpoint_confirm", "checkpoint_record", "checkpoints_schedule"]
__all__ += ["checkpoint_propose_amendment", "checkpoints_reschedule"]

# What HR reads on the audit page for each action these services write (added to alliance.audit.ACTIONS).
AUDIT_ACTIONS = {
    "checkpoint.schedule": _("Checkpoints scheduled"),
    "checkpoint.record": _("Checkpoint recorded"),
    "checkpoint.confirm": _("Checkpoint confirmed"),
    "checkpoint.propose_amendment": _("Amendment proposed at a checkpoint"),
    "checkpoint.reschedule": _("Checkpoints rescheduled"),
}
