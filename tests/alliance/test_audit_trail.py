"""HR's audit trail (/<org>/audit/): filters by object, person, action and period; the CSV export of the whole
filtered trail; private rows never listed; the signing record of a version links to the version's own trail."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance import audit
from alliance import services as core_services
from alliance.models import AuditEntry, Role
from tests.agreements.conftest import (  # noqa: F401  (fixtures of the agreements tests, used here too)
    draft_version,
    make_alignment,
    make_tour,
    signed_version,
)

URL = reverse("audit", args=["acme"])
CSV_URL = reverse("audit_export", args=["acme"])
VERSION_TYPE = "agreements.agreementversion"


@pytest.fixture
def as_hr(hr):
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="TrailTest/1.0")
    request.user, request.membership = hr.user, hr
    with audit.acting_request(request):
        yield


def _rows(html):
    return html.count("<time datetime")


def _role_change(hr, employee, role=Role.MANAGER):
    """A role change as the admin makes it: through the membership service, so it is audited like any other."""
    return core_services.membership_update(
        membership=employee, actor=hr, role=role, manager=employee.manager, job_title=employee.job_title
    )


def test_filtering_by_object_lists_only_that_versions_rows(hr, signed_version, draft_version, login):  # noqa: F811
    version = signed_version()
    other = draft_version()
    client = login(hr, language="en")
    html = client.get(URL, {"object_type": VERSION_TYPE, "object_id": version.pk}).content.decode()
    expected = AuditEntry.objects.filter(object_id=str(version.pk), content_type__model="agreementversion")
    assert expected.count() >= 4  # edit, request, each signature
    assert _rows(html) == expected.count()
    assert f"agreement version {version.pk}" in html.lower() or f"{version.pk}." in html
    # The other version's rows are not among them.
    assert AuditEntry.objects.filter(object_id=str(other.pk), content_type__model="agreementversion").exists()
    every_version = client.get(URL, {"object_type": VERSION_TYPE}).content.decode()
    assert _rows(every_version) > _rows(html)


@pytest.mark.parametrize(
    ("filters", "expect_role_change"),
    [
        ({"object_type": "alliance.membership", "object_id": "{employee}"}, True),
        ({"object_type": "alliance.membership", "object_id": "{manager}"}, False),
        ({"person": "{employee}"}, True),
        ({"person": "{manager}"}, False),
        ({"action": "membership.update"}, True),
        ({"action": "invitation.create"}, False),
        ({"date_from": "{today}"}, True),
        ({"date_from": "{tomorrow}"}, False),
        ({"date_to": "{yesterday}"}, False),
        ({"object_type": "alliance.membership", "object_id": "{employee}", "action": "membership.update"}, True),
    ],
)
def test_a_role_change_is_found_by_the_filters_that_match_it_only(
    hr, employee, manager, login, as_hr, filters, expect_role_change
):
    _role_change(hr, employee)
    today = timezone.localdate()
    values = {
        "employee": employee.pk,
        "manager": manager.pk,
        "today": today.isoformat(),
        "tomorrow": (today + timedelta(days=1)).isoformat(),
        "yesterday": (today - timedelta(days=1)).isoformat(),
    }
    query = {key: value.format(**values) for key, value in filters.items()}
    response = login(hr, language="en").get(URL, query)
    assert response.status_code == 200
    found = any(
        entry.action == "membership.update" and entry.object_id == str(employee.pk)
        for entry in response.context["page"].object_list
    )
    assert found == expect_role_change


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"object_id": "12"}, "object_type"),
        ({"object_type": "agreements.careeralignment", "object_id": "1"}, "object_type"),
        ({"object_type": "nonsense.model"}, "object_type"),
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"),
    ],
)
def test_filters_that_cannot_apply_say_what_to_fix(hr, login, query, field):
    response = login(hr).get(URL, query)
    assert response.status_code == 200
    assert field in response.context["filter_form"].errors


def test_a_private_records_kind_is_not_offered_and_its_rows_are_never_listed(hr, employee, make_alignment, login):  # noqa: F811
    alignment = make_alignment()
    assert AuditEntry.objects.filter(object_id=str(alignment.pk), private=True).exists()
    response = login(hr).get(URL)
    choices = dict(response.context["filter_form"].fields["object_type"].choices)
    assert "agreements.careeralignment" not in choices
    rows = login(hr).get(CSV_URL).getvalue().decode("utf-8-sig")
    assert str(audit.ACTIONS["alignment.create"]) not in rows
    assert all(not entry.private for entry in response.context["page"].object_list)


def _csv(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("language", "headers", "action", "role_row"),
    [
        ("en", ["When", "Who", "Action", "Kind of object"], "Member changed", "role: Employee → Manager"),
        ("ja", ["日時", "操作者", "操作", "対象の種類"], "メンバー情報を変更", "ロール: 社員 → マネージャー"),
    ],
)
def test_the_csv_has_translated_headers_labels_and_changes_in_words(
    hr, employee, login, as_hr, language, headers, action, role_row
):
    _role_change(hr, employee)
    response = login(hr, language=language).get(CSV_URL, {"person": employee.pk})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:4] == headers
    change = next(row for row in rows[1:] if row[2] == action)
    assert role_row in change[7]
    assert change[8] == "203.0.113.9" and change[4] == str(employee.pk)


def test_the_csv_holds_the_whole_filtered_trail_in_a_fixed_number_of_queries(
    hr, employee, login, as_hr, django_assert_max_num_queries
):
    client = login(hr)
    for i in range(3):
        core_services.membership_update(
            membership=employee, actor=hr, role=Role.EMPLOYEE, manager=employee.manager, job_title=f"職{i}"
        )
    query = {"action": "membership.update", "person": employee.pk}
    with django_assert_max_num_queries(20) as few:
        small = _csv(client.get(CSV_URL, query))
    for i in range(70):  # more than one page of the trail (50)
        core_services.membership_update(
            membership=employee, actor=hr, role=Role.EMPLOYEE, manager=employee.manager, job_title=f"肩書{i}"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = _csv(client.get(CSV_URL, query))
    expected = AuditEntry.objects.filter(action="membership.update", subject=employee).count()
    assert len(large) - 1 == expected and len(small) - 1 < expected
    assert expected > 50


def test_the_export_is_itself_audited_and_a_formula_is_neutralised(hr, employee, login, as_hr):
    core_services.membership_update(
        membership=employee, actor=hr, role=Role.EMPLOYEE, manager=employee.manager, job_title="=HYPERLINK(1)"
    )
    rows = _csv(login(hr).get(CSV_URL, {"person": employee.pk}))
    cell = next(row[7] for row in rows[1:] if "HYPERLINK" in row[7])
    assert not cell.startswith("=")
    exported = AuditEntry.objects.filter(action="audit.export").latest("id")
    assert exported.actor == hr and exported.changes["rows"][1] == len(rows) - 1


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("hr", 200), ("manager", 403), ("employee", 403), ("alumni", 404), ("outsider", 404), (None, 302)],
)
def test_only_hr_exports_the_trail(request, db, login, persona, expected):
    client = login(request.getfixturevalue(persona) if persona else None)
    assert client.get(CSV_URL).status_code == expected


def test_the_signing_record_links_hr_to_the_versions_own_trail(hr, employee, signed_version, login):  # noqa: F811
    version = signed_version()
    page = reverse("agreements:version", args=["acme", version.agreement.pk, version.number])
    html = login(hr, language="en").get(page).content.decode()
    link = f"{URL}?object_type={VERSION_TYPE}&amp;object_id={version.pk}"
    assert f'href="{link}"' in html and "Audit trail of this version" in html
    response = login(hr).get(URL, {"object_type": VERSION_TYPE, "object_id": version.pk})
    entries = list(response.context["page"].object_list)
    assert entries and all(e.object_id == str(version.pk) for e in entries)
    assert {"agreement.request_signatures", "agreement.sign"} <= {e.action for e in entries}
    # The employee reads the same signing record, without a link to a trail they may not open.
    assert "Audit trail of this version" not in login(employee, language="en").get(page).content.decode()


def test_the_member_page_links_to_the_members_trail(hr, employee, login, as_hr):
    _role_change(hr, employee)
    html = login(hr).get(reverse("member_edit", args=["acme", employee.pk])).content.decode()
    assert f'href="{URL}?person={employee.pk}"' in html


def test_the_trail_page_renders_in_both_languages_with_the_object_filter(hr, login):
    assert "対象の種類" in login(hr, language="ja").get(URL).content.decode()
    assert "Kind of object" in login(hr, language="en").get(URL).content.decode()


def test_the_trail_page_queries_do_not_grow_with_rows(hr, employee, login, as_hr, django_assert_max_num_queries):
    client = login(hr)
    for i in range(60):
        core_services.membership_update(
            membership=employee, actor=hr, role=Role.EMPLOYEE, manager=employee.manager, job_title=f"職{i}"
        )
    with django_assert_max_num_queries(18):
        response = client.get(URL, {"object_type": "alliance.membership", "object_id": employee.pk})
    assert _rows(response.content.decode()) == 50
