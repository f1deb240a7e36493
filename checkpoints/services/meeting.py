"""The checkpoint 1on1 as a meeting: agenda topics before it, next actions agreed at it (carried over until
done), correction notes under a confirmed one, and cancelling one that will not take place.

Each public function is one `@transaction.atomic` step that re-locks the checkpoint, checks the actor's side
(checkpoints.access.side_of) and the state rule (checkpoints.rules), and ends with one `audit_log` row. A
double POST (the same text by the same person, the same action marked done twice) changes nothing the second
time and writes no second row.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.audit import audit_log
from alliance.models import Membership
from checkpoints import access, rules
from checkpoints.models import (
    TEXT_MAX,
    AgendaTopic,
    Checkpoint,
    CheckpointCancellation,
    CheckpointStatus,
    CorrectionNote,
    MeetingSide,
    NextAction,
)


def _lock(checkpoint: Checkpoint) -> Checkpoint:
    return (
        Checkpoint.objects.for_organization(checkpoint.organization_id)
        .select_for_update()
        .select_related("tour__employee")
        .get(pk=checkpoint.pk)
    )


def _side(actor: Membership, checkpoint: Checkpoint) -> str:
    side = access.side_of(actor, checkpoint)
    if side is None:
        raise PermissionDenied
    return side


def _raise(conflict) -> None:
    if conflict is not None:
        raise conflict


def clean_text(value, *, field: str = "text", empty: str) -> str:
    """`value` stripped; ValidationError keyed by `field` when it is empty (`empty` says what to write) or
    longer than TEXT_MAX characters."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {field: [_("Keep it to %(max)d characters (this one has %(n)d).") % {"max": TEXT_MAX, "n": len(text)}]}
        )
    return text


