"""Writes of the community's profiles and settings: joining (or rejoining), editing a profile with its consents,
leaving the community, and HR's settings. Each is atomic and writes one audit row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.audit import REDACTED, audit_log, diff
from alliance.models import Membership
from alliance.permissions import membership_has
from alumni.access import community_settings
from alumni.capabilities import KEEP_ALUMNI_PROFILE
from alumni.models import AlumniProfile, CommunitySettings

AUDIT_ACTIONS = {
    "alumni_profile.join": _("Joined the alumni community"),
    "alumni_profile.rejoin": _("Rejoined the alumni community"),
    "alumni_profile.update": _("Alumni profile changed"),
    "alumni_profile.leave": _("Left the alumni community"),
    "alumni_settings.update": _("Alumni community settings changed"),
}

# What a profile says is the alumnus's to share or not: the audit trail keeps that such a field changed (and
# every consent, hidden flag and "open to" choice as is), never the words, which HR could otherwise read there.
_CONTENT_FIELDS = ("current_organization", "current_role", "location", "skills", "note", "links")


@transaction.atomic
def profile_join(*, membership: Membership) -> AlumniProfile:
    """Make `membership` (an alumnus: KEEP_ALUMNI_PROFILE, else PermissionDenied) a member of the community:
    a new profile with nothing shared, or, for one who left the community, the same profile back in it
    (`left_community_at` cleared, nothing else changed). Joining twice changes nothing and logs nothing."""
    if not membership_has(membership, KEEP_ALUMNI_PROFILE):
        raise PermissionDenied
    profile = (
        AlumniProfile.objects.for_organization(membership.organization_id)
        .select_for_update()
        .filter(membership=membership)
        .first()
    )
    if profile is None:
        profile = AlumniProfile.objects.create(organization_id=membership.organization_id, membership=membership)
        audit_log("alumni_profile.join", obj=profile, actor=membership, subject=membership)
    elif not profile.in_community:
        profile.left_community_at = None
        profile.save(update_fields=["left_community_at", "updated_at"])
        audit_log("alumni_profile.rejoin", obj=profile, actor=membership, subject=membership)
    return profile


@transaction.atomic
def profile_update(*, profile: AlumniProfile, form, actor: Membership) -> AlumniProfile:
    """Save `form` (a valid alumni.forms_community.ProfileForm bound to `profile`), by its owner `actor`. The
    audit row lists the changed fields; the words of content fields are replaced by a mark."""
    if actor.pk != profile.membership_id:
        raise PermissionDenied
    profile = form.save(commit=False)
    changes = diff(profile, fields=form.Meta.fields)
    profile.save()
    if changes:
        for name in _CONTENT_FIELDS:
            if name in changes:
                changes[name] = [REDACTED, REDACTED]
        audit_log("alumni_profile.update", obj=profile, actor=actor, subject=actor, changes=changes)
    return profile


@transaction.atomic
def profile_leave(*, profile: AlumniProfile, actor: Membership) -> AlumniProfile:
    """`actor` (the profile's owner) leaves the community: `left_community_at` is set now, nothing is deleted;
    the profile leaves the directory and their posts show as a former member's. Leaving twice changes nothing."""
    if actor.pk != profile.membership_id:
        raise PermissionDenied
    if profile.in_community:
        profile.left_community_at = timezone.now()
        profile.save(update_fields=["left_community_at", "updated_at"])
        audit_log("alumni_profile.leave", obj=profile, actor=actor, subject=actor)
    return profile


@transaction.atomic
def community_settings_update(*, organization, employees_see_directory: bool, actor: Membership) -> CommunitySettings:
    """HR sets whether current employees may open the alumni directory; audited when it changes."""
    settings = community_settings(organization)
    if settings.employees_see_directory != employees_see_directory:
        settings.employees_see_directory = employees_see_directory
        changes = diff(settings, fields=["employees_see_directory"])
        settings.save(update_fields=["employees_see_directory", "updated_at"])
        audit_log("alumni_settings.update", obj=settings, actor=actor, changes=changes)
    return settings
