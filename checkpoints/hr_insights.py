"""Checkpoints on the HR dashboard: checkpoints due and overdue by manager, alignment health and confidence over
the period, and tours that ended with what followed them. Answers and scores only: never the "why" texts.

A checkpoint's health is the worse of the two sides' answers to "are we still aligned?" (off track over drifting
over on track); a checkpoint where neither side answered is "not answered". It counts in the month it was held
(`held_on`), for checkpoints held or confirmed. A tour's end counts in the period when its ending was confirmed
(`TourEnding.confirmed_at`); what followed is the tour's `TourOutcome`, "not recorded" when there is none.
"""

from datetime import timedelta

from django.db.models import Avg, Case, CharField, Count, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Tour, TourStatus
from alliance.hr_insights import Chart, Figure, InsightFilters, MappedRows, Section, register_list, register_section
from alliance.hr_sections import PERSON_COLUMNS, person_cells, person_values
from alliance.models import Membership
from checkpoints.models import AlignmentCheck, Checkpoint, CheckpointStatus, EndingStatus, OutcomeKind
from checkpoints.selectors import DUE_SOON_DAYS

TOP_MANAGERS = 10
CHECKPOINT_STATES = {
    "due": gettext_lazy("Due within 14 days"),
    "overdue": gettext_lazy("Overdue"),
    "held": gettext_lazy("Held, waiting for confirmation"),
}
HEALTH = {
    AlignmentCheck.ON_TRACK.value: AlignmentCheck.ON_TRACK.label,
    AlignmentCheck.DRIFTING.value: AlignmentCheck.DRIFTING.label,
    AlignmentCheck.OFF_TRACK.value: AlignmentCheck.OFF_TRACK.label,
    "unanswered": gettext_lazy("Not answered"),
}
ENDING_KINDS = {
    TourStatus.COMPLETED.value: gettext_lazy("Tours completed"),
    TourStatus.ENDED_EARLY.value: gettext_lazy("Tours ended early"),
}
FOLLOWED = {
    OutcomeKind.NEXT_TOUR.value: gettext_lazy("A next tour"),
    OutcomeKind.MOVED_INSIDE.value: gettext_lazy("A move inside the company"),
    OutcomeKind.MOVED_OUTSIDE.value: gettext_lazy("A move outside the company"),
    "none": gettext_lazy("Not recorded"),
}


# --- checkpoints due and overdue ----------------------------------------------------------------------------------


def _state_q(state: str, today) -> Q:
    if state == "due":
        return Q(status=CheckpointStatus.SCHEDULED, due_date__gte=today, due_date__lte=today + timedelta(DUE_SOON_DAYS))
    if state == "held":
        return Q(status=CheckpointStatus.HELD)
    return Q(status=CheckpointStatus.SCHEDULED, due_date__lt=today)


def _open_checkpoints(filters: InsightFilters):
    # Only the statuses the figures count, so the (organization, status, due_date, tour) index narrows the scan.
    # tour__organization repeats the tour's organization (always the checkpoint's): PostgreSQL then reads the
    # organization's active tours by an index (tour_org_status_employee) instead of hashing every organization's.
    return Checkpoint.objects.filter(
        filters.member_q("tour__employee"),
        organization=filters.organization,
        status__in=(CheckpointStatus.SCHEDULED, CheckpointStatus.HELD),
        tour__status=TourStatus.ACTIVE,
        tour__organization=filters.organization,
    )


