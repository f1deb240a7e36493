"""Surveys to alumni 3 and 6 months after their last day: what HR asks, whom it was sent to, what came back.

A Survey is written by HR in Japanese and English; at most one per organization is active (the one the core
scan sends, alumni.notices_surveys). Once an invitation of a survey has been answered its questions are frozen
(`Survey.has_answers`): HR copies it to a new version instead. Nothing here is ever deleted except a question of
a survey nobody has answered yet (it was a draft).
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from alliance.models import Membership, Organization, TenantModel
from alumni.models.departures import Departure

# The months after the last day at which a survey is sent (alumni.notices_surveys).
MILESTONES = (3, 6)


def _in_language(ja: str, en: str) -> str:
    """The English text on an English page or e-mail, else the Japanese one (Japanese first)."""
    return en if (translation.get_language() or "ja").startswith("en") and en else ja


class Survey(TenantModel):
    """A survey of one organization: title and intro in both languages, ordered questions (SurveyQuestion)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alumni_surveys", verbose_name=_("organization")
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    intro_ja = models.TextField(_("introduction (Japanese)"), max_length=2000)
    intro_en = models.TextField(_("introduction (English)"), max_length=2000)
    version = models.PositiveIntegerField(_("version"), default=1)
    copied_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("copied from")
    )
    # The one the scheduled sends use (at most one per organization, constraint below).
    is_active = models.BooleanField(_("in use for the scheduled sends"), default=False)
    created_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alumni survey")
        verbose_name_plural = _("alumni surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(is_active=True), name="alumni_survey_one_active"
            )
        ]

    def __str__(self):
        return f"{self.title_ja} (v{self.version})"

    @property
    def title(self) -> str:
        return _in_language(self.title_ja, self.title_en)

    @property
    def intro(self) -> str:
        return _in_language(self.intro_ja, self.intro_en)


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Scale from 1 to 5")
    CHOICE = "choice", _("Single choice")
    TEXT = "text", _("Free text")


class SurveyQuestion(TenantModel):
    """One question of a survey. A choice question's `options` is a list of {"ja": ..., "en": ...} (an answer
    stores the option's index, stable because answered surveys are frozen); a scale question has labels for its
    low (1) and high (5) ends."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("kind of question"), max_length=8, choices=QuestionKind.choices)
    text_ja = models.CharField(_("question (Japanese)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500)
    required = models.BooleanField(_("an answer is required"), default=False)
    low_label_ja = models.CharField(_("label of 1 (Japanese)"), max_length=100, blank=True)
    low_label_en = models.CharField(_("label of 1 (English)"), max_length=100, blank=True)
    high_label_ja = models.CharField(_("label of 5 (Japanese)"), max_length=100, blank=True)
    high_label_en = models.CharField(_("label of 5 (English)"), max_length=100, blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self):
        return self.text_ja

    @property
    def text(self) -> str:
        return _in_language(self.text_ja, self.text_en)

    @property
    def low_label(self) -> str:
        return _in_language(self.low_label_ja, self.low_label_en)

    @property
    def high_label(self) -> str:
        return _in_language(self.high_label_ja, self.high_label_en)

    @property
    def option_texts(self) -> list[str]:
        return [_in_language(option.get("ja", ""), option.get("en", "")) for option in self.options]


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


class SurveyInvitation(TenantModel):
    """The survey sent to one alumnus at one milestone (3 or 6 months after the departure's last day): once per
    (departure, milestone). Its personal link carries a token of which only the SHA-256 is stored; the token is
    derived from SECRET_KEY and the row's random `nonce` (`token()`), so that the e-mail, rendered when the notice
    is delivered, can carry it and the database alone does not reveal it. Answered once; never deleted."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    departure = models.ForeignKey(Departure, on_delete=models.PROTECT, related_name="survey_invitations")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="survey_invitations")
    milestone = models.PositiveSmallIntegerField(_("months after leaving"))
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("the link expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    anonymous = models.BooleanField(_("answers are anonymous"), default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["departure", "milestone"], name="survey_invitation_once_per_milestone")
        ]
        indexes = [models.Index(fields=["organization", "survey", "answered_at"], name="surveyinv_org_survey")]

    def __str__(self):
        return f"{self.membership} · {self.milestone}"

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_hex(32)

    @staticmethod
    def make_token(nonce: str) -> str:
        """The link token of the invitation whose nonce is `nonce` (hex, 64 characters)."""
        return salted_hmac("alumni.survey-invitation", nonce, algorithm="sha256").hexdigest()

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a token (hex SHA-256): a 256-bit secret needs no slow hash."""
        return hashlib.sha256(token.encode()).hexdigest()

    def token(self) -> str:
        return self.make_token(self.nonce)

    def status_at(self, now) -> str:
        """InvitationStatus at instant `now`: answered, else expired once `expires_at` passed, else sent."""
        if self.answered_at is not None:
            return InvitationStatus.ANSWERED
        if now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.SENT

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class SurveyAnswer(TenantModel):
    """One answer to one question of an answered invitation: `scale` 1-5, `choice` an option index, or `text`."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    invitation = models.ForeignKey(SurveyInvitation, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=4000)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="survey_answer_once_per_question")
        ]


# How long a survey link works after it was sent (days).
LINK_DAYS = 60
