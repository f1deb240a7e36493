"""The signed version's PDF: built from the frozen snapshot, rendered and sealed once, stored, served as is."""

from __future__ import annotations

import hashlib
import time
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from agreements.models import AgreementPdf, AgreementVersion, EventKind, KpiDirection, SignerRole, VersionStatus
from agreements.pdf import PdfDocument, PdfEvent, PdfKpi, PdfSignature, render_agreement_pdf
from agreements.sealing import seal_pdf

_EVENT_KINDS = {
    EventKind.REQUESTED: "request",
    EventKind.SIGNED: "signature",
    EventKind.DECLINED: "decline",
    EventKind.WITHDRAWN: "withdrawal",
}


def verify_url(content_hash: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("verify") + f"?hash={content_hash}"


def _decimal(value):
    return None if value is None else Decimal(value)


def build_document(version: AgreementVersion, *, language: str | None = None) -> PdfDocument:
    """A PdfDocument from what was signed (the snapshot) plus the signing record; no live data leaks in."""
    snap = version.snapshot
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        kpis = [
            PdfKpi(
                name=k["name"],
                definition=k["definition"],
                unit=k["unit"],
                baseline=_decimal(k["baseline"]),
                target=_decimal(k["target"]),
                direction=str(KpiDirection(k["direction"]).label),
                due_date=date.fromisoformat(k["due_date"]),
                weight=k["weight"],
            )
            for k in snap["kpis"]
        ]
        signatures = [
            PdfSignature(
                name=s.signer.user.display_name,
                role=s.role if s.role != SignerRole.HR else str(SignerRole.HR.label),
                signed_at=s.signed_at,
            )
            for s in version.signatures.filter(voided_at__isnull=True).select_related("signer__user")
        ]
        events = [
            PdfEvent(
                kind=_EVENT_KINDS.get(e.kind, str(EventKind(e.kind).label)),
                at=e.at,
                actor=e.actor.user.display_name if e.actor else "Alliance",
                ip=e.ip_address or "",
                user_agent=e.user_agent + (f" — {e.reason}" if e.reason else ""),
            )
            for e in version.events.select_related("actor__user").order_by("at", "id")
        ]
    tour = snap["tour"]
    return PdfDocument(
        organization_name=snap["organization"]["name"],
        employee_name=snap["employee"]["name"],
        manager_name=snap["manager"]["name"],
        title=tour["title"],
        goal=tour["goal"],
        period_start=date.fromisoformat(tour["start_date"]),
        period_end=date.fromisoformat(tour["end_date"]),
        content_hash=version.content_hash,
        verify_url=verify_url(version.content_hash),
        version=snap["agreement"]["version"],
        language=language,
        values=[tuple(v) for v in snap["organization"]["values"]],
        kpis=kpis,
        signatures=signatures,
        events=events,
        issued_at=version.signed_at or datetime.now().astimezone(),
        **snap["clauses"],
    )


def store_signed_pdf(*, version_id: int) -> AgreementPdf | None:
    """Render and seal the PDF of a signed version once; a second call (a retried task) finds it stored."""
    version = (
        AgreementVersion.objects.select_related("organization", "agreement__tour")
        .filter(pk=version_id, status=VersionStatus.SIGNED)
        .first()
    )
    if version is None:
        return None
    existing = AgreementPdf.objects.filter(version=version).first()
    if existing is not None:
        return existing
    started = time.perf_counter()
    sealed = seal_pdf(render_agreement_pdf(build_document(version)))
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    digest = hashlib.sha256(sealed).hexdigest()
    try:
        with transaction.atomic():
            pdf = AgreementPdf(
                organization=version.organization,
                version=version,
                sha256=digest,
                size=len(sealed),
                render_ms=elapsed_ms,
            )
            pdf.file.save(
                f"agreement-{version.agreement_id}-v{version.number}-{digest[:12]}.pdf", ContentFile(sealed), save=False
            )
            pdf.save()
    except IntegrityError:
        # Two workers raced; the first one's file is the record.
        return AgreementPdf.objects.get(version=version)
    return pdf


def versions_missing_a_pdf(*, limit: int = 100) -> list[int]:
    """Signed versions whose PDF task never ran to the end (a worker died): the scan renders them."""
    return list(
        AgreementVersion.objects.filter(status=VersionStatus.SIGNED, pdf__isnull=True)
        .order_by("signed_at")
        .values_list("pk", flat=True)[:limit]
    )
