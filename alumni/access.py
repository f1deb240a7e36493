"""Who may reach which part of the alumni community; every alumni view and selector decides through here."""

from __future__ import annotations

from alliance.models import Membership
from alliance.permissions import VIEW_DASHBOARD, membership_has
from alumni.capabilities import USE_COMMUNITY


def community_settings(organization):
    """The organization's CommunitySettings, created with the defaults on first use."""
    from alumni.models import CommunitySettings

    settings, _created = CommunitySettings.objects.get_or_create(organization=organization)
    return settings


def may_see_directory(membership: Membership | None) -> bool:
    """Alumni and HR always; a current employee or manager only when the organization's settings allow it."""
    if membership is None:
        return False
    if membership_has(membership, USE_COMMUNITY):
        return True
    return (
        membership_has(membership, VIEW_DASHBOARD)
        and community_settings(membership.organization).employees_see_directory
    )
