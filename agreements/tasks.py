"""Thin Celery wrappers: take ids, re-fetch, call one domain function; safe to retry and to run twice."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from agreements import emails
from agreements.models import AlignmentNotice, AlignmentStatus, SignatureNotice


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=120)
def send_signature_notice(self, notice_id: int) -> bool:
    """Send one notice at most once: the row is locked and stamped in the transaction that sends it."""
    with transaction.atomic():
        notice = (
            SignatureNotice.objects.select_for_update(of=("self",))
            .select_related("recipient__user", "version__agreement__tour__employee__user", "organization")
            .filter(pk=notice_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return False
        if not emails.still_relevant(notice):
            notice.sent_at = timezone.now()  # nothing to say any more (signed or withdrawn meanwhile)
            notice.save(update_fields=["sent_at"])
            return False
        try:
            emails.signature_notice(notice)
        except OSError as exc:
            raise self.retry(exc=exc) from exc
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return True


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=120)
def send_alignment_notice(self, notice_id: int) -> bool:
    """Tell the employee once that a 1on1 record waits for their confirmation; locked and stamped like the
    signature notices, and skipped (stamped, not sent) when the record was confirmed meanwhile."""
    with transaction.atomic():
        notice = (
            AlignmentNotice.objects.select_for_update(of=("self",))
            .select_related("recipient__user", "alignment__employee__user", "alignment__manager__user", "organization")
            .filter(pk=notice_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return False
        if notice.alignment.status == AlignmentStatus.DRAFT:
            try:
                emails.alignment_notice(notice)
            except OSError as exc:
                raise self.retry(exc=exc) from exc
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return notice.alignment.status == AlignmentStatus.DRAFT


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60)
def render_signed_pdf(self, version_id: int) -> bool:
    from agreements.documents import store_signed_pdf

    return store_signed_pdf(version_id=version_id) is not None


@shared_task
def scan_signature_reminders() -> int:
    """Run by beat every hour: create the reminder notices due now (each enqueues its own send task), send
    again what an outage left unsent, and render any signed version's PDF that is still missing."""
    from agreements.documents import versions_missing_a_pdf
    from agreements.services import enqueue, requeue_unsent_notices, schedule_reminders

    created = schedule_reminders()
    requeue_unsent_notices()
    for version_id in versions_missing_a_pdf():
        enqueue(render_signed_pdf, version_id)
    return created
