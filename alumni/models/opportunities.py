"""Opportunities in the alumni community (jobs, comeback roles, projects, partnerships), the interest alumni
express in them, and the candidates alumni and employees refer to them, with each referral's status history.

Nothing here is ever deleted: an opportunity is closed (still readable), an interest withdrawn, a referral ends
in a final status; every status change of a referral is one `ReferralStatusChange` row.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance.models import Membership, Organization, TenantModel

TITLE_MAX = 200
TEXT_MAX = 4000
NOTE_MAX = 1000


class OpportunityKind(models.TextChoices):
    JOB = "job", _("Job")
    COMEBACK = "comeback", _("Comeback role")
    PROJECT = "project", _("Project")
    PARTNERSHIP = "partnership", _("Partnership")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("opportunity", "Open")
    CLOSED = "closed", pgettext_lazy("opportunity", "Closed")


class Opportunity(TenantModel):
    """A job, comeback role, project or partnership posted to the community by HR or an alumnus. Open while
    `status` is open and its closing date (inclusive), if any, has not passed (`is_open_on`); closing it keeps it
    readable to alumni and HR."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alumni_opportunities", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=OpportunityKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX)
    location = models.CharField(_("location"), max_length=200, blank=True)
    remote = models.BooleanField(_("remote possible"), default=False)
    closes_on = models.DateField(_("closing date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    posted_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("posted by"))
    created_at = models.DateTimeField(_("posted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [models.Index(fields=["organization", "status", "kind"], name="opportunity_org_status_kind")]

    def __str__(self):
        return self.title

    def is_open_on(self, day) -> bool:
        """Whether it takes interest and referrals on `day` (a date): open, and `day` not after its closing date."""
        return self.status == OpportunityStatus.OPEN and (self.closes_on is None or day <= self.closes_on)

    @property
    def is_open(self) -> bool:
        return self.is_open_on(timezone.localdate())


class InterestStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("interest status", "New")  # not the notifications' "New" (unread)
    CONTACTED = "contacted", _("Contacted")
    IN_TALKS = "in_talks", _("In talks")
    NOT_THIS_TIME = "not_this_time", _("Not this time")


class Interest(TenantModel):
    """An alumnus's interest in an opportunity (one row per person and opportunity): withdrawn is kept, marked;
    the poster or HR follows it up with a status the person sees."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="interests", verbose_name=_("opportunity")
    )
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=InterestStatus.choices, default=InterestStatus.NEW)
    created_at = models.DateTimeField(_("expressed"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "membership"], name="interest_one_per_member"),
        ]

    def __str__(self):
        return f"{self.membership} → {self.opportunity}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_TALKS = "in_talks", _("In talks")
    HIRED = "hired", _("Hired")
    NOT_THIS_TIME = "not_this_time", _("Not this time")


# Where a referral may go from each status; hired and not this time are final.
REFERRAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralStatus.RECEIVED: (ReferralStatus.IN_TALKS, ReferralStatus.NOT_THIS_TIME),
    ReferralStatus.IN_TALKS: (ReferralStatus.HIRED, ReferralStatus.NOT_THIS_TIME),
    ReferralStatus.HIRED: (),
    ReferralStatus.NOT_THIS_TIME: (),
}


class Referral(TenantModel):
    """A candidate referred to an opportunity by an alumnus or an employee. The candidate's contact is for HR
    and the referrer only (alumni.selectors.opportunities.access_referral)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("opportunity")
    )
    referrer = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="alumni_referrals", verbose_name=_("referred by")
    )
    candidate_name = models.CharField(_("candidate's name"), max_length=200)
    candidate_email = models.EmailField(_("candidate's e-mail"), blank=True)
    candidate_phone = models.CharField(_("candidate's phone"), max_length=32, blank=True)
    reason = models.TextField(_("why you refer them"), max_length=TEXT_MAX)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    created_at = models.DateTimeField(_("referred"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["organization", "status"], name="referral_org_status"),
            models.Index(fields=["organization", "referrer"], name="referral_org_referrer"),
        ]

    def __str__(self):
        return f"{self.candidate_name} → {self.opportunity}"

    @property
    def is_final(self) -> bool:
        return not REFERRAL_TRANSITIONS[self.status]

    def next_statuses(self) -> list[tuple[str, str]]:
        """The (value, label) pairs this referral may move to now (empty once final)."""
        return [(value, ReferralStatus(value).label) for value in REFERRAL_TRANSITIONS[self.status]]


class ReferralStatusChange(TenantModel):
    """One step of a referral's history: from which status to which, by whom, when, with HR's note (which the
    referrer reads). The first row (from "") records the referral being received."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="changes", verbose_name=_("referral"))
    from_status = models.CharField(_("from"), max_length=16, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ReferralStatus.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    changed_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("referral status change")
        verbose_name_plural = _("referral status changes")

    def __str__(self):
        return f"{self.referral}: {self.from_status or '-'} → {self.to_status}"
