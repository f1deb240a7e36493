"""STEP 1-3 on the HR dashboard: career alignments (counts only), tours of duty, and agreements waiting for
signatures, with the lists behind each number. No alignment's words are read here: only dates and statuses.

"A current alignment" is a career alignment the employee confirmed (status CONFIRMED) whose 1on1 was held within
the last CURRENT_ALIGNMENT_DAYS days (`held_on`, inclusive of the boundary day). A draft, or a confirmed one older
than that, does not count.
"""

from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from agreements.models import (
    AgreementVersion,
    AlignmentStatus,
    CareerAlignment,
    Tour,
    TourKind,
    TourStatus,
    VersionStatus,
)
from alliance.hr_insights import Chart, Figure, InsightFilters, MappedRows, Section, register_list, register_section
from alliance.hr_sections import PERSON_COLUMNS, person_cells, person_values
from alliance.models import MembershipStatus

CURRENT_ALIGNMENT_DAYS = 365
ENDING_SOON_DAYS = 30
# Signature waits, in whole days since signatures were requested: [0, 7), [7, 30], more than 30.
WAIT_BUCKETS = {
    "lt7": gettext_lazy("Fewer than 7 days"),
    "7to30": gettext_lazy("7 to 30 days"),
    "gt30": gettext_lazy("More than 30 days"),
}
TOUR_KINDS = {
    "active": gettext_lazy("Active tours"),
    "ending": gettext_lazy("Ending within 30 days"),
    "past_end": gettext_lazy("Past their end date, still active"),
    "draft": gettext_lazy("Drafts"),
}
ALIGNMENT_KINDS = {
    "without": gettext_lazy("Without a current alignment"),
    "with": gettext_lazy("With a current alignment"),
}


# --- career alignments ------------------------------------------------------------------------------------------


def _current_alignment(today, organization) -> Q:
    """A Q on memberships: those with a current alignment. An uncorrelated IN (a hashed subplan on PostgreSQL):
    a correlated EXISTS took 50 s at 10,000 members on tables not yet analysed (bench/hr_dashboard.py)."""
    cutoff = today - timedelta(days=CURRENT_ALIGNMENT_DAYS)
    return Q(
        pk__in=CareerAlignment.objects.filter(
            organization=organization, status=AlignmentStatus.CONFIRMED, held_on__gte=cutoff, held_on__lte=today
        ).values("employee")
    )


def _people(filters: InsightFilters):
    return filters.members().filter(status=MembershipStatus.ACTIVE)


def build_alignments(filters: InsightFilters) -> Section | None:
    """Active people with and without a current alignment (now), how many shared an alignment with HR (a count),
    and alignments confirmed per month over the period. Two queries."""
    today = timezone.localdate()
    # The three counts in one pass over the people: the current ones and those who shared an alignment with HR
    # (whatever its status) through uncorrelated INs (hashed subplans on PostgreSQL). The shared count was its
    # own DISTINCT over the alignments joined to the people (7 ms at 10,000 members); the same people are counted.
    shared_alignments = CareerAlignment.objects.filter(organization=filters.organization, shared_with_hr=True)
    counts = _people(filters).aggregate(
        total=Count("pk"),
        current=Count("pk", filter=_current_alignment(today, filters.organization)),
        shared=Count("pk", filter=Q(pk__in=shared_alignments.values("employee"))),
    )
    if not counts["total"]:
        return None
    shared = counts["shared"]
    figures = [
        Figure(
            label=str(ALIGNMENT_KINDS["without"]),
            value=counts["total"] - counts["current"],
            list_key="alignments",
            list_params={"current": "without"},
            note=_("No alignment confirmed in the last 12 months."),
        ),
        Figure(
            label=str(ALIGNMENT_KINDS["with"]),
            value=counts["current"],
            list_key="alignments",
            list_params={"current": "with"},
        ),
        Figure(
            label=_("Shared with HR"),
            value=shared,
            note=_("A count only: HR reads what was shared on the person's page."),
        ),
    ]
    months = filters.months()
    # By day, folded into months here: a month function runs per row in Python on SQLite.
    per_day = (
        CareerAlignment.objects.filter(filters.member_q("employee"), organization=filters.organization)
        .filter(status=AlignmentStatus.CONFIRMED, held_on__range=(filters.period_start, filters.period_end))
        .values("held_on")
        .annotate(n=Count("pk"))
        .values_list("held_on", "n")
    )
    per_month = {}
    for day, n in per_day:
        per_month[(day.year, day.month)] = per_month.get((day.year, day.month), 0) + n
    chart = Chart(
        title=_("Career alignments confirmed, by month of the 1on1"),
        labels=[f"{m:%Y-%m}" for m in months],
        series=[(_("Alignments"), [per_month.get((m.year, m.month), 0) for m in months])],
    )
    return Section(key="alignments", title=_("Career alignments"), figures=figures, charts=[chart])


