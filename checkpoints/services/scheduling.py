"""Scheduling: a tour's checkpoints are created once, when its agreement is first signed, and moved (never
deleted) when an amendment changes its period or HR changes the organization's checkpoint interval."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from agreements.models import Tour, TourStatus
from alliance.audit import audit_log
from alliance.models import Organization
from checkpoints import rules
from checkpoints.models import Checkpoint, CheckpointCancellation, CheckpointKind, CheckpointStatus


@transaction.atomic
def checkpoints_schedule(*, tour: Tour) -> list[Checkpoint]:
    """Create the checkpoints of `tour` (rules.schedule_dates, at its organization's
    `checkpoint_interval_months`) and return them; return [] when the tour has checkpoints already.

    Idempotent: the tour row is locked while deciding, so two concurrent calls (the signal of an amendment
    arriving beside the first one's) create one schedule, and the unique (tour, sequence) constraint refuses a
    second one whatever the path. Rescheduling after an amendment that moves the period is checkpoints_reschedule.
    Writes one audit row (`checkpoint.schedule`) when it creates anything."""
    tour = Tour.objects.for_organization(tour.organization_id).select_for_update().get(pk=tour.pk)
    if Checkpoint.objects.for_organization(tour.organization_id).filter(tour=tour).exists():
        return []
    interval = Organization.objects.only("checkpoint_interval_months").get(pk=tour.organization_id)
    planned = rules.schedule_dates(tour.start_date, tour.end_date, interval.checkpoint_interval_months)
    created = Checkpoint.objects.bulk_create(
        Checkpoint(organization_id=tour.organization_id, tour=tour, sequence=number, due_date=due, kind=kind)
        for number, (due, kind) in enumerate(planned, start=1)
    )
    audit_log(
        "checkpoint.schedule",
        obj=tour,
        changes={"checkpoints": [0, len(created)], "due_date": [None, [c.due_date.isoformat() for c in created]]},
    )
    return created


@dataclass(frozen=True)
class Rescheduled:
    """What `checkpoints_reschedule` did: checkpoints `moved` (their due date changed, revision + 1),
    `cancelled` (no date left for them), `added` (new dates); all empty when the schedule already fitted."""

    moved: list[Checkpoint] = field(default_factory=list)
    cancelled: list[Checkpoint] = field(default_factory=list)
    added: list[Checkpoint] = field(default_factory=list)
    # Checkpoints whose number changed so that the open ones read in date order, the closing review last.
    renumbered: list[Checkpoint] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.moved or self.cancelled or self.added or self.renumbered)


@transaction.atomic
def checkpoints_reschedule(*, tour: Tour, today: date | None = None, reason: str = "") -> Rescheduled:
    """Fit the unheld future checkpoints of `tour` to its period and its organization's current interval
    (rules.schedule_dates from the tour's start), after an amendment moved its end or HR changed the interval.

    Only checkpoints still `scheduled` and due after `today` (default: the local date; one due today is due
    now and stays) move: the regular ones take the planned future dates in order, the closing review moves to
    the tour's last day; one whose date changes gets `revision` + 1 (its calendar invite's SEQUENCE). Held,
    confirmed, cancelled and past checkpoints never change. Movable regular checkpoints left without a date
    are cancelled (kept, with `reason` or a default one); planned dates left without a checkpoint get new ones
    numbered after the highest sequence. The open (still scheduled, movable) and new checkpoints then share their
    numbers again in date order with the closing review last, as scheduling numbered them (otherwise a longer
    period would list "checkpoint 5" before "checkpoint 4" and the closing review in the middle); held,
    confirmed, cancelled and past ones keep theirs. A tour with no schedule yet is left alone
    (checkpoints_schedule makes it), and so is a tour that is no longer active (completed or ended early: its
    unheld checkpoints were cancelled with the end, and an amendment signed afterwards must not give it new
    ones). Idempotent: the tour row is locked, and a second call finds nothing to change and writes nothing.
    Writes one audit row (`checkpoint.reschedule`) when anything changed."""
    tour = Tour.objects.for_organization(tour.organization_id).select_for_update().get(pk=tour.pk)
    if tour.status != TourStatus.ACTIVE:
        return Rescheduled()
    today = today or timezone.localdate()
    checkpoints = list(
        Checkpoint.objects.for_organization(tour.organization_id)
        .select_for_update()
        .filter(tour=tour)
        .order_by("due_date", "sequence")
    )
    if not checkpoints:
        return Rescheduled()
    interval = Organization.objects.only("checkpoint_interval_months").get(pk=tour.organization_id)
    planned = rules.schedule_dates(tour.start_date, tour.end_date, interval.checkpoint_interval_months)

    def movable(c: Checkpoint) -> bool:
        return c.status == CheckpointStatus.SCHEDULED and c.due_date > today

    movable_pks = {c.pk for c in checkpoints if movable(c)}

    fixed_dates = {c.due_date for c in checkpoints if not movable(c) and c.status != CheckpointStatus.CANCELLED}
    targets = [due for due, kind in planned if kind == CheckpointKind.REGULAR and due > today]
    targets = [due for due in targets if due not in fixed_dates]
    regulars = [c for c in checkpoints if movable(c) and c.kind == CheckpointKind.REGULAR]
    # A checkpoint whose date is still planned keeps it (its invite stays as it is); the others take the
    # remaining dates in order.
    kept = {c.pk for c in regulars if c.due_date in targets}
    kept_dates = {c.due_date for c in regulars if c.pk in kept}
    regulars = [c for c in regulars if c.pk not in kept]
    targets = [due for due in targets if due not in kept_dates]
    result = Rescheduled()
    now = timezone.now()
    for checkpoint, due in zip(regulars, targets, strict=False):
        result.moved.append((checkpoint, checkpoint.due_date))
        checkpoint.due_date = due
    for checkpoint in regulars[len(targets) :]:
        checkpoint.status = CheckpointStatus.CANCELLED
        result.cancelled.append(checkpoint)
    closing = next((c for c in checkpoints if c.kind == CheckpointKind.CLOSING), None)
    if closing is not None and movable(closing) and closing.due_date != tour.end_date:
        result.moved.append((closing, closing.due_date))
        closing.due_date = tour.end_date
    # `moved` holds (checkpoint, its former date) until the audit row is written; the result lists checkpoints.
    for checkpoint, _before in result.moved:
        checkpoint.revision += 1
        checkpoint.save(update_fields=["due_date", "revision", "updated_at"])
    for checkpoint in result.cancelled:
        checkpoint.save(update_fields=["status", "updated_at"])
    # Why each was cancelled is kept beside it, as for a checkpoint cancelled by hand (no one cancelled it).
    CheckpointCancellation.objects.bulk_create(
        CheckpointCancellation(
            organization_id=tour.organization_id,
            checkpoint=checkpoint,
            reason=reason
            or gettext(
                "The tour's schedule changed (a new period or checkpoint interval): no date is left for this "
                "checkpoint."
            ),
            cancelled_at=now,
        )
        for checkpoint in result.cancelled
    )
    next_sequence = max(c.sequence for c in checkpoints) + 1
    new = [(due, CheckpointKind.REGULAR) for due in targets[len(regulars) :]]
    if closing is None:
        new.append((tour.end_date, CheckpointKind.CLOSING))
    for offset, (due, kind) in enumerate(new):
        result.added.append(
            Checkpoint.objects.create(
                organization_id=tour.organization_id,
                tour=tour,
                sequence=next_sequence + offset,
                due_date=due,
                kind=kind,
            )
        )
    open_ones = [c for c in checkpoints if c.pk in movable_pks and c.status == CheckpointStatus.SCHEDULED]
    result.renumbered.extend(_renumber([*open_ones, *result.added], free_from=next_sequence + len(new)))
    if not result.changed:
        return result
    audit_log(
        "checkpoint.reschedule",
        obj=tour,
        changes={
            "moved": [
                [c.sequence for c, _before in result.moved],
                {str(c.sequence): [before.isoformat(), c.due_date.isoformat()] for c, before in result.moved},
            ],
            "cancelled": [None, [c.sequence for c in result.cancelled]],
            "added": [None, [[c.sequence, c.due_date.isoformat()] for c in result.added]],
            "renumbered": [None, [[c.pk, c.sequence] for c in result.renumbered]],
        },
    )
    return Rescheduled(
        moved=[c for c, _before in result.moved],
        cancelled=result.cancelled,
        added=result.added,
        renumbered=result.renumbered,
    )


def _renumber(checkpoints: list[Checkpoint], *, free_from: int) -> list[Checkpoint]:
    """Give `checkpoints` (rows of one tour, locked) the numbers they hold between them again, in date order with
    the closing review last; returns those whose number changed, saved. Numbers from `free_from` up are unused
    by the tour: changed rows pass through them so the (tour, sequence) unique constraint holds at every step."""
    numbers = sorted(c.sequence for c in checkpoints)
    ordered = sorted(checkpoints, key=lambda c: (c.kind == CheckpointKind.CLOSING, c.due_date, c.sequence))
    changed = [(c, number) for c, number in zip(ordered, numbers, strict=True) if c.sequence != number]
    for offset, (checkpoint, _number) in enumerate(changed):
        checkpoint.sequence = free_from + offset
        checkpoint.save(update_fields=["sequence"])
    for checkpoint, number in changed:
        checkpoint.sequence = number
        checkpoint.save(update_fields=["sequence", "updated_at"])
    return [c for c, _number in changed]
