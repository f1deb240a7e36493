"""Thin Celery wrappers: take ids, re-fetch, call one domain function; safe to retry and to run twice.

Signature and 1on1 e-mails are notices of the core (agreements.notices, sent by alliance.tasks.send_notice)."""

from celery import shared_task

from agreements.documents import store_signed_pdf, versions_missing_a_pdf
from alliance.tasks import enqueue


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60)
def render_signed_pdf(self, version_id: int) -> bool:
    return store_signed_pdf(version_id=version_id) is not None


@shared_task
def render_missing_pdfs() -> int:
    """Run by beat every hour: render any signed version's PDF that a dead worker left missing."""
    ids = list(versions_missing_a_pdf())
    for version_id in ids:
        enqueue(render_signed_pdf, version_id)
    return len(ids)
