"""Leaving well on the home page (alliance.dashboard.DASHBOARD_CARDS): a card while a departure is planned, for
the person, their manager and HR. Registered by AlumniConfig.ready()."""

from __future__ import annotations

from django.utils import timezone

from alliance.permissions import VIEW_OWN_RECORDS, membership_has
from alumni.selectors import departures as selectors


def departure_card(*, request, membership):
    """The planned departures the member follows (selectors.dashboard_card), or None."""
    if not membership_has(membership, VIEW_OWN_RECORDS):
        return None
    card = selectors.dashboard_card(membership=membership, today=timezone.localdate())
    if card is None:
        return None
    return {"template": card.template, "own": card.own, "others": card.others, "total": card.total}


def alliance_section(*, membership, member, tour=None, **kwargs):
    """The "alliance" page slot (alliance.sections): the member's planned departure (for whoever may see it), or a
    link to start one (on one's own page; a manager's or HR's on a page of someone they may start it for)."""
    from alliance.sections import Section

    if not member.is_active or not membership_has(membership, VIEW_OWN_RECORDS):
        return None
    planned = selectors.planned_departure_of(member)
    if planned is not None:
        if not selectors.can_see(membership, planned):
            return None
    elif not selectors.startable_members(actor=membership).filter(pk=member.pk).exists():
        return None
    return Section(
        template="alumni/departures/_alliance_section.html",
        context={"planned_departure": planned, "own_page": membership.pk == member.pk},
    )
