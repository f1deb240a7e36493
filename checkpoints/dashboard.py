"""The checkpoints app on the home page: "waiting for you" (alliance.dashboard.WAITING_BUILDERS: checkpoints, and
proposals to end a tour) and, for HR, a card leading to the overdue list (alliance.dashboard.DASHBOARD_CARDS).
Registered by CheckpointsConfig.ready()."""

from __future__ import annotations

from django.utils import timezone

from alliance.permissions import membership_has
from checkpoints import selectors
from checkpoints.capabilities import VIEW_OVERDUE_CHECKPOINTS


def waiting_section(*, membership):
    """Checkpoints waiting on the member or their reports (selectors.waiting_checkpoints), or None."""
    items = selectors.waiting_checkpoints(membership=membership, today=timezone.localdate())
    if not items:
        return None
    return {
        "template": "checkpoints/cards/waiting.html",
        "mine": [item for item in items if item.own],
        "reports": [item for item in items if not item.own],
    }


def waiting_endings_section(*, membership):
    """The proposals to end a tour that wait for `membership`'s answer (selectors.endings_waiting_on), or None."""
    endings = selectors.endings_waiting_on(membership=membership)
    if not endings:
        return None
    return {"template": "checkpoints/cards/waiting_endings.html", "endings": endings}


def overdue_card(*, request, membership):
    """For whoever holds VIEW_OVERDUE_CHECKPOINTS (HR): how many checkpoints are overdue, with the list's link."""
    if not membership_has(membership, VIEW_OVERDUE_CHECKPOINTS):
        return None
    total = selectors.overdue_total(organization=membership.organization_id, today=timezone.localdate())
    return {"template": "checkpoints/cards/overdue.html", "total": total}
