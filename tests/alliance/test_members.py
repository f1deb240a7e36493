import pytest
from django.urls import reverse

from alliance.models import MembershipStatus, Role
from tests.factories import MembershipFactory


def test_hr_sees_members_of_their_organization_only(hr, login):
    response = login(hr).get(reverse("members", args=["acme"]))
    body = response.content.decode()
    assert "employee@acme.example" in body
    assert "globex.example" not in body


def test_search_finds_by_name_email_or_title(hr, login):
    response = login(hr).get(reverse("members", args=["acme"]), {"q": "社員"})
    emails = [m.user.email for m in response.context["page"].object_list]
    assert emails == ["employee@acme.example"]


@pytest.mark.parametrize(
    "params, check",
    [
        ({"role": "manager"}, lambda m: m.role == Role.MANAGER),
        ({"status": "alumni"}, lambda m: m.status == MembershipStatus.ALUMNI),
        ({"status": "invited"}, lambda m: m.status == MembershipStatus.INVITED),
    ],
)
def test_filters_narrow_the_list(hr, login, params, check):
    page = login(hr).get(reverse("members", args=["acme"]), params).context["page"]
    assert page.object_list and all(check(m) for m in page.object_list)


def test_filter_by_manager(hr, manager, login):
    page = login(hr).get(reverse("members", args=["acme"]), {"manager": manager.pk}).context["page"]
    assert page.object_list and all(m.manager_id == manager.pk for m in page.object_list)


def test_no_match_says_so_and_offers_to_clear(hr, login):
    response = login(hr).get(reverse("members", args=["acme"]), {"q": "nobody-has-this-name"})
    assert response.context["filtered"] and not response.context["page"].object_list
    assert reverse("members", args=["acme"]) + '"' in response.content.decode()


def test_the_list_is_paginated_and_its_query_count_does_not_grow(
    hr, manager, acme, login, django_assert_max_num_queries
):
    client = login(hr)
    url = reverse("members", args=["acme"])
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    MembershipFactory.create_batch(60, organization=acme, manager=manager)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    page = response.context["page"]
    assert page.paginator.num_pages == 4 and len(page.object_list) == 25
    second = client.get(url, {"page": 2, "role": "employee"}).content.decode()
    assert "page=3" in second and "role=employee" in second


def test_hr_changes_a_role_and_manager(hr, employee, other_manager, login):
    response = login(hr).post(
        reverse("member_edit", args=["acme", employee.pk]),
        {"role": "manager", "manager": other_manager.pk, "job_title": "リードエンジニア"},
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.role == Role.MANAGER and employee.manager == other_manager


def test_a_reporting_loop_is_refused_with_a_message(hr, manager, employee, login):
    employee.role = Role.MANAGER
    employee.save()
    response = login(hr).post(
        reverse("member_edit", args=["acme", manager.pk]),
        {"role": "manager", "manager": employee.pk, "job_title": "x"},
    )
    assert response.status_code == 200
    assert "manager" in response.context["form"].errors
    manager.refresh_from_db()
    assert manager.manager != employee


def test_hr_cannot_remove_their_own_hr_role(hr, login):
    response = login(hr).post(reverse("member_edit", args=["acme", hr.pk]), {"role": "employee", "job_title": ""})
    assert response.status_code == 200
    assert "role" in response.context["form"].errors


def test_dashboard_shows_each_role_its_own_cards(hr, manager, employee, alumni, login):
    url = reverse("dashboard", args=["acme"])
    assert "counts" in login(hr).get(url).context
    manager_ctx = login(manager).get(url).context
    assert "counts" not in manager_ctx and employee.pk in [r.pk for r in manager_ctx["reports"]]
    employee_ctx = login(employee).get(url).context
    assert "reports" not in employee_ctx and "counts" not in employee_ctx
    assert len(employee_ctx["values"]) == 9
    assert login(alumni).get(url).context["current_membership"].is_alumni


def test_dashboard_query_count_does_not_grow_with_reports(manager, acme, login, django_assert_max_num_queries):
    client = login(manager)
    url = reverse("dashboard", args=["acme"])
    # 15 for the core and STEP 1-3, then one per "waiting for you" builder of checkpoints (checkpoints waiting
    # on the manager, proposals to end a tour waiting on them), and the alumni app's departures card (the
    # reports' planned departures, with its count); what must not grow is the count with the reports.
    with django_assert_max_num_queries(18) as before:
        client.get(url)
    MembershipFactory.create_batch(30, organization=acme, manager=manager)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def _settings_post(acme, **overrides):
    values = list(acme.values.order_by("position", "id"))
    data = {
        "name": acme.name,
        "mission": acme.mission,
        "vision": acme.vision,
        "checkpoint_interval_months": "3",
        "hr_countersign": "on",
        "values-TOTAL_FORMS": str(len(values) + 2),
        "values-INITIAL_FORMS": str(len(values)),
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "1000",
    }
    for i, value in enumerate(values):
        data.update(
            {
                f"values-{i}-id": value.pk,
                f"values-{i}-position": value.position,
                f"values-{i}-title": value.title,
                f"values-{i}-description": value.description,
            }
        )
    for i in (len(values), len(values) + 1):
        data.update({f"values-{i}-position": "0", f"values-{i}-title": "", f"values-{i}-description": ""})
    data.update(overrides)
    return data, len(values)


def test_hr_edits_the_mission_and_adds_a_value(hr, acme, login):
    data, n = _settings_post(acme, mission="新しいミッション")
    data.update({f"values-{n}-position": "10", f"values-{n}-title": "遊び心を忘れない"})
    response = login(hr).post(reverse("organization_settings", args=["acme"]), data)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.mission == "新しいミッション"
    assert acme.values.order_by("position").last().title == "遊び心を忘れない"


def test_settings_refuse_a_bad_interval_and_keep_what_was_typed(hr, acme, login):
    data, _n = _settings_post(acme, checkpoint_interval_months="0", mission="入力したミッション")
    response = login(hr).post(reverse("organization_settings", args=["acme"]), data)
    assert response.status_code == 200
    assert "checkpoint_interval_months" in response.context["form"].errors
    assert "入力したミッション" in response.content.decode()
    acme.refresh_from_db()
    assert acme.mission != "入力したミッション"


@pytest.mark.parametrize("query", ["", "example"])
def test_invited_people_come_last_by_e_mail_so_the_order_does_not_reveal_their_reading(hr, acme, query):
    """An invited account's name and reading are hidden until they accept; sorting them by that reading among
    everyone else would show it anyway (コバヤシ between カトウ and サトウ)."""
    from alliance import selectors
    from tests.factories import UserFactory

    for email, reading in [("z-invited@example.com", "アアア"), ("a-invited@example.com", "ンンン")]:
        MembershipFactory(
            organization=acme, status=MembershipStatus.INVITED, user=UserFactory(email=email, reading=reading)
        )
    rows = list(selectors.member_list(organization=acme, query=query))
    statuses = [m.status for m in rows]
    first_invited = statuses.index(MembershipStatus.INVITED)
    assert all(status == MembershipStatus.INVITED for status in statuses[first_invited:]), statuses
    invited = [m.user.email for m in rows[first_invited:] if m.user.email.endswith("-invited@example.com")]
    assert invited == ["a-invited@example.com", "z-invited@example.com"]
