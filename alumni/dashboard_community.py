"""The community's card on the home page (alliance.dashboard.DASHBOARD_CARDS): an alumnus who never joined the
community is invited to join (one who left it chose to: they are not asked again)."""

from __future__ import annotations

from alliance.permissions import membership_has
from alumni.capabilities import KEEP_ALUMNI_PROFILE
from alumni.selectors.community import profile_of


def join_card(*, request, membership):
    """For an alumnus without a profile: the "Join the alumni community" card; None for anyone else."""
    if not membership_has(membership, KEEP_ALUMNI_PROFILE) or profile_of(membership=membership) is not None:
        return None
    return {"template": "alumni/community/cards/join.html"}
