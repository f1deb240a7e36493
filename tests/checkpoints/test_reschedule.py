"""A new period (a signed amendment) or a new checkpoint interval (HR's settings) moves the unheld future
checkpoints of a tour, and only those: held, confirmed, cancelled and past ones never change."""

from datetime import date

import pytest
from django.urls import reverse

from agreements.models import Tour
from alliance.models import AuditEntry, Organization
from alliance.signals import checkpoint_interval_changed
from checkpoints import services
from checkpoints.models import Checkpoint, CheckpointStatus
from tests.agreements.conftest import KPI

R, C = "regular", "closing"
S, H, X = "scheduled", "held", "cancelled"


@pytest.fixture
def tour(make_tour, draft_version, signed_version):
    """An active tour from 1 May 2031 to 30 April 2032 whose signature scheduled, every 3 months:
    #1 31 Jul, #2 31 Oct, #3 31 Jan 2032, and the closing review #4 on 30 Apr 2032."""
    tour = make_tour(start_date=date(2031, 5, 1), end_date=date(2032, 4, 30))
    signed_version(draft_version(tour=tour, kpis=[{**KPI, "due_date": date(2031, 12, 31)}]))
    tour.refresh_from_db()
    assert _rows(tour) == [
        (1, date(2031, 7, 31), R, S, 0),
        (2, date(2031, 10, 31), R, S, 0),
        (3, date(2032, 1, 31), R, S, 0),
        (4, date(2032, 4, 30), C, S, 0),
    ]
    return tour


def _rows(tour):
    return list(
        Checkpoint.objects.filter(tour=tour)
        .order_by("sequence")
        .values_list("sequence", "due_date", "kind", "status", "revision")
    )


def _set_end(tour, end):
    Tour.objects.filter(pk=tour.pk).update(end_date=end)


def _set_interval(tour, months):
    Organization.objects.filter(pk=tour.organization_id).update(checkpoint_interval_months=months)


def _hold(tour, sequence):
    Checkpoint.objects.filter(tour=tour, sequence=sequence).update(
        status=CheckpointStatus.HELD, held_on=date(2031, 8, 1)
    )


