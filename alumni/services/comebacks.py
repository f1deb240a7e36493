"""Comeback hires: when an alumnus's membership becomes active again, record the return (alumni.models.Comeback)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from alliance.audit import audit_log
from alliance.models import Membership
from alumni.models import Comeback, Departure, DepartureStatus

AUDIT_ACTIONS = {
    "alumni.comeback": _("Alumnus came back (comeback hire)"),
}


@transaction.atomic
def comeback_record(*, membership: Membership, left_on, returned_on) -> Comeback:
    """Record that `membership` (active again) came back on `returned_on` after leaving on `left_on` (a date or
    None); linked to their latest completed departure. Called from alliance.signals.member_returned, inside the
    invitation's transaction. Idempotent for one (membership, returned_on)."""
    existing = Comeback.objects.filter(membership=membership, came_back_on=returned_on).first()
    if existing is not None:
        return existing
    departure = (
        Departure.objects.for_organization(membership.organization_id)
        .filter(membership=membership, status=DepartureStatus.COMPLETED)
        .order_by("-last_day", "-id")
        .first()
    )
    comeback = Comeback.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        departure=departure,
        left_on=left_on or (departure.last_day if departure else None),
        came_back_on=returned_on,
    )
    audit_log(
        "alumni.comeback",
        obj=comeback,
        actor=membership,
        subject=membership,
        changes={"came_back_on": [None, returned_on.isoformat()]},
    )
    return comeback


def on_member_returned(sender, *, membership, left_on, returned_on, **kwargs):
    """Receiver of alliance.signals.member_returned."""
    comeback_record(membership=membership, left_on=left_on, returned_on=returned_on)
