"""The home dashboard's card for STEP 1-3: the member's own stage and next action; reports' stages for managers."""

from django.urls import reverse

from agreements import selectors
from agreements.capabilities import READ_ALL_RECORDS
from alliance.models import MembershipStatus
from alliance.permissions import membership_has


def alliance_card(*, request, membership):
    """The home page's STEP 1-3 card for an active member (None otherwise): their stage and next action, and a
    link to the team page for whoever has reports or reads every record."""
    if membership.status != MembershipStatus.ACTIVE:
        return None
    card = {
        "template": "agreements/cards/alliance.html",
        "state": selectors.person_alliance(viewer=membership, member=membership),
    }
    if membership.reports.exists() or membership_has(membership, READ_ALL_RECORDS):
        card["team_url_visible"] = True
    return card


def waiting_section(*, membership):
    """What waits on the member in STEP 1-3 (agreements.selectors.waiting_for), or None when nothing does."""
    waiting = selectors.waiting_for(membership=membership)
    if not waiting:
        return None
    slug = membership.organization.slug
    for item in [*waiting.mine, *waiting.reports, *waiting.hr]:
        item.url = reverse(item.url_name, args=[slug, *item.url_args])
    return {"template": "agreements/cards/waiting.html", "waiting": waiting}
