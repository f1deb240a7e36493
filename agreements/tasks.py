"""Thin Celery wrappers: take ids, re-fetch, call one domain function; safe to retry and to run twice.

Signature and 1on1 e-mails are notices of the core (agreements.notices, sent by alliance.tasks.send_notice)."""

import logging

from celery import shared_task

from agreements.documents import store_signed_pdf, versions_missing_a_pdf
from alliance.models import Organization
from alliance.tasks import enqueue
from alliance.tenancy import organization_scope

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60)
def render_signed_pdf(self, version_id: int, organization_id: int | None = None) -> bool:
    """Render and store a signed version's PDF once, in the version's organization scope.

    A message queued before `organization_id` was passed is dropped unread: the version stays without a PDF,
    which `render_missing_pdfs` (hourly) finds and renders with its organization."""
    if organization_id is None:
        logger.info("render_signed_pdf(%s) without an organization: left to render_missing_pdfs", version_id)
        return False
    with organization_scope(organization_id):
        return store_signed_pdf(version_id=version_id) is not None


@shared_task
def render_missing_pdfs() -> int:
    """Run by beat every hour: render any signed version's PDF that a dead worker left missing, organization by
    organization (each in its own scope)."""
    count = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        with organization_scope(organization_id):
            ids = list(versions_missing_a_pdf())
        for version_id in ids:
            enqueue(render_signed_pdf, version_id, organization_id)
        count += len(ids)
    return count
