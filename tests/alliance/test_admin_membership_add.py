"""A superuser adding a membership in the admin gets the manager rules of every other path (found by attacking
issue 8): the manager is an active manager or HR of the same organization, never a member of another tenant,
whose notices and signature requests would then carry this organization's records to them."""

import pytest

from alliance.models import Membership, MembershipStatus, Role
from tests.factories import UserFactory


def _manager(email, slug):
    return lambda: Membership.objects.get(user__email=email, organization__slug=slug).pk


# manager chosen for a new member of acme → saved?
MANAGERS = {
    "acme's manager": (_manager("manager@acme.example", "acme"), True),
    "acme's HR": (_manager("hr@acme.example", "acme"), True),
    "no manager": (lambda: "", True),
    "a manager of globex": (_manager("manager@globex.example", "globex"), False),
    "HR of globex": (_manager("hr@globex.example", "globex"), False),
    "an employee of acme": (_manager("employee@acme.example", "acme"), False),
    "an alumni of acme": (_manager("alumni@acme.example", "acme"), False),
}


@pytest.mark.parametrize("case", sorted(MANAGERS))
def test_a_membership_added_in_the_admin_gets_a_manager_of_its_own_organization(login, acme, case):
    manager, saved = MANAGERS[case]
    superuser = UserFactory(is_staff=True, is_superuser=True)
    newcomer = UserFactory()
    client = login(None, language="en")
    client.force_login(superuser)
    response = client.post(
        "/admin/alliance/membership/add/",
        {
            "organization": acme.pk,
            "user": newcomer.pk,
            "role": Role.EMPLOYEE,
            "status": MembershipStatus.ACTIVE,
            "job_title": "",
            "manager": manager(),
            "joined_on": "",
            "left_on": "",
        },
    )
    added = Membership.objects.filter(user=newcomer).first()
    if saved:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert added is not None and added.organization_id == acme.pk
    else:
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
        assert added is None
