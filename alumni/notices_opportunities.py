"""The notices of opportunities and referrals (alliance.notices), both reaching alumni (reaches_alumni=True).

* `alumni-opportunity-interest`: the poster of an opportunity hears that someone is interested, once per
  interest (a withdrawn interest has nothing left to say).
* `alumni-referral-status`: the referrer hears of each status change of their referral, once per change, with
  HR's note.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliance import notices

INTEREST = "alumni-opportunity-interest"
REFERRAL_STATUS = "alumni-referral-status"


def notify_interest(interest) -> None:
    """Tell the poster of `interest.opportunity` that someone is interested (sent after commit; once)."""
    opportunity = interest.opportunity
    notices.enqueue(
        [
            notices.Due(
                organization_id=interest.organization_id,
                kind=INTEREST,
                obj=interest,
                recipient_id=opportunity.posted_by_id,
                label=opportunity.title,
                url=reverse("alumni:opportunity", args=[opportunity.organization.slug, opportunity.pk]),
            )
        ]
    )


def notify_referral_status(change) -> None:
    """Tell the referrer of `change.referral` that its status changed (sent after commit; once per change)."""
    referral = change.referral
    notices.enqueue(
        [
            notices.Due(
                organization_id=change.organization_id,
                kind=REFERRAL_STATUS,
                obj=change,
                recipient_id=referral.referrer_id,
                label=referral.opportunity.title,
                url=reverse("alumni:referral", args=[referral.opportunity.organization.slug, referral.pk]),
            )
        ]
    )


def _interest_context(notice) -> dict:
    from alumni.models import Interest

    interest = (
        Interest.objects.select_related("opportunity", "membership__user")
        .filter(pk=notice.object_id, organization_id=notice.organization_id)
        .get()
    )
    return {
        "interest": interest,
        "opportunity": interest.opportunity,
        "person": interest.membership.user,
        "url": settings.SITE_URL.rstrip("/") + notice.url,
    }


def _interest_active(notice) -> bool:
    """The interest is still there and the poster still takes part in the community (one who left it hears
    nothing more of it: HR follows the opportunity up)."""
    from alumni.models import Interest
    from alumni.selectors.posts import left_community

    if left_community(notice.recipient):
        return False
    return Interest.objects.filter(
        pk=notice.object_id, organization_id=notice.organization_id, withdrawn_at__isnull=True
    ).exists()


def _referral_context(notice) -> dict:
    from alumni.models import ReferralStatusChange

    change = (
        ReferralStatusChange.objects.select_related("referral__opportunity")
        .filter(pk=notice.object_id, organization_id=notice.organization_id)
        .get()
    )
    return {
        "change": change,
        "referral": change.referral,
        "opportunity": change.referral.opportunity,
        "url": settings.SITE_URL.rstrip("/") + notice.url,
    }


def register() -> None:
    """Register both kinds with the core notices; called once by AlumniConfig.ready()."""
    notices.register_kind(
        INTEREST,
        label=_("Someone is interested in your opportunity"),
        context=_interest_context,
        relevant=_interest_active,
        reaches_alumni=True,
    )
    notices.register_kind(
        REFERRAL_STATUS,
        label=_("The status of your referral changed"),
        context=_referral_context,
        reaches_alumni=True,
    )
