"""The last day (alumni.notices_departures on the core scan, `send_reminders --now`): a planned departure whose last
day has come turns the membership into alumni, ends the person's tours with the departure's kind and reason,
moves their reports, and invites them once, at their personal address, to the alumni community."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Tour, TourStatus
from alliance.models import AuditEntry, ManagerChange, Membership, Notice
from alumni import notices_departures
from alumni.models import Departure
from alumni.services import departures as services
from checkpoints.models import EndingKind, TourEnding


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def last_day():
    # A week ahead: the demo's departure in progress (three weeks ahead) is not due at any instant used here.
    return timezone.localdate() + timedelta(days=7)


def at(day, hour=9):
    """An instant on `day` at `hour` o'clock in the site's time zone (Asia/Tokyo)."""
    return datetime.combine(day, time(hour), timezone.get_current_timezone())


def scan(now):
    out = StringIO()
    call_command("send_reminders", "--now", now.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def leaving(employee, last_day, django_capture_on_commit_callbacks):
    """The demo employee (an active tour, no reports) leaving on `last_day`, tour completed, with a personal
    address."""

    def make(**extra):
        data = {
            "last_day": last_day,
            "kind": "startup",
            "tour_completed": True,
            "personal_email": "ichiro.private@example.com",
            **extra,
        }
        with django_capture_on_commit_callbacks(execute=True):
            departure = services.departure_start(actor=employee, membership=employee, data=data)
        mail.outbox.clear()
        return departure

    return make


def invites(departure):
    return Notice.objects.filter(kind=notices_departures.INVITE, object_id=departure.pk)


WHEN = [
    # (instant relative to the last day, converts)
    (-1, False),
    (0, True),
    (1, True),
]


@pytest.mark.parametrize("offset, converts", WHEN)
def test_the_membership_becomes_alumni_on_the_last_day_not_before(leaving, employee, last_day, offset, converts):
    departure = leaving()
    scan(at(last_day + timedelta(days=offset)))
    employee.refresh_from_db()
    departure.refresh_from_db()
    if not converts:
        assert (employee.status, departure.status) == ("active", "planned")
        assert not invites(departure).exists()
        return
    assert (employee.status, employee.left_on) == ("alumni", last_day)
    assert departure.status == "completed" and departure.completed_at is not None
    assert invites(departure).count() == 1 and departure.community_invited_at is not None


def test_a_second_scan_changes_nothing_and_the_invitation_leaves_once_to_the_personal_address(
    leaving, employee, last_day
):
    departure = leaving()
    first = scan(at(last_day))
    sent = [m for m in mail.outbox if m.to == ["ichiro.private@example.com"]]
    assert len(sent) == 1, first
    assert not [m for m in mail.outbox if m.to == [employee.user.email] and "/acme/alumni/" in m.body]
    assert reverse("alumni:home", args=["acme"]) in sent[0].body or "/acme/alumni/" in sent[0].body
    audit_rows = AuditEntry.objects.count()
    changes = ManagerChange.objects.count()
    second = scan(at(last_day + timedelta(days=1)))
    assert [m for m in mail.outbox if m.to == ["ichiro.private@example.com"]] == sent, second
    assert invites(departure).count() == 1
    assert AuditEntry.objects.count() == audit_rows and ManagerChange.objects.count() == changes
    assert AuditEntry.objects.filter(action="departure.complete", object_id=str(departure.pk)).count() == 1


@pytest.mark.parametrize("completed, kind", [(True, EndingKind.COMPLETED), (False, EndingKind.ENDED_EARLY)])
def test_the_active_tour_ends_with_the_departures_kind_and_a_reason_naming_it(
    leaving, employee, last_day, completed, kind
):
    tour = Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)
    leaving(tour_completed=completed)
    scan(at(last_day))
    tour.refresh_from_db()
    ending = TourEnding.objects.get(tour=tour, status="confirmed")
    assert ending.kind == kind
    assert tour.status == (TourStatus.COMPLETED if completed else TourStatus.ENDED_EARLY)
    assert last_day.isoformat() in ending.reason, "the reason names the departure, not the generic one"


def test_the_reports_move_to_the_manager_hr_named(hr, manager, last_day, django_capture_on_commit_callbacks):
    reports = set(Membership.objects.filter(manager=manager).values_list("pk", flat=True))
    assert reports, "the demo manager has reports"
    with django_capture_on_commit_callbacks(execute=True):
        services.departure_start(
            actor=hr, membership=manager, data={"last_day": last_day, "kind": "other"}, reports_to=hr
        )
    scan(at(last_day))
    assert not Membership.objects.filter(manager=manager).exists()
    assert set(Membership.objects.filter(pk__in=reports, manager=hr).values_list("pk", flat=True)) == reports
    moved = ManagerChange.objects.filter(membership__in=reports, previous_manager=manager, new_manager=hr)
    assert moved.count() == len(reports)
    assert set(moved.values_list("reason", flat=True)) == {"status_changed"}


def test_nothing_of_the_record_is_deleted(leaving, employee, last_day):
    counts = lambda: (  # noqa: E731
        Tour.objects.filter(employee=employee).count(),
        AuditEntry.objects.filter(subject_id=employee.pk).count(),
        Departure.objects.count(),
    )
    tours, audit, departures = counts()
    leaving()
    scan(at(last_day))
    after = counts()
    assert after[0] == tours and after[1] > audit and after[2] == departures + 1
    assert Membership.objects.filter(pk=employee.pk).exists()


def test_a_cancelled_departure_never_converts(leaving, employee, last_day):
    departure = leaving()
    services.departure_cancel(actor=employee, departure=departure, reason="残ります")
    scan(at(last_day + timedelta(days=1)))
    employee.refresh_from_db()
    assert employee.status == "active"
    assert not invites(departure).exists()


def test_an_alumnus_is_mailed_at_the_personal_address_of_their_latest_departure(alumni, employee):
    from alliance.notices import address_of

    latest = Departure.objects.filter(membership=alumni, status="completed").order_by("-last_day").first()
    assert address_of(alumni) == latest.personal_email
    assert address_of(employee) == employee.user.email, "an active member keeps the login's address"
    Departure.objects.filter(pk=latest.pk).update(personal_email="")
    assert address_of(alumni) == alumni.user.email


def test_the_invitation_at_the_personal_address_says_which_login_to_sign_in_with(leaving, employee, last_day):
    # Found walking the flow as a new user: the mail arrives at the personal address and said "you keep your
    # login" without naming it; the sign-in is the work address, which the person may not connect with it.
    leaving()
    scan(at(last_day))
    (invitation,) = [m for m in mail.outbox if m.to == ["ichiro.private@example.com"]]
    assert employee.user.email in invitation.body
    assert employee.user.email in invitation.alternatives[0][0]
