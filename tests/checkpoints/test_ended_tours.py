"""What the parts of issue 9 owe a tour once it has ended (review of the merged parts): no amendment from any
page, no new checkpoints from a late signature or an interval change, and its end and what followed on the
career timeline."""

from datetime import timedelta

import pytest
from django.urls import reverse

from agreements import services as agreement_services
from agreements.models import Tour, TourStatus
from alliance.conflicts import StateConflict
from checkpoints import services
from checkpoints.models import Checkpoint, CheckpointStatus, EndingKind, OutcomeKind

REASON = "社内公募で別チームへの異動が決まったため"


@pytest.fixture
def tour(employee):
    return Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)


def _end(how, tour, employee, manager, hr):
    if how == "both sides":
        proposal = services.tour_ending_propose(tour=tour, actor=employee, kind=EndingKind.ENDED_EARLY, reason=REASON)
        services.tour_ending_confirm(ending=proposal, actor=manager)
    else:
        services.tour_end_by_hr(tour=tour, actor=hr, reason=REASON, person_leaving=True)
    return Tour.objects.get(pk=tour.pk)


ENDS = ["both sides", "hr"]


@pytest.mark.parametrize("how", ENDS)
def test_an_ended_tours_agreement_is_not_offered_an_amendment_anywhere(login, tour, employee, manager, hr, how):
    agreement = tour.agreement
    version_url = reverse("agreements:version", args=["acme", agreement.pk, agreement.versions.count()])
    amend_url = reverse("agreements:amend", args=["acme", agreement.pk])
    assert amend_url in login(manager).get(version_url).content.decode()  # offered while the tour runs
    ended = _end(how, tour, employee, manager, hr)
    for party in (employee, manager):
        client = login(party, language="en")
        assert amend_url not in client.get(version_url).content.decode()
        assert client.get(amend_url).status_code == 409
    with pytest.raises(StateConflict, match="can no longer be amended"):
        agreement_services.agreement_amend(agreement=ended.agreement, actor=manager)


@pytest.mark.parametrize("how", ENDS)
def test_a_schedule_change_after_the_end_gives_the_tour_no_new_checkpoints(tour, employee, manager, hr, how):
    ended = _end(how, tour, employee, manager, hr)
    before = list(Checkpoint.objects.filter(tour=ended).order_by("pk").values_list("pk", "status", "due_date"))
    assert CheckpointStatus.SCHEDULED not in {status for _pk, status, _due in before}
    # A longer period (an amendment signed late) and a shorter interval would both plan new dates.
    Tour.objects.filter(pk=ended.pk).update(end_date=ended.end_date + timedelta(days=365))
    ended.organization.checkpoint_interval_months = 1
    ended.organization.save(update_fields=["checkpoint_interval_months"])
    result = services.checkpoints_reschedule(tour=ended, today=ended.start_date)
    assert not result.changed
    assert list(Checkpoint.objects.filter(tour=ended).order_by("pk").values_list("pk", "status", "due_date")) == before


def test_the_timeline_shows_how_a_tour_ended_and_what_followed(login, tour, employee, manager, hr):
    ended = _end("both sides", tour, employee, manager, hr)
    services.tour_outcome_record(
        tour=ended, actor=manager, kind=OutcomeKind.MOVED_INSIDE, destination="データ基盤チーム"
    )
    page = login(employee, language="en").get(reverse("checkpoints:timeline", args=["acme", employee.pk]))
    html = page.content.decode()
    assert 'data-entry="tour_ending"' in html and "Tour of duty ended early" in html and REASON in html
    assert 'data-entry="tour_outcome"' in html and "データ基盤チーム" in html
    # Newest first within the tour: what followed, then the end, then the rest of the tour.
    assert html.index('data-entry="tour_outcome"') < html.index('data-entry="tour_ending"')
    assert html.index('data-entry="tour_ending"') < html.index('data-entry="version"')
    # HR reads the same ending (the person's tours are HR's to read).
    assert 'data-entry="tour_ending"' in login(hr).get(page.request["PATH_INFO"]).content.decode()


@pytest.mark.parametrize("status", ["active", "alumni"])
def test_the_meeting_and_the_end_of_a_tour_agree_on_who_is_a_side(tour, employee, status):
    """checkpoints.access.side_of (the meeting) and side_of_tour (the end) were two rules: a membership that
    left still wrote on a checkpoint as its employee while it could no longer propose the end of the tour."""
    from checkpoints import access

    employee.status = status
    checkpoint = Checkpoint.objects.filter(tour=tour).first()
    assert access.side_of(employee, checkpoint) == access.side_of_tour(employee, tour)
    assert (access.side_of(employee, checkpoint) is None) == (status == "alumni")


def test_an_amendment_waiting_when_the_tour_ended_is_never_signed(tour, employee, manager, hr):
    """An amendment that moves the end is waiting for signatures when HR ends the tour: signing it would move
    the ended tour's period (and, before the guard in checkpoints_reschedule, schedule new checkpoints)."""
    from tests.agreements.conftest import PASSWORD

    draft = agreement_services.agreement_amend(
        agreement=tour.agreement, actor=manager, end_date=tour.end_date + timedelta(days=90), reason="延長"
    )
    pending = agreement_services.agreement_request_signatures(version=draft, actor=manager)
    ended = _end("hr", tour, employee, manager, hr)
    with pytest.raises(StateConflict, match="can no longer be amended"):
        agreement_services.agreement_sign(
            version=pending, actor=employee, password=PASSWORD, content_hash=pending.content_hash
        )
    assert Tour.objects.get(pk=ended.pk).end_date == ended.end_date
    # Nor are its signers reminded to sign it, whenever the scan runs.
    from django.utils import timezone

    from agreements import notices as agreement_notices

    later = timezone.now() + timedelta(days=30)
    reminded = [due for batch in agreement_notices.reminders_due(now=later, batch_size=100) for due in batch]
    assert all(getattr(due.obj, "version_id", None) != pending.pk for due in reminded)
    # Withdrawing the request (tidying up) stays possible; sending it again does not.
    agreement_services.agreement_withdraw(version=pending, actor=manager)
    with pytest.raises(StateConflict, match="can no longer be amended"):
        agreement_services.agreement_request_signatures(version=pending, actor=manager)


@pytest.mark.parametrize("who", ["manager", "hr"])
def test_the_closing_review_is_not_cancelled_by_hand_so_the_tour_can_still_be_completed(login, tour, who, request):
    """Cancelling the closing review (meeting) left a tour that could never be completed (the end of a tour
    needs it recorded): it is refused, and the page offers no cancel link for it."""
    from checkpoints.models import CheckpointKind

    actor = request.getfixturevalue(who)
    closing = Checkpoint.objects.get(tour=tour, kind=CheckpointKind.CLOSING)
    with pytest.raises(StateConflict, match="closing review cannot be cancelled"):
        services.checkpoint_cancel(checkpoint=closing, actor=actor, reason="都合がつかない")
    assert Checkpoint.objects.get(pk=closing.pk).status == CheckpointStatus.SCHEDULED
    client = login(actor, language="en")
    assert client.get(reverse("checkpoints:cancel", args=["acme", closing.pk])).status_code == 409
    assert (
        "data-cancel-link"
        not in client.get(reverse("checkpoints:checkpoint", args=["acme", closing.pk])).content.decode()
    )
    # A regular one is still cancelled as before.
    regular = Checkpoint.objects.filter(tour=tour, kind="regular", status="scheduled").last()
    assert services.checkpoint_cancel(checkpoint=regular, actor=actor, reason="異動").status == "cancelled"
