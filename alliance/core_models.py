"""Models of the shared machinery: notices (one reminder scan, e-mail and in-app) and the audit trail.

Imported at the end of `alliance.models`, so they belong to the `alliance` app. The logic lives in
`alliance.notices` and `alliance.audit`.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.scoping import TenantModel


class NoticeState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by a sender: stamped before the e-mail leaves, so a crash after sending never sends it again.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    # The e-mail may have left before an error: never sent again, so the person is not mailed twice.
    UNKNOWN = "unknown", _("Outcome unknown")


class Notice(TenantModel):
    """One message owed to one person about one object; its unique key makes it go out at most once.

    `sequence` numbers repeated notices of one kind about one object (reminder 1, 2, ...); 0 otherwise.

    Indexes: the reminder scan inserts up to millions of rows at once, and each index costs every insert
    (bench/bench_reminder_scan.py). The foreign keys carry none of their own: every read names the organization
    and is served by the unique key or `notice_inbox` (the recipient's list and unread count); content types
    and memberships are never deleted, so nothing looks notices up by those alone. The content type is not a
    database constraint either: its check was a quarter of the cost of inserting a notice, for a global table
    of model names that only migrations change (the object is a generic reference, unchecked in any case).
    """

    organization = models.ForeignKey(
        "alliance.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=64)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    object_id = models.PositiveBigIntegerField()
    recipient = models.ForeignKey(
        "alliance.Membership",
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("recipient"),
        db_index=False,
    )
    sequence = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(_("state"), max_length=16, choices=NoticeState.choices, default=NoticeState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    # What the in-app list shows without asking the provider again: the object's name and its page (a path).
    label = models.CharField(_("about"), max_length=300, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "content_type", "object_id", "recipient", "sequence"],
                name="notice_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "recipient", "-created_at"], name="notice_inbox"),
            models.Index(fields=["state", "next_attempt_at"], name="notice_state_retry"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.sequence} → {self.recipient_id}"


class AuditEntry(TenantModel):
    """One row of the audit trail: who did what to which object, what changed, when and from where.

    Append-only: a database trigger (migration 0003) refuses UPDATE and DELETE, whatever code issues them.
    """

    organization = models.ForeignKey(
        "alliance.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        "alliance.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    # The person the record is about (the employee of a tour, the member edited): HR filters by person.
    subject = models.ForeignKey(
        "alliance.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about whom"),
    )
    action = models.CharField(_("action"), max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    # {"field": [before, after]}; values of private records are left out (see alliance.audit.PRIVATE_MODELS).
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    # About a private record (a career alignment): kept for auditors, not listed on HR's page.
    private = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["organization", "-at"], name="audit_org_at"),
            models.Index(fields=["organization", "action", "-at"], name="audit_org_action"),
            models.Index(fields=["organization", "actor", "-at"], name="audit_org_actor"),
            models.Index(fields=["organization", "subject", "-at"], name="audit_org_subject"),
            # The trail of one object (a version's signing record links to it: /<org>/audit/?object_type=...).
            models.Index(fields=["organization", "content_type", "object_id", "-at"], name="audit_org_object"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_label}"
