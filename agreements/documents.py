"""The signed version's PDF: built from the frozen snapshot, rendered and sealed once, stored, served as is."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.diff import version_changes
from agreements.models import (
    AgreementPdf,
    AgreementVersion,
    EventKind,
    Kpi,
    KpiDirection,
    SignerRole,
    Tour,
    TourKind,
    VersionStatus,
)
from agreements.pdf import PdfDocument, PdfEvent, PdfKpi, PdfSignature, render_agreement_pdf, unprintable_characters
from agreements.sealing import seal_pdf
from agreements.selectors import previous_signed_version
from agreements.snapshot import build_snapshot, content, kpi_values
from alliance.periods import period_months

_EVENT_KINDS = {
    EventKind.REQUESTED: "request",
    EventKind.SIGNED: "signature",
    EventKind.DECLINED: "decline",
    EventKind.WITHDRAWN: "withdrawal",
}


def verify_url(content_hash: str) -> str:
    """The absolute /verify/ URL for `content_hash` (64 hex digits), printed on the PDF."""
    return settings.SITE_URL.rstrip("/") + reverse("verify") + f"?hash={content_hash}"


def _decimal(value):
    return None if value is None else Decimal(value)


def _pdf_kpi(item: dict) -> PdfKpi:
    """A KPI of the snapshot as the PDF prints it: every field of KPI_FIELDS, the direction by its label."""
    values = kpi_values(item)
    if values.get("direction") in KpiDirection.values:
        values["direction"] = str(KpiDirection(values["direction"]).label)
    return PdfKpi(**values)


def build_document(version: AgreementVersion, *, language: str | None = None) -> PdfDocument:
    """A PdfDocument from what was signed (the snapshot) plus the signing record; no live data leaks in."""
    snap = version.snapshot
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        kpis = [_pdf_kpi(k) for k in snap["kpis"]]
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
        kind = tour_kind_label(snap["tour"].get("kind", ""))
    tour = snap["tour"]
    amendment = amendment_diff(version)
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
        tour_kind=kind,
        toward_ideal_self=tour.get("toward_ideal_self", ""),
        value_to_company=tour.get("value_to_company", ""),
        employee_email=snap["employee"].get("email", ""),
        manager_email=snap["manager"].get("email", ""),
        employee_member_id=snap["employee"].get("membership", ""),
        manager_member_id=snap["manager"].get("membership", ""),
        organization_id=snap["organization"].get("slug", ""),
        agreement_id=snap["agreement"].get("id", ""),
        amendment=bool(snap["agreement"].get("amendment")),
        hr_countersign=bool(snap.get("hr_countersign")),
        requested_at=datetime.fromisoformat(snap["requested_at"]) if snap.get("requested_at") else None,
        schema=snap.get("schema", ""),
        service=snap.get("service", ""),
        amendment_reason=(snap.get("amendment") or {}).get("reason", ""),
        previous_version=amendment.previous.number if amendment else None,
        changes=amendment.changes if amendment else (),
    )


@dataclass(frozen=True)
class AmendmentDiff:
    """An amendment and what it changes: the signed version it amends and the changes (agreements.diff)."""

    previous: AgreementVersion
    changes: list


def amendment_diff(version: AgreementVersion) -> AmendmentDiff | None:
    """What amendment `version` changes from the signed version before it, compared snapshot to snapshot (a
    draft's content is read as the snapshot would freeze it now); None for a first version or when no signed
    version precedes it. Two queries at most."""
    if not version.is_amendment:
        return None
    previous = previous_signed_version(version)
    if previous is None or not previous.snapshot:
        return None
    after = version.snapshot or content(version)
    return AmendmentDiff(previous=previous, changes=version_changes(previous.snapshot, after))


def frozen_period(snapshot: dict | None) -> tuple[date, date, int] | None:
    """The commitment period a version's frozen `snapshot` holds, as (first day, last day, months), both days
    inclusive and months counted as alliance.periods.period_months counts them; None without a snapshot or
    when its tour lacks either date (ISO strings in every snapshot schema)."""
    tour = (snapshot or {}).get("tour") or {}
    try:
        start, end = date.fromisoformat(tour["start_date"]), date.fromisoformat(tour["end_date"])
    except (KeyError, TypeError, ValueError):
        return None
    return start, end, period_months(start, end) if start <= end else 0


def tour_kind_label(code: str) -> str:
    """The display label of a tour kind code in the active language; an unknown code prints as stored."""
    return str(TourKind(code).label) if code in TourKind.values else code


def store_signed_pdf(*, version_id: int) -> AgreementPdf | None:
    """Render and seal the PDF of a signed version once; a second call (a retried task) finds it stored.

    The sealed bytes go to the default storage (MEDIA_ROOT or the bucket, alliance.storage_config) through Django's
    storage API only, as ``agreements/<year>/<month>/agreement-<agreement>-v<number>-<digest prefix>.pdf``. None
    when the version is not signed."""
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
        # Two workers raced; the first one's file is the record. This one's copy, under its own name, is referenced
        # by no row: removed so that the storage holds exactly the recorded PDFs.
        if pdf.file.name:
            pdf.file.storage.delete(pdf.file.name)
        return AgreementPdf.objects.get(version=version)
    return pdf


def versions_missing_a_pdf(*, limit: int = 100) -> list[int]:
    """Signed versions whose PDF task never ran to the end (a worker died): the scan renders them."""
    return list(
        AgreementVersion.objects.filter(status=VersionStatus.SIGNED, pdf__isnull=True)
        .order_by("signed_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Characters the bundled fonts cannot draw -------------------------------------------------------------


def _snapshot_strings(value, path=()):
    """(path, text) for every string leaf of a snapshot, in document order."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _snapshot_strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _snapshot_strings(item, (*path, index))


def _field_label(path: tuple) -> str:
    head = path[0] if path else ""
    if head == "tour" and len(path) == 2:
        return str(Tour._meta.get_field(path[1]).verbose_name)
    if head == "clauses" and len(path) == 2:
        return str(AgreementVersion._meta.get_field(path[1]).verbose_name)
    if head == "kpis" and len(path) == 3:
        return _("KPI %(number)d: %(field)s") % {
            "number": path[1] + 1,
            "field": Kpi._meta.get_field(path[2]).verbose_name,
        }
    if path[:2] == ("organization", "values") and len(path) == 4:
        return _("Organization value %(number)d") % {"number": path[2] + 1}
    labels = {
        ("organization", "name"): _("Organization name"),
        ("employee", "name"): _("Employee's name"),
        ("employee", "email"): _("Employee's e-mail address"),
        ("manager", "name"): _("Manager's name"),
        ("manager", "email"): _("Manager's e-mail address"),
    }
    return str(labels.get(path, ".".join(str(part) for part in path)))


def unprintable_fields(snapshot: dict) -> list[tuple[str, list[str]]]:
    """(field label, characters) for each text of ``snapshot`` holding characters no bundled font can draw.

    ``snapshot`` has the shape of ``agreements.snapshot.build_snapshot``; labels are in the active language. An
    empty list means the PDF will print every character of it (agreements.pdf.unprintable_characters).
    """
    problems = []
    for path, text in _snapshot_strings(snapshot):
        missing = unprintable_characters(text)
        if missing:
            problems.append((_field_label(path), missing))
    return problems


def draft_unprintable_fields(version: AgreementVersion) -> list[tuple[str, list[str]]]:
    """``unprintable_fields`` of what requesting signatures on ``version`` would freeze right now.

    A draft has no snapshot yet, so one is built the way the request builds it, with the person's
    current manager standing in for the signer the request will record.
    """
    if version.snapshot:
        return unprintable_fields(version.snapshot)
    # A fresh instance, so that the caller's version (and its cached relations) stays untouched.
    probe = AgreementVersion(
        **{field.attname: getattr(version, field.attname) for field in version._meta.concrete_fields}
    )
    probe.agreement = version.agreement
    probe.organization = version.organization
    employee = version.agreement.tour.employee
    probe.manager_signer = version.manager_signer or employee.manager or employee
    snapshot = build_snapshot(probe, requested_at=timezone.now())
    if probe.manager_signer is employee:
        snapshot.pop("manager")  # no manager yet: the request is refused for that reason anyway
    return unprintable_fields(snapshot)


def unprintable_messages(problems: list[tuple[str, list[str]]]) -> list[str]:
    """One sentence per field of ``unprintable_fields``, naming the characters and their code points."""
    return [
        _(
            "“%(field)s” contains characters the signed PDF cannot print: %(characters)s. Replace them, for "
            "example with the common form of the character, before requesting signatures."
        )
        % {"field": field, "characters": ", ".join(f"{char} (U+{ord(char):04X})" for char in characters)}
        for field, characters in problems
    ]
