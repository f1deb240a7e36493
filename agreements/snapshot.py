"""The snapshot that signers agree to: built from a draft, kept as canonical JSON, identified by its SHA-256.

Used by the services (requesting signatures freezes it), the PDF (agreements.documents renders what it
holds), the unprintable-character check, and verification (a PDF's hash names the version that signed it).
Changing what the snapshot holds changes every later hash: bump `schema` when you do.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

from django.db import models

from agreements.models import CLAUSE_FIELDS, KPI_FIELDS, AgreementVersion, Kpi
from agreements.selectors import previous_signed_version, proposed_tour
from alliance.models import CompanyValue

# The shape of what build_snapshot returns; bumped whenever it changes (every later hash changes with it).
SCHEMA = 2


def _decimal(value) -> str | None:
    return None if value is None else format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def _json_value(value):
    """A model value as the snapshot holds it: decimals as plain strings ("99.9"), dates as ISO 8601."""
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def kpi_json(kpi: Kpi) -> dict:
    """One KPI as the snapshot holds it: every field of KPI_FIELDS, JSON-ready."""
    return {field: _json_value(getattr(kpi, field)) for field in KPI_FIELDS}


def kpi_values(item: dict) -> dict:
    """The inverse of `kpi_json`: the KPI_FIELDS of a snapshot's KPI as Python values (Decimal, date), for the
    PDF. A field the snapshot lacks (one added after it was signed) is left out."""
    values = {}
    for field in KPI_FIELDS:
        if field not in item:
            continue
        value, model_field = item[field], Kpi._meta.get_field(field)
        if value is not None and isinstance(model_field, models.DecimalField):
            value = Decimal(value)
        elif value is not None and isinstance(model_field, models.DateField):
            value = date.fromisoformat(value)
        values[field] = value
    return values


def build_snapshot(version: AgreementVersion, *, requested_at) -> dict:
    """Everything the signers agree to, as plain JSON; its canonical form is what the hash covers.

    `version` needs its manager_signer set (the request sets it); `requested_at` is an aware datetime. Reads
    the tour, the people, the organization's values and the KPIs; writes nothing.

    Schema 2 (amendments with tour changes): `tour` is the tour as the version makes it (an amendment's proposed
    goal and end date applied, selectors.proposed_tour), and `amendment` says why it changes the version before
    (`reason`, `previous_version` and its `previous_hash`, the `checkpoint` id it came from), or is None for a
    first version. Schema 1 snapshots lack `amendment`; they stay verifiable as stored (the hash is of what was
    frozen) and agreements.diff reads both."""
    tour = proposed_tour(version)
    employee = tour.employee
    manager = version.manager_signer
    organization = version.organization
    values = CompanyValue.objects.filter(organization=organization).order_by("position", "id")
    amendment = None
    if version.is_amendment:
        previous = previous_signed_version(version)
        amendment = {
            "reason": version.amendment_reason or "",
            "previous_version": previous.number if previous else None,
            "previous_hash": previous.content_hash if previous else None,
            "checkpoint": version.amendment_checkpoint_id,
        }
    return {
        "schema": SCHEMA,
        "amendment": amendment,
        "service": "alliance",
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "values": [[v.title, v.description] for v in values],
        },
        "agreement": {"id": version.agreement_id, "version": version.number, "amendment": version.is_amendment},
        "requested_at": requested_at.isoformat(),
        "employee": {"membership": employee.pk, "name": employee.user.display_name, "email": employee.user.email},
        "manager": {"membership": manager.pk, "name": manager.user.display_name, "email": manager.user.email},
        "hr_countersign": version.requires_hr,
        **content(version, tour=tour),
    }


def content(version: AgreementVersion, *, tour=None) -> dict:
    """The `tour`, `clauses` and `kpis` parts of the snapshot `version` would freeze now (a draft has no snapshot
    yet: agreements.diff compares a draft amendment through this). `tour` defaults to selectors.proposed_tour."""
    tour = tour or proposed_tour(version)
    return {
        "tour": {
            "title": tour.title,
            "kind": tour.kind,
            "goal": tour.goal,
            "toward_ideal_self": tour.toward_ideal_self,
            "value_to_company": tour.value_to_company,
            "start_date": tour.start_date.isoformat(),
            "end_date": tour.end_date.isoformat(),
        },
        "clauses": {field: getattr(version, field) for field in CLAUSE_FIELDS},
        "kpis": [kpi_json(k) for k in version.kpis.order_by("position", "id")],
    }


def canonical_json(snapshot: dict) -> bytes:
    """The bytes the hash covers: keys sorted, no spaces, UTF-8 (not ASCII-escaped)."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_hash(snapshot: dict) -> str:
    """The SHA-256 of `canonical_json(snapshot)`, as 64 lower-case hex digits: printed on the PDF, verified."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()
