"""Reads of the community feed: which posts and comments a member sees, and how their authors are named.

Visibility (every page and the digest decide through here): a withdrawn post or comment is seen by nobody; a
hidden one by its author (greyed, with HR's reason) and by HR (MANAGE_COMMUNITY, marked, to show it again);
everything else by everyone who may use the community (USE_COMMUNITY, checked by the views).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from alliance.models import Membership, MembershipStatus, Role
from alliance.permissions import membership_has
from alumni.capabilities import MANAGE_COMMUNITY, USE_COMMUNITY
from alumni.models import Comment, DigestPreference, Post

AUTHOR_FIELDS = ("author__user", "author__alumni_profile")


def is_moderator(membership: Membership | None) -> bool:
    """Whether `membership` moderates the feed (HR: pins, hides and shows hidden items again)."""
    return membership_has(membership, MANAGE_COMMUNITY)


def left_community(membership: Membership) -> bool:
    """Whether `membership` has an alumni profile that left the community (uses a prefetched profile if any)."""
    try:
        profile = membership.alumni_profile
    except ObjectDoesNotExist:
        return False
    return profile is not None and not profile.in_community


def may_take_part(membership: Membership | None) -> bool:
    """Whether `membership` may write posts and comments: a community member who has not left the community."""
    return membership_has(membership, USE_COMMUNITY) and not left_community(membership)


def author_name(membership: Membership):
    """How an author is shown: their name, or "a former member" once their profile left the community (a lazy
    translation, so an e-mail built before its language is chosen still reads in the recipient's)."""
    if left_community(membership):
        return gettext_lazy("a former member")
    return membership.user.display_name


def author_is_hr(membership: Membership) -> bool:
    """Whether the author is shown with the HR badge (an active HR member)."""
    return membership.is_active and membership.role == Role.HR


def _visible(queryset: QuerySet, viewer: Membership) -> QuerySet:
    queryset = queryset.filter(withdrawn_at__isnull=True)
    if is_moderator(viewer):
        return queryset
    return queryset.filter(Q(hidden_at__isnull=True) | Q(author=viewer))


def visible_comments(*, organization, viewer: Membership) -> QuerySet:
    """The comments of `organization` that `viewer` sees (module doc), oldest first, with their authors."""
    return _visible(Comment.objects.for_organization(organization), viewer).select_related(*AUTHOR_FIELDS)


def visible_posts(*, organization, viewer: Membership) -> QuerySet:
    """The posts of `organization` that `viewer` sees (module doc), unordered and without their comments."""
    return _visible(Post.objects.for_organization(organization), viewer).select_related(*AUTHOR_FIELDS)


def feed(*, organization, viewer: Membership) -> QuerySet:
    """The feed as `viewer` sees it: pinned posts first (latest pin first), then newest first; each post with its
    authors and `shown_comments` (the comments `viewer` sees, oldest first). A constant number of queries per
    page, however many posts and comments."""
    return (
        visible_posts(organization=organization, viewer=viewer)
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=visible_comments(organization=organization, viewer=viewer),
                to_attr="shown_comments",
            )
        )
        .order_by(F("pinned_at").desc(nulls_last=True), "-created_at", "-id")
    )


def post_with_comments(*, organization, viewer: Membership, pk: int) -> Post:
    """One post as `viewer` sees it, with `shown_comments`; Http404 when it is not theirs to see."""
    post = feed(organization=organization, viewer=viewer).filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


def access_post(*, membership: Membership, pk: int) -> Post:
    """The post `pk` of the member's organization as they may see it, else Http404."""
    post = visible_posts(organization=membership.organization_id, viewer=membership).filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


def access_own_post(*, membership: Membership, pk: int) -> Post:
    """The member's own post `pk` (Http404 when unseen, PermissionDenied when another's)."""
    post = access_post(membership=membership, pk=pk)
    if post.author_id != membership.pk:
        raise PermissionDenied
    return post


def access_comment(*, membership: Membership, pk: int) -> Comment:
    """The comment `pk` as the member may see it, under a post they may see; else Http404."""
    comment = (
        visible_comments(organization=membership.organization_id, viewer=membership)
        .filter(pk=pk, post__in=visible_posts(organization=membership.organization_id, viewer=membership))
        .select_related("post")
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def access_own_comment(*, membership: Membership, pk: int) -> Comment:
    """The member's own comment `pk` (Http404 when unseen, PermissionDenied when another's)."""
    comment = access_comment(membership=membership, pk=pk)
    if comment.author_id != membership.pk:
        raise PermissionDenied
    return comment


def wants_digest(membership: Membership) -> bool:
    """Whether `membership` receives the weekly digest (on unless they turned it off)."""
    preference = DigestPreference.objects.for_organization(membership.organization_id).filter(membership=membership)
    return preference.values_list("weekly_digest", flat=True).first() is not False


def digest_posts(*, organization_id: int, since: datetime, until: datetime) -> QuerySet:
    """The posts of a digest: created in [`since`, `until`), neither hidden nor withdrawn, newest first, with
    their authors and the count of visible comments (`comment_count`)."""
    return (
        Post.objects.for_organization(organization_id)
        .filter(created_at__gte=since, created_at__lt=until, hidden_at__isnull=True, withdrawn_at__isnull=True)
        .select_related(*AUTHOR_FIELDS)
        .annotate(
            comment_count=Count(
                "comments", filter=Q(comments__hidden_at__isnull=True, comments__withdrawn_at__isnull=True)
            )
        )
        .order_by("-created_at", "-id")
    )


def digest_recipients(*, organization_ids) -> QuerySet:
    """The memberships a digest goes to in those organizations: alumni whose profile is in the community and
    active HR members, less those who turned the digest off. Filtered by organization id, so the scan (scopes
    disabled) may call it."""
    return (
        Membership.objects.filter(organization_id__in=organization_ids)
        .filter(
            Q(
                status=MembershipStatus.ALUMNI,
                alumni_profile__isnull=False,
                alumni_profile__left_community_at__isnull=True,
            )
            | Q(status=MembershipStatus.ACTIVE, role=Role.HR)
        )
        .exclude(alumni_digest__weekly_digest=False)
    )
