"""The membership graph's rules (issue 7): a demoted manager loses its reports at once, every manager change is
recorded, an organization always keeps an active HR, the admin follows the same rules and shows only the user's
own organizations, and an invited account stays private until its owner accepts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance import services
from alliance.models import Invitation, ManagerChange, ManagerChangeReason, Membership, MembershipStatus, Role
from tests.factories import MembershipFactory, UserFactory


def _update(membership, actor, **changes):
    fields = {"role": membership.role, "manager": membership.manager, "job_title": membership.job_title}
    fields.update(changes)
    return services.membership_update(membership=membership, actor=actor, **fields)


# --- a manager who is no longer one ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"role": Role.EMPLOYEE}, ManagerChangeReason.ROLE_CHANGED),
        ({"status": MembershipStatus.ALUMNI}, ManagerChangeReason.STATUS_CHANGED),
    ],
    ids=["role changed to employee", "left (alumni)"],
)
def test_a_manager_who_stops_managing_loses_every_report_at_once(acme, hr, manager, change, reason):
    reports = list(Membership.objects.filter(manager=manager))
    assert reports
    _update(manager, hr, **change)
    assert not Membership.objects.filter(manager=manager).exists()
    records = ManagerChange.objects.filter(previous_manager=manager, new_manager=None, reason=reason)
    assert {r.membership_id for r in records} == {r.pk for r in reports}
    assert all(r.changed_by_id == hr.user_id for r in records)


def test_a_demoted_manager_is_dropped_from_pending_invitations(acme, hr, manager):
    invitation, token = services.invitation_create(
        organization=acme, invited_by=hr.user, email="joiner@example.com", manager=manager
    )
    Membership.objects.filter(pk=manager.pk).update(role=Role.EMPLOYEE)  # even a change made outside the services
    joined = services.invitation_accept(token=token, user=UserFactory(email="joiner@example.com"))
    assert joined.manager is None


def test_the_members_page_marks_and_filters_members_with_no_manager(hr, manager, employee, login):
    _update(manager, hr, role=Role.EMPLOYEE)
    client = login(hr, language="en")
    page = client.get(reverse("members", args=["acme"]), {"no_manager": "on"}).context["page"]
    members = list(page.object_list)
    assert employee in members
    assert all(m.manager_id is None and m.status == "active" and m.role != "hr" for m in members)
    body = client.get(reverse("members", args=["acme"]), {"q": employee.user.email}).content.decode()
    assert "badge-no-manager" in body and "No manager" in body


def test_hr_sees_who_changed_a_manager_when_from_and_to_on_the_member_page(hr, manager, employee, other_manager, login):
    _update(employee, hr, manager=other_manager)
    response = login(hr).get(reverse("member_edit", args=["acme", employee.pk]))
    change = response.context["manager_changes"][0]
    assert (change.previous_manager, change.new_manager, change.changed_by) == (manager, other_manager, hr.user)
    body = response.content.decode()
    assert manager.user.display_name in body and other_manager.user.display_name in body


def test_an_employee_cannot_be_named_manager(hr, employee):
    report = MembershipFactory(organization=hr.organization)
    with pytest.raises(ValidationError) as error:
        _update(report, hr, manager=employee)
    assert "manager" in error.value.message_dict


# --- at least one active HR --------------------------------------------------------------------------------


@pytest.fixture
def sole_hr(acme, hr):
    """acme with `hr` as its only active HR member (the demo has a second one, who leaves first)."""
    others = Membership.objects.filter(organization=acme, role=Role.HR, status="active").exclude(pk=hr.pk)
    for other in others:
        _update(other, hr, role=Role.EMPLOYEE)
    return hr


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "change",
    [{"role": Role.EMPLOYEE}, {"role": Role.MANAGER}, {"status": MembershipStatus.ALUMNI}],
    ids=["to employee", "to manager", "to alumni"],
)
@pytest.mark.parametrize("by", ["self", "superuser"])
def test_the_last_active_hr_cannot_be_demoted_or_leave(sole_hr, superuser, change, by):
    actor = sole_hr if by == "self" else superuser
    with pytest.raises(ValidationError):
        _update(sole_hr, actor, **change)
    sole_hr.refresh_from_db()
    assert sole_hr.role == Role.HR and sole_hr.status == "active"


def test_another_hr_may_demote_an_hr_while_one_stays(acme, hr):
    second = Membership.objects.filter(organization=acme, role=Role.HR, status="active").exclude(pk=hr.pk).first()
    _update(second, hr, role=Role.EMPLOYEE)
    second.refresh_from_db()
    assert second.role == Role.EMPLOYEE


def test_the_hr_rows_are_locked_before_the_last_hr_check(acme, hr):
    second = Membership.objects.filter(organization=acme, role=Role.HR, status="active").exclude(pk=hr.pk).first()
    with CaptureQueriesContext(connection) as queries:
        _update(second, hr, role=Role.EMPLOYEE)
    locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    # SQLite has no row locks (its writes are serialized by the database lock); PostgreSQL (CI) must lock.
    assert bool(locking) is connection.features.has_select_for_update


@pytest.mark.parametrize(
    "status",
    [MembershipStatus.ACTIVE, MembershipStatus.ALUMNI],
    ids=["invited to active", "invited to alumni"],
)
def test_an_invitation_nobody_accepted_is_never_activated_by_hand(acme, hr, status):
    invited = Membership.objects.filter(organization=acme, status=MembershipStatus.INVITED).first()
    with pytest.raises(ValidationError) as error:
        _update(invited, hr, status=status)
    assert "status" in error.value.message_dict


# --- the admin goes through the same rules -----------------------------------------------------------------


@pytest.fixture
def staff_hr(hr):
    hr.user.is_staff = True
    hr.user.save()
    return hr


def _admin_post(client, membership, **changes):
    data = {
        "role": membership.role,
        "status": membership.status,
        "job_title": membership.job_title,
        "manager": membership.manager_id or "",
        "joined_on": membership.joined_on.isoformat() if membership.joined_on else "",
        "left_on": membership.left_on.isoformat() if membership.left_on else "",
    }
    data.update(changes)
    return client.post(reverse("admin:alliance_membership_change", args=[membership.pk]), data)


def _invited(acme):
    return Membership.objects.filter(organization=acme, status=MembershipStatus.INVITED).first()


@pytest.mark.parametrize(
    "target, changes, field",
    [
        (lambda c: c["staff_hr"], {"role": Role.EMPLOYEE}, "role"),
        (lambda c: c["staff_hr"], {"status": MembershipStatus.ALUMNI}, "status"),
        (lambda c: c["employee"], {"manager": lambda c: c["employee"].pk}, "manager"),
        (lambda c: c["manager"], {"manager": lambda c: c["employee_as_manager"].pk}, "manager"),
        (lambda c: c["invited"], {"status": MembershipStatus.ACTIVE}, "status"),
        (lambda c: c["employee"], {"manager": lambda c: c["foreign_manager"].pk}, "manager"),
    ],
    ids=[
        "own role",
        "own status",
        "own manager",
        "reporting loop",
        "activating an unaccepted invitation",
        "manager of another organization",
    ],
)
def test_the_admin_refuses_what_the_members_page_refuses(
    staff_hr, employee, manager, acme, login, target, changes, field
):
    employee_as_manager = employee
    Membership.objects.filter(pk=employee.pk).update(role=Role.MANAGER)
    employee_as_manager.role = Role.MANAGER
    ctx = {
        "staff_hr": staff_hr,
        "employee": employee,
        "manager": manager,
        "employee_as_manager": employee_as_manager,
        "invited": _invited(acme),
        "foreign_manager": Membership.objects.filter(organization__slug="globex", role=Role.MANAGER).first(),
    }
    membership = target(ctx)
    before = Membership.objects.filter(pk=membership.pk).values("role", "status", "manager_id").get()
    values = {key: (value(ctx) if callable(value) else value) for key, value in changes.items()}
    response = _admin_post(login(staff_hr), membership, **values)
    assert response.status_code == 200, "the form is shown again with the error"
    assert field in response.context["adminform"].form.errors
    assert Membership.objects.filter(pk=membership.pk).values("role", "status", "manager_id").get() == before


def test_an_admin_change_of_manager_is_recorded_and_a_demotion_detaches_reports(staff_hr, manager, login):
    reports = set(Membership.objects.filter(manager=manager).values_list("pk", flat=True))
    response = _admin_post(login(staff_hr), manager, role=Role.EMPLOYEE)
    assert response.status_code == 302
    assert not Membership.objects.filter(manager=manager).exists()
    recorded = ManagerChange.objects.filter(previous_manager=manager, reason=ManagerChangeReason.ROLE_CHANGED)
    assert set(recorded.values_list("membership_id", flat=True)) == reports


@pytest.mark.parametrize(
    "url",
    [
        "admin:alliance_membership_changelist",
        "admin:alliance_invitation_changelist",
        "admin:alliance_companyvalue_changelist",
        "admin:alliance_managerchange_changelist",
        "admin:agreements_tour_changelist",
        "admin:agreements_agreementversion_changelist",
        "admin:agreements_signingevent_changelist",
    ],
)
def test_the_admin_organization_filter_lists_only_the_users_organizations(staff_hr, login, url):
    from tests.factories import OrganizationFactory

    # HR of two organizations gets the filter (with one it is hidden); globex must never be offered.
    second = OrganizationFactory(name="第二商事")
    MembershipFactory(organization=second, user=staff_hr.user, role=Role.HR)
    response = login(staff_hr).get(reverse(url))
    assert response.status_code == 200
    spec = next(f for f in response.context["cl"].filter_specs if getattr(f, "field_path", "") == "organization")
    assert sorted(str(label) for _pk, label in spec.lookup_choices) == sorted(["株式会社アクメ", "第二商事"])
    assert "グローベックス" not in response.content.decode()


def test_the_admin_foreign_key_choices_stay_inside_the_users_organizations(staff_hr, login, employee):
    form = (
        login(staff_hr).get(reverse("admin:alliance_membership_change", args=[employee.pk])).context["adminform"].form
    )
    managers = form.fields["manager"].queryset
    assert set(managers.values_list("organization__slug", flat=True)) == {"acme"}
    assert set(managers.values_list("role", flat=True)) <= {Role.MANAGER, Role.HR}


# --- an invited account stays private ----------------------------------------------------------------------

HIDDEN_NAME = "秘匿 花太郎"


@pytest.fixture
def invited_account(acme, hr, outsider):
    """An existing account (a member of globex) invited to acme; its chosen name is the private part."""
    outsider.user.name = HIDDEN_NAME
    outsider.user.save()
    services.invitation_create(organization=acme, invited_by=hr.user, email=outsider.user.email)
    return outsider.user


@pytest.mark.parametrize(
    "place",
    [
        lambda c: reverse("members", args=["acme"]),
        lambda c: reverse("members", args=["acme"]) + "?status=invited",
        lambda c: reverse("dashboard", args=["acme"]),
        lambda c: reverse("admin:alliance_membership_changelist"),
        lambda c: reverse("admin:alliance_invitation_changelist"),
        lambda c: reverse("admin:alliance_invitation_change", args=[c["invitation"].pk]),
        lambda c: reverse("member_invite", args=["acme"]) + "?email=" + c["user"].email,
    ],
    ids=[
        "members page",
        "invited filter",
        "dashboard",
        "admin members",
        "admin invitations",
        "admin invitation",
        "send again",
    ],
)
def test_an_invited_accounts_name_is_shown_nowhere_before_it_accepts(staff_hr, invited_account, login, place):
    invitation = Invitation.objects.get(email=invited_account.email)
    url = place({"invitation": invitation, "user": invited_account})
    body = login(staff_hr).get(url).content.decode()
    assert HIDDEN_NAME not in body


def test_an_invited_persons_account_name_finds_nothing(acme, staff_hr, login):
    invited = _invited(acme)  # the demo's invited rows are linked to accounts with names
    found = login(staff_hr).get(reverse("members", args=["acme"]), {"q": invited.user.name}).context["page"]
    assert invited not in list(found.object_list)
    admin = login(staff_hr).get(reverse("admin:alliance_membership_changelist"), {"q": invited.user.name})
    assert invited not in list(admin.context["cl"].result_list)
    by_address = login(staff_hr).get(reverse("members", args=["acme"]), {"q": invited.user.email}).context["page"]
    assert invited in list(by_address.object_list)


def test_a_legacy_invited_membership_shows_only_the_address(acme, hr, login):
    invited = _invited(acme)
    body = login(hr).get(reverse("members", args=["acme"]), {"status": "invited"}).content.decode()
    assert invited.user.email in body and invited.user.name not in body
    assert str(invited).startswith(invited.user.email)


def test_the_invitation_email_tells_the_invited_person_nothing_about_their_account(
    acme, hr, invited_account, django_capture_on_commit_callbacks
):
    from django.core import mail

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(organization=acme, invited_by=hr.user, email=invited_account.email)
    assert len(mail.outbox) == 1 and HIDDEN_NAME not in mail.outbox[0].body


def test_memberships_are_added_in_the_admin_only_by_a_superuser(staff_hr, superuser, login):
    url = reverse("admin:alliance_membership_add")
    assert login(staff_hr).get(url).status_code == 403
    client = login(None)
    client.force_login(superuser)
    assert client.get(url).status_code == 200