def alignment_rows(filters: InsightFilters, params):
    today = timezone.localdate()
    want = params.get("current") if params.get("current") in ALIGNMENT_KINDS else "without"
    current = _current_alignment(today, filters.organization)
    qs = (
        _people(filters)
        .filter(current if want == "with" else ~current)
        .annotate(last=Max("alignments__held_on", filter=Q(alignments__status=AlignmentStatus.CONFIRMED)))
        .values(*person_values(), "last")
        .order_by("user__reading_key", "user__name", "pk")
    )
    return MappedRows(qs, lambda row: {**person_cells(row), "last": row["last"]})


# --- tours of duty ----------------------------------------------------------------------------------------------


def _tour_q(kind: str, today) -> Q:
    if kind == "ending":
        return Q(status=TourStatus.ACTIVE, end_date__gte=today, end_date__lte=today + timedelta(days=ENDING_SOON_DAYS))
    if kind == "past_end":
        return Q(status=TourStatus.ACTIVE, end_date__lt=today)
    if kind == "draft":
        return Q(status=TourStatus.DRAFT)
    return Q(status=TourStatus.ACTIVE)


def _tours(filters: InsightFilters):
    # employee__organization repeats the employee's organization (always the tour's): PostgreSQL then reads the
    # organization's memberships by an index rather than every organization's active members (a scan of 100,000
    # memberships at bench size). The same in _waiting and the count of alignments shared with HR.
    return Tour.objects.filter(
        filters.member_q("employee"),
        organization=filters.organization,
        employee__status=MembershipStatus.ACTIVE,
        employee__organization=filters.organization,
    )


def build_tours(filters: InsightFilters) -> Section | None:
    """Tours now: active, active and ending within ENDING_SOON_DAYS (today included), active past their end date,
    drafts; active tours by kind. One query: the figures grouped by kind (three rows), summed here."""
    today = timezone.localdate()
    by_kind_rows = list(
        _tours(filters)
        .filter(status__in=(TourStatus.ACTIVE, TourStatus.DRAFT))
        .values("kind")
        .annotate(**{kind: Count("pk", filter=_tour_q(kind, today)) for kind in TOUR_KINDS})
        .order_by()
    )
    counts = {kind: sum(row[kind] for row in by_kind_rows) for kind in TOUR_KINDS}
    if not any(counts.values()):
        return Section(
            key="tours",
            title=pgettext("hr dashboard", "Tours of duty"),
            empty_message=_("No tour of duty yet for these people. Tours start from a confirmed career alignment."),
        )
    figures = [
        Figure(label=str(label), value=counts[kind], list_key="tours", list_params={"status": kind})
        for kind, label in TOUR_KINDS.items()
    ]
    by_kind = {row["kind"]: row["active"] for row in by_kind_rows}
    chart = Chart(
        title=_("Active tours by kind"),
        labels=[str(label) for label in TourKind.labels],
        series=[(_("Tours"), [by_kind.get(value, 0) for value in TourKind.values])],
    )
    return Section(key="tours", title=pgettext("hr dashboard", "Tours of duty"), figures=figures, charts=[chart])


def tour_rows(filters: InsightFilters, params):
    kind = params.get("status") if params.get("status") in TOUR_KINDS else "active"
    kinds = dict(TourKind.choices)
    qs = (
        _tours(filters)
        .filter(_tour_q(kind, timezone.localdate()))
        .values(*person_values("employee__"), "title", "kind", "start_date", "end_date")
        .order_by("end_date", "employee__user__reading_key", "pk")
    )
    return MappedRows(
        qs,
        lambda row: {
            **person_cells(row, "employee__"),
            "title": row["title"],
            "kind": str(kinds.get(row["kind"], row["kind"])),
            "start_date": row["start_date"],
            "end_date": row["end_date"],
        },
    )


# --- agreements waiting for signatures ---------------------------------------------------------------------------


