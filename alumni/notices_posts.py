"""The weekly digest of new community posts (kind `alumni-digest`), sent through the core notice scan.

Week: ISO weeks in the site's calendar (settings.TIME_ZONE). The digest of week W lists the posts created during
week W-1 (Monday 00:00 to Monday 00:00, local), neither hidden nor withdrawn; it is sent by the first scan of
week W. Its notice is about the recipient's membership with `sequence` = the number of W counted from the ISO
week of 2024-01-01 (week 1; `Notice.sequence` is a small integer, good for six centuries of weeks), so
the core's unique key (organization, kind, object, recipient, sequence) sends it once a week per person however
many scans run. Recipients: alumni with a profile in the community and active HR members of an organization
that had such posts that week, less those who turned it off (`alumni.selectors.posts.digest_recipients`).
A queued digest whose posts were all hidden meanwhile, or whose recipient turned it off, is skipped.

Cost per scan: one query for the organizations with posts that week, one per batch of recipients.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance import notices
from alliance.models import Membership, Notice, Organization
from alumni.models import Post
from alumni.selectors import posts as selectors

KIND = "alumni-digest"
# The digest lists at most this many posts; the feed link leads to the rest.
DIGEST_MAX_POSTS = 20


# Week 1 of the digest's count: the Monday of ISO week 2024-W01.
WEEK_ONE = date(2024, 1, 1)


def week_sequence(day: date) -> int:
    """The notice sequence of the ISO week holding `day`: its number counted from the week of WEEK_ONE (week 1),
    e.g. 2026-W49 (Monday 2026-11-30) -> 153. Raises ValueError for a day before WEEK_ONE."""
    monday = day - timedelta(days=day.weekday())
    if monday < WEEK_ONE:
        raise ValueError(f"{day} is before the digest's first week")
    return (monday - WEEK_ONE).days // 7 + 1


def week_window(sequence: int) -> tuple[datetime, datetime]:
    """The instants [since, until) of the posts the digest of week `sequence` lists: the whole previous ISO
    week, local time (until = that week's Monday 00:00)."""
    monday = WEEK_ONE + timedelta(weeks=sequence - 1)
    until = timezone.make_aware(datetime.combine(monday, time.min))
    since = timezone.make_aware(datetime.combine(monday - timedelta(days=7), time.min))
    return since, until


def _feed_path(slug: str) -> str:
    return reverse("alumni:posts", args=[slug])


def digests_due(*, now: datetime, batch_size: int):
    """Provider for `alliance.notices.register_provider`: the digests owed in the week of `now` (module doc)."""
    sequence = week_sequence(timezone.localdate(now))
    since, until = week_window(sequence)
    organization_ids = list(
        Post.objects.filter(
            created_at__gte=since, created_at__lt=until, hidden_at__isnull=True, withdrawn_at__isnull=True
        )
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    )
    if not organization_ids:
        return
    slugs = dict(Organization.objects.filter(pk__in=organization_ids).values_list("pk", "slug"))
    rows = (
        selectors.digest_recipients(organization_ids=organization_ids)
        .order_by("pk")
        .values_list("pk", "organization_id")
    )
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        last = batch[-1][0]
        yield [
            notices.Due(
                organization_id=organization_id,
                kind=KIND,
                obj=Membership(pk=pk, organization_id=organization_id),
                recipient_id=pk,
                sequence=sequence,
                label=f"{since:%Y-%m-%d} – {(until - timedelta(days=1)):%Y-%m-%d}",
                url=_feed_path(slugs[organization_id]),
            )
            for pk, organization_id in batch
        ]


def _posts(notice: Notice):
    since, until = week_window(notice.sequence)
    return selectors.digest_posts(organization_id=notice.organization_id, since=since, until=until)


def _relevant(notice: Notice) -> bool:
    return selectors.wants_digest(notice.recipient) and _posts(notice).exists()


def _context(notice: Notice) -> dict:
    since, until = week_window(notice.sequence)
    posts = list(_posts(notice)[: DIGEST_MAX_POSTS + 1])
    for post in posts:
        post.shown_author = selectors.author_name(post.author)
        post.hr_author = selectors.author_is_hr(post.author)
        post.url = settings.SITE_URL.rstrip("/") + reverse("alumni:post", args=[notice.organization.slug, post.pk])
    site = settings.SITE_URL.rstrip("/")
    return {
        "posts": posts[:DIGEST_MAX_POSTS],
        "more": len(posts) > DIGEST_MAX_POSTS,
        "first_day": since.date(),
        "last_day": (until - timedelta(days=1)).date(),
        "url": site + _feed_path(notice.organization.slug),
        "settings_url": site + reverse("alumni:posts_digest", args=[notice.organization.slug]),
    }


def register() -> None:
    """Register the digest's kind and provider with the core notices (called by AlumniConfig.ready)."""
    notices.register_kind(
        KIND,
        label=_("Weekly digest of community posts"),
        context=_context,
        relevant=_relevant,
        reaches_alumni=True,
    )
    notices.register_provider(digests_due)
