"""Rules that must hold when two people act at the same instant (issue 7): run in two threads with their own
database connections, on the server database CI uses (SQLite serializes writes by itself, see settings)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_scopes import scopes_disabled

from alliance import services
from alliance.models import Membership, MembershipStatus, Role
from alliance.tenancy import organization_scope
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need a server database (CI runs this on PostgreSQL)"
)


def _in_threads(*calls):
    """Run each call in its own thread, started together; return what each returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:  # compared by the test
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _demote(target_pk, actor_pk, *, role=Role.EMPLOYEE, status=None):
    def call():
        # A new thread starts outside any scope: the test finds the row, then acts in its organization's scope
        # as a request to the members page would (alliance.tenancy.TenantMiddleware).
        with scopes_disabled():
            organization_id = Membership.objects.values_list("organization_id", flat=True).get(pk=target_pk)
        with organization_scope(organization_id):
            target = Membership.objects.select_related("organization", "manager").get(pk=target_pk)
            actor = Membership.objects.get(pk=actor_pk)
            return services.membership_update(
                membership=target, actor=actor, role=role, manager=None, job_title="", status=status
            )

    return call


@pytest.mark.parametrize(
    "change",
    [{"role": Role.EMPLOYEE}, {"role": Role.MANAGER}, {"role": Role.HR, "status": MembershipStatus.ALUMNI}],
    ids=["both demoted to employee", "both demoted to manager", "both made alumni"],
)
def test_two_hr_members_removing_each_other_at_once_leave_one(transactional_db, change):
    organization = OrganizationFactory()
    first = MembershipFactory(organization=organization, role=Role.HR)
    second = MembershipFactory(organization=organization, role=Role.HR)

    outcomes = _in_threads(_demote(second.pk, first.pk, **change), _demote(first.pk, second.pk, **change))

    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    done = [o for o in outcomes if isinstance(o, Membership)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert set(refused[0].message_dict) == {"role"}  # "the organization's last active HR member"
    active_hr = Membership.objects.filter(organization=organization, role=Role.HR, status=MembershipStatus.ACTIVE)
    assert active_hr.count() == 1
