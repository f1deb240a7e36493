"""Reads of the checkpoints app: the version in force, the KPI rows of a checkpoint and their progress, the
meeting around a checkpoint (agenda, next actions, notes), the lists that lead people to their checkpoints, the
KPI picture of a tour (its charts and their table), and the end of a tour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from agreements import access as agreement_access
from agreements import rules as agreement_rules
from agreements.models import Agreement, AgreementVersion, Kpi, KpiDirection, Tour, TourStatus, VersionStatus
from agreements.selectors import current_version
from alliance.models import Membership, MembershipStatus, Organization
from alliance.permissions import VIEW_REPORTS, membership_has
from alliance.text import normalize_search
from checkpoints import access, charts, rules
from checkpoints.models import (
    AgendaTopic,
    CalendarFeed,
    Checkpoint,
    CheckpointCancellation,
    CheckpointKind,
    CheckpointStatus,
    CorrectionNote,
    EndingSide,
    EndingStatus,
    KpiMeasurement,
    NextAction,
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
    """The tour's checkpoints in date order (rules.tour_order: due date, then number)."""
    return Checkpoint.objects.filter(tour=tour).order_by("due_date", "sequence")


def earlier_in_tour(checkpoint: Checkpoint, *, prefix: str = "checkpoint__", inclusive: bool = False) -> Q:
    """A filter on rows whose checkpoint (reached through `prefix`) belongs to `checkpoint`'s tour and comes
    before it in rules.tour_order (due date, then number); `inclusive` keeps `checkpoint` itself."""
    same_day = Q(
        **{
            f"{prefix}due_date": checkpoint.due_date,
            f"{prefix}sequence__lte" if inclusive else f"{prefix}sequence__lt": checkpoint.sequence,
        }
    )
    return Q(**{f"{prefix}tour_id": checkpoint.tour_id}) & (
        Q(**{f"{prefix}due_date__lt": checkpoint.due_date}) | same_day
    )


# --- the KPI picture ---------------------------------------------------------------------------------------

CONFIDENCE_TICKS = [Decimal(v) for v in (0, 2, 4, 6, 8, 10)]
PICTURED_STATUSES = (CheckpointStatus.HELD, CheckpointStatus.CONFIRMED)


def kpi_key(name: str) -> str:
    """The identity of a KPI across the versions of one agreement: its name in search form
    (alliance.text.normalize_search: width, case, kana and spaces do not matter).

    An amendment copies the KPIs into new rows (agreements.services.versions.agreement_amend), so rows of
    different versions are the same KPI when they bear the same name; a renamed KPI starts a new series, and
    its earlier values stay under the old name. Baseline, target, unit and direction come from the latest
    signed version that holds the KPI (the one in force for it); an earlier, different figure is listed in
    `KpiSeries.earlier`."""
    return normalize_search(name)


@dataclass
class KpiSeries:
    """One KPI of a tour across its signed versions, with its values at the held checkpoints."""

    key: str
    kpi: Kpi  # the row of the latest signed version that holds it
    in_force: bool  # still a KPI of the version in force
    earlier: list[Kpi]  # rows of earlier versions whose baseline, target or direction differ
    values: dict[int, Decimal]  # checkpoint id -> value
    chart: charts.LineChart | None = None
    uid: str = ""

    @property
    def baseline_text(self) -> str:
        return "—" if self.kpi.baseline is None else charts.format_number(self.kpi.baseline)

    @property
    def target_text(self) -> str:
        return charts.format_number(self.kpi.target)

    @property
    def description(self) -> str:
        """What the chart shows, in words (the SVG's <desc>): the values' count, period and latest figure, the
        reference lines and which way is better; the table beside the chart has every figure."""
        parts = []
        points = self.chart.points if self.chart else []
        if len(points) == 1:
            parts.append(
                _("One value recorded, on %(date)s: %(value)s.")
                % {
                    "date": date_format(points[0].on, "SHORT_DATE_FORMAT"),
                    "value": charts.format_number(points[0].value),
                }
            )
        elif points:
            parts.append(
                _("%(n)s values recorded, from %(first)s to %(last)s; latest %(latest)s.")
                % {
                    "n": len(points),
                    "first": date_format(points[0].on, "SHORT_DATE_FORMAT"),
                    "last": date_format(points[-1].on, "SHORT_DATE_FORMAT"),
                    "latest": charts.format_number(points[-1].value),
                }
            )
        else:
            parts.append(_("No value recorded yet."))
        parts.append(
            _("Baseline %(baseline)s, target %(target)s.")
            % {"baseline": self.baseline_text, "target": self.target_text}
        )
        parts.append(str(self.kpi.get_direction_display()) + ".")
        if points:
            progress = kpi_progress(
                value=points[-1].value, baseline=self.kpi.baseline, target=self.kpi.target, direction=self.kpi.direction
            )
            parts.append(
                _("The latest value is %(raw)s%% of the way from the baseline to the target.") % {"raw": progress.raw}
            )
        return " ".join(parts)


