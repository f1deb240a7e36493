"""Reads of the checkpoints app: the version in force, the KPI rows of a checkpoint and their progress, the
meeting around a checkpoint (agenda, next actions, notes), and the lists that lead people to their checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from agreements.models import AgreementVersion, Kpi, KpiDirection, Tour, TourStatus, VersionStatus
from alliance.models import Membership, MembershipStatus, Organization
from alliance.permissions import VIEW_REPORTS, membership_has
from checkpoints.models import (
    AgendaTopic,
    Checkpoint,
    CheckpointCancellation,
    CheckpointStatus,
    CorrectionNote,
    KpiMeasurement,
    NextAction,
)

HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Progress:
    """How far a measured value went from the baseline toward the target, in percent of that span.

    `raw` is the figure itself (below 0 when the value moved away from the target, above 100 past it); `percent`
    is `raw` clamped to 0-100, for a bar. Both are Decimals rounded to one decimal place (half up)."""

    raw: Decimal
    percent: Decimal


def kpi_progress(*, value: Decimal, baseline: Decimal | None, target: Decimal, direction: str) -> Progress:
    """The progress of `value` toward `target`, starting from `baseline`, for a KPI whose `direction` is a
    `KpiDirection` value ("higher" or "lower" is better). Units: percent of the baseline-to-target span, so
    the baseline is 0% and the target 100%, whatever the KPI's own unit.

    - raw = (value − baseline) ÷ (target − baseline) × 100, which reads the same way in both directions (for a
      "lower" KPI both differences are negative when the value improves);
    - no baseline: a "higher" KPI counts from 0; a "lower" one has no span, as below;
    - no span (baseline equal to the target, or no baseline when lower is better): 100% once the value meets
      the target in the KPI's direction (at or above it when higher is better, at or below when lower), else 0%.
    """
    if baseline is None and direction == KpiDirection.HIGHER:
        baseline = Decimal(0)
    if baseline is None or baseline == target:
        met = value >= target if direction == KpiDirection.HIGHER else value <= target
        raw = HUNDRED if met else Decimal(0)
    else:
        raw = (value - baseline) / (target - baseline) * HUNDRED
    raw = raw.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return Progress(raw=raw, percent=min(max(raw, Decimal(0)), HUNDRED))


def version_in_force(tour: Tour) -> AgreementVersion | None:
    """The latest signed version of the tour's agreement (an amendment waiting for signatures is not in force
    yet), or None before the first signature completes."""
    return (
        AgreementVersion.objects.filter(agreement__tour=tour, status=VersionStatus.SIGNED).order_by("-number").first()
    )


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    measurement: KpiMeasurement | None
    progress: Progress | None


def kpi_rows(checkpoint: Checkpoint, version: AgreementVersion | None) -> list[KpiRow]:
    """One row per KPI of `version` (the version in force), in the plan's order, with the checkpoint's
    measurement of it and its progress (None while not measured). Two queries, whatever the number of KPIs."""
    if version is None:
        return []
    measured = {m.kpi_id: m for m in KpiMeasurement.objects.filter(checkpoint=checkpoint)}
    rows = []
    for kpi in Kpi.objects.filter(version=version).order_by("position", "id"):
        measurement = measured.get(kpi.pk)
        progress = None
        if measurement is not None:
            progress = kpi_progress(
                value=measurement.value, baseline=kpi.baseline, target=kpi.target, direction=kpi.direction
            )
        rows.append(KpiRow(kpi=kpi, measurement=measurement, progress=progress))
    return rows


def tour_checkpoints(tour: Tour):
    """The tour's checkpoints in date order."""
    return Checkpoint.objects.filter(tour=tour).order_by("sequence")


# --- the 1on1 as a meeting ---------------------------------------------------------------------------------------


@dataclass
class Meeting:
    """What surrounds one checkpoint's record: its agenda (withdrawn topics included, marked), the actions agreed
    at it, the open actions of earlier checkpoints of the tour carried over to it (and those closed from it),
    its correction notes and, when cancelled, who cancelled it and why."""

    topics: list[AgendaTopic]
    actions: list[NextAction]
    carried: list[NextAction]
    notes: list[CorrectionNote]
    cancellation: CheckpointCancellation | None


def meeting(checkpoint: Checkpoint) -> Meeting:
    """The Meeting of `checkpoint`, people loaded; five queries whatever the number of rows. An action is
    carried over to every later checkpoint of its tour until it is done; one marked done from this checkpoint
    stays listed here, done."""
    people = ("added_by__user",)
    topics = list(AgendaTopic.objects.filter(checkpoint=checkpoint).select_related(*people))
    actions = list(NextAction.objects.filter(checkpoint=checkpoint).select_related(*people, "done_by__user"))
    carried = list(
        NextAction.objects.filter(checkpoint__tour_id=checkpoint.tour_id, checkpoint__sequence__lt=checkpoint.sequence)
        .filter(Q(done_at__isnull=True) | Q(done_at_checkpoint=checkpoint))
        .select_related("checkpoint", *people, "done_by__user")
        .order_by("checkpoint__sequence", "due_on", "pk")
    )
    notes = list(CorrectionNote.objects.filter(checkpoint=checkpoint).select_related(*people))
    cancellation = None
    if checkpoint.status == CheckpointStatus.CANCELLED:
        cancellation = (
            CheckpointCancellation.objects.filter(checkpoint=checkpoint).select_related("cancelled_by__user").first()
        )
    return Meeting(topics=topics, actions=actions, carried=carried, notes=notes, cancellation=cancellation)


