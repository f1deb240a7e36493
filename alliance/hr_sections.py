"""The core's part of the HR dashboard: how many people, where, and the lists behind the numbers."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.hr_insights import Chart, Figure, InsightFilters, MappedRows, Section, register_list, register_section
from alliance.models import MembershipStatus

# Bars of the "members by department" chart; the rest are summed as "other departments".
TOP_DEPARTMENTS = 10

PERSON_FIELDS = ("pk", "user__name", "user__email", "department__name", "manager__user__name", "manager__user__email")


def person_cells(row: dict, prefix: str = "") -> dict:
    """The person columns of a list row from a `.values()` row of PERSON_FIELDS (reached through `prefix`)."""
    return {
        "name": row[f"{prefix}user__name"] or row[f"{prefix}user__email"],
        "department": row[f"{prefix}department__name"] or "",
        "manager": row[f"{prefix}manager__user__name"] or row[f"{prefix}manager__user__email"] or "",
    }


def person_values(prefix: str = "") -> list[str]:
    return [f"{prefix}{name}" for name in PERSON_FIELDS]


PERSON_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("department", gettext_lazy("Department")),
    ("manager", gettext_lazy("Manager")),
)

MEMBER_KINDS = {
    "active": gettext_lazy("Active members"),
    "joined": gettext_lazy("Joined in the period"),
    "no_department": gettext_lazy("Without a department"),
    "no_manager": gettext_lazy("Without a manager"),
}


def _members(filters: InsightFilters, kind: str):
    qs = filters.members().filter(status=MembershipStatus.ACTIVE)
    if kind == "joined":
        qs = qs.filter(joined_on__range=(filters.period_start, filters.period_end))
    elif kind == "no_department":
        qs = qs.filter(department__isnull=True)
    elif kind == "no_manager":
        qs = qs.filter(manager__isnull=True).exclude(role="hr")
    return qs


def build_people(filters: InsightFilters) -> Section | None:
    """Active members, those who joined in the period, those without a department or manager (HR answers to
    nobody, so HR members are not counted as "without a manager"); members by department. Two queries."""
    base = filters.members().filter(status=MembershipStatus.ACTIVE)
    counts = base.aggregate(
        active=Count("pk"),
        joined=Count("pk", filter=Q(joined_on__range=(filters.period_start, filters.period_end))),
        no_department=Count("pk", filter=Q(department__isnull=True)),
        no_manager=Count("pk", filter=Q(manager__isnull=True) & ~Q(role="hr")),
    )
    if not counts["active"]:
        return Section(key="people", title=_("People"), empty_message=_("No active member matches these filters."))
    figures = [
        Figure(label=str(MEMBER_KINDS[kind]), value=counts[kind], list_key="members", list_params={"kind": kind})
        for kind in MEMBER_KINDS
    ]
    by_department = list(base.values("department__name").annotate(n=Count("pk")).order_by("-n", "department__name"))
    labels, values = [], []
    for row in by_department[:TOP_DEPARTMENTS]:
        labels.append(row["department__name"] or _("No department"))
        values.append(row["n"])
    if len(by_department) > TOP_DEPARTMENTS:
        labels.append(_("Other departments"))
        values.append(sum(row["n"] for row in by_department[TOP_DEPARTMENTS:]))
    charts = [Chart(title=_("Active members by department"), labels=labels, series=[(_("Members"), values)], unit="")]
    return Section(key="people", title=_("People"), figures=figures, charts=charts)


def member_rows(filters: InsightFilters, params):
    kind = params.get("kind") if params.get("kind") in MEMBER_KINDS else "active"
    qs = (
        _members(filters, kind)
        .values(*person_values(), "job_title", "joined_on")
        .order_by("user__reading_key", "user__name", "pk")
    )
    return MappedRows(
        qs, lambda row: {**person_cells(row), "job_title": row["job_title"], "joined_on": row["joined_on"]}
    )


def describe_members(params) -> list[str]:
    return [str(MEMBER_KINDS.get(params.get("kind"), MEMBER_KINDS["active"]))]


def register() -> None:
    register_section("people", title=gettext_lazy("People"), order=10, build=build_people)
    register_list(
        "members",
        title=gettext_lazy("Members"),
        columns=(*PERSON_COLUMNS, ("job_title", gettext_lazy("Job title")), ("joined_on", gettext_lazy("Joined"))),
        rows=member_rows,
        describe=describe_members,
    )
