"""The HR dashboard's extension point (`/<org>/hr/`): apps register sections of figures and the lists behind them.

An app registers, from its AppConfig.ready():
- `register_section(key, title=..., order=..., build=...)`: `build(filters)` returns a `Section` (figures, charts)
  or None when the app has nothing to show. A builder runs a fixed number of queries, whatever the organization's
  size (aggregates, never a loop over members): the dashboard's query count is bounded by the tests.
- `register_list(key, title=..., columns=..., rows=...)`: the drill-down list `/<org>/hr/lists/<key>/` a figure
  links to, paginated on the page and exported whole as CSV. `rows(filters, params)` returns a sliceable sequence
  (a queryset of dicts, or a list) of dicts keyed by the columns' keys; `params` is the request's query string
  (a QueryDict), from which the list reads its own narrowing (e.g. `kind=startup`); a value it does not know is
  ignored, never an error.

Career aspirations (an alignment's content) are never shown here unless the employee shared them: sections and
lists give counts and names, never the words of a private alignment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class InsightFilters:
    """What the HR dashboard and its lists are narrowed to.

    `period_start` and `period_end` are inclusive local dates; figures "over time" (departures by month, confidence
    over time) cover that period, figures "now" (people without a current alignment) ignore it. `department` and
    `manager` narrow to the members in that department, or reporting directly to that manager; None means all.
    """

    organization: Any  # alliance.models.Organization
    period_start: date
    period_end: date
    department: Any = None  # alliance.models.Department | None
    manager: Any = None  # alliance.models.Membership | None

    def members(self, queryset=None):
        """Memberships of the organization narrowed by department and manager (every status; filter further)."""
        from alliance.models import Membership

        qs = Membership.objects.filter(organization=self.organization) if queryset is None else queryset
        if self.department is not None:
            qs = qs.filter(department=self.department)
        if self.manager is not None:
            qs = qs.filter(manager=self.manager)
        return qs

    def member_q(self, path: str = "") -> Q:
        """The department and manager narrowing as a Q on the membership reached by `path` (e.g. "tour__employee"),
        for builders that filter another model in the same query (no subquery, no extra round trip)."""
        prefix = f"{path}__" if path else ""
        q = Q()
        if self.department is not None:
            q &= Q(**{f"{prefix}department": self.department})
        if self.manager is not None:
            q &= Q(**{f"{prefix}manager": self.manager})
        return q

    def instants(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes in the current time zone: [start of period_start, start of the day after
        period_end), for filtering timestamps with `__gte` and `__lt`."""
        from django.utils import timezone

        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.period_start, time.min, zone),
            datetime.combine(self.period_end + timedelta(days=1), time.min, zone),
        )

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches, in order (the labels of "over time" charts)."""
        first = self.period_start.replace(day=1)
        months = []
        while first <= self.period_end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Figure:
    """One number at a glance. `list_key` names the registered list it links to, `list_params` the narrowing
    passed to that list's query string (e.g. {"status": "overdue"}); `note` is a short explanation under it.
    `counts_rows` is True when the value is the number of rows that list holds (the usual case, which the tests
    hold every such figure to); False when the list shows the figure's source in fewer rows (one survey's
    answers, listed as that survey's row)."""

    label: str
    value: int | float | str
    list_key: str | None = None
    list_params: dict[str, str] = field(default_factory=dict)
    note: str = ""
    counts_rows: bool = True


@dataclass(frozen=True)
class Link:
    """A list cell that links to another page: shown as a link on the list, as its text and absolute address in
    the CSV export. `url` is a path on this site (e.g. a survey's results page)."""

    text: str
    url: str

    def __str__(self):
        return str(self.text)


@dataclass(frozen=True)
class Chart:
    """A chart drawn as a picture (SVG) with its figures as a table beside it.

    `labels` are the categories (x axis: months, kinds...); `series` is [(name, values)], one value per label
    (None where there is no figure); `kind` is "bar" or "line"; `unit` is shown with the values ("%", "人")."""

    title: str
    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[int | float | None]]]
    kind: str = "bar"
    unit: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: Sequence[Figure] = ()
    charts: Sequence[Chart] = ()
    empty_message: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: Any  # a lazy translation
    order: int
    build: Callable[[InsightFilters], Section | None]


@dataclass(frozen=True)
class ListSpec:
    key: str
    title: Any  # a lazy translation
    columns: Sequence[tuple[str, Any]]  # (key, header as a lazy translation)
    rows: Callable[[InsightFilters, Any], Sequence[dict]]
    # Optional: the list's own narrowing read from the query string, in words ("Overdue", "Drifting"), shown
    # under the list's title; None shows the raw key=value pairs.
    describe: Callable[[Any], list[str]] | None = None


SECTIONS: dict[str, SectionSpec] = {}
LISTS: dict[str, ListSpec] = {}


def register_section(key: str, *, title, order: int, build: Callable[[InsightFilters], Section | None]) -> None:
    """Add a section to the HR dashboard; sections show in ascending `order`. Raises ValueError on a reused key."""
    if key in SECTIONS:
        raise ValueError(f"HR dashboard section {key!r} is registered twice")
    SECTIONS[key] = SectionSpec(key=key, title=title, order=order, build=build)


def register_list(
    key: str, *, title, columns, rows: Callable[[InsightFilters, Any], Sequence[dict]], describe=None
) -> None:
    """Add a drill-down list (`/<org>/hr/lists/<key>/`). `describe(params)`, optional, returns the list's own
    narrowing in words for its page. Raises ValueError on a reused key."""
    if key in LISTS:
        raise ValueError(f"HR dashboard list {key!r} is registered twice")
    LISTS[key] = ListSpec(key=key, title=title, columns=tuple(columns), rows=rows, describe=describe)


class MappedRows:
    """A list's rows as a lazy sequence: `queryset` mapped row by row through `to_row` (a model or dict in, a dict
    keyed by the list's columns out), so a page reads one slice and the CSV export iterates in chunks."""

    def __init__(self, queryset, to_row: Callable[[Any], dict]):
        self.queryset = queryset
        self.to_row = to_row

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.to_row(item) for item in self.queryset[index]]
        return self.to_row(self.queryset[index])

    def __iter__(self):
        return (self.to_row(item) for item in self.queryset.iterator(chunk_size=2000))


def sections() -> list[SectionSpec]:
    return sorted(SECTIONS.values(), key=lambda spec: (spec.order, spec.key))
