"""HR's alumni records: the one write is the audit row of an export (who took the list out, with which filters)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from alliance.audit import audit_log
from alliance.models import Membership

AUDIT_ACTIONS = {
    "alumni.records_export": _("Alumni records exported (CSV)"),
}
# What the export's row records besides its filters (alliance.audit.register_change_keys).
CHANGE_KEYS = {"format": _("File format"), "rows": _("Rows exported")}


@transaction.atomic
def records_exported(*, actor: Membership, filters, rows: int) -> None:
    """Record that `actor` exported the alumni records with `filters` (a selectors.records.RecordFilters): the
    filters applied and how many `rows` (alumni) the file holds, never the exported data itself."""
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
    changes["format"] = [None, "csv"]
    changes["rows"] = [None, rows]
    audit_log("alumni.records_export", obj=actor.organization, actor=actor, changes=changes or None)
