"""Holes found by attacking issue 7's privacy rules and the new notices and audit pages as a tester would; each
test is a kind of fault, as a table of the places or inputs where it could appear."""

import pytest
from django.urls import reverse

from agreements import services as agreement_services
from alliance import services
from alliance.models import AuditEntry, ManagerChange, Membership

HIDDEN_NAME = "秘匿 花太郎"


@pytest.fixture
def staff_hr(hr):
    hr.user.is_staff = True
    hr.user.save()
    return hr


@pytest.fixture
def invited(acme):
    """A legacy invited membership linked to an account whose chosen name is private until it accepts."""
    membership = Membership.objects.select_related("user").filter(organization=acme, status="invited").first()
    membership.user.name = HIDDEN_NAME
    membership.user.save()
    return membership


def _audit(client, **query):
    return client.get(reverse("audit", args=["acme"]), query)


# --- an invited account's name on the audit page -------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [{}, {"person": "{pk}"}],
    ids=["person filter choices", "row naming the invited member"],
)
def test_the_audit_page_never_shows_an_invited_accounts_name(hr, invited, login, query):
    # A row about the invited membership (its job title changed by HR) names it as the row's subject.
    services.membership_update(
        membership=invited, actor=hr, role=invited.role, manager=None, job_title="営業", status=None
    )
    query = {key: value.format(pk=invited.pk) for key, value in query.items()}
    body = _audit(login(hr, language="en"), **query).content.decode()
    assert invited.user.email in body
    assert HIDDEN_NAME not in body


# --- hostile filter input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ({"date_from": "9999-12-31"}, "date_from"),
        ({"date_to": "2999-12-31"}, None),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "0001-01-01"}, "date_to"),
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"person": "abc"}, "person"),
        ({"person": "99999999"}, "person"),
        ({"action": "alignment.create"}, "action"),
        ({"page": "99999999999999999999999"}, None),
        ({"page": "-1"}, None),
    ],
)
def test_hostile_audit_filters_get_a_form_error_not_a_server_error(hr, login, query, field):
    response = _audit(login(hr, language="en"), **query)
    assert response.status_code == 200
    errors = response.context["filter_form"].errors
    assert (field in errors) if field else not errors


def test_another_organizations_member_is_not_a_person_to_filter_by(hr, outsider, login):
    response = _audit(login(hr, language="en"), person=str(outsider.pk))
    assert "person" in response.context["filter_form"].errors


# --- the employee's answer to the share offer is private ------------------------------------------------------


@pytest.fixture
def offer(make_alignment, employee, hr, other_manager):
    """The employee holds alignments their manager recorded, then HR gives them a new manager: an open offer."""
    make_alignment()
    services.membership_update(
        membership=employee, actor=hr, role=employee.role, manager=other_manager, job_title=employee.job_title
    )
    employee.refresh_from_db()
    return ManagerChange.objects.filter(membership=employee).latest("changed_at", "id")


@pytest.mark.parametrize(
    "answer",
    [agreement_services.alignment_share_earlier_with_manager, agreement_services.alignment_dismiss_share_offer],
    ids=["shared", "kept"],
)
def test_hr_does_not_learn_how_the_employee_answered_the_share_offer(offer, employee, hr, staff_hr, login, answer):
    answer(actor=employee)
    rows = AuditEntry.objects.filter(organization=employee.organization, action__startswith="alignment.")
    assert rows.exists() and all(row.private for row in rows)
    client = login(staff_hr, language="en")
    body = _audit(client, person=str(employee.pk)).content.decode()
    assert "Earlier career alignments" not in body
    admin = client.get(reverse("admin:alliance_managerchange_change", args=[offer.pk])).content.decode()
    assert "share offer answered" not in admin.lower() and "earlier alignments shared" not in admin.lower()


# --- a far date typed into any date field --------------------------------------------------------------------


def _forms():
    from agreements.forms import AlignmentForm, KpiForm, TourForm
    from alliance.core_views import AuditFilterForm
    from alliance.models import Organization

    acme = Organization.objects.get(slug="acme")
    return {
        "alignment held_on": (lambda data: AlignmentForm(data, organization=acme, can_write_notes=True), "held_on"),
        "tour start_date": (lambda data: TourForm(data), "start_date"),
        "tour end_date": (lambda data: TourForm(data), "end_date"),
        "kpi due_date": (lambda data: KpiForm(data), "due_date"),
        "audit date_from": (lambda data: AuditFilterForm(data, organization=acme), "date_from"),
        "audit date_to": (lambda data: AuditFilterForm(data, organization=acme), "date_to"),
    }


@pytest.mark.parametrize(
    "name",
    ["alignment held_on", "tour start_date", "tour end_date", "kpi due_date", "audit date_from", "audit date_to"],
)
@pytest.mark.parametrize(
    "day, refused",
    [
        ("9999-12-31", True),
        ("0001-01-01", True),
        ("1899-12-31", True),
        ("3000-01-01", True),
        ("2026-04-01", False),
        ("2999-12-31", False),
    ],
)
def test_every_date_field_refuses_a_day_outside_the_years_it_can_compute_with(db, name, day, refused):
    make, field = _forms()[name]
    form = make({field: day})
    form.is_valid()
    assert (form.has_error(field, "date_range")) is refused


@pytest.mark.parametrize("start", ["9999-01-01", "9999-12-01", "2999-12-31"])
def test_a_tour_starting_at_the_end_of_time_gets_an_error_not_a_server_error(make_alignment, manager, login, start):
    alignment = make_alignment(actor=manager)
    response = login(manager, language="en").post(
        reverse("agreements:tour_new", args=["acme", alignment.pk]),
        {
            "title": "t",
            "kind": "transformational",
            "goal": "g",
            "toward_ideal_self": "x",
            "value_to_company": "y",
            "start_date": start,
            "end_date": "9999-12-31",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
