"""Archiving a department and assigning it race no more (alliance.services.lock_department): run in two threads
with their own connections on PostgreSQL, the archive holding its row lock while the assignment arrives with the
department as it read it before (not archived). The assignment waits, then is refused with the department
error; nothing ends up in the archived department. The other way round, the archive waits for the assignment,
and the member keeps the department (as members already in a department do when it is archived)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import translation

from alliance import services
from alliance.member_import import ParsedFile, member_import_apply
from alliance.models import Department, Invitation, Membership, Role
from alliance.tenancy import organization_scope
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need a server database (CI runs this on PostgreSQL)"
)


def _assign_by_member_change(world, stale):
    return services.membership_update(
        membership=world["member"], actor=world["hr"], role=Role.EMPLOYEE, manager=None, job_title="", department=stale
    )


def _assign_by_invitation(world, stale):
    return services.invitation_create(
        organization=world["organization"], invited_by=world["hr"].user, email="new@example.com", department=stale
    )


def _assign_by_import(world, stale):
    parsed = ParsedFile(
        "members.csv", ["email", "department"], [[2, {"email": world["member"].user.email, "department": stale.name}]]
    )
    plan = member_import_apply(organization=world["organization"], actor=world["hr"], parsed=parsed)
    if plan.file_errors:
        raise ValidationError(plan.file_errors)
    return plan


# name: (assign(world, department as read before the archive), the words of the refusal)
ASSIGNMENTS = {
    "member change": (_assign_by_member_change, "The department Lab is archived."),
    "invitation": (_assign_by_invitation, "The department Lab is archived."),
    "member import": (_assign_by_import, "The department Lab is archived."),
}


@pytest.fixture
def world(transactional_db):
    organization = OrganizationFactory()
    hr = MembershipFactory(organization=organization, role=Role.HR)
    member = MembershipFactory(organization=organization, user=UserFactory(email="member@example.com"))
    department = Department.objects.create(organization=organization, name="Lab")
    return {"organization": organization, "hr": hr, "member": member, "department": department}


def _someone_waits_for_a_lock() -> bool:
    """Whether another connection of this database is waiting for a row lock now (read from this thread's own)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _wait_for_lock_waiter(limit=100):
    """Poll until a connection waits for a lock (the second thread reached it), at most `limit` tries 0.05 s apart.
    Not an assertion: without the lock nobody waits, and the test's assertions then find the race."""
    for _ in range(limit):
        if _someone_waits_for_a_lock():
            return
        time.sleep(0.05)


def _run(first, second):
    """Run `first(holding, release)` and `second()` in two threads: `first` sets `holding` once it holds its lock
    (inside its transaction) and waits for `release`; `second` starts then. Returns their outcomes."""
    holding, release = threading.Event(), threading.Event()
    outcomes = [None, None]

    def run(index, call):
        try:
            outcomes[index] = call()
        except Exception as exc:  # compared by the test
            outcomes[index] = exc
        finally:
            holding.set()  # never leave the other side waiting on a failure
            connections.close_all()

    def later():
        holding.wait(timeout=10)
        return second()

    threads = [
        threading.Thread(target=run, args=(0, lambda: first(holding, release))),
        threading.Thread(target=run, args=(1, later)),
    ]
    for thread in threads:
        thread.start()
    holding.wait(timeout=10)
    _wait_for_lock_waiter()
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_an_assignment_racing_an_archive_is_refused_and_assigns_nothing(world, name):
    assign, words = ASSIGNMENTS[name]
    organization, department = world["organization"], world["department"]
    stale = Department.objects.get(pk=department.pk)  # read before the archive: not archived
    assert stale.archived_at is None

    def archive(holding, release):
        with organization_scope(organization), transaction.atomic():
            done = services.department_archive(department=Department.objects.get(pk=department.pk), archived=True)
            holding.set()
            release.wait(timeout=10)
            return done

    def assignment():
        with organization_scope(organization), translation.override("en"):
            return assign(world, stale)

    archived, assigned = _run(archive, assignment)
    assert isinstance(archived, Department) and archived.archived_at is not None, archived
    assert isinstance(assigned, ValidationError), assigned
    assert words in " ".join(assigned.messages)
    assert not Membership.objects.filter(department=department).exists()
    assert not Invitation.objects.filter(department=department).exists()


def test_an_archive_racing_an_assignment_waits_and_the_member_keeps_the_department(world):
    organization, department = world["organization"], world["department"]

    def assignment(holding, release):
        with organization_scope(organization), transaction.atomic():
            done = _assign_by_member_change(world, Department.objects.get(pk=department.pk))
            holding.set()
            release.wait(timeout=10)
            return done

    def archive():
        with organization_scope(organization):
            return services.department_archive(department=Department.objects.get(pk=department.pk), archived=True)

    assigned, archived = _run(assignment, archive)
    assert isinstance(assigned, Membership), assigned
    assert isinstance(archived, Department) and archived.archived_at is not None, archived
    assert Membership.objects.get(pk=world["member"].pk).department_id == department.pk
