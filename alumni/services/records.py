"""HR's alumni records: the one write is the audit row of an export (who took the list out, with which filters)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from alliance.audit import audit_log
from alliance.models import Membership

AUDIT_ACTIONS = {
    "alumni.records_export": _("Alumni records exported (CSV)"),
}


@transaction.atomic
def records_exported(*, actor: Membership, filters) -> None:
    """Record that `actor` exported the alumni records with `filters` (a selectors.records.RecordFilters)."""
    changes = {
        name: [None, value]
        for name, value in (
            ("year", filters.year),
            ("kind", filters.kind),
            ("comeback", filters.comeback),
            ("open_to", filters.open_to),
            ("query", filters.query),
        )
        if value
    }
    audit_log("alumni.records_export", obj=actor.organization, actor=actor, changes=changes or None)
