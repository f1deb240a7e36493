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
from datetime import date
from typing import Any


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


@dataclass(frozen=True)
class Figure:
    """One number at a glance. `list_key` names the registered list it links to, `list_params` the narrowing
    passed to that list's query string (e.g. {"status": "overdue"}); `note` is a short explanation under it."""

    label: str
    value: int | float | str
    list_key: str | None = None
    list_params: dict[str, str] = field(default_factory=dict)
    note: str = ""


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


SECTIONS: dict[str, SectionSpec] = {}
LISTS: dict[str, ListSpec] = {}


def register_section(key: str, *, title, order: int, build: Callable[[InsightFilters], Section | None]) -> None:
    """Add a section to the HR dashboard; sections show in ascending `order`. Raises ValueError on a reused key."""
    if key in SECTIONS:
        raise ValueError(f"HR dashboard section {key!r} is registered twice")
    SECTIONS[key] = SectionSpec(key=key, title=title, order=order, build=build)


def register_list(key: str, *, title, columns, rows: Callable[[InsightFilters, Any], Sequence[dict]]) -> None:
    """Add a drill-down list (`/<org>/hr/lists/<key>/`). Raises ValueError on a reused key."""
    if key in LISTS:
        raise ValueError(f"HR dashboard list {key!r} is registered twice")
    LISTS[key] = ListSpec(key=key, title=title, columns=tuple(columns), rows=rows)


def sections() -> list[SectionSpec]:
    return sorted(SECTIONS.values(), key=lambda spec: (spec.order, spec.key))
