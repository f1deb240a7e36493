"""Private calendar feeds: a member makes, remakes or revokes the secret URL that serves their checkpoints."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from alliance.audit import audit_log
from alliance.models import Membership
from checkpoints.models import CalendarFeed

# 32 random bytes: the feed URL is the only key to a person's checkpoint dates, so it is as strong as a session.
TOKEN_BYTES = 32


def _revoke_live(membership: Membership) -> int:
    return (
        CalendarFeed.objects.for_organization(membership.organization_id)
        .filter(membership=membership, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )


@transaction.atomic
def calendar_feed_create(*, membership: Membership) -> tuple[CalendarFeed, str]:
    """Give `membership` a new private feed and return it with its token (256 bits, URL-safe), which is not
    stored (only its SHA-256) and must be shown now; any live feed of theirs is revoked first, so the old URL
    stops working. Writes one audit row (`calendar_feed.create`)."""
    # Lock the member's row: two clicks at once make one live feed (the partial unique constraint refuses two).
    Membership.objects.for_organization(membership.organization_id).select_for_update().get(pk=membership.pk)
    revoked = _revoke_live(membership)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed.objects.create(
        organization_id=membership.organization_id, membership=membership, token_hash=CalendarFeed.hash_token(token)
    )
    audit_log("calendar_feed.create", obj=feed, actor=membership, subject=membership, changes={"revoked": [0, revoked]})
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, membership: Membership) -> int:
    """Revoke `membership`'s live feed (its URL then answers 404); returns how many were revoked (0 or 1).
    Writes one audit row (`calendar_feed.revoke`)."""
    revoked = _revoke_live(membership)
    audit_log(
        "calendar_feed.revoke", obj=membership, actor=membership, subject=membership, changes={"revoked": [0, revoked]}
    )
    return revoked