@dataclass
class TourPicture:
    """Progress as a picture for one tour: a chart per KPI, the confidence trend, and the same figures as
    table rows (one per held or confirmed checkpoint, in date order)."""

    tour: Tour
    uid: str
    checkpoints: list[Checkpoint]
    series: list[KpiSeries]
    confidence: charts.LineChart
    current: Checkpoint | None = None

    @property
    def has_data(self) -> bool:
        return bool(self.checkpoints)

    @property
    def rows(self) -> list[tuple[Checkpoint, list[str]]]:
        """Per pictured checkpoint, each series' value as the chart writes it ("—" when not measured)."""
        return [
            (cp, [charts.format_number(s.values[cp.pk]) if cp.pk in s.values else "—" for s in self.series])
            for cp in self.checkpoints
        ]

    @property
    def confidence_description(self) -> str:
        """The confidence chart in words (its <desc>)."""
        scores = [cp.confidence for cp in self.checkpoints if cp.confidence is not None]
        if not scores:
            return _("No confidence score recorded yet.")
        return _("Confidence that the goal will be reached, from 1 to 10, at each checkpoint: %(scores)s.") % {
            "scores": ", ".join(str(score) for score in scores)
        }


def _point_date(checkpoint: Checkpoint):
    return checkpoint.held_on or checkpoint.due_date


def _references(kpi: Kpi) -> list[tuple[str, Decimal, str]]:
    target = charts.format_number(kpi.target)
    if kpi.baseline is None:
        return [("target", kpi.target, _("Target %(value)s") % {"value": target})]
    if kpi.baseline == kpi.target:
        return [("target", kpi.target, _("Baseline = target %(value)s") % {"value": target})]
    return [
        ("baseline", kpi.baseline, _("Baseline %(value)s") % {"value": charts.format_number(kpi.baseline)}),
        ("target", kpi.target, _("Target %(value)s") % {"value": target}),
    ]


def tour_pictures(*, membership, tours, current: Checkpoint | None = None, prefix: str = "pic") -> dict:
    """The KPI picture of each of `tours` that `membership` may see (agreements.access.visible_tours, the rule
    of checkpoints.access), as {tour id: TourPicture}; tours out of reach are left out. Three queries whatever
    the number of tours, checkpoints and KPIs. Only held and confirmed checkpoints are pictured (a scheduled
    one has no figures yet, a cancelled one was never held). `current` marks the checkpoint a page is about;
    `prefix` keeps the SVG ids of several pictures on one page apart."""
    tours = list(tours)
    if not tours:
        return {}
    org_id = membership.organization_id
    visible = set(
        agreement_access.visible_tours(membership=membership)
        .filter(pk__in=[t.pk for t in tours])
        .values_list("pk", flat=True)
    )
    tours = [t for t in tours if t.pk in visible]
    if not tours:
        return {}
    checkpoints_by_tour: dict[int, list[Checkpoint]] = {t.pk: [] for t in tours}
    held = (
        Checkpoint.objects.for_organization(org_id)
        .filter(tour__in=[t.pk for t in tours], status__in=PICTURED_STATUSES)
        .order_by("held_on", "due_date", "sequence")
    )
    for checkpoint in held:
        checkpoints_by_tour[checkpoint.tour_id].append(checkpoint)
    kpis_by_tour: dict[int, list[Kpi]] = {t.pk: [] for t in tours}
    signed_kpis = (
        Kpi.objects.for_organization(org_id)
        .filter(version__agreement__tour__in=[t.pk for t in tours], version__status=VersionStatus.SIGNED)
        .select_related("version__agreement")
        .order_by("version__number", "position", "id")
    )
    for kpi in signed_kpis:
        kpis_by_tour[kpi.version.agreement.tour_id].append(kpi)
    measured: dict[int, list[KpiMeasurement]] = {t.pk: [] for t in tours}
    measurements = (
        KpiMeasurement.objects.for_organization(org_id)
        .filter(checkpoint__tour__in=[t.pk for t in tours], checkpoint__status__in=PICTURED_STATUSES)
        .select_related("kpi", "checkpoint")
        .order_by("checkpoint__held_on", "checkpoint__sequence")
    )
    for measurement in measurements:
        measured[measurement.checkpoint.tour_id].append(measurement)
    return {
        tour.pk: _picture(
            tour,
            checkpoints_by_tour[tour.pk],
            kpis_by_tour[tour.pk],
            measured[tour.pk],
            current=current,
            uid=f"{prefix}-{tour.pk}",
        )
        for tour in tours
    }


def tour_picture(*, membership, tour: Tour, current: Checkpoint | None = None, prefix: str = "pic"):
    """`tour_pictures` for one tour: its TourPicture, or None when `membership` may not see it."""
    return tour_pictures(membership=membership, tours=[tour], current=current, prefix=prefix).get(tour.pk)


