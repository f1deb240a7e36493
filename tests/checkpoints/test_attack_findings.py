"""Holes found by attacking issue 9 (checkpoints: the meeting, reminders, calendars, amendments, the end of a tour,
the KPI picture and the timeline) as a tester would; each test is a kind of fault, as a table of the places or
inputs where it could appear."""

import pytest
from django.core import mail

from agreements.models import Tour, TourStatus
from alliance import notices
from alliance.models import Membership, Notice
from checkpoints import ending_notices, services
from checkpoints.models import EndingKind

REASON = "社内公募で別チームへの異動が決まったため"
DECLINE_WHY = "秘密の理由: 新しいマネージャーとだけ話したい"


@pytest.fixture
def tour(employee):
    """The demo employee's active, signed tour (its checkpoints scheduled by the signature)."""
    return Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)


def _change_manager(employee, new_manager):
    Membership.objects.filter(pk=employee.pk).update(manager=new_manager)
    employee.refresh_from_db()


# --- notices about a proposal to end a tour reach whoever holds the side now -------------------------------------


def test_a_decline_is_told_to_the_side_that_proposed_not_to_a_former_manager(
    tour, employee, manager, other_manager, django_capture_on_commit_callbacks
):
    """The manager proposes, then the employee moves to another manager (who now holds the manager side and may
    withdraw), and the employee declines: the reason went to the former manager, who is no longer a party."""
    ending = services.tour_ending_propose(tour=tour, actor=manager, kind=EndingKind.ENDED_EARLY, reason=REASON)
    _change_manager(employee, other_manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.tour_ending_decline(ending=ending, actor=employee, reason=DECLINE_WHY)
    told = set(Notice.objects.filter(kind=ending_notices.DECLINED).values_list("recipient_id", flat=True))
    assert told == {other_manager.pk}
    assert not [m for m in mail.outbox if manager.user.email in m.to]
    assert not any(DECLINE_WHY in m.body for m in mail.outbox if other_manager.user.email not in m.to)


@pytest.mark.parametrize("proposer", ["employee", "manager"])
def test_a_queued_proposal_notice_is_not_sent_to_someone_no_longer_the_answering_side(
    tour, employee, manager, other_manager, proposer, django_capture_on_commit_callbacks
):
    """The notice is queued when the proposal is made and sent by a worker (retried for hours when the mail
    server is down): by then the employee may have a new manager."""
    actor = employee if proposer == "employee" else manager
    with django_capture_on_commit_callbacks(execute=False):
        ending = services.tour_ending_propose(tour=tour, actor=actor, kind=EndingKind.ENDED_EARLY, reason=REASON)
    notice = Notice.objects.get(kind=ending_notices.PROPOSED, object_id=ending.pk)
    _change_manager(employee, other_manager)
    mail.outbox.clear()
    notices.deliver(notice.pk, organization_id=notice.organization_id)
    notice.refresh_from_db()
    if proposer == "employee":  # it waited on the former manager
        assert notice.state == "skipped" and not mail.outbox
    else:  # the employee still answers
        assert notice.state == "sent"
