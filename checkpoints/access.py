"""Who may see and write which checkpoint. Views reach checkpoints only through these helpers.

A checkpoint is visible to whoever may see its tour (agreements.access.visible_tours: the employee, their current
manager, and HR through `agreements.read_all_records`); anything else is a 404, so a URL never confirms that
another person's checkpoint exists. It is written by the parties only: the employee and their current manager.
"""

from __future__ import annotations

from django.http import Http404

from agreements import access as agreement_access
from alliance.models import Membership
from alliance.permissions import membership_has
from checkpoints.capabilities import CANCEL_ANY_CHECKPOINT
from checkpoints.models import Checkpoint

EMPLOYEE, MANAGER = "employee", "manager"


def access_checkpoint(*, membership: Membership, pk: int) -> Checkpoint:
    """The checkpoint `pk` of `membership`'s organization, if its tour is visible to them; Http404 otherwise."""
    checkpoint = (
        Checkpoint.objects.for_organization(membership.organization_id)
        .filter(tour__in=agreement_access.visible_tours(membership=membership))
        .select_related("tour__employee__user", "tour__employee__manager__user", "manager_confirmed_by__user")
        .filter(pk=pk)
        .first()
    )
    if checkpoint is None:
        raise Http404
    return checkpoint


def side_of(membership: Membership, checkpoint: Checkpoint) -> str | None:
    """The side `membership` writes on: EMPLOYEE (the tour's employee), MANAGER (their manager now, see
    agreements.access.is_manager_of), or None for anyone else (HR reads only)."""
    employee = checkpoint.tour.employee
    if employee.pk == membership.pk:
        return EMPLOYEE
    if agreement_access.is_manager_of(membership, employee):
        return MANAGER
    return None


def can_cancel_checkpoint(membership: Membership, checkpoint: Checkpoint) -> bool:
    """Whether `membership` may cancel `checkpoint`: the tour's manager (side_of) or whoever holds
    CANCEL_ANY_CHECKPOINT (HR). The employee may not: they ask their manager."""
    return side_of(membership, checkpoint) == MANAGER or membership_has(membership, CANCEL_ANY_CHECKPOINT)