# --- reaching checkpoints: tour page, alliance page, home page, HR's overdue list ---------------------------------


def next_to_hold(tour: Tour) -> Checkpoint | None:
    """The tour's first checkpoint still scheduled (not held, not cancelled), in date order, or None."""
    return Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.SCHEDULED).order_by("sequence").first()


# How far ahead the home page lists checkpoints to hold (days, inclusive of today + DUE_SOON_DAYS).
DUE_SOON_DAYS = 14


@dataclass
class WaitingCheckpoint:
    """One checkpoint on the home page: `kind` "hold" (due within DUE_SOON_DAYS or overdue, not held) or
    "confirm" (held, this side has not confirmed); `own` when the viewer acts on it (their own, or as the
    manager), False when it waits on a report."""

    checkpoint: Checkpoint
    kind: str
    own: bool
    overdue: bool = False


def waiting_checkpoints(*, membership: Membership, today: date) -> list[WaitingCheckpoint]:
    """The checkpoints waiting on `membership` (theirs) and on their reports, of active tours: due within
    DUE_SOON_DAYS of `today` or overdue and not held (both sides hold it: "hold" for the viewer), and held ones
    not yet confirmed by the viewer's side (own) or by the report (not own). One query whatever the number."""
    if membership.status != MembershipStatus.ACTIVE:
        return []
    people = Q(tour__employee=membership)
    if membership_has(membership, VIEW_REPORTS):  # a manager's powers, as agreements.access.is_manager_of
        people |= Q(tour__employee__manager=membership)
    soon = Q(status=CheckpointStatus.SCHEDULED, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))
    unconfirmed = Q(status=CheckpointStatus.HELD) & (
        Q(employee_confirmed_at__isnull=True) | Q(manager_confirmed_at__isnull=True)
    )
    rows = (
        Checkpoint.objects.for_organization(membership.organization_id)
        .filter(people, soon | unconfirmed, tour__status=TourStatus.ACTIVE)
        .select_related("tour__employee__user")
        .order_by("due_date", "pk")
    )
    items = []
    for checkpoint in rows:
        mine = checkpoint.tour.employee_id == membership.pk
        if checkpoint.status == CheckpointStatus.SCHEDULED:
            items.append(WaitingCheckpoint(checkpoint, "hold", own=True, overdue=checkpoint.due_date < today))
            continue
        own_confirmed = checkpoint.employee_confirmed_at if mine else checkpoint.manager_confirmed_at
        if own_confirmed is None:
            items.append(WaitingCheckpoint(checkpoint, "confirm", own=True))
        elif not mine and checkpoint.employee_confirmed_at is None:
            items.append(WaitingCheckpoint(checkpoint, "confirm", own=False))
    return items


def overdue_checkpoints(*, organization: Organization | int, today: date, manager_id: int | None = None):
    """The organization's overdue checkpoints (scheduled, due before `today`, of active tours), ordered by the
    employee's current manager (by reading; no manager last), then due date; only `manager_id`'s reports when
    given (0: employees without a manager). People and tours loaded."""
    qs = (
        Checkpoint.objects.for_organization(organization)
        .filter(status=CheckpointStatus.SCHEDULED, due_date__lt=today, tour__status=TourStatus.ACTIVE)
        .select_related("tour__employee__user", "tour__employee__manager__user")
    )
    if manager_id == 0:
        qs = qs.filter(tour__employee__manager__isnull=True)
    elif manager_id is not None:
        qs = qs.filter(tour__employee__manager_id=manager_id)
    manager_user = "tour__employee__manager__user"
    return qs.order_by(
        f"{manager_user}__reading_key", f"{manager_user}__name", "tour__employee__manager_id", "due_date", "pk"
    )


@dataclass
class OverdueCount:
    """How many overdue checkpoints the reports of `manager` have (None: employees without a manager)."""

    manager: Membership | None
    count: int


def overdue_counts(*, organization: Organization | int, today: date) -> list[OverdueCount]:
    """How many overdue checkpoints (as overdue_checkpoints) each manager's reports have, managers by reading,
    "no manager" last. Two queries whatever the number of managers."""
    counts = (
        Checkpoint.objects.for_organization(organization)
        .filter(status=CheckpointStatus.SCHEDULED, due_date__lt=today, tour__status=TourStatus.ACTIVE)
        .values("tour__employee__manager_id")
        .annotate(n=Count("pk"))
    )
    by_manager = {row["tour__employee__manager_id"]: row["n"] for row in counts}
    managers = (
        Membership.objects.for_organization(organization)
        .filter(pk__in=[pk for pk in by_manager if pk is not None])
        .select_related("user")
        .order_by("user__reading_key", "user__name", "pk")
    )
    rows = [OverdueCount(manager=m, count=by_manager[m.pk]) for m in managers]
    if None in by_manager:
        rows.append(OverdueCount(manager=None, count=by_manager[None]))
    return rows