def build_checkpoints(filters: InsightFilters) -> Section | None:
    """Checkpoints of active tours now: due within DUE_SOON_DAYS (today included), overdue, held but not yet
    confirmed by both; due and overdue by the employee's manager (the TOP_MANAGERS with most, the rest summed).
    Three queries: due and overdue by manager (the figures are their sums), held, the managers' names."""
    today = timezone.localdate()
    qs = _open_checkpoints(filters)
    # Every scheduled checkpoint due by the end of the due-soon window is either overdue or due soon, so one range
    # of the (organization, status, due_date, tour) index gives both figures by manager: the totals are the sums
    # of the groups (no second pass over the same rows, which cost 60 ms at 10,000 members). Counted by the tour
    # (never null, so the same count as the id's): the index then holds every checkpoint column read.
    rows = list(
        qs.filter(status=CheckpointStatus.SCHEDULED, due_date__lte=today + timedelta(DUE_SOON_DAYS))
        .values("tour__employee__manager")
        .annotate(
            due=Count("tour", filter=_state_q("due", today)), overdue=Count("tour", filter=_state_q("overdue", today))
        )
        .order_by("-overdue", "-due", "tour__employee__manager")
    )
    counts = {
        "due": sum(row["due"] for row in rows),
        "overdue": sum(row["overdue"] for row in rows),
        "held": qs.filter(_state_q("held", today)).count(),
    }
    figures = [
        Figure(label=str(label), value=counts[state], list_key="checkpoints", list_params={"state": state})
        for state, label in CHECKPOINT_STATES.items()
    ]
    if not any(counts.values()):
        return Section(
            key="checkpoints",
            title=_("Checkpoints"),
            figures=figures,
            empty_message=_("No checkpoint is due or overdue."),
        )
    names = {
        m.pk: m.user.display_name
        for m in Membership.objects.filter(
            pk__in=[r["tour__employee__manager"] for r in rows[:TOP_MANAGERS] if r["tour__employee__manager"]]
        ).select_related("user")
    }
    labels, due, overdue = [], [], []
    for row in rows[:TOP_MANAGERS]:
        labels.append(names.get(row["tour__employee__manager"]) or _("No manager"))
        due.append(row["due"])
        overdue.append(row["overdue"])
    if len(rows) > TOP_MANAGERS:
        labels.append(_("Other managers"))
        due.append(sum(r["due"] for r in rows[TOP_MANAGERS:]))
        overdue.append(sum(r["overdue"] for r in rows[TOP_MANAGERS:]))
    chart = Chart(
        title=_("Checkpoints due and overdue, by manager"),
        labels=labels,
        series=[(str(CHECKPOINT_STATES["due"]), due), (str(CHECKPOINT_STATES["overdue"]), overdue)],
    )
    return Section(key="checkpoints", title=_("Checkpoints"), figures=figures, charts=[chart])


def checkpoint_rows(filters: InsightFilters, params):
    state = params.get("state") if params.get("state") in CHECKPOINT_STATES else "overdue"
    qs = (
        _open_checkpoints(filters)
        .filter(_state_q(state, timezone.localdate()))
        .values(*person_values("tour__employee__"), "tour__title", "sequence", "due_date")
        .order_by("tour__employee__manager__user__reading_key", "tour__employee__manager", "due_date", "pk")
    )
    return MappedRows(
        qs,
        lambda row: {
            **person_cells(row, "tour__employee__"),
            "tour": row["tour__title"],
            "sequence": row["sequence"],
            "due_date": row["due_date"],
        },
    )


# --- alignment health and confidence over the period ------------------------------------------------------------


def _health():
    def either(value):
        return Q(employee_alignment=value) | Q(manager_alignment=value)

    return Case(
        When(either(AlignmentCheck.OFF_TRACK), then=Value(AlignmentCheck.OFF_TRACK.value)),
        When(either(AlignmentCheck.DRIFTING), then=Value(AlignmentCheck.DRIFTING.value)),
        When(either(AlignmentCheck.ON_TRACK), then=Value(AlignmentCheck.ON_TRACK.value)),
        default=Value("unanswered"),
        output_field=CharField(),
    )


def _held(filters: InsightFilters):
    return Checkpoint.objects.filter(
        filters.member_q("tour__employee"),
        organization=filters.organization,
        status__in=(CheckpointStatus.HELD, CheckpointStatus.CONFIRMED),
        held_on__range=(filters.period_start, filters.period_end),
    ).annotate(health=_health())


