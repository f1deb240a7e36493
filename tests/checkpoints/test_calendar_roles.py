"""What a private calendar feed (/calendar/<token>.ics, reachable with its token alone, no login, no two-factor)
serves, role by role: the person's own checkpoints and, while they may have reports, those of their own reports;
never what HR reads on the organization's pages (everyone's checkpoints)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from agreements.models import CareerAlignment, Tour
from alliance.models import Membership, User
from alliance.tenancy import organization_scope
from checkpoints import services
from checkpoints.models import Checkpoint
from tests.factories import OrganizationFactory

TODAY = timezone.localdate()


class Company:
    """A small organization: HR without reports, HR who manages `hr_report`, a manager with `employee` and
    `report2`, another manager with `stranger`; each person has a signed tour with one checkpoint, and
    `employee` also has a draft tour's checkpoint (not signed: in nobody's feed)."""

    def __init__(self):
        self.org = OrganizationFactory(slug="feedco")
        self.people = {}
        self.add("hr", role="hr")
        self.add("hr_manager", role="hr")
        self.add("manager", role="manager")
        self.add("other_manager", role="manager")
        self.add("employee", manager="manager")
        self.add("report2", manager="manager")
        self.add("hr_report", manager="hr_manager")
        self.add("stranger", manager="other_manager")
        self.checkpoints = {name: self.checkpoint(member) for name, member in self.people.items()}
        self.draft = self.checkpoint(self.people["employee"], status="draft")

    def add(self, name, *, role="employee", manager=None):
        user = User.objects.create(email=f"{name}@feedco.example", name=name, password="!")
        self.people[name] = Membership.objects.create(
            organization=self.org, user=user, role=role, status="active", manager=self.people.get(manager)
        )

    def checkpoint(self, member, *, status="active"):
        alignment = CareerAlignment.objects.create(
            organization=self.org, employee=member, held_on=TODAY - timedelta(days=40), status="draft"
        )
        tour = Tour.objects.create(
            organization=self.org,
            employee=member,
            alignment=alignment,
            title="tour",
            goal="g",
            toward_ideal_self="t",
            value_to_company="v",
            start_date=TODAY - timedelta(days=30),
            end_date=TODAY + timedelta(days=300),
            status=status,
        )
        return Checkpoint.objects.create(
            organization=self.org, tour=tour, sequence=1, due_date=TODAY + timedelta(days=60), status="scheduled"
        )


# role: (whose feed, whose checkpoints it holds)
ROLES = {
    "employee": ("employee", {"employee"}),
    "manager": ("manager", {"manager", "employee", "report2"}),
    "HR": ("hr", {"hr"}),
    "HR who is also a manager": ("hr_manager", {"hr_manager", "hr_report"}),
}


def _feed_uids(client, membership) -> set[str]:
    with organization_scope(membership.organization):
        _feed, token = services.calendar_feed_create(membership=membership)
    response = client.get(reverse("calendar_feed", args=[token]))
    assert response.status_code == 200
    return {str(event["UID"]) for event in Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.mark.parametrize("role", ROLES, ids=list(ROLES))
def test_a_feed_holds_only_ones_own_and_ones_reports_checkpoints(db, login, role):
    company = Company()
    whose, expected = ROLES[role]
    names = {f"checkpoint-{checkpoint.pk}@localhost": name for name, checkpoint in company.checkpoints.items()}
    # Anything else (a draft tour's checkpoint, another organization's, a stranger's) shows as its bare UID.
    shown = {names.get(uid, uid) for uid in _feed_uids(login(None), company.people[whose])}
    assert shown == expected
