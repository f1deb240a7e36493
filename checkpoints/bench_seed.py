"""The bench seed's checkpoint rows (alliance.bench_seed, `manage.py seed_bench`): every signed tour's
checkpoints on the dates `rules.schedule_dates` gives at the organization's interval (3 months), the past ones
held with a value for each KPI of the version in force, the ends of tours with what followed, the checkpoints a
leaver never held cancelled, reminders sent about overdue and due checkpoints, and the audit rows of the
confirmations.

States follow the services: a tour's past checkpoints are confirmed by both sides, except that the latest past
one of some active tours is only recorded (held) or not held at all (overdue); future ones are scheduled; a
completed tour has every checkpoint confirmed and a confirmed ending followed by the next tour; a leaver's tour
ended early on the last day (`proposed_side` "left") cancels the checkpoints after it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agreements.bench_seed import TourPlan
from alliance.bench_seed import BenchContext
from alliance.core_models import AuditEntry, Notice, NoticeState
from checkpoints import notices
from checkpoints.models import (
    AlignmentCheck,
    Checkpoint,
    CheckpointCancellation,
    CheckpointKind,
    CheckpointStatus,
    EndingKind,
    EndingSide,
    EndingStatus,
    KpiMeasurement,
    OutcomeKind,
    TourEnding,
    TourOutcome,
)
from checkpoints.rules import schedule_dates

INTERVAL_MONTHS = 3  # the bench organizations' checkpoint_interval_months
ANSWERS = (AlignmentCheck.ON_TRACK,) * 3 + (AlignmentCheck.DRIFTING, AlignmentCheck.OFF_TRACK)
REFLECTIONS = [
    "計画どおり進んでいる。次の四半期は品質に集中したい。",
    "想定より時間がかかったが、学びが多かった。",
    "チームの協力で目標に近づいている。",
]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _value(ctx: BenchContext, baseline: Decimal | None, target: Decimal, fraction: float) -> Decimal:
    start = baseline if baseline is not None else target * Decimal("0.5")
    noise = Decimal(str(round(ctx.rng.uniform(-0.1, 0.1), 2)))
    value = start + (target - start) * (Decimal(str(round(fraction, 2))) + noise)
    return value.quantize(Decimal("0.01"))


def seed(ctx: BenchContext) -> None:
    """Write the checkpoints and what follows from them for every signed tour in `ctx.shared["tours"]`; leave
    the number of checkpoints in `ctx.shared["checkpoints"]`."""
    tours: list[TourPlan] = [t for t in ctx.shared.get("tours", []) if t.signed]
    checkpoints = ctx.table(Checkpoint)
    measurements = ctx.table(KpiMeasurement)
    endings = ctx.table(TourEnding)
    cancellations = ctx.table(CheckpointCancellation)
    outcomes = ctx.table(TourOutcome)
    notices_t = ctx.table(Notice)
    audit = ctx.table(AuditEntry)
    checkpoint_type = ContentType.objects.get_for_model(Checkpoint).pk
    rng, today = ctx.rng, ctx.today
    total = 0
    for tour in ctx.each("checkpoints and measurements", tours, len(tours)):
        person, org = tour.person, tour.person.org
        manager = ctx.people[tour.manager_id]
        left_on = person.left_on if tour.kind == "left_early" else None
        ending_id = None
        if tour.kind in ("previous", "left_completed", "left_early"):
            ending_id = ctx.next_id(TourEnding)
            early = tour.kind == "left_early"
            closed = left_on if early else tour.end
            endings.add(
                id=ending_id,
                organization_id=org.id,
                tour_id=tour.id,
                kind=EndingKind.ENDED_EARLY if early else EndingKind.COMPLETED,
                reason="",
                status=EndingStatus.CONFIRMED,
                proposed_side=EndingSide.LEFT if early else EndingSide.EMPLOYEE,
                proposed_by_id=None if early else person.id,
                proposed_at=_at(closed, 9),
                confirmed_by_id=None if early else manager.id,
                confirmed_at=_at(closed, 18),
            )
            outcomes.add(
                id=ctx.next_id(TourOutcome),
                organization_id=org.id,
                tour_id=tour.id,
                kind=OutcomeKind.NEXT_TOUR if tour.kind == "previous" else OutcomeKind.MOVED_OUTSIDE,
                next_tour_id=tour.next_id if tour.kind == "previous" else None,
                recorded_by_id=manager.id,
                recorded_at=_at(closed, 18),
                updated_at=_at(closed, 18),
            )
        planned = schedule_dates(tour.start, tour.end, INTERVAL_MONTHS)
        past = [due for due, _ in planned if due < today]
        last_past = past[-1] if past else None
        span = (tour.end - tour.start).days or 1
        for sequence, (due, kind) in enumerate(planned, start=1):
            checkpoint_id = ctx.next_id(Checkpoint)
            total += 1
            if left_on is not None and due > left_on:
                status = CheckpointStatus.CANCELLED
            elif tour.kind != "active" or (due < today and due != last_past):
                status = CheckpointStatus.CONFIRMED
            elif due == last_past and not person.persona:
                draw = rng.random()
                status = CheckpointStatus.CONFIRMED if draw < 0.8 else CheckpointStatus.HELD
                if draw >= 0.9:
                    status = CheckpointStatus.SCHEDULED  # overdue: never held
            elif due == last_past:
                status = CheckpointStatus.CONFIRMED
            else:
                status = CheckpointStatus.SCHEDULED
            held = status in (CheckpointStatus.HELD, CheckpointStatus.CONFIRMED)
            confirmed = status == CheckpointStatus.CONFIRMED
            values = {}
            if held:
                values = {
                    "held_on": due,
                    "confidence": rng.randint(4, 10),
                    "employee_alignment": rng.choice(ANSWERS),
                    "manager_alignment": rng.choice(ANSWERS),
                    "reflection": rng.choice(REFLECTIONS),
                    "manager_notes": "次回までに優先順位を見直す。",
                    "employee_confirmed_at": _at(due, 17),
                }
            if confirmed:
                values.update(manager_confirmed_at=_at(due, 18), manager_confirmed_by_id=manager.id)
            checkpoints.add(
                id=checkpoint_id,
                organization_id=org.id,
                tour_id=tour.id,
                sequence=sequence,
                due_date=due,
                kind=kind,
                status=status,
                created_at=_at(tour.start, 9),
                updated_at=_at(min(due, today), 18),
                **values,
            )
            if held:
                fraction = (due - tour.start).days / span
                for kpi_id, baseline, target, _direction in tour.kpis:
                    measurements.add(
                        id=ctx.next_id(KpiMeasurement),
                        organization_id=org.id,
                        checkpoint_id=checkpoint_id,
                        kpi_id=kpi_id,
                        value=_value(ctx, baseline, target, fraction),
                    )
            if confirmed:
                audit.add(
                    id=ctx.next_id(AuditEntry),
                    organization_id=org.id,
                    at=_at(due, 18),
                    actor_user_id=manager.user_id,
                    actor_id=manager.id,
                    subject_id=person.id,
                    action="checkpoint.confirm",
                    content_type_id=checkpoint_type,
                    object_id=str(checkpoint_id),
                    object_label=f"#{sequence}",
                    changes={"status": [CheckpointStatus.HELD, CheckpointStatus.CONFIRMED]},
                )
            if status == CheckpointStatus.CANCELLED:
                cancellations.add(
                    id=ctx.next_id(CheckpointCancellation),
                    organization_id=org.id,
                    checkpoint_id=checkpoint_id,
                    ending_id=ending_id,
                    reason="",
                    cancelled_at=_at(left_on, 18),
                )
            overdue = status == CheckpointStatus.SCHEDULED and due < today
            due_today = status == CheckpointStatus.SCHEDULED and due == today
            if overdue or due_today:
                kind_key = (
                    notices.OVERDUE
                    if overdue
                    else notices.CLOSING_DUE
                    if kind == CheckpointKind.CLOSING
                    else notices.DUE
                )
                for recipient in (person, manager):
                    notices_t.add(
                        id=ctx.next_id(Notice),
                        organization_id=org.id,
                        kind=kind_key,
                        content_type_id=checkpoint_type,
                        object_id=checkpoint_id,
                        recipient_id=recipient.id,
                        sequence=0,
                        state=NoticeState.SENT,
                        attempts=1,
                        label=f"{person.name} #{sequence}",
                        url=f"/{org.slug}/checkpoints/{checkpoint_id}/",
                        created_at=_at(max(due, today - timedelta(days=7)), 9),
                        sent_at=_at(max(due, today - timedelta(days=7)), 9),
                    )
    ctx.shared["checkpoints"] = total