def build_health(filters: InsightFilters) -> Section | None:
    """Checkpoints held in the period by health, the average confidence (1-10), and both by month. Two queries."""
    # Grouped by day and folded into months here: a month function runs per row in Python on SQLite (seconds
    # for 10,000 people, bench/hr_dashboard.py), a day group is at most 366 × 4 rows a year.
    # order_by(): Meta.ordering (tour, sequence) is dropped from a GROUP BY, but not the join to the tours it
    # set up, which made PostgreSQL hash every tour of the organization for nothing. COUNT(*) rather than of the
    # id (never null, the same count): every column read is then in the checkpoint_org_held_answers index, which
    # PostgreSQL reads alone (an index-only scan of the period's rows, not the organization's every checkpoint).
    rows = list(
        _held(filters)
        .values("held_on", "health")
        .annotate(n=Count("*"), average=Avg("confidence"), scored=Count("confidence"))
        .order_by()
    )
    if not rows:
        return Section(
            key="health",
            title=_("Alignment health and confidence"),
            empty_message=_("No checkpoint was held in this period."),
        )
    totals = {key: 0 for key in HEALTH}
    by_month: dict[tuple, dict] = {}
    for row in rows:
        totals[row["health"]] += row["n"]
        month = by_month.setdefault((row["held_on"].year, row["held_on"].month), {"sum": 0.0, "scored": 0})
        month[row["health"]] = month.get(row["health"], 0) + row["n"]
        if row["scored"]:
            month["sum"] += float(row["average"]) * row["scored"]
            month["scored"] += row["scored"]
    scored = sum(m["scored"] for m in by_month.values())
    average = round(sum(m["sum"] for m in by_month.values()) / scored, 1) if scored else "—"
    figures = [
        Figure(label=str(label), value=totals[key], list_key="checkpoint_health", list_params={"health": key})
        for key, label in HEALTH.items()
    ]
    figures.append(Figure(label=_("Average confidence (1-10)"), value=average))
    months = filters.months()
    keys = [(m.year, m.month) for m in months]
    labels = [f"{m:%Y-%m}" for m in months]
    health_chart = Chart(
        title=_("Alignment health of the checkpoints held, by month"),
        labels=labels,
        series=[
            (str(label), [by_month.get(k, {}).get(key, 0) for k in keys])
            for key, label in HEALTH.items()
            if key != "unanswered"
        ],
    )
    confidence_chart = Chart(
        title=_("Average confidence that the goal will be reached, by month"),
        labels=labels,
        series=[
            (
                _("Confidence (1-10)"),
                [
                    round(by_month[k]["sum"] / by_month[k]["scored"], 1) if by_month.get(k, {}).get("scored") else None
                    for k in keys
                ],
            )
        ],
        kind="line",
    )
    return Section(
        key="health",
        title=_("Alignment health and confidence"),
        figures=figures,
        charts=[health_chart, confidence_chart],
    )


def health_rows(filters: InsightFilters, params):
    qs = _held(filters)
    if params.get("health") in HEALTH:
        qs = qs.filter(health=params["health"])
    answers = dict(AlignmentCheck.choices)
    qs = qs.values(
        *person_values("tour__employee__"),
        "tour__title",
        "held_on",
        "health",
        "employee_alignment",
        "manager_alignment",
        "confidence",
    ).order_by("-held_on", "pk")
    return MappedRows(
        qs,
        lambda row: {
            **person_cells(row, "tour__employee__"),
            "tour": row["tour__title"],
            "held_on": row["held_on"],
            "health": str(HEALTH[row["health"]]),
            "employee_alignment": str(answers.get(row["employee_alignment"], "")),
            "manager_alignment": str(answers.get(row["manager_alignment"], "")),
            "confidence": row["confidence"],
        },
    )


# --- tours ended in the period and what followed ------------------------------------------------------------------


def build_endings(filters: InsightFilters) -> Section | None:
    """Tours whose end was confirmed in the period, completed or ended early, and what followed each. One query."""
    aggregates = {kind: Count("pk", filter=Q(status=kind)) for kind in ENDING_KINDS}
    aggregates.update({key: Count("pk", filter=Q(outcome__kind=key)) for key in FOLLOWED if key != "none"})
    aggregates["none"] = Count("pk", filter=Q(outcome__isnull=True))
    counts = _ended_query(filters).aggregate(**aggregates)
    if not any(counts[kind] for kind in ENDING_KINDS):
        return Section(
            key="endings", title=_("Ended tours and what followed"), empty_message=_("No tour ended in this period.")
        )
    figures = [
        Figure(label=str(label), value=counts[kind], list_key="ended_tours", list_params={"ending": kind})
        for kind, label in ENDING_KINDS.items()
    ]
    figures += [
        Figure(label=str(label), value=counts[key], list_key="ended_tours", list_params={"followed": key})
        for key, label in FOLLOWED.items()
    ]
    chart = Chart(
        title=_("What followed the tours that ended"),
        labels=[str(label) for label in FOLLOWED.values()],
        series=[(_("Tours"), [counts[key] for key in FOLLOWED])],
    )
    return Section(key="endings", title=_("Ended tours and what followed"), figures=figures, charts=[chart])


