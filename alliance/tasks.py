import logging
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from alliance import emails, notices
from alliance.models import Invitation, User
from alliance.tenancy import organization_scope

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Hand a task to the broker after commit; when the broker is down the user's action still succeeds,
    and the row that records the message stays unsent for a later retry (the notice scan, alliance.notices,
    or HR's "Send again" for an invitation, whose link cannot be rebuilt from its stored hash)."""
    try:
        task.delay(*args)
    except Exception:  # kombu/redis raise a variety of connection errors
        if getattr(task.app.conf, "task_always_eager", False):
            raise
        logger.warning("could not enqueue %s%r; it stays unsent for a later retry", task.name, args, exc_info=True)


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def send_invitation_email(self, invitation_id: int, token: str, organization_id: int | None = None) -> bool:
    """Mail the invitation link once; a retry or a duplicate delivery finds `email_sent_at` set and stops.

    Runs in the invitation's organization scope. A message queued before `organization_id` was passed names
    the organization through the token instead: the row whose hash it matches (the lookup the link itself
    makes, alliance.services.invitation_by_token)."""
    if organization_id is None:
        organization_id = _organization_of_invitation(invitation_id, token)
        if organization_id is None:
            return False
    with organization_scope(organization_id), transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(pk=invitation_id, email_sent_at__isnull=True, revoked_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        existing = User.objects.filter(email__iexact=invitation.email).only("language").first()
        accept_url = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
        try:
            emails.invitation(
                invitation=invitation,
                accept_url=accept_url,
                language=existing.language if existing else None,
            )
        except OSError as exc:  # SMTP down: the row stays unsent and the task tries again later.
            raise self.retry(exc=exc) from exc
        invitation.email_sent_at = timezone.now()
        invitation.save(update_fields=["email_sent_at"])
    return True


def _organization_of_invitation(invitation_id: int, token: str) -> int | None:
    """The organization of the invitation that both `invitation_id` and `token` name, or None."""
    # Across organizations on purpose, as the link's own lookup is: the token's hash is a 256-bit secret naming
    # one row, and only that row's organization id is read.
    with scopes_disabled():
        return (
            Invitation.objects.filter(pk=invitation_id, token_hash=Invitation.hash_token(token))
            .values_list("organization_id", flat=True)
            .first()
        )


@shared_task(bind=True, acks_late=True, max_retries=5)
def send_notice(self, notice_id: int, organization_id: int | None = None) -> str:
    """Send one notice at most once (alliance.notices.deliver, in the notice's organization scope); a failure
    that proves nothing left is retried with backoff, and a redelivered task (acks_late after a worker died)
    finds the row stamped and stops.

    A message queued before `organization_id` was passed is dropped unread: its notice is still `queued` (or
    `failed`), so the next scan (every NOTICE_SCAN_MINUTES) sends it again with its organization."""
    if organization_id is None:
        logger.info("send_notice(%s) without an organization: left to the next scan", notice_id)
        return ""
    state = notices.deliver(notice_id, organization_id=organization_id)
    if state == "failed" and not self.request.is_eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=notices.backoff(self.request.retries + 1).total_seconds())
    return state


@shared_task(acks_late=True)
def scan_notices(now: str | None = None) -> int:
    """Run by beat (every NOTICE_SCAN_MINUTES): record what every app says is due and send each waiting
    notice by its own task, with its organization. Returns how many were handed to the broker."""
    result = notices.scan(now=datetime.fromisoformat(now) if now else None)
    dispatch_notices(result.waiting)
    return len(result.waiting)


def dispatch_notices(waiting: list[tuple[int, int]]) -> None:
    """Hand each `(organization_id, notice_id)` to `send_notice` (alliance.notices calls this after commit)."""
    for organization_id, pk in waiting:
        enqueue(send_notice, pk, organization_id)