def _picture(tour, held, kpis, measurements, *, current, uid) -> TourPicture:
    latest_number = max((k.version.number for k in kpis), default=None)
    series: dict[str, KpiSeries] = {}
    # Versions in ascending order: the last row seen for a key is the one in force for that KPI.
    for kpi in kpis:
        key = kpi_key(kpi.name)
        known = series.get(key)
        if known is None:
            series[key] = KpiSeries(key=key, kpi=kpi, in_force=False, earlier=[], values={})
        else:
            if (known.kpi.baseline, known.kpi.target, known.kpi.direction) != (kpi.baseline, kpi.target, kpi.direction):
                known.earlier.append(known.kpi)
            known.kpi = kpi
    for item in series.values():
        item.in_force = item.kpi.version.number == latest_number
    for measurement in measurements:
        key = kpi_key(measurement.kpi.name)
        item = series.get(key)
        if item is None:  # measured against a version that is no longer signed: cannot happen, kept safe
            continue
        item.values[measurement.checkpoint_id] = measurement.value
    ordered = sorted(series.values(), key=lambda s: (not s.in_force, s.kpi.position, s.kpi.pk))
    dates = {cp.pk: _point_date(cp) for cp in held}
    current_date = dates.get(current.pk) if current is not None else None
    for index, item in enumerate(ordered):
        item.uid = f"{uid}-kpi{index}"
        item.chart = charts.line_chart(
            [(dates[cp_id], value) for cp_id, value in item.values.items() if cp_id in dates],
            start=tour.start_date,
            end=tour.end_date,
            references=_references(item.kpi),
            current=current_date,
        )
    confidence = charts.line_chart(
        [(dates[cp.pk], Decimal(cp.confidence)) for cp in held if cp.confidence is not None],
        start=tour.start_date,
        end=tour.end_date,
        fixed_ticks=CONFIDENCE_TICKS,
        current=current_date,
    )
    return TourPicture(tour=tour, uid=uid, checkpoints=held, series=ordered, confidence=confidence, current=current)


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
        NextAction.objects.filter(earlier_in_tour(checkpoint))
        .filter(Q(done_at__isnull=True) | Q(done_at_checkpoint=checkpoint))
        .select_related("checkpoint", *people, "done_by__user")
        .order_by("checkpoint__due_date", "checkpoint__sequence", "due_on", "pk")
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
    scheduled = Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.SCHEDULED)
    return scheduled.order_by("due_date", "sequence").first()


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
        # The member and their reports as a subquery on memberships (the primary key and the manager index): an
        # OR across the join to the employee made PostgreSQL read every active tour and membership of the
        # organization to keep a handful.
        people = Q(
            tour__employee__in=Membership.objects.for_organization(membership.organization_id)
            .filter(Q(pk=membership.pk) | Q(manager=membership))
            .values("pk")
        )
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


def overdue_total(*, organization: Organization | int, today: date) -> int:
    """How many checkpoints are overdue (as overdue_checkpoints), every manager's reports and those without a
    manager together: the sum of overdue_counts in one COUNT. One query."""
    # tour__organization repeats the tour's organization (always the checkpoint's) so that PostgreSQL reads the
    # organization's active tours from an index rather than hashing every organization's (56 ms at bench size).
    return (
        Checkpoint.objects.for_organization(organization)
        .filter(
            status=CheckpointStatus.SCHEDULED,
            due_date__lt=today,
            tour__status=TourStatus.ACTIVE,
            tour__organization=organization,
        )
        .count()
    )


def overdue_counts(*, organization: Organization | int, today: date) -> list[OverdueCount]:
    """How many overdue checkpoints (as overdue_checkpoints) each manager's reports have, managers by reading,
    "no manager" last. Two queries whatever the number of managers."""
    counts = (
        Checkpoint.objects.for_organization(organization)
        .filter(
            status=CheckpointStatus.SCHEDULED,
            due_date__lt=today,
            tour__status=TourStatus.ACTIVE,
            tour__organization=organization,
        )
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


def feed_checkpoints(membership):
    """The checkpoints a member's private calendar feed serves: those of their own tours and, while they may
    have reports (VIEW_REPORTS), of their reports' tours; of `membership`'s organization only, tours that were
    signed (active, completed or ended early), with what an event shows selected."""
    rule = Q(tour__employee=membership)
    if membership_has(membership, VIEW_REPORTS):
        rule |= Q(tour__employee__manager=membership)
    return (
        Checkpoint.objects.for_organization(membership.organization_id)
        .filter(rule, tour__status__in=[TourStatus.ACTIVE, TourStatus.COMPLETED, TourStatus.ENDED_EARLY])
        .select_related("tour__employee__user", "organization")
        .order_by("due_date", "pk")
    )


def live_calendar_feed(membership) -> CalendarFeed | None:
    """`membership`'s private calendar feed that is not revoked (one at most), or None. One query."""
    return (
        CalendarFeed.objects.for_organization(membership.organization_id)
        .filter(membership=membership, revoked_at__isnull=True)
        .first()
    )


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The live feed whose secret URL token is `token` (compared by its SHA-256), with its member, user and
    organization, or None. Across organizations on purpose, as the invitation link's lookup is: the token's
    hash (256 bits) names one row; the caller reads everything else in that row's organization scope."""
    with scopes_disabled():
        return (
            CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token), revoked_at__isnull=True)
            .select_related("membership__user", "organization")
            .first()
        )


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
