"""A departure (退職): leaving well, with an exit conversation whose answers the person shares answer by answer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance.models import Membership, Organization, TenantModel


class DepartureKind(models.TextChoices):
    CAREER_STEP = "career_step", _("A career step outside")
    STARTUP = "startup", _("Starting a company")
    STUDY = "study", _("Study")
    FAMILY = "family", _("Family")
    OTHER = "other", _("Other")


class DepartureStatus(models.TextChoices):
    # Started, the last day not reached yet: may still be edited or cancelled.
    PLANNED = "planned", _("Planned")
    # The last day came: the membership is alumni (alumni.services.departures, run by the core scan).
    COMPLETED = "completed", _("Left")
    CANCELLED = "cancelled", pgettext_lazy("departure status", "Cancelled")


class ComebackInterest(models.TextChoices):
    YES = "yes", _("Yes")
    MAYBE = "maybe", _("Maybe, later")
    NO = "no", _("Not now")
    UNSAID = "", _("Not said")


# The exit conversation's answers, in the order the form and the pages show them. The person decides, answer by
# answer, whether HR may quote it (`<field>_quotable`); the rest stays between them and their manager.
EXIT_ANSWER_FIELDS = ("takes_with", "keep_doing", "should_change", "comeback_note", "wants_from_community")


class Departure(TenantModel):
    """One person leaving one organization. Never deleted: cancelled ones stay with who cancelled and why.

    `last_day` is the last working day (inclusive); on it the core scan turns the membership into alumni. At most
    one planned departure per membership (constraint)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="departures", verbose_name=_("organization")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="departures", verbose_name=_("member")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DepartureStatus.choices, default=DepartureStatus.PLANNED
    )
    last_day = models.DateField(_("last working day"))
    kind = models.CharField(_("reason for leaving"), max_length=16, choices=DepartureKind.choices)
    tour_completed = models.BooleanField(_("the tour of duty was completed"), default=False)
    # The manager at the time of leaving: the exit conversation stays readable to them after the membership's own
    # manager link is cleared on the last day.
    manager = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("manager")
    )
    # Who takes the leaver's reports on the last day (named by HR); None when they have none.
    reports_to = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new manager of their reports"),
    )
    personal_email = models.EmailField(_("personal e-mail address"), blank=True)

    # The exit conversation.
    takes_with = models.TextField(_("what I take with me"), blank=True)
    takes_with_quotable = models.BooleanField(_("HR may quote this answer"), default=False)
    keep_doing = models.TextField(_("what the company should keep doing"), blank=True)
    keep_doing_quotable = models.BooleanField(_("HR may quote this answer"), default=False)
    should_change = models.TextField(_("what the company should change"), blank=True)
    should_change_quotable = models.BooleanField(_("HR may quote this answer"), default=False)
    comeback = models.CharField(
        _("would consider coming back or working together"),
        max_length=8,
        choices=ComebackInterest.choices,
        blank=True,
        default=ComebackInterest.UNSAID,
    )
    comeback_note = models.TextField(_("about coming back or working together"), blank=True)
    comeback_note_quotable = models.BooleanField(_("HR may quote this answer"), default=False)
    wants_from_community = models.TextField(_("what I want from the alumni community"), blank=True)
    wants_from_community_quotable = models.BooleanField(_("HR may quote this answer"), default=False)
    conversation_updated_at = models.DateTimeField(_("exit conversation updated"), null=True, blank=True)

    started_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    completed_at = models.DateTimeField(_("left"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("why it was cancelled"), blank=True)
    # Set under a row lock by the task that mails the community invitation, so it is sent once.
    community_invited_at = models.DateTimeField(_("invited to the alumni community"), null=True, blank=True)

    class Meta:
        ordering = ["-last_day", "-id"]
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=models.Q(status="planned"),
                name="departure_one_planned_per_member",
            )
        ]
        indexes = [models.Index(fields=["organization", "status", "last_day"], name="departure_org_status_day")]

    def __str__(self):
        return f"{self.membership} → {self.last_day:%Y-%m-%d}"
