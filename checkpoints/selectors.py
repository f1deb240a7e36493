"""Reads of the checkpoints app: the version in force, the KPI rows of a checkpoint and their progress."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from agreements import rules as agreement_rules
from agreements.models import Agreement, AgreementVersion, Kpi, KpiDirection, Tour, VersionStatus
from agreements.selectors import current_version
from checkpoints import access, rules
from checkpoints.models import Checkpoint, KpiMeasurement

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


@dataclass(frozen=True)
class AmendmentOffer:
    """What the checkpoint page says about amending the agreement: `can_propose` (a party, an active tour, a
    signed version in force with no amendment under way), the amendment `under_way` (a draft or pending
    version, or None), and the `in_force` version."""

    can_propose: bool
    under_way: AgreementVersion | None
    in_force: AgreementVersion | None


def amendment_offer(*, checkpoint: Checkpoint, membership) -> AmendmentOffer:
    """The amendment block of `checkpoint`'s page for `membership` (two queries)."""
    agreement = Agreement.objects.filter(tour_id=checkpoint.tour_id).first()
    if agreement is None:
        return AmendmentOffer(False, None, None)
    current = current_version(agreement)
    under_way = current if current.is_amendment and current.status in ("draft", "pending") else None
    can = (
        access.side_of(membership, checkpoint) is not None
        and rules.amendment_conflict(checkpoint) is None
        and agreement_rules.amend_conflict(current) is None
    )
    return AmendmentOffer(can, under_way, current if current.status == "signed" else None)
