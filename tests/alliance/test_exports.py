"""Every download of personal data (alliance.exports): one audit row each, never another organization's, CSV
streamed with its BOM and formula neutralising, read in its own organization scope, in bounded queries."""

import csv
import io
import json
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from alliance import audit, hr_insights
from alliance.core_views import _actor_name, _type_label
from alliance.models import AuditEntry, Membership


def _hr_list(key):
    return ("hr_list.export", "csv", lambda slug: reverse("hr_list", args=[slug, key]), {"format": "csv"})


# name: (action, format, url of an organization's slug, query)
EXPORTS = {
    "audit trail": ("audit.export", "csv", lambda slug: reverse("audit_export", args=[slug]), {}),
    "members (CSV)": ("member.export", "csv", lambda slug: reverse("member_export", args=[slug]), {}),
    "members (xlsx)": ("member.export", "xlsx", lambda slug: reverse("member_export", args=[slug]), {"format": "xlsx"}),
    "alumni records": (
        "alumni.records_export",
        "csv",
        lambda slug: reverse("alumni:records_csv", kwargs={"org_slug": slug}),
        {},
    ),
    **{f"HR list {key}": _hr_list(key) for key in sorted(hr_insights.LISTS)},
}


def _body(response) -> bytes:
    """The whole body, read outside any organization scope as a WSGI server reads a streamed body (after the
    request's scope has closed): a streamed export must enter its organization's scope by itself."""
    with scope():
        return response.getvalue()


def _data_rows(fmt, body) -> list[list]:
    if fmt == "xlsx":
        return [list(row) for row in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)][1:]
    assert body.startswith("\ufeff".encode()), "the BOM first: Excel then reads the file as UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]


@pytest.fixture
def globex_hr(db):
    return Membership.objects.select_related("user").get(user__email="hr@globex.example", organization__slug="globex")


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_export_writes_one_audit_row_saying_what_not_the_data(db, login, hr, name):
    action, fmt, url, query = EXPORTS[name]
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = login(hr).get(url("acme"), {**query, "department": ""} if name.startswith("HR list") else query)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    assert response.streaming == (fmt == "csv"), "every CSV export streams"
    rows = _data_rows(fmt, _body(response))
    (entry,) = AuditEntry.objects.filter(pk__gt=before)
    assert (entry.action, entry.actor_id, entry.organization.slug) == (action, hr.pk, "acme")
    assert entry.changes["rows"] == [None, len(rows)]
    assert entry.changes["format"] == [None, fmt]
    assert audit.action_label(action) != action, "the action has a label HR reads"
    # What was exported is named, never copied: no cell of the file is in the row.
    recorded = json.dumps(entry.changes, ensure_ascii=False) + entry.object_label
    cells = {str(cell) for row in rows for cell in row if cell not in (None, "") and len(str(cell)) > 3}
    assert not [cell for cell in cells if cell in recorded and not cell.isdigit()]


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("who", ["globex_hr", "outsider"])
def test_another_organizations_hr_cannot_export(db, request, login, name, who):
    action, _fmt, url, query = EXPORTS[name]
    before = AuditEntry.objects.count()
    response = login(request.getfixturevalue(who)).get(url("acme"), query)
    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("name", [n for n in sorted(EXPORTS) if n.startswith("HR list")][:3])
def test_an_hr_list_export_records_its_list_and_filters(db, login, hr, manager, name):
    action, _fmt, url, query = EXPORTS[name]
    login(hr).get(url("acme"), {**query, "manager": manager.pk, "page": 2}).getvalue()
    entry = AuditEntry.objects.filter(action=action).latest("pk")
    assert entry.changes["list"] == [None, name.removeprefix("HR list ")]
    assert entry.changes["filters"] == [None, f"manager={manager.pk}"]  # neither the format nor the page


def test_a_member_export_neutralises_formulas_in_both_formats(db, login, hr, employee):
    employee.job_title = "=HYPERLINK(1)"
    employee.save(update_fields=["job_title"])
    client = login(hr, language="en")
    csv_rows = _data_rows("csv", _body(client.get(reverse("member_export", args=["acme"]))))
    xlsx_rows = _data_rows("xlsx", client.get(reverse("member_export", args=["acme"]), {"format": "xlsx"}).content)
    for rows in (csv_rows, xlsx_rows):
        (row,) = [r for r in rows if r[0] == employee.user.email]
        assert row[5] == "'=HYPERLINK(1)"


# --- the audit trail's CSV, streamed ------------------------------------------------------------------------


def _trail_csv_before_streaming(organization, up_to_pk) -> bytes:
    """The audit CSV as the export built it in memory before it streamed (the reference its content must keep)."""
    from alliance.core_views import AuditCsvView
    from alliance.selectors import audit_trail

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in AuditCsvView.HEADERS])
    entries = list(audit_trail(organization=organization).filter(pk__lte=up_to_pk))
    names = audit.related_names(entries)
    for entry in entries:
        changes = "\n".join(
            f"{label}: {'—' if before is None else before} → {'—' if after is None else after}"
            for label, before, after in audit.change_rows(entry, names)
        )
        kind = ContentType.objects.get_for_id(entry.content_type_id) if entry.content_type_id else None
        cells = (
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            _actor_name(entry),
            audit.action_label(entry.action),
            _type_label(kind) if kind is not None else "",
            entry.object_id,
            entry.object_label,
            entry.subject.shown_name if entry.subject else "",
            changes,
            entry.ip_address or "",
            entry.user_agent,
        )
        text = ["" if c is None else str(c) for c in cells]
        writer.writerow("'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in text)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _add_trail(acme, hr, employee, n):
    for i in range(n):
        audit.audit_log(
            "membership.update",
            obj=employee,
            actor=hr,
            changes={"manager": [hr.pk, None], "job_title": [f"=cmd|{i}", f"title {i}"]},
        )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_streamed_audit_csv_is_the_file_it_was_in_memory(db, login, acme, hr, employee, language):
    _add_trail(acme, hr, employee, 3)
    last = AuditEntry.objects.filter(organization=acme).latest("pk").pk
    response = login(hr, language=language).get(reverse("audit_export", args=["acme"]))
    assert response.streaming
    body = _body(response)
    from django.utils import translation

    with translation.override(language):
        assert body == _trail_csv_before_streaming(acme, last)


def test_the_audit_csv_reads_a_fixed_number_of_queries_whatever_its_length(db, login, acme, hr, employee):
    client = login(hr)
    counts = []
    for extra in (2, 40):
        _add_trail(acme, hr, employee, extra)
        with CaptureQueriesContext(connection) as queries:
            _body(client.get(reverse("audit_export", args=["acme"])))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_member_csv_reads_a_fixed_number_of_queries_whatever_its_length(db, login, acme, hr):
    from alliance.models import Invitation

    client = login(hr)
    counts = []
    for batch in range(2):
        for i in range(5 + 30 * batch):
            Invitation.objects.create(
                organization=acme,
                email=f"q{batch}-{i}@example.com",
                token_hash=f"h{batch}-{i}",
                invited_by=hr.user,
                expires_at=timezone.now() + timedelta(days=7),
            )
        with CaptureQueriesContext(connection) as queries:
            _body(client.get(reverse("member_export", args=["acme"])))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
