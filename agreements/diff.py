"""What an amendment changed: the difference between two versions' snapshots, field by field.

Pure: `version_changes` reads two dicts shaped like `agreements.snapshot.build_snapshot` (any schema: only the
`tour`, `clauses` and `kpis` parts are compared, and a key missing on either side is not reported as a change,
since an older schema did not record it) and returns a list of `Change`. The version page and the PDF of an
amendment print it; it touches no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements.models import CLAUSE_FIELDS, KPI_FIELDS, AgreementVersion, Kpi, KpiDirection, Tour

# The tour's texts an amendment may show as changed, in the order pages print them; the period is one row.
TOUR_TEXT_FIELDS = ("title", "goal", "toward_ideal_self", "value_to_company")

CHANGED, ADDED, REMOVED, REORDERED = "changed", "added", "removed", "reordered"


@dataclass(frozen=True)
class Change:
    """One difference. `section` is "tour", "clauses" or "kpis"; `field` the snapshot key ("goal", "period",
    "company_offers", a KPI field, or "order"); `kind` CHANGED, ADDED, REMOVED or REORDERED; `kpi` the KPI's
    name (the new one when renamed) for a KPI change; `before` / `after` the values as the snapshot holds them
    (None on the side where a KPI does not exist; a period is a (start, end) pair of ISO dates; an order is a
    tuple of names)."""

    section: str
    field: str
    kind: str
    before: object = None
    after: object = None
    kpi: str | None = None

    @property
    def label(self) -> str:
        """What the field is called, in the active language."""
        if self.field == "period":
            return _("Commitment period")
        if self.field == "order":
            return _("Order of the KPIs")
        if self.section == "tour":
            return str(Tour._meta.get_field(self.field).verbose_name)
        if self.section == "clauses":
            return str(AgreementVersion._meta.get_field(self.field).verbose_name)
        if self.kind in (ADDED, REMOVED):
            return str(Kpi._meta.verbose_name)
        return str(Kpi._meta.get_field(self.field).verbose_name)

    @property
    def before_text(self) -> str:
        return display(self, self.before)

    @property
    def after_text(self) -> str:
        return display(self, self.after)


def display(change: Change, value) -> str:
    """`value` of `change` as a page prints it in the active language: dates in the locale's format, a period
    as "start – end", a direction by its label, a whole KPI as a one-line summary, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if change.field == "period":
        return " – ".join(_date(v) for v in value)
    if change.field == "order":
        return " / ".join(value)
    if change.section == "kpis" and isinstance(value, dict):
        return _kpi_summary(value)
    if change.field == "direction":
        return str(KpiDirection(value).label) if value in KpiDirection.values else str(value)
    if change.field == "due_date":
        return _date(value)
    if change.field == "weight":
        return f"{value}%"
    return str(value)


def _date(iso: str) -> str:
    try:
        return date_format(date.fromisoformat(iso), "DATE_FORMAT")
    except (TypeError, ValueError):
        return str(iso)


def _kpi_summary(kpi: dict) -> str:
    unit = f" {kpi['unit']}" if kpi.get("unit") else ""
    return _("%(name)s: %(baseline)s → %(target)s%(unit)s by %(due)s, weight %(weight)s%%") % {
        "name": kpi.get("name", ""),
        "baseline": kpi.get("baseline") if kpi.get("baseline") is not None else "—",
        "target": kpi.get("target", "—"),
        "unit": unit,
        "due": _date(kpi.get("due_date", "")),
        "weight": kpi.get("weight", "—"),
    }


def version_changes(before: dict, after: dict) -> list[Change]:
    """The changes from the snapshot `before` (the previous signed version) to `after` (the amendment), in the
    order the version page prints its content: the tour (goal and its other texts, then the period), each
    clause, then the KPIs (changed fields of KPIs matched by name, then renamed ones paired in order, then
    removed and added ones, then a change of order). An empty list means nothing changed."""
    changes: list[Change] = []
    old_tour, new_tour = before.get("tour") or {}, after.get("tour") or {}
    for field in TOUR_TEXT_FIELDS:
        if field in old_tour and field in new_tour and old_tour[field] != new_tour[field]:
            changes.append(Change("tour", field, CHANGED, old_tour[field], new_tour[field]))
    period = ("start_date", "end_date")
    if all(k in old_tour and k in new_tour for k in period):
        old_period, new_period = tuple(old_tour[k] for k in period), tuple(new_tour[k] for k in period)
        if old_period != new_period:
            changes.append(Change("tour", "period", CHANGED, old_period, new_period))
    old_clauses, new_clauses = before.get("clauses") or {}, after.get("clauses") or {}
    for field in CLAUSE_FIELDS:
        if field in old_clauses and field in new_clauses and old_clauses[field] != new_clauses[field]:
            changes.append(Change("clauses", field, CHANGED, old_clauses[field], new_clauses[field]))
    changes.extend(_kpi_changes(list(before.get("kpis") or []), list(after.get("kpis") or [])))
    return changes


def _kpi_changes(old: list[dict], new: list[dict]) -> list[Change]:
    old_names = [k.get("name") for k in old]
    new_names = [k.get("name") for k in new]
    # Pair by name first (a KPI that moved is the same KPI), then pair what is left in order (a renamed KPI).
    pairs: list[tuple[int, int]] = []
    used_new: set[int] = set()
    for i, name in enumerate(old_names):
        for j, other in enumerate(new_names):
            if j not in used_new and other == name:
                pairs.append((i, j))
                used_new.add(j)
                break
    paired_old = {i for i, _j in pairs}
    by_name = list(pairs)
    rest_old = [i for i in range(len(old)) if i not in paired_old]
    rest_new = [j for j in range(len(new)) if j not in used_new]
    renamed = list(zip(rest_old, rest_new, strict=False))
    changes: list[Change] = []
    for i, j in sorted(by_name + renamed, key=lambda pair: pair[1]):
        a, b = old[i], new[j]
        for field in KPI_FIELDS:
            if field in a and field in b and a[field] != b[field]:
                changes.append(Change("kpis", field, CHANGED, a[field], b[field], kpi=b.get("name")))
    for i in rest_old[len(renamed) :]:
        changes.append(Change("kpis", "kpi", REMOVED, old[i], None, kpi=old[i].get("name")))
    for j in rest_new[len(renamed) :]:
        changes.append(Change("kpis", "kpi", ADDED, None, new[j], kpi=new[j].get("name")))
    # Order: the KPIs both versions share by name, in each version's order.
    shared_before = [old_names[i] for i, _j in sorted(by_name)]
    shared_after = [new_names[j] for _i, j in sorted(by_name, key=lambda pair: pair[1])]
    if shared_before != shared_after:
        changes.append(Change("kpis", "order", REORDERED, tuple(shared_before), tuple(shared_after)))
    return changes
