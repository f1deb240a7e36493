"""Reads of opportunities, interest and referrals, and the `access_*` helpers every view fetches them through.

Who sees what (tests/alumni/test_opportunities.py holds the table):
* opportunities: alumni and HR (USE_COMMUNITY) read every one, closed ones too; current employees
  (VIEW_OPPORTUNITIES alone) read the open ones only, so that they can refer someone; a closed one is a 404 to them.
* interest: the interested alumnus sees their own; the poster and HR see everyone's on that opportunity.
* referrals, with the candidate's name and contact: HR and the referrer only (404 to anyone else, the
  poster included).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from alliance.models import Membership
from alliance.permissions import membership_has
from alumni.capabilities import MANAGE_COMMUNITY, USE_COMMUNITY, VIEW_OPPORTUNITIES
from alumni.models import (
    Interest,
    Opportunity,
    OpportunityStatus,
    Referral,
    ReferralStatusChange,
)
from alumni.selectors.posts import author_name, may_take_part

OPEN = "open"
CLOSED = "closed"
ALL = "all"


def open_q(today: date) -> Q:
    """The opportunities open on `today`: status open and no closing date before it (inclusive)."""
    return Q(status=OpportunityStatus.OPEN) & (Q(closes_on__isnull=True) | Q(closes_on__gte=today))


def sees_closed(membership: Membership | None) -> bool:
    """Alumni and HR read closed opportunities; current employees only open ones."""
    return membership_has(membership, USE_COMMUNITY)


def may_manage(membership: Membership | None, opportunity: Opportunity) -> bool:
    """Its poster (while they take part in the community: not once they left it) or HR edit and close it and follow
    up its interest."""
    if membership_has(membership, MANAGE_COMMUNITY):
        return True
    return opportunity.posted_by_id == membership.pk and may_take_part(membership)


def poster_name(opportunity: Opportunity):
    """How the poster of `opportunity` is shown: their name, or "a former member" once they left the community
    (as their posts are)."""
    return author_name(opportunity.posted_by)


def opportunities(
    *, organization, viewer: Membership, kind: str = "", state: str = "", today: date | None = None
) -> QuerySet[Opportunity]:
    """The opportunities `viewer` may read, newest first, with the poster and the count of active interest
    (`interest_count`). `kind`: an OpportunityKind value or "" for all; `state`: OPEN, CLOSED or ALL ("" too) (a
    viewer who may not read closed ones always gets open ones only). One query per page."""
    today = today or timezone.localdate()
    rows = (
        Opportunity.objects.for_organization(organization)
        .select_related("posted_by__user", "posted_by__alumni_profile")
        .annotate(interest_count=Count("interests", filter=Q(interests__withdrawn_at__isnull=True)))
        .order_by("-created_at", "-id")
    )
    if not sees_closed(viewer):
        state = OPEN
    if state == OPEN:
        rows = rows.filter(open_q(today))
    elif state == CLOSED:
        rows = rows.exclude(open_q(today))
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def access_opportunity(*, membership: Membership, pk: int) -> Opportunity:
    """The opportunity `pk` of the member's organization as they may read it; Http404 when it is of another
    organization, or closed and the member is a current employee."""
    if not membership_has(membership, VIEW_OPPORTUNITIES):
        raise Http404
    opportunity = (
        Opportunity.objects.for_organization(membership.organization_id)
        .select_related("posted_by__user", "posted_by__alumni_profile", "closed_by__user", "closed_by__alumni_profile")
        .filter(pk=pk)
        .first()
    )
    if opportunity is None or (not sees_closed(membership) and not opportunity.is_open):
        raise Http404
    return opportunity


def interests_of(*, opportunity: Opportunity) -> QuerySet[Interest]:
    """Everyone's interest in `opportunity` (withdrawn ones too, marked), oldest first, with each person."""
    return (
        Interest.objects.for_organization(opportunity.organization_id)
        .filter(opportunity=opportunity)
        .select_related("membership__user")
        .order_by("withdrawn_at", "created_at", "id")
    )


def own_interest(*, opportunity: Opportunity, membership: Membership) -> Interest | None:
    """`membership`'s interest in `opportunity` (withdrawn or not), or None."""
    return (
        Interest.objects.for_organization(opportunity.organization_id)
        .filter(opportunity=opportunity, membership=membership)
        .first()
    )


def access_interest(*, membership: Membership, pk: int) -> Interest:
    """Interest `pk` for its follow-up: Http404 unless the member may manage its opportunity (poster or HR)."""
    interest = (
        Interest.objects.for_organization(membership.organization_id)
        .select_related("opportunity", "membership__user")
        .filter(pk=pk)
        .first()
    )
    if interest is None or not may_manage(membership, interest.opportunity):
        raise Http404
    return interest


def _referrals(organization) -> QuerySet[Referral]:
    return (
        Referral.objects.for_organization(organization)
        .select_related("opportunity", "referrer__user")
        .order_by("-created_at", "-id")
    )


def referrals(*, organization, status: str = "") -> QuerySet[Referral]:
    """HR's list: every referral of the organization, newest first, optionally in one ReferralStatus."""
    rows = _referrals(organization)
    return rows.filter(status=status) if status else rows


def referrals_by(*, membership: Membership) -> QuerySet[Referral]:
    """The referrals `membership` made, newest first, each with its opportunity."""
    return _referrals(membership.organization_id).filter(referrer=membership)


def access_referral(*, membership: Membership, pk: int) -> Referral:
    """Referral `pk` with its history (`changes`, oldest first): HR and its referrer only, Http404 for
    anyone else (the candidate's contact is private to them)."""
    referral = (
        _referrals(membership.organization_id)
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=ReferralStatusChange.objects.for_organization(membership.organization_id)
                .select_related("changed_by__user")
                .order_by("changed_at", "id"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    if referral.referrer_id != membership.pk and not membership_has(membership, MANAGE_COMMUNITY):
        raise Http404
    return referral


def referral_counts(*, organization, memberships) -> dict[int, int]:
    """How many referrals each of `memberships` made: {membership_pk: count}, one query (HR's alumni records)."""
    ids = [m.pk for m in memberships]
    rows = (
        Referral.objects.for_organization(organization)
        .filter(referrer_id__in=ids)
        .values("referrer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["referrer_id"]: row["n"] for row in rows}


def referrals_made_column(*, organization, memberships) -> dict[int, int]:
    """HR's alumni records column "referrals made": {membership_pk: count}, 0 for those who made none."""
    counts = referral_counts(organization=organization, memberships=memberships)
    return {m.pk: counts.get(m.pk, 0) for m in memberships}
