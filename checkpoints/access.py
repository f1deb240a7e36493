"""Who may see and write which checkpoint. Views reach checkpoints only through these helpers.

A checkpoint is visible to whoever may see its tour (agreements.access.visible_tours, decided on the row by
tour_is_visible: the employee, their current manager, and HR through `agreements.read_all_records`); anything
else is a 404, so a URL never confirms that another person's checkpoint exists. It is written by the parties
only: the employee and their current manager.
"""

from __future__ import annotations

from django.http import Http404

from agreements import access as agreement_access
from alliance.models import Membership, MembershipStatus
from alliance.permissions import membership_has
from checkpoints.capabilities import CANCEL_ANY_CHECKPOINT, END_TOURS
from checkpoints.models import Checkpoint, MeetingSide, TourEnding

# The two sides of a tour, the same values as MeetingSide and EndingSide store.
EMPLOYEE, MANAGER = MeetingSide.EMPLOYEE, MeetingSide.MANAGER


def access_checkpoint(*, membership: Membership, pk: int) -> Checkpoint:
    """The checkpoint `pk` of `membership`'s organization, if its tour is visible to them
    (agreements.access.tour_is_visible); Http404 otherwise. One pk lookup; a kept checkpoint page runs
    `check_checkpoint` instead."""
    checkpoint = agreement_access.one_row(
        Checkpoint.objects.for_organization(membership.organization_id)
        .select_related("tour__employee__user", "tour__employee__manager__user", "manager_confirmed_by__user")
        .filter(pk=pk)
    )
    if checkpoint is None or not agreement_access.tour_is_visible(membership, checkpoint.tour):
        raise Http404
    return checkpoint


def check_checkpoint(*, membership: Membership, pk: int) -> int:
    """Raise Http404 exactly where `access_checkpoint` would, in one query of three columns: the check run
    before a kept checkpoint page is served (alliance.tenancy.url_object's `check`). Returns the tour's employee
    (a membership pk), whose record the page shows."""
    return agreement_access.check_tour_of(Checkpoint, membership=membership, pk=pk, tour="tour")


def side_of(membership: Membership, checkpoint: Checkpoint) -> str | None:
    """The side `membership` writes on: EMPLOYEE (the tour's employee), MANAGER (their manager now, see
    agreements.access.is_manager_of), or None for anyone else (HR reads only) and for a membership that is no
    longer active. The side of the checkpoint's tour (side_of_tour): one rule for the meeting and the end."""
    return side_of_tour(membership, checkpoint.tour)


# --- the end of a tour and what followed (checkpoints.services.endings) --------------------------------------


def side_of_tour(membership: Membership, tour) -> str | None:
    """The side `membership` holds on `tour`: EMPLOYEE (its employee), MANAGER (their manager now, see
    agreements.access.is_manager_of), or None (HR and anyone else are not a side)."""
    if membership.status != MembershipStatus.ACTIVE or membership.organization_id != tour.organization_id:
        return None
    if tour.employee_id == membership.pk:
        return EMPLOYEE
    if agreement_access.is_manager_of(membership, tour.employee):
        return MANAGER
    return None


def other_side(side: str) -> str:
    """The side that answers a proposal made by `side` (EMPLOYEE or MANAGER)."""
    return MANAGER if side == EMPLOYEE else EMPLOYEE


def can_end_directly(membership: Membership, tour) -> bool:
    """HR (`checkpoints.end_tours`) ends a tour early without the sides, when the person leaves; never their own
    tour (that one ends as anyone's does, by both sides), and never another organization's."""
    return (
        membership_has(membership, END_TOURS)
        and membership.organization_id == tour.organization_id
        and tour.employee_id != membership.pk
    )


def can_record_outcome(membership: Membership, tour) -> bool:
    """What followed a tour is recorded by either side or by HR (`checkpoints.end_tours`)."""
    return side_of_tour(membership, tour) is not None or can_end_directly(membership, tour)


def access_ending(*, membership: Membership, pk: int) -> TourEnding:
    """The tour ending `pk` of `membership`'s organization, when its tour is visible to them
    (agreements.access.tour_is_visible), with its tour's people loaded; Http404 otherwise."""
    ending = agreement_access.one_row(
        TourEnding.objects.for_organization(membership.organization_id)
        .select_related("tour__employee__user", "tour__employee__manager__user", "proposed_by__user")
        .filter(pk=pk)
    )
    if ending is None or not agreement_access.tour_is_visible(membership, ending.tour):
        raise Http404
    return ending


def can_cancel_checkpoint(membership: Membership, checkpoint: Checkpoint) -> bool:
    """Whether `membership` may cancel `checkpoint`: the tour's manager (side_of) or whoever holds
    CANCEL_ANY_CHECKPOINT (HR), never on their own tour. The employee may not: they ask their manager (HR on
    their own tour is that employee, as `can_end_directly` says for ending one)."""
    side = side_of(membership, checkpoint)
    if side == MANAGER:
        return True
    return side != EMPLOYEE and membership_has(membership, CANCEL_ANY_CHECKPOINT)
