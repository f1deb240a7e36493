"""Departments (部署): HR's own list, assigned to members, never deleted (archived instead)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alliance import services
from alliance.models import AuditEntry, Department, Membership


def _url(name, *args, slug="acme"):
    return reverse(name, args=[slug, *args])


def test_hr_sees_the_demo_departments_with_member_counts(hr, login, django_assert_max_num_queries):
    client = login(hr, language="en")
    with django_assert_max_num_queries(15):
        response = client.get(_url("departments"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "開発部" in body and "人事部" in body
    development = next(d for d in response.context["active"] if d.name == "開発部")
    assert development.active_members == Membership.objects.filter(department=development, status="active").count()
    assert development.active_members > 0


def test_hr_adds_a_department_and_it_is_audited(acme, hr, login):
    response = login(hr).post(_url("departments"), {"name": " 法務部 ", "code": "LEGAL"})
    assert response.status_code == 302
    department = Department.objects.get(organization=acme, name="法務部")
    assert department.code == "LEGAL"
    assert department.position == Department.objects.filter(organization=acme).order_by("-position")[0].position
    assert AuditEntry.objects.filter(action="department.create", object_id=str(department.pk)).exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": "開発部", "code": ""}, "name", "already exists"),
        ({"name": "新部署", "code": "DEV"}, "code", "already used"),
        ({"name": "", "code": "X"}, "name", "required"),
    ],
)
def test_a_duplicate_or_missing_name_or_code_is_refused_with_the_field_named(hr, login, data, field, words):
    response = login(hr, language="en").post(_url("departments"), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert words in errors
    assert f'value="{data["code"]}"' in response.content.decode() or not data["code"]


def test_the_duplicate_message_is_in_japanese_for_a_japanese_reader(hr, login):
    response = login(hr, language="ja").post(_url("departments"), {"name": "開発部", "code": ""})
    assert "既に" in " ".join(response.context["form"].errors["name"])


def test_the_same_name_is_allowed_in_another_organization(globex):
    with pytest.raises(ValidationError):
        services.department_create(organization=globex, name="開発部")
    assert services.department_create(organization=globex, name="経理部").organization == globex


def test_hr_renames_a_department_and_its_members_keep_it(acme, hr, login):
    department = Department.objects.get(organization=acme, name="営業部")
    members = set(Membership.objects.filter(department=department).values_list("pk", flat=True))
    response = login(hr).post(_url("department_edit", department.pk), {"name": "セールス部", "code": "SALES"})
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name == "セールス部"
    assert set(Membership.objects.filter(department=department).values_list("pk", flat=True)) == members
    assert AuditEntry.objects.filter(action="department.update", object_id=str(department.pk)).exists()


@pytest.mark.parametrize(("direction", "step"), [("up", -1), ("down", 1)])
def test_hr_moves_a_department_up_or_down(acme, hr, login, direction, step):
    names = list(
        Department.objects.filter(organization=acme).order_by("position", "name").values_list("name", flat=True)
    )
    moved = names[1]
    login(hr).post(
        _url("department_move", Department.objects.get(organization=acme, name=moved).pk), {"direction": direction}
    )
    after = list(
        Department.objects.filter(organization=acme).order_by("position", "name").values_list("name", flat=True)
    )
    assert after.index(moved) == 1 + step


def test_archiving_asks_first_then_keeps_members_and_stops_offering_it(acme, hr, login, employee):
    department = employee.department
    client = login(hr, language="en")
    confirm = client.get(_url("department_archive", department.pk))
    assert confirm.status_code == 200 and "keep it" in confirm.content.decode()
    assert client.post(_url("department_archive", department.pk)).status_code == 302
    department.refresh_from_db()
    assert department.archived_at is not None
    employee.refresh_from_db()
    assert employee.department == department
    # The member's own form still offers it; the invite form does not.
    edit = client.get(_url("member_edit", employee.pk))
    assert department in edit.context["form"].fields["department"].queryset
    invite = client.get(_url("member_invite"))
    assert department not in invite.context["form"].fields["department"].queryset
    # Assigning it to someone else is refused.
    other = Membership.objects.filter(organization=acme, status="active", role="employee").exclude(
        department=department
    )[0]
    with pytest.raises(ValidationError):
        services.membership_update(
            membership=other, actor=hr, role=other.role, manager=other.manager, job_title="", department=department
        )
    client.post(_url("department_archive", department.pk), {"restore": "1"})
    department.refresh_from_db()
    assert department.archived_at is None
    actions = set(AuditEntry.objects.filter(object_id=str(department.pk)).values_list("action", flat=True))
    assert {"department.archive", "department.unarchive"} <= actions


def test_hr_assigns_a_department_on_the_member_page_and_the_list_filters_by_it(acme, hr, login, employee):
    department = Department.objects.get(organization=acme, name="マーケティング部")
    client = login(hr)
    response = client.post(
        _url("member_edit", employee.pk),
        {
            "role": employee.role,
            "manager": employee.manager_id,
            "job_title": employee.job_title,
            "department": department.pk,
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.department == department
    listed = client.get(_url("members"), {"department": department.pk})
    shown = {m.pk for m in listed.context["page"].object_list}
    assert employee.pk in shown
    assert all(m.department_id == department.pk for m in listed.context["page"].object_list)


def test_hr_invites_into_a_department(acme, hr, login, manager):
    department = Department.objects.get(organization=acme, name="開発部")
    response = login(hr).post(
        _url("member_invite"), {"email": "dept@example.com", "role": "employee", "department": department.pk}
    )
    assert response.status_code == 302
    from alliance.models import Invitation

    assert Invitation.objects.get(email="dept@example.com").department == department


def test_services_refuse_a_department_of_another_organization(acme, globex, hr, employee):
    foreign = Department.objects.filter(organization=globex).first()
    with pytest.raises(ValidationError):
        services.membership_update(
            membership=employee,
            actor=hr,
            role=employee.role,
            manager=employee.manager,
            job_title="",
            department=foreign,
        )
    with pytest.raises(ValidationError):
        services.invitation_create(organization=acme, invited_by=hr.user, email="x@example.com", department=foreign)


def test_the_member_form_refuses_a_department_of_another_organization(globex, hr, login, employee):
    foreign = Department.objects.filter(organization=globex).first()
    response = login(hr).post(
        _url("member_edit", employee.pk),
        {"role": employee.role, "manager": employee.manager_id, "job_title": "", "department": foreign.pk},
    )
    assert response.status_code == 200 and "department" in response.context["form"].errors


@pytest.mark.parametrize("who", ["manager", "employee"])
@pytest.mark.parametrize("name", ["departments", "department_edit", "department_archive"])
def test_other_roles_get_403(request, login, acme, who, name):
    department = Department.objects.filter(organization=acme).first()
    args = [] if name == "departments" else [department.pk]
    assert login(request.getfixturevalue(who)).get(_url(name, *args)).status_code == 403


@pytest.mark.parametrize("name", ["department_edit", "department_archive", "department_move"])
def test_globex_hr_cannot_touch_an_acme_department(acme, login, name):
    globex_hr = Membership.objects.get(user__email="hr@globex.example", organization__slug="globex")
    department = Department.objects.filter(organization=acme).first()
    client = login(globex_hr)
    assert client.post(_url(name, department.pk, slug="globex"), {"name": "x"}).status_code == 404
    assert client.get(_url("departments", slug="acme")).status_code == 404


def test_demo_departments_are_seeded_once(acme):
    from alliance import demo

    before = Department.objects.filter(organization=acme).count()
    demo.seed()
    assert Department.objects.filter(organization=acme).count() == before == len(demo.DEPARTMENTS)
    assert not Membership.objects.filter(organization=acme, status="active", department__isnull=True).exists()


def test_an_invitation_to_a_department_archived_since_joins_without_it(acme, hr):
    from alliance.models import User
    from alliance.tenancy import organization_scope

    department = Department.objects.create(organization=acme, name="Closing lab")
    with organization_scope(acme):
        _invitation, token = services.invitation_create(
            organization=acme, invited_by=hr.user, email="later@example.com", department=department
        )
        services.department_archive(department=department, archived=True)
        user = User.objects.create_user(email="later@example.com", password="alliance-test", name="Later")
        membership = services.invitation_accept(token=token, user=user)
    assert membership.department_id is None
