"""The role map: every registered capability against every kind of member, written out by hand.

The table is the specification: a capability added to the registry without a row here fails
`test_every_registered_capability_is_in_the_table`, and a grant that changes fails its row.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from agreements import capabilities as agreements_caps
from alliance import permissions
from alliance.models import Membership, MembershipStatus, Role
from alumni import capabilities as alumni_caps
from checkpoints import capabilities as checkpoints_caps

# Holders: an active employee, manager and HR; alumni (whatever their role was); an invitation not yet accepted.
HOLDERS = {
    "employee": (Role.EMPLOYEE, MembershipStatus.ACTIVE),
    "manager": (Role.MANAGER, MembershipStatus.ACTIVE),
    "hr": (Role.HR, MembershipStatus.ACTIVE),
    "alumni": (Role.HR, MembershipStatus.ALUMNI),
    "invited": (Role.HR, MembershipStatus.INVITED),
}

E, M, H, A = "employee", "manager", "hr", "alumni"
TABLE = {
    permissions.VIEW_DASHBOARD: {E, M, H},
    permissions.VIEW_OWN_RECORDS: {E, M, H},
    permissions.VIEW_ALUMNI_PAGES: {E, M, H, A},
    permissions.VIEW_REPORTS: {M, H},
    permissions.VIEW_MEMBERS: {H},
    permissions.MANAGE_MEMBERS: {H},
    permissions.MANAGE_ORGANIZATION: {H},
    permissions.VIEW_ORG_STATISTICS: {H},
    permissions.VIEW_AUDIT: {H},
    permissions.VIEW_FAILED_NOTICES: {H},
    permissions.REPORTS_TO_MANAGER: {E, M},
    agreements_caps.READ_ALL_RECORDS: {H},
    agreements_caps.READ_ALIGNMENTS_SHARED_WITH_HR: {H},
    agreements_caps.COUNTERSIGN: {H},
    agreements_caps.EDIT_AGREEMENT_TEMPLATE: {H},
    agreements_caps.ALLOW_CONCURRENT_TOURS: {H},
    checkpoints_caps.HOLD_CHECKPOINTS: {E, M, H},
    checkpoints_caps.CLOSE_TOURS: {E, M, H},
    checkpoints_caps.END_TOURS: {H},
    checkpoints_caps.CANCEL_ANY_CHECKPOINT: {H},
    checkpoints_caps.VIEW_OVERDUE_CHECKPOINTS: {H},
    alumni_caps.USE_COMMUNITY: {H, A},
    alumni_caps.MANAGE_COMMUNITY: {H},
    alumni_caps.KEEP_ALUMNI_PROFILE: {A},
    alumni_caps.VIEW_OPPORTUNITIES: {E, M, H, A},
    alumni_caps.REFER_CANDIDATES: {E, M, H, A},
    alumni_caps.EXPRESS_INTEREST: {A},
    alumni_caps.MANAGE_DEPARTURES: {H},
    permissions.READ_OWN_RECORDS: {E, M, H, A},
}


def _member(holder: str) -> Membership:
    role, status = HOLDERS[holder]
    return Membership(role=role, status=status)


@pytest.mark.parametrize("holder", sorted(HOLDERS))
@pytest.mark.parametrize("capability", sorted(TABLE))
def test_each_capability_for_each_kind_of_member(capability, holder):
    expected = holder in TABLE[capability]
    assert permissions.membership_has(_member(holder), capability) is expected
    assert (capability in permissions.capabilities_of(_member(holder))) is expected


def test_every_registered_capability_is_in_the_table():
    assert set(permissions.CAPABILITIES) == set(TABLE)


@pytest.mark.parametrize("capability", sorted(TABLE))
def test_roles_with_lists_the_active_roles_that_hold_it(capability):
    assert set(permissions.roles_with(capability)) == TABLE[capability] - {A}


def test_no_membership_holds_nothing():
    assert permissions.capabilities_of(None) == frozenset()
    assert not permissions.membership_has(None, permissions.VIEW_DASHBOARD)


def test_an_unregistered_name_is_an_error_not_a_no():
    with pytest.raises(KeyError):
        permissions.membership_has(_member("hr"), "view_everything")


@pytest.mark.parametrize(
    "holders, error",
    [
        ((Role.HR,), None),  # the same grant again: a module imported twice
        ((Role.HR, Role.MANAGER), "registered twice"),
        (("boss",), "unknown holders"),
    ],
)
def test_registering_again(holders, error):
    name = agreements_caps.COUNTERSIGN if error != "unknown holders" else "test.unknown_holder"
    if error is None:
        assert permissions.register_capability(name, holders=holders, description="") == name
        return
    with pytest.raises(ImproperlyConfigured, match=error):
        permissions.register_capability(name, holders=holders, description="")
    assert "test.unknown_holder" not in permissions.CAPABILITIES
