"""Found by trying the HR workspace as a new HR user of acme would.

- The audit trail showed records named by id as numbers ("マネージャー 2 → 5", "部署 — → 3"): a change of
  manager made in the admin, an invitation sent by the member import. They now read as names, on the page and in
  the CSV, in a bounded number of queries; an id of another organization is never resolved to its name.
- Keys recorded that are no field of the row's object (the import's counts, the audit export's filters, the tour
  goal an amendment's last signature applies) were shown as "invited", "tour.goal": they now have labels.
- "Not now" on the two-factor set-up page read "今は考えていない" (the comeback answer "not considering it now").
"""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from alliance import audit
from alliance import services as core_services
from alliance.models import AuditEntry, Department

URL = reverse("audit", args=["acme"])
CSV_URL = reverse("audit_export", args=["acme"])


@pytest.fixture
def as_hr(hr):
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="NewUserTest/1.0")
    request.user, request.membership = hr.user, hr
    with audit.acting_request(request):
        yield


def _department(slug, name):
    return Department.objects.get(organization__slug=slug, name=name)


def _change_manager(hr, employee, other_manager):
    core_services.membership_update(
        membership=employee, actor=hr, role=employee.role, manager=other_manager, job_title=employee.job_title
    )
    return [employee.manager_before.shown_name, other_manager.shown_name]


def _change_department(hr, employee, other_manager):
    sales = _department("acme", "営業部")
    before = employee.department.name
    core_services.membership_update(
        membership=employee,
        actor=hr,
        role=employee.role,
        manager=employee.manager,
        job_title=employee.job_title,
        department=sales,
    )
    return [before, sales.name]


def _invite(hr, employee, other_manager):
    core_services.invitation_create(
        organization=hr.organization,
        invited_by=hr.user,
        email="newcomer@acme.example",
        manager=other_manager,
        department=_department("acme", "営業部"),
    )
    return [other_manager.shown_name, "営業部"]


@pytest.mark.parametrize(
    "make, action",
    [
        (_change_manager, "membership.update"),
        (_change_department, "membership.update"),
        (_invite, "invitation.create"),
    ],
    ids=["manager changed (admin)", "department changed", "invitation with manager and department"],
)
def test_records_named_by_id_read_as_names_on_the_page_and_in_the_csv(
    make, action, hr, employee, other_manager, as_hr, login
):
    employee.manager_before = employee.manager
    names = make(hr, employee, other_manager)
    entry = AuditEntry.objects.filter(organization=hr.organization, action=action).latest("pk")
    shown = audit.change_rows(entry, audit.related_names([entry]))
    values = {str(v) for _label, before, after in shown for v in (before, after) if v is not None}
    for name in names:
        assert name in values
    client = login(hr, language="ja")
    html = client.get(URL, {"action": action}).content.decode()
    for name in names:
        assert name in html
    exported = client.get(CSV_URL, {"action": action}).getvalue().decode("utf-8-sig")
    changes = [row[7] for row in csv.reader(io.StringIO(exported))][1:]
    assert any(all(name in cell for name in names[-1:]) for cell in changes)


def test_an_id_of_another_organization_stays_a_number(hr, as_hr):
    """A forged or stray id never reveals another organization's record by name."""
    foreign = Department.objects.filter(organization__slug="globex").first()
    entry = AuditEntry.objects.create(
        organization=hr.organization,
        action="invitation.create",
        content_type=ContentType.objects.get(app_label="alliance", model="invitation"),
        object_id="0",
        changes={"department": [None, foreign.pk]},
    )
    rows = audit.change_rows(entry, audit.related_names([entry]))
    assert rows[0][2] == foreign.pk
    assert foreign.name not in str(rows)


@pytest.mark.parametrize(
    "action, changes, content, labels",
    [
        (
            "member.import",
            {"invited": [None, 10], "updated": [None, 0], "unchanged": [None, 0], "new_departments": [None, 0]},
            ("alliance", "organization"),
            ["People invited", "Members changed", "Rows without change", "Departments added"],
        ),
        ("audit.export", {"filters": [None, "action=x"], "rows": [None, 3]}, None, ["Filters", "Rows exported"]),
        (
            "agreement.sign",
            {"tour.goal": ["a", "b"], "tour.end_date": ["2026-01-01", "2026-06-30"]},
            ("agreements", "agreementversion"),
            ["Tour goal", "Tour end date"],
        ),
    ],
    ids=["import counts", "audit export", "amendment applied by the last signature"],
)
def test_recorded_keys_that_are_no_field_have_labels(action, changes, content, labels, hr):
    content_type = ContentType.objects.get(app_label=content[0], model=content[1]) if content else None
    entry = AuditEntry(organization=hr.organization, action=action, content_type=content_type, changes=changes)
    with translation.override("en"):
        shown = [label for label, _before, _after in audit.change_rows(entry)]
    assert shown == labels


def test_the_trail_page_resolving_names_does_not_grow_with_rows(
    hr, employee, other_manager, manager, as_hr, login, django_assert_max_num_queries
):
    client = login(hr, language="en")
    for _ in range(2):
        core_services.membership_update(
            membership=employee, actor=hr, role=employee.role, manager=other_manager, job_title=employee.job_title
        )
        core_services.membership_update(
            membership=employee, actor=hr, role=employee.role, manager=manager, job_title=employee.job_title
        )
    with django_assert_max_num_queries(40) as few:
        client.get(URL, {"action": "membership.update"})
    for _ in range(10):
        core_services.membership_update(
            membership=employee, actor=hr, role=employee.role, manager=other_manager, job_title=employee.job_title
        )
        core_services.membership_update(
            membership=employee, actor=hr, role=employee.role, manager=manager, job_title=employee.job_title
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL, {"action": "membership.update"})


@pytest.mark.parametrize(
    "language, expected, not_expected",
    [("ja", "今はしない", "今は考えていない"), ("en", "Not now", None)],
)
def test_not_now_on_the_two_factor_page_means_later(language, expected, not_expected, hr, login):
    html = login(hr, language=language).get(reverse("mfa_required")).content.decode()
    assert expected in html
    if not_expected:
        assert not_expected not in html
    with translation.override("ja"):
        assert pgettext("postpone a step", "Not now") == "今はしない"