CASES = {
    # today 15 Aug 2031: #1 (31 Jul) is past, whatever it says.
    "longer period (18 months)": (
        date(2031, 8, 15),
        lambda t: _set_end(t, date(2032, 10, 31)),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 10, 31), R, S, 0),
            (3, date(2032, 1, 31), R, S, 0),
            # New dates come before the closing review, which stays the last one (numbers follow the dates).
            (4, date(2032, 4, 30), R, S, 0),
            (5, date(2032, 7, 31), R, S, 0),
            (6, date(2032, 10, 31), C, S, 1),
        ],
    ),
    "shorter period (8 months)": (
        date(2031, 8, 15),
        lambda t: _set_end(t, date(2031, 12, 31)),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 10, 31), R, S, 0),
            (3, date(2032, 1, 31), R, X, 0),
            (4, date(2031, 12, 31), C, S, 1),
        ],
    ),
    "interval 3 → 1": (
        date(2031, 8, 15),
        lambda t: _set_interval(t, 1),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 8, 31), R, S, 0),
            (3, date(2031, 9, 30), R, S, 0),
            (4, date(2031, 10, 31), R, S, 0),
            (5, date(2031, 11, 30), R, S, 0),
            (6, date(2031, 12, 31), R, S, 0),
            (7, date(2032, 1, 31), R, S, 0),
            (8, date(2032, 2, 29), R, S, 0),
            (9, date(2032, 3, 31), R, S, 0),
            (10, date(2032, 4, 30), C, S, 0),
        ],
    ),
    "interval 3 → 6": (
        date(2031, 8, 15),
        lambda t: _set_interval(t, 6),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 10, 31), R, S, 0),
            (3, date(2032, 1, 31), R, X, 0),
            (4, date(2032, 4, 30), C, S, 0),
        ],
    ),
    "interval 3 → 4 moves the unheld ones": (
        date(2031, 8, 15),
        lambda t: _set_interval(t, 4),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 8, 31), R, S, 1),
            (3, date(2031, 12, 31), R, S, 1),
            (4, date(2032, 4, 30), C, S, 0),
        ],
    ),
    "a checkpoint already held never moves": (
        date(2031, 8, 15),
        lambda t: (_hold(t, 2), _set_interval(t, 4)),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 10, 31), R, H, 0),
            (3, date(2031, 8, 31), R, S, 1),
            (4, date(2031, 12, 31), R, S, 0),
            (5, date(2032, 4, 30), C, S, 0),
        ],
    ),
    "today exactly on a due date: that one is due now and stays": (
        date(2031, 10, 31),
        lambda t: _set_interval(t, 4),
        [
            (1, date(2031, 7, 31), R, S, 0),
            (2, date(2031, 10, 31), R, S, 0),
            (3, date(2031, 12, 31), R, S, 1),
            (4, date(2032, 4, 30), C, S, 0),
        ],
    ),
    "nothing changed": (date(2031, 8, 15), lambda t: None, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_reschedule_moves_only_unheld_future_checkpoints(tour, case):
    today, change, expected = CASES[case]
    before = _rows(tour)
    change(tour)
    audits = AuditEntry.objects.filter(action="checkpoint.reschedule").count()
    result = services.checkpoints_reschedule(tour=tour, today=today)
    assert _rows(tour) == (expected or before)
    assert result.changed == (expected is not None)
    assert AuditEntry.objects.filter(action="checkpoint.reschedule").count() == audits + (expected is not None)
    # Idempotent: a second run (a re-sent signal, a second worker) finds nothing to do and writes nothing.
    again = services.checkpoints_reschedule(tour=tour, today=today)
    assert not again.changed and _rows(tour) == (expected or before)
    assert AuditEntry.objects.filter(action="checkpoint.reschedule").count() == audits + (expected is not None)


@pytest.mark.parametrize("case", [case for case in CASES if CASES[case][2] is not None])
def test_the_open_checkpoints_read_in_date_order_with_the_closing_review_last(tour, case):
    """Found trying the demo: an amendment that lengthened the period listed "checkpoint 5" (a new date) after
    the closing review "checkpoint 4" on the tour page, the timeline and in calendars. The checkpoints still to
    hold are numbered in date order, the closing review last; held and past ones keep their numbers."""
    today, change, _expected = CASES[case]
    change(tour)
    services.checkpoints_reschedule(tour=tour, today=today)
    open_rows = [row for row in _rows(tour) if row[3] == S and row[1] > today]
    assert [row[1] for row in open_rows if row[2] == R] == sorted(row[1] for row in open_rows if row[2] == R)
    assert open_rows[-1][2] == C


def test_a_cancelled_checkpoint_is_kept_with_its_reason_and_never_revived(tour):
    _set_end(tour, date(2031, 12, 31))
    services.checkpoints_reschedule(tour=tour, today=date(2031, 8, 15), reason="期間短縮のため")
    cancelled = Checkpoint.objects.get(tour=tour, sequence=3)
    assert cancelled.status == X and cancelled.cancellation.reason == "期間短縮のため"
    assert cancelled.cancellation.cancelled_by is None and cancelled.cancellation.cancelled_at
    _set_end(tour, date(2032, 4, 30))
    services.checkpoints_reschedule(tour=tour, today=date(2031, 8, 15))
    assert Checkpoint.objects.get(tour=tour, sequence=3).status == X
    # The new checkpoint on 31 Jan takes the number before the closing review's, which stays last.
    assert _rows(tour)[3:] == [(4, date(2032, 1, 31), R, S, 0), (5, date(2032, 4, 30), C, S, 2)]


def test_the_interval_signal_moves_only_the_organizations_own_tours(tour, acme, globex):
    globex_before = list(
        Checkpoint.objects.filter(organization=globex).order_by("pk").values_list("due_date", "status", "revision")
    )
    _set_interval(tour, 6)
    acme.refresh_from_db()
    checkpoint_interval_changed.send(sender=Organization, organization=acme, before=3, after=6)
    assert Checkpoint.objects.get(tour=tour, sequence=3).status == X
    assert globex_before == list(
        Checkpoint.objects.filter(organization=globex).order_by("pk").values_list("due_date", "status", "revision")
    )


def test_hr_changing_the_interval_in_the_settings_reschedules_and_an_unchanged_one_does_not(tour, acme, hr, login):
    from tests.alliance.test_members import _settings_post

    client = login(hr)
    data, _n = _settings_post(acme)
    assert client.post(reverse("organization_settings", args=["acme"]), data).status_code == 302
    assert not AuditEntry.objects.filter(action="checkpoint.reschedule").exists()
    data, _n = _settings_post(acme, checkpoint_interval_months="6")
    assert client.post(reverse("organization_settings", args=["acme"]), data).status_code == 302
    # The tour lies in the future (2031), so all its checkpoints are unheld and future: every 6 months leaves
    # one date before the closing review, 31 Oct, which #2 keeps; #1 and #3 have none left.
    assert _rows(tour) == [
        (1, date(2031, 7, 31), R, X, 0),
        (2, date(2031, 10, 31), R, S, 0),
        (3, date(2032, 1, 31), R, X, 0),
        (4, date(2032, 4, 30), C, S, 0),
    ]


def test_after_a_longer_period_the_tour_goes_in_date_order_not_by_number(tour):
    """A longer period moves the closing review to the new last day and adds two checkpoints before it: the open
    ones are numbered again in date order (the closing review last), and the next checkpoint to hold, the tour
    page's order and the actions carried over all follow the dates."""
    from checkpoints import rules, selectors
    from checkpoints.models import NextAction

    _set_end(tour, date(2032, 10, 31))
    services.checkpoints_reschedule(tour=tour, today=date(2031, 8, 15))
    for sequence in (1, 2, 3):
        _hold(tour, sequence)
    listed = list(selectors.tour_checkpoints(tour))
    assert [c.sequence for c in listed] == [1, 2, 3, 4, 5, 6]
    assert [c.due_date for c in listed] == sorted(c.due_date for c in listed)
    assert listed[-1].kind == "closing" and listed[-1].due_date == date(2032, 10, 31)
    assert selectors.next_to_hold(tour).sequence == 4
    fifth = Checkpoint.objects.get(tour=tour, sequence=5)
    closing = Checkpoint.objects.get(tour=tour, kind="closing")
    Checkpoint.objects.filter(pk=fifth.pk).update(status=CheckpointStatus.HELD, held_on=fifth.due_date)
    action = NextAction.objects.create(
        organization_id=tour.organization_id,
        checkpoint=fifth,
        text="引き継ぎ資料を作る",
        owner="employee",
        due_on=fifth.due_date,
        added_by=tour.employee,
    )
    # Agreed at #5, it is carried over to the closing review (the last by date) and closed there, never back.
    assert action in selectors.meeting(closing).carried
    assert rules.mark_done_conflict(action, closing) is None
    assert action not in selectors.meeting(Checkpoint.objects.get(tour=tour, sequence=3)).carried
