"""The home dashboard's card for STEP 1-3: the member's own stage and next action; reports' stages for managers."""

from agreements import access, selectors
from alliance.models import MembershipStatus


def alliance_card(*, request, membership):
    if membership.status != MembershipStatus.ACTIVE:
        return None
    card = {
        "template": "agreements/cards/alliance.html",
        "state": selectors.person_alliance(viewer=membership, member=membership),
    }
    if membership.reports.exists() or access.is_hr(membership):
        card["team_url_visible"] = True
    return card
