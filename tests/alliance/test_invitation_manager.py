"""An invitation names a manager of its own organization, or the newcomer starts without one (found by
attacking issue 8): an invitation edited in the admin could name another tenant's manager, and accepting it
made them the newcomer's manager across organizations."""

import pytest

from alliance import services
from alliance.models import Invitation, Membership, MembershipStatus, Role
from tests.factories import UserFactory


def _member(email, slug):
    return lambda: Membership.objects.get(user__email=email, organization__slug=slug)


# the manager the invitation names when it is accepted → the newcomer's manager in acme
MANAGERS = {
    "acme's manager": (_member("manager@acme.example", "acme"), "manager@acme.example"),
    "acme's HR": (_member("hr@acme.example", "acme"), "hr@acme.example"),
    "none": (lambda: None, None),
    "a manager of globex": (_member("manager@globex.example", "globex"), None),
    "HR of globex": (_member("hr@globex.example", "globex"), None),
    "an employee of acme (role changed since)": (_member("employee@acme.example", "acme"), None),
}


@pytest.mark.parametrize("case", sorted(MANAGERS))
def test_an_accepted_invitation_never_gives_a_manager_of_another_organization(acme, hr, case):
    named, expected = MANAGERS[case]
    newcomer = UserFactory()
    invitation, token = services.invitation_create(
        organization=acme, invited_by=hr.user, email=newcomer.email, role=Role.EMPLOYEE
    )
    # What the admin's change form can write: any manager (a superuser is offered every organization's).
    Invitation.objects.filter(pk=invitation.pk).update(manager=named())
    membership = services.invitation_accept(token=token, user=newcomer)
    assert membership.organization == acme and membership.status == MembershipStatus.ACTIVE
    assert (membership.manager.user.email if membership.manager else None) == expected


def _change_form(invitation, manager_pk):
    expires = invitation.expires_at.astimezone()
    return {
        "organization": invitation.organization_id,
        "email": invitation.email,
        "role": invitation.role,
        "job_title": invitation.job_title,
        "reading": invitation.reading,
        "manager": manager_pk,
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
    }


# the manager a superuser chooses for a pending acme invitation in the admin → saved?
ADMIN_MANAGERS = {
    "acme's manager": (_member("manager@acme.example", "acme"), True),
    "none": (lambda: None, True),
    "a manager of globex": (_member("manager@globex.example", "globex"), False),
    "HR of globex": (_member("hr@globex.example", "globex"), False),
}


@pytest.mark.parametrize("case", sorted(ADMIN_MANAGERS))
def test_the_admin_refuses_an_invitation_manager_of_another_organization(acme, hr, login, case):
    named, saved = ADMIN_MANAGERS[case]
    invitation, _token = services.invitation_create(
        organization=acme, invited_by=hr.user, email="someone.new@example.com", role=Role.EMPLOYEE
    )
    manager = named()
    client = login(None, language="en")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/alliance/invitation/{invitation.pk}/change/", _change_form(invitation, manager.pk if manager else "")
    )
    invitation.refresh_from_db()
    if saved:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert invitation.manager == manager
    else:
        assert response.status_code == 200
        assert "Choose an active member of this organization." in response.content.decode()
        assert invitation.manager is None
