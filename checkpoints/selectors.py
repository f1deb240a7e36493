"""Reads of the checkpoints app: the version in force, the KPI rows of a checkpoint and their progress."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from agreements.models import AgreementVersion, Kpi, KpiDirection, Tour, TourStatus, VersionStatus
from alliance.permissions import VIEW_REPORTS, membership_has
from checkpoints import access
from checkpoints.models import (
    Checkpoint,
    CheckpointKind,
    CheckpointStatus,
    EndingSide,
    EndingStatus,
    KpiMeasurement,
    OutcomeKind,
    TourEnding,
    TourOutcome,
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


# --- the end of a tour and what followed (checkpoints.services.endings) --------------------------------------


def open_ending(tour: Tour) -> TourEnding | None:
    """The proposal to end `tour` that waits for an answer, or None."""
    proposals = TourEnding.objects.filter(tour=tour, status=EndingStatus.PROPOSED)
    return proposals.select_related("proposed_by__user").first()


def unheld_count(tour: Tour) -> int:
    """How many checkpoints of `tour` were never held (they are cancelled when the tour ends)."""
    return Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.SCHEDULED).count()


def outcome_of(tour: Tour) -> TourOutcome | None:
    """What followed `tour`, with its next tour, or None while nobody recorded it."""
    return TourOutcome.objects.filter(tour=tour).select_related("next_tour", "recorded_by__user").first()


@dataclass
class EndingState:
    """Where the end of one tour stands, as `viewer` may act on it (the tour page's section, the closing
    review's block). `side` is the viewer's side of the tour (checkpoints.access) or None."""

    tour: Tour
    side: str | None
    open: TourEnding | None
    ended: TourEnding | None
    past: list
    closing: Checkpoint | None
    outcome: TourOutcome | None
    next_tour: Tour | None
    can_end_now: bool
    can_record_outcome: bool

    @property
    def closing_recorded(self) -> bool:
        return self.closing is not None and self.closing.status in (CheckpointStatus.HELD, CheckpointStatus.CONFIRMED)

    @property
    def active(self) -> bool:
        return self.tour.status == TourStatus.ACTIVE

    @property
    def can_propose(self) -> bool:
        return self.active and self.side is not None and self.open is None

    @property
    def waits_on_me(self) -> bool:
        return self.open is not None and self.side is not None and self.side != self.open.proposed_side

    @property
    def mine(self) -> bool:
        return self.open is not None and self.side == self.open.proposed_side

    @property
    def can_start_next(self) -> bool:
        # Offered to a side once the tour ended, unless a next tour follows already or the person moved outside.
        moved_out = self.outcome is not None and self.outcome.kind == OutcomeKind.MOVED_OUTSIDE
        return self.ended is not None and self.side is not None and self.next_tour is None and not moved_out


def ending_state(*, viewer, tour: Tour) -> EndingState | None:
    """The EndingState of `tour` for `viewer` (a Membership), or None for a tour that never ran (a draft or a
    discarded one). Four queries, whatever the number of past proposals."""
    if tour.status not in (TourStatus.ACTIVE, TourStatus.COMPLETED, TourStatus.ENDED_EARLY):
        return None
    endings = list(
        TourEnding.objects.filter(tour=tour)
        .select_related("proposed_by__user", "confirmed_by__user", "declined_by__user")
        .order_by("-proposed_at", "-id")
    )
    ended = next((e for e in endings if e.status == EndingStatus.CONFIRMED), None)
    outcome = outcome_of(tour)
    next_tour = outcome.next_tour if outcome and outcome.next_tour_id else None
    if next_tour is None or next_tour.status == TourStatus.DISCARDED:
        next_tour = (
            Tour.objects.filter(previous=tour).exclude(status=TourStatus.DISCARDED).order_by("-created_at").first()
        )
    return EndingState(
        tour=tour,
        side=access.side_of_tour(viewer, tour),
        open=next((e for e in endings if e.status == EndingStatus.PROPOSED), None),
        ended=ended,
        past=[e for e in endings if e.status not in (EndingStatus.PROPOSED, EndingStatus.CONFIRMED)],
        closing=Checkpoint.objects.filter(tour=tour, kind=CheckpointKind.CLOSING).first(),
        outcome=outcome,
        next_tour=next_tour,
        can_end_now=tour.status == TourStatus.ACTIVE and access.can_end_directly(viewer, tour),
        can_record_outcome=ended is not None and access.can_record_outcome(viewer, tour),
    )


def endings_waiting_on(*, membership):
    """The open proposals to end a tour that wait for `membership`'s answer: on their own tours when the manager
    proposed, on their reports' tours when the employee did. One query."""
    if membership.status != "active":
        return []
    rule = Q(tour__employee=membership, proposed_side=EndingSide.MANAGER)
    if membership_has(membership, VIEW_REPORTS):
        rule |= Q(tour__employee__manager=membership, proposed_side=EndingSide.EMPLOYEE)
    return list(
        TourEnding.objects.for_organization(membership.organization_id)
        .filter(rule, status=EndingStatus.PROPOSED)
        .select_related("tour__employee__user")
        .order_by("proposed_at", "pk")
    )