def _ended_query(filters: InsightFilters):
    # A join rather than EXISTS: a tour has at most one confirmed ending (constraint tour_ending_ends_once), so no
    # row doubles, and PostgreSQL plans the join far better than the correlated subquery (bench/hr_dashboard.py).
    since, until = filters.instants()
    # endings__organization repeats the ending's organization (always its tour's) so that PostgreSQL reads the
    # organization's endings by an index rather than every organization's.
    return Tour.objects.filter(
        filters.member_q("employee"),
        organization=filters.organization,
        status__in=list(ENDING_KINDS),
        endings__organization=filters.organization,
        endings__status=EndingStatus.CONFIRMED,
        endings__confirmed_at__gte=since,
        endings__confirmed_at__lt=until,
    )


def ended_rows(filters: InsightFilters, params):
    qs = _ended_query(filters)
    if params.get("ending") in ENDING_KINDS:
        qs = qs.filter(status=params["ending"])
    followed = params.get("followed")
    if followed == "none":
        qs = qs.filter(outcome__isnull=True)
    elif followed in FOLLOWED:
        qs = qs.filter(outcome__kind=followed)
    statuses = dict(TourStatus.choices)
    qs = qs.values(
        *person_values("employee__"), "title", "status", "end_date", "outcome__kind", "outcome__destination"
    ).order_by("-end_date", "pk")
    return MappedRows(
        qs,
        lambda row: {
            **person_cells(row, "employee__"),
            "title": row["title"],
            "status": str(statuses.get(row["status"], row["status"])),
            "end_date": row["end_date"],
            "followed": str(FOLLOWED[row["outcome__kind"] or "none"]),
            "destination": row["outcome__destination"] or "",
        },
    )


def _describe(choices, key, default=None):
    def describe(params):
        value = params.get(key)
        if value in choices:
            return [choices[value]]
        return [choices[default]] if default else []

    return describe


def _describe_ended(params) -> list[str]:
    return _describe(ENDING_KINDS, "ending")(params) + _describe(FOLLOWED, "followed")(params)


def register() -> None:
    register_section("checkpoints", title=gettext_lazy("Checkpoints"), order=50, build=build_checkpoints)
    register_section("health", title=gettext_lazy("Alignment health and confidence"), order=60, build=build_health)
    register_section("endings", title=gettext_lazy("Ended tours and what followed"), order=70, build=build_endings)
    register_list(
        "checkpoints",
        title=gettext_lazy("Checkpoints"),
        columns=(
            *PERSON_COLUMNS,
            ("tour", gettext_lazy("Tour")),
            ("sequence", gettext_lazy("Checkpoint")),
            ("due_date", gettext_lazy("Due")),
        ),
        rows=checkpoint_rows,
        describe=_describe(CHECKPOINT_STATES, "state", "overdue"),
    )
    register_list(
        "checkpoint_health",
        title=gettext_lazy("Checkpoints held and their alignment health"),
        columns=(
            *PERSON_COLUMNS,
            ("tour", gettext_lazy("Tour")),
            ("held_on", gettext_lazy("Held on")),
            ("health", gettext_lazy("Health")),
            ("employee_alignment", gettext_lazy("Employee's answer")),
            ("manager_alignment", gettext_lazy("Manager's answer")),
            ("confidence", gettext_lazy("Confidence (1-10)")),
        ),
        rows=health_rows,
        describe=_describe(HEALTH, "health"),
    )
    register_list(
        "ended_tours",
        title=gettext_lazy("Ended tours and what followed"),
        columns=(
            *PERSON_COLUMNS,
            ("title", gettext_lazy("Tour")),
            ("status", gettext_lazy("How it ended")),
            ("end_date", gettext_lazy("End")),
            ("followed", gettext_lazy("What followed")),
            ("destination", gettext_lazy("To which team or role")),
        ),
        rows=ended_rows,
        describe=_describe_ended,
    )