def _wait_q(bucket: str, now) -> Q:
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    if bucket == "lt7":
        return Q(requested_at__gt=week)
    if bucket == "7to30":
        return Q(requested_at__lte=week, requested_at__gt=month)
    return Q(requested_at__lte=month) | Q(requested_at__isnull=True)


def _waiting(filters: InsightFilters):
    return AgreementVersion.objects.filter(
        filters.member_q("agreement__tour__employee"),
        organization=filters.organization,
        status=VersionStatus.PENDING,
        agreement__tour__employee__status=MembershipStatus.ACTIVE,
        agreement__tour__employee__organization=filters.organization,
    )


def build_signatures(filters: InsightFilters) -> Section | None:
    """Agreement versions waiting for signatures now, by how long they have waited. One query."""
    now = timezone.now()
    counts = _waiting(filters).aggregate(
        total=Count("pk"), **{bucket: Count("pk", filter=_wait_q(bucket, now)) for bucket in WAIT_BUCKETS}
    )
    if not counts["total"]:
        return Section(
            key="signatures",
            title=_("Agreements waiting for signatures"),
            empty_message=_("No agreement is waiting for a signature."),
        )
    figures = [Figure(label=_("Waiting for signatures"), value=counts["total"], list_key="waiting_signatures")]
    figures += [
        Figure(label=str(label), value=counts[bucket], list_key="waiting_signatures", list_params={"waited": bucket})
        for bucket, label in WAIT_BUCKETS.items()
    ]
    chart = Chart(
        title=_("Agreements waiting for signatures, by time waited"),
        labels=[str(label) for label in WAIT_BUCKETS.values()],
        series=[(_("Agreements"), [counts[bucket] for bucket in WAIT_BUCKETS])],
    )
    return Section(key="signatures", title=_("Agreements waiting for signatures"), figures=figures, charts=[chart])


def waiting_rows(filters: InsightFilters, params):
    now = timezone.now()
    qs = _waiting(filters)
    if params.get("waited") in WAIT_BUCKETS:
        qs = qs.filter(_wait_q(params["waited"], now))
    qs = qs.values(*person_values("agreement__tour__employee__"), "agreement__tour__title", "number", "requested_at")
    qs = qs.order_by("requested_at", "pk")

    def row(values):
        requested = values["requested_at"]
        return {
            **person_cells(values, "agreement__tour__employee__"),
            "tour": values["agreement__tour__title"],
            "version": values["number"],
            "requested": timezone.localdate(requested) if requested else None,
            "days": (now - requested).days if requested else None,
        }

    return MappedRows(qs, row)


def _describe(choices, key, default=None):
    def describe(params):
        value = params.get(key)
        if value in choices:
            return [choices[value]]
        return [choices[default]] if default else []

    return describe


def register() -> None:
    register_section("alignments", title=gettext_lazy("Career alignments"), order=20, build=build_alignments)
    register_section("tours", title=pgettext_lazy("hr dashboard", "Tours of duty"), order=30, build=build_tours)
    register_section(
        "signatures", title=gettext_lazy("Agreements waiting for signatures"), order=40, build=build_signatures
    )
    register_list(
        "alignments",
        title=gettext_lazy("People and their career alignment"),
        columns=(*PERSON_COLUMNS, ("last", gettext_lazy("Last confirmed 1on1"))),
        rows=alignment_rows,
        describe=_describe(ALIGNMENT_KINDS, "current", "without"),
    )
    register_list(
        "tours",
        title=pgettext_lazy("hr dashboard", "Tours of duty"),
        columns=(
            *PERSON_COLUMNS,
            ("title", gettext_lazy("Tour")),
            ("kind", gettext_lazy("Kind")),
            ("start_date", gettext_lazy("Start")),
            ("end_date", gettext_lazy("End")),
        ),
        rows=tour_rows,
        describe=_describe(TOUR_KINDS, "status", "active"),
    )
    register_list(
        "waiting_signatures",
        title=gettext_lazy("Agreements waiting for signatures"),
        columns=(
            *PERSON_COLUMNS,
            ("tour", gettext_lazy("Tour")),
            ("version", gettext_lazy("Version")),
            ("requested", gettext_lazy("Signatures requested")),
            ("days", gettext_lazy("Days waiting")),
        ),
        rows=waiting_rows,
        describe=_describe(WAIT_BUCKETS, "waited"),
    )