@transaction.atomic
def agenda_topic_add(*, checkpoint: Checkpoint, actor: Membership, text: str) -> AgendaTopic:
    """Add a topic to the agenda of `checkpoint` as `actor`'s side (the tour's employee or manager), before the
    meeting. The same text already on the agenda from the same person (a double POST) is returned as is.
    Raises PermissionDenied for a non-party, StateConflict once the 1on1 is recorded, confirmed or cancelled
    (rules.agenda_conflict), ValidationError keyed `text` (empty, over TEXT_MAX characters).
    Writes one audit row (`checkpoint.agenda_add`)."""
    checkpoint = _lock(checkpoint)
    side = _side(actor, checkpoint)
    _raise(rules.agenda_conflict(checkpoint))
    text = clean_text(text, empty=_("Write the topic you want to talk about."))
    existing = AgendaTopic.objects.filter(
        checkpoint=checkpoint, added_by=actor, text=text, withdrawn_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    topic = AgendaTopic.objects.create(
        organization_id=checkpoint.organization_id, checkpoint=checkpoint, text=text, side=side, added_by=actor
    )
    audit_log(
        "checkpoint.agenda_add",
        obj=topic,
        actor=actor,
        subject=checkpoint.tour.employee,
        label=str(checkpoint),
        changes={"side": [None, side], "text": [None, text]},
    )
    return topic


@transaction.atomic
def agenda_topic_withdraw(*, topic: AgendaTopic, actor: Membership) -> AgendaTopic:
    """Withdraw `topic` (kept, marked withdrawn) by its author, before the meeting. Withdrawing it again is a
    no-op. Raises PermissionDenied when `actor` is not its author (or no longer a party), StateConflict once the
    1on1 is recorded, confirmed or cancelled. Writes one audit row (`checkpoint.agenda_withdraw`)."""
    checkpoint = _lock(topic.checkpoint)
    topic = AgendaTopic.objects.for_organization(checkpoint.organization_id).select_for_update().get(pk=topic.pk)
    _side(actor, checkpoint)
    if topic.added_by_id != actor.pk:
        raise PermissionDenied
    _raise(rules.agenda_conflict(checkpoint))
    if topic.withdrawn_at is not None:
        return topic
    topic.withdrawn_at = timezone.now()
    topic.save(update_fields=["withdrawn_at"])
    audit_log(
        "checkpoint.agenda_withdraw",
        obj=topic,
        actor=actor,
        subject=checkpoint.tour.employee,
        label=str(checkpoint),
        changes={"withdrawn_at": [None, topic.withdrawn_at.isoformat()]},
    )
    return topic


@transaction.atomic
def next_action_add(
    *, checkpoint: Checkpoint, actor: Membership, text: str, owner: str, due_on: date | None
) -> NextAction:
    """Note an action agreed at the 1on1 of `checkpoint`: `owner` a MeetingSide value ("employee" or
    "manager"), `due_on` a date not before the day the 1on1 was held (inclusive). The same action (text, owner,
    due date) already noted by the same person (a double POST) is returned as is.
    Raises PermissionDenied for a non-party; StateConflict before the 1on1 is recorded or once confirmed or
    cancelled (rules.actions_conflict); ValidationError keyed `text`, `owner`, `due_on`.
    Writes one audit row (`checkpoint.action_add`)."""
    checkpoint = _lock(checkpoint)
    _side(actor, checkpoint)
    _raise(rules.actions_conflict(checkpoint))
    errors: dict[str, list] = {}
    try:
        text = clean_text(text, empty=_("Write the action you agreed on."))
    except ValidationError as error:
        errors.update(error.message_dict)
    if owner not in MeetingSide.values:
        errors["owner"] = [_("Choose who owns the action: the employee or the manager.")]
    if not isinstance(due_on, date):
        errors["due_on"] = [_("Enter the date the action is due.")]
    elif checkpoint.held_on and due_on < checkpoint.held_on:
        errors["due_on"] = [
            _("Choose a day on or after the 1on1 (%(date)s).") % {"date": checkpoint.held_on.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    existing = NextAction.objects.filter(
        checkpoint=checkpoint, added_by=actor, text=text, owner=owner, due_on=due_on
    ).first()
    if existing is not None:
        return existing
    action = NextAction.objects.create(
        organization_id=checkpoint.organization_id,
        checkpoint=checkpoint,
        text=text,
        owner=owner,
        due_on=due_on,
        added_by=actor,
    )
    audit_log(
        "checkpoint.action_add",
        obj=action,
        actor=actor,
        subject=checkpoint.tour.employee,
        label=str(checkpoint),
        changes={"text": [None, text], "owner": [None, owner], "due_on": [None, due_on.isoformat()]},
    )
    return action


@transaction.atomic
def next_action_mark_done(*, action: NextAction, at: Checkpoint, actor: Membership) -> NextAction:
    """Mark `action` done from the page of checkpoint `at` (its origin while open, or a later checkpoint of the
    tour it was carried over to, confirmed or not: rules.mark_done_conflict), by either side. Marking it done
    again is a no-op. Raises PermissionDenied for a non-party, StateConflict as the rule says.
    Writes one audit row (`checkpoint.action_done`)."""
    at = _lock(at)
    action = (
        NextAction.objects.for_organization(at.organization_id)
        .select_for_update()
        .select_related("checkpoint")
        .get(pk=action.pk)
    )
    _side(actor, at)
    _raise(rules.mark_done_conflict(action, at))
    if action.done_at is not None:
        return action
    action.done_at, action.done_by, action.done_at_checkpoint = timezone.now(), actor, at
    action.save(update_fields=["done_at", "done_by", "done_at_checkpoint"])
    audit_log(
        "checkpoint.action_done",
        obj=action,
        actor=actor,
        subject=at.tour.employee,
        label=str(action.checkpoint),
        changes={"done_at": [None, action.done_at.isoformat()], "done_at_checkpoint": [None, at.sequence]},
    )
    return action


@transaction.atomic
def correction_note_add(*, checkpoint: Checkpoint, actor: Membership, text: str) -> CorrectionNote:
    """Add a dated correction note under the confirmed `checkpoint` as `actor`'s side; the record itself never
    changes. The same text from the same person (a double POST) is returned as is. Raises PermissionDenied for
    a non-party, StateConflict unless confirmed (rules.correction_conflict), ValidationError keyed `text`.
    Writes one audit row (`checkpoint.correction_add`)."""
    checkpoint = _lock(checkpoint)
    side = _side(actor, checkpoint)
    _raise(rules.correction_conflict(checkpoint))
    text = clean_text(text, empty=_("Write what the record got wrong or what changed since."))
    existing = CorrectionNote.objects.filter(checkpoint=checkpoint, added_by=actor, text=text).first()
    if existing is not None:
        return existing
    note = CorrectionNote.objects.create(
        organization_id=checkpoint.organization_id, checkpoint=checkpoint, text=text, side=side, added_by=actor
    )
    audit_log(
        "checkpoint.correction_add",
        obj=note,
        actor=actor,
        subject=checkpoint.tour.employee,
        label=str(checkpoint),
        changes={"side": [None, side], "text": [None, text]},
    )
    return note


@transaction.atomic
def checkpoint_cancel(*, checkpoint: Checkpoint, actor: Membership, reason: str) -> Checkpoint:
    """Cancel the scheduled `checkpoint`, keeping it as CANCELLED with who, when and why (`reason`, required).
    Cancelling it again is a no-op. Raises PermissionDenied unless access.can_cancel_checkpoint, StateConflict
    once it was held or confirmed (rules.cancel_conflict), ValidationError keyed `reason`.
    Writes one audit row (`checkpoint.cancel`)."""
    checkpoint = _lock(checkpoint)
    if not access.can_cancel_checkpoint(actor, checkpoint):
        raise PermissionDenied
    _raise(rules.cancel_conflict(checkpoint))
    if checkpoint.status == CheckpointStatus.CANCELLED:
        return checkpoint
    reason = clean_text(reason, field="reason", empty=_("Say why the checkpoint is cancelled."))
    CheckpointCancellation.objects.create(
        organization_id=checkpoint.organization_id, checkpoint=checkpoint, reason=reason, cancelled_by=actor
    )
    checkpoint.status = CheckpointStatus.CANCELLED
    checkpoint.save(update_fields=["status", "updated_at"])
    audit_log(
        "checkpoint.cancel",
        obj=checkpoint,
        actor=actor,
        changes={
            "status": [CheckpointStatus.SCHEDULED.value, CheckpointStatus.CANCELLED.value],
            "reason": [None, reason],
        },
    )
    return checkpoint
