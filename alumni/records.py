"""HR's alumni records (one row per alumnus): the columns each part of the alumni app adds to the list and its
CSV export.

A part registers a column with `register_column(key, header=..., values=fn)` from `AlumniConfig.ready()`, where
`fn(*, organization, memberships)` returns `{membership_pk: value}` for the given alumni memberships in one or two
queries (never one per row); a value is shown as text (str() of it), a missing key as empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # a lazy translation
    values: Callable


COLUMNS: dict[str, Column] = {}


def register_column(key: str, *, header, values: Callable) -> None:
    """Add (or replace, for the same key) one column of HR's alumni records; see the module for `values`."""
    COLUMNS[key] = Column(key=key, header=header, values=values)


def column_values(*, organization, memberships) -> dict[str, dict[int, object]]:
    """Every registered column's values for `memberships` (a list of alumni Membership of `organization`)."""
    return {key: column.values(organization=organization, memberships=memberships) for key, column in COLUMNS.items()}
