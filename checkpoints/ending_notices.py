"""The notice the end of a tour owes (alliance.notices): a proposal to end it waits for the other side.

`tour-ending-proposed` goes to the side that answers (the employee when the manager proposed, the employee's
manager when the employee did), once per proposal, by e-mail and in-app; it has nothing left to say once the
proposal was answered, withdrawn or superseded. `tour-ending-declined` tells the proposer that the other side
declined, with their reason.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliance import notices
from checkpoints.models import EndingSide, EndingStatus, TourEnding

PROPOSED = "tour-ending-proposed"
DECLINED = "tour-ending-declined"


def answering_member_id(ending: TourEnding) -> int | None:
    """The membership the proposal `ending` waits for: the employee for a manager's proposal, the employee's
    current manager for the employee's (None when they have none)."""
    employee = ending.tour.employee
    if ending.proposed_side == EndingSide.MANAGER:
        return employee.pk
    return employee.manager_id


def notify_proposed(ending: TourEnding) -> None:
    """Tell the other side that `ending` waits for their answer (sent after commit; once per proposal)."""
    recipient = answering_member_id(ending)
    if recipient is None:
        return
    notices.enqueue(
        [
            notices.Due(
                organization_id=ending.organization_id,
                kind=PROPOSED,
                obj=ending,
                recipient_id=recipient,
                # Stored once and shown in the reader's language: the tour's title only (the kind's label,
                # translated when shown, says what it is).
                label=ending.tour.title,
                url=reverse("agreements:tour", args=[ending.tour.organization.slug, ending.tour_id]),
            )
        ]
    )


def proposing_member_id(ending: TourEnding) -> int | None:
    """The membership that holds the side which made the proposal `ending` now: the employee, or the employee's
    current manager (who may have replaced the proposer since: the side answers, not the person)."""
    employee = ending.tour.employee
    if ending.proposed_side == EndingSide.MANAGER:
        return employee.manager_id
    return employee.pk


def notify_declined(ending: TourEnding) -> None:
    """Tell the side that proposed `ending` (whoever holds it now: proposing_member_id) that the other side
    declined it, with the reason (sent after commit; once). A former manager is no longer told anything."""
    recipient = proposing_member_id(ending)
    if recipient is None:
        return
    notices.enqueue(
        [
            notices.Due(
                organization_id=ending.organization_id,
                kind=DECLINED,
                obj=ending,
                recipient_id=recipient,
                label=ending.tour.title,
                url=reverse("agreements:tour", args=[ending.tour.organization.slug, ending.tour_id]),
            )
        ]
    )


def _context(notice) -> dict:
    ending = (
        TourEnding.objects.select_related("tour__employee__user", "proposed_by__user", "declined_by__user")
        .filter(pk=notice.object_id, organization_id=notice.organization_id)
        .get()
    )
    return {
        "ending": ending,
        "tour": ending.tour,
        "proposer": ending.proposed_by.user if ending.proposed_by else None,
        "decliner": ending.declined_by.user if ending.declined_by else None,
        "url": settings.SITE_URL.rstrip("/") + notice.url,
    }


def _ending_of(notice) -> TourEnding | None:
    return (
        TourEnding.objects.select_related("tour__employee")
        .filter(pk=notice.object_id, organization_id=notice.organization_id)
        .first()
    )


def _holds_side(notice, ending: TourEnding, side: str) -> bool:
    """Whether the notice's recipient still holds `side` of the ending's tour (a manager changed, a person
    left, a manager demoted: the notice, queued or retried, has nothing to say to them any more)."""
    from checkpoints import access

    return access.side_of_tour(notice.recipient, ending.tour) == side


def _still_open(notice) -> bool:
    """A proposal's notice applies while the proposal is open and its recipient still answers it."""
    ending = _ending_of(notice)
    if ending is None or ending.status != EndingStatus.PROPOSED:
        return False
    answering = EndingSide.EMPLOYEE if ending.proposed_side == EndingSide.MANAGER else EndingSide.MANAGER
    return _holds_side(notice, ending, answering)


def _still_proposer(notice) -> bool:
    """A decline's notice applies while its recipient still holds the side that proposed."""
    ending = _ending_of(notice)
    return ending is not None and _holds_side(notice, ending, ending.proposed_side)


def register() -> None:
    """Register the kind with the core notices; called once by CheckpointsConfig.ready()."""
    notices.register_kind(
        PROPOSED,
        label=_("A proposal to end a tour of duty waits for your answer"),
        context=_context,
        relevant=_still_open,
    )
    notices.register_kind(
        DECLINED,
        label=_("Your proposal to end a tour of duty was declined"),
        context=_context,
        relevant=_still_proposer,
    )
