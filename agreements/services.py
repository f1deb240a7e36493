"""State changes of STEP 1-3. Every write goes through here, inside a transaction; e-mails and the PDF are
dispatched with `transaction.on_commit` so nothing is sent for a change that rolled back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import access
from agreements.models import (
    CLAUSE_FIELDS,
    TOUR_MAX_MONTHS,
    TOUR_MIN_MONTHS,
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    AlignmentStatus,
    CareerAlignment,
    EventKind,
    Kpi,
    NoticeKind,
    Signature,
    SignatureNotice,
    SignerRole,
    SigningEvent,
    Tour,
    TourStatus,
    VersionStatus,
)
from alliance.models import CompanyValue, Membership, MembershipStatus, Role
from alliance.permissions import grant_object_access, revoke_object_access
from alliance.tasks import enqueue

ALIGNMENT_FIELDS = (
    "held_on",
    "core_values",
    "ideal_self",
    "time_horizon",
    "outside_company",
    "uses_career_drift",
    "drift_directions",
    "resonance_notes",
)


@dataclass(frozen=True)
class RequestInfo:
    """Where an action came from, as recorded on signatures and the signing record."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> RequestInfo:
        return cls(ip=request.META.get("REMOTE_ADDR") or None, user_agent=request.META.get("HTTP_USER_AGENT", "")[:500])


# --- STEP 1: career alignment --------------------------------------------------------------------------------


def _clean_rows(rows, keys) -> list[dict]:
    cleaned = []
    for row in rows or []:
        item = {key: (row.get(key) or "").strip() for key in keys}
        if any(item.values()):
            cleaned.append(item)
    return cleaned


def _validate_alignment(alignment: CareerAlignment) -> None:
    """A far goal in words, or career drift: directions with short-term goals. One of the two is needed."""
    if alignment.uses_career_drift:
        if not any(d.get("direction") for d in alignment.drift_directions):
            raise ValidationError(
                {"drift_directions": _("Career drift needs at least one direction with short-term goals.")}
            )
    elif not alignment.ideal_self.strip():
        raise ValidationError(
            {"ideal_self": _("Describe the ideal self, or choose career drift if no far goal exists yet.")}
        )


def _apply_alignment(alignment: CareerAlignment, data: dict, resonant_values) -> None:
    for field in ALIGNMENT_FIELDS:
        if field in data:
            setattr(alignment, field, data[field])
    alignment.core_values = _clean_rows(alignment.core_values, ("value", "why"))
    alignment.drift_directions = _clean_rows(alignment.drift_directions, ("direction", "goals"))
    _validate_alignment(alignment)
    alignment.full_clean(exclude=["organization", "employee", "manager", "created_by"])
    alignment.save()
    if resonant_values is not None:
        values = [v for v in resonant_values if v.organization_id == alignment.organization_id]
        alignment.resonant_values.set(values)


@transaction.atomic
def alignment_create(
    *, actor: Membership, employee: Membership, data: dict, resonant_values=None, manager_notes: str = ""
) -> CareerAlignment:
    """Record a new 1on1. The employee or their manager drafts; earlier records stay as they were."""
    if not (employee.pk == actor.pk or access.is_manager_of(actor, employee)):
        raise PermissionDenied
    if employee.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only active members have career alignments."))
    alignment = CareerAlignment(
        organization=employee.organization,
        employee=employee,
        manager=employee.manager,
        created_by=actor.user,
        manager_notes=manager_notes if actor.pk != employee.pk else "",
    )
    _apply_alignment(alignment, data, resonant_values)
    return alignment


@transaction.atomic
def alignment_update(
    *, alignment: CareerAlignment, actor: Membership, data: dict, resonant_values=None, manager_notes=None
) -> CareerAlignment:
    alignment = CareerAlignment.objects.select_for_update().get(pk=alignment.pk)
    if not access.can_edit_alignment(actor, alignment):
        raise ValidationError(_("This career alignment was confirmed and is kept as it was. Record a new 1on1."))
    if manager_notes is not None and access.is_manager_of(actor, alignment.employee):
        alignment.manager_notes = manager_notes
    _apply_alignment(alignment, data, resonant_values)
    return alignment


@transaction.atomic
def alignment_confirm(*, alignment: CareerAlignment, actor: Membership) -> CareerAlignment:
    """The employee owns the content: only they confirm it, which keeps it from further edits."""
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    alignment = CareerAlignment.objects.select_for_update().get(pk=alignment.pk)
    if alignment.status == AlignmentStatus.DRAFT:
        _validate_alignment(alignment)
        alignment.status = AlignmentStatus.CONFIRMED
        alignment.confirmed_at = timezone.now()
        alignment.save(update_fields=["status", "confirmed_at", "updated_at"])
    return alignment


@transaction.atomic
def alignment_share_with_hr(*, alignment: CareerAlignment, actor: Membership, shared: bool) -> None:
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    CareerAlignment.objects.filter(pk=alignment.pk).update(shared_with_hr=shared)
    alignment.shared_with_hr = shared


@transaction.atomic
def alignment_share_with(*, alignment: CareerAlignment, actor: Membership, colleague: Membership) -> None:
    """Let one named colleague of the same organization (a mentor) read this alignment."""
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    if colleague.organization_id != alignment.organization_id or colleague.status != MembershipStatus.ACTIVE:
        raise ValidationError({"colleague": _("Choose an active member of this organization.")})
    if colleague.pk == actor.pk:
        raise ValidationError({"colleague": _("You can always see your own records.")})
    grant_object_access(user=colleague.user, obj=alignment, perm=access.READ_ALIGNMENT)


@transaction.atomic
def alignment_unshare(*, alignment: CareerAlignment, actor: Membership, colleague: Membership) -> None:
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    revoke_object_access(user=colleague.user, obj=alignment, perm=access.READ_ALIGNMENT)


# --- STEP 2: tour of duty ------------------------------------------------------------------------------------


def _months_between(start: date, end: date) -> float:
    return (end - start).days / 30.4375


def _validate_tour(tour: Tour) -> None:
    errors = {}
    if tour.start_date and tour.end_date:
        if tour.end_date <= tour.start_date:
            errors["end_date"] = _("The end must come after the start.")
        else:
            months = _months_between(tour.start_date, tour.end_date)
            if months < TOUR_MIN_MONTHS - 0.5:
                errors["end_date"] = _("A commitment period lasts at least %(n)s months.") % {"n": TOUR_MIN_MONTHS}
            elif months > TOUR_MAX_MONTHS + 0.5:
                errors["end_date"] = _("A commitment period lasts at most %(n)s months.") % {"n": TOUR_MAX_MONTHS}
    if errors:
        raise ValidationError(errors)


def _overlapping_active_tours(tour: Tour):
    return (
        Tour.objects.for_organization(tour.organization)
        .filter(
            employee=tour.employee, status=TourStatus.ACTIVE, start_date__lt=tour.end_date, end_date__gt=tour.start_date
        )
        .exclude(pk=tour.pk)
    )


def _check_no_concurrent_tour(tour: Tour) -> None:
    if tour.allow_concurrent:
        return
    other = _overlapping_active_tours(tour).first()
    if other is not None:
        raise ValidationError(
            {
                "start_date": _(
                    "%(name)s already has an active tour in this period (%(title)s). End it first, "
                    "or ask HR to allow two tours at once."
                )
                % {"name": tour.employee.user.display_name, "title": other.title}
            }
        )


TOUR_FIELDS = ("title", "kind", "goal", "toward_ideal_self", "value_to_company", "start_date", "end_date")


@transaction.atomic
def tour_create(*, actor: Membership, alignment: CareerAlignment, data: dict, previous: Tour | None = None) -> Tour:
    """Create a tour from an alignment, with its agreement and a first draft version from the template."""
    employee = alignment.employee
    if not (employee.pk == actor.pk or access.is_manager_of(actor, employee)):
        raise PermissionDenied
    tour = Tour(
        organization=alignment.organization,
        employee=employee,
        alignment=alignment,
        previous=previous if previous and previous.employee_id == employee.pk else None,
        created_by=actor.user,
        **{field: data[field] for field in TOUR_FIELDS if field in data},
    )
    _validate_tour(tour)
    # Overlap with an active tour is checked when this one would become active (signatures requested and
    # completed), so that the next tour can be planned before the current one ends.
    tour.save()
    agreement = Agreement.objects.create(organization=tour.organization, tour=tour)
    template = AgreementTemplate.objects.filter(organization=tour.organization).first()
    AgreementVersion.objects.create(
        organization=tour.organization,
        agreement=agreement,
        number=1,
        **{field: getattr(template, field) for field in CLAUSE_FIELDS} if template else {},
    )
    return tour


@transaction.atomic
def tour_update(*, tour: Tour, actor: Membership, data: dict, allow_concurrent: bool | None = None) -> Tour:
    tour = Tour.objects.select_for_update().select_related("employee__user").get(pk=tour.pk)
    if not access.can_edit_tour(actor, tour):
        raise ValidationError(_("Only a draft tour can be edited; its agreement's amendments change it later."))
    for field in TOUR_FIELDS:
        if field in data:
            setattr(tour, field, data[field])
    if allow_concurrent is not None and access.is_hr(actor):
        tour.allow_concurrent = allow_concurrent
    _validate_tour(tour)
    tour.save()
    return tour


@transaction.atomic
def tour_set_allow_concurrent(*, tour: Tour, actor: Membership, allow: bool) -> None:
    if not access.is_hr(actor):
        raise PermissionDenied
    Tour.objects.filter(pk=tour.pk).update(allow_concurrent=allow)


# --- STEP 3: agreement, KPIs, signatures ---------------------------------------------------------------------


def current_version(agreement: Agreement) -> AgreementVersion:
    return AgreementVersion.objects.filter(agreement=agreement).order_by("-number").first()


def _locked_version(version: AgreementVersion) -> AgreementVersion:
    return (
        AgreementVersion.objects.select_for_update(of=("self",))
        .select_related("agreement__tour__employee__user", "agreement__tour__employee__manager__user", "organization")
        .get(pk=version.pk)
    )


@transaction.atomic
def agreement_update_draft(*, version: AgreementVersion, actor: Membership, clauses: dict, kpis: list[dict]) -> None:
    """Replace a draft version's clauses and KPIs; frozen or signed versions refuse with a clear message."""
    version = _locked_version(version)
    if not access.can_edit_agreement(actor, version.agreement):
        raise PermissionDenied
    if version.status == VersionStatus.SIGNED:
        raise ValidationError(_("This version is signed and can never change. Start an amendment instead."))
    if version.status == VersionStatus.PENDING:
        raise ValidationError(_("Signatures were requested for this version. Withdraw the request to edit it."))
    for field in CLAUSE_FIELDS:
        if field in clauses:
            setattr(version, field, clauses[field])
    version.save()
    Kpi.objects.filter(version=version).delete()
    Kpi.objects.bulk_create(
        Kpi(organization=version.organization, version=version, position=index, **row) for index, row in enumerate(kpis)
    )


def _decimal(value) -> str | None:
    return None if value is None else format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def build_snapshot(version: AgreementVersion, *, requested_at) -> dict:
    """Everything the signers agree to, as plain JSON; its canonical form is what the hash covers."""
    tour = version.agreement.tour
    employee = tour.employee
    manager = version.manager_signer
    organization = version.organization
    values = CompanyValue.objects.filter(organization=organization).order_by("position", "id")
    return {
        "schema": 1,
        "service": "alliance",
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "values": [[v.title, v.description] for v in values],
        },
        "agreement": {"id": version.agreement_id, "version": version.number, "amendment": version.is_amendment},
        "requested_at": requested_at.isoformat(),
        "employee": {"membership": employee.pk, "name": employee.user.display_name, "email": employee.user.email},
        "manager": {"membership": manager.pk, "name": manager.user.display_name, "email": manager.user.email},
        "hr_countersign": version.requires_hr,
        "tour": {
            "title": tour.title,
            "kind": tour.kind,
            "goal": tour.goal,
            "toward_ideal_self": tour.toward_ideal_self,
            "value_to_company": tour.value_to_company,
            "start_date": tour.start_date.isoformat(),
            "end_date": tour.end_date.isoformat(),
        },
        "clauses": {field: getattr(version, field) for field in CLAUSE_FIELDS},
        "kpis": [
            {
                "name": k.name,
                "definition": k.definition,
                "unit": k.unit,
                "baseline": _decimal(k.baseline),
                "target": _decimal(k.target),
                "direction": k.direction,
                "due_date": k.due_date.isoformat(),
                "weight": k.weight,
            }
            for k in version.kpis.order_by("position", "id")
        ],
    }


def canonical_json(snapshot: dict) -> bytes:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def _event(version, kind, *, actor=None, role="", info: RequestInfo | None = None, reason="") -> SigningEvent:
    info = info or RequestInfo()
    return SigningEvent.objects.create(
        organization=version.organization,
        version=version,
        kind=kind,
        actor=actor,
        role=role,
        ip_address=info.ip,
        user_agent=info.user_agent,
        content_hash=version.content_hash,
        reason=reason,
    )


def request_round(version: AgreementVersion) -> int:
    return SigningEvent.objects.filter(version=version, kind=EventKind.REQUESTED).count()


def required_roles(version: AgreementVersion) -> list[str]:
    roles = [SignerRole.EMPLOYEE, SignerRole.MANAGER]
    if version.requires_hr:
        roles.append(SignerRole.HR)
    return roles


def live_signatures(version: AgreementVersion):
    return Signature.objects.filter(version=version, voided_at__isnull=True).select_related("signer__user")


def pending_signers(version: AgreementVersion) -> list[Membership]:
    """Who still has to sign: the employee, the manager, and every active HR member when HR countersigns."""
    signed_roles = set(live_signatures(version).values_list("role", flat=True))
    people = []
    tour = version.agreement.tour
    if SignerRole.EMPLOYEE not in signed_roles:
        people.append(tour.employee)
    if SignerRole.MANAGER not in signed_roles and version.manager_signer:
        people.append(version.manager_signer)
    if version.requires_hr and SignerRole.HR not in signed_roles:
        people.extend(
            Membership.objects.for_organization(version.organization)
            .filter(role=Role.HR, status=MembershipStatus.ACTIVE)
            .exclude(pk__in=[tour.employee_id, version.manager_signer_id])
            .select_related("user")
        )
    return people


def signer_role_for(version: AgreementVersion, membership: Membership) -> str | None:
    """The role in which `membership` signs this version, or None when they are not a signer."""
    if version.status != VersionStatus.PENDING:
        return None
    if membership.pk == version.agreement.tour.employee_id:
        return SignerRole.EMPLOYEE
    if membership.pk == version.manager_signer_id:
        return SignerRole.MANAGER
    if version.requires_hr and access.is_hr(membership):
        return SignerRole.HR
    return None


def _notify(version: AgreementVersion, kind: str, recipients, *, sequence: int = 0) -> None:
    from agreements.tasks import send_signature_notice

    round_ = request_round(version)
    for recipient in recipients:
        notice, created = SignatureNotice.objects.get_or_create(
            organization=version.organization,
            version=version,
            recipient=recipient,
            kind=kind,
            sequence=sequence,
            round=round_,
        )
        if created:
            transaction.on_commit(lambda pk=notice.pk: enqueue(send_signature_notice, pk))


UNSENT_GRACE = timedelta(minutes=10)


def requeue_unsent_notices(*, now=None) -> int:
    """Enqueue again the notices still unsent a while after they were created (a broker or worker outage)."""
    from agreements.tasks import send_signature_notice

    now = now or timezone.now()
    ids = list(
        SignatureNotice.objects.filter(sent_at__isnull=True, created_at__lte=now - UNSENT_GRACE).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in ids:
        enqueue(send_signature_notice, pk)
    return len(ids)


@transaction.atomic
def agreement_request_signatures(
    *, version: AgreementVersion, actor: Membership, info: RequestInfo | None = None
) -> AgreementVersion:
    """Freeze the draft: snapshot its content as canonical JSON, hash it, and ask each signer to sign."""
    version = _locked_version(version)
    if not access.can_edit_agreement(actor, version.agreement):
        raise PermissionDenied
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Signatures were already requested for this version."))
    tour = version.agreement.tour
    errors = []
    if not version.kpis.exists():
        errors.append(_("Add at least one KPI to the commitment plan before requesting signatures."))
    if tour.employee.manager is None:
        errors.append(
            _("%(name)s has no manager. Ask HR to assign one first.") % {"name": tour.employee.user.display_name}
        )
    missing = [field for field in ("company_offers", "employee_offers") if not getattr(version, field).strip()]
    if missing:
        errors.append(_("Write what the company offers and what the person offers before requesting signatures."))
    # A character no bundled font has would be sealed as an empty box: refuse before anyone signs.
    from agreements.documents import draft_unprintable_fields, unprintable_messages

    errors.extend(unprintable_messages(draft_unprintable_fields(version)))
    if errors:
        raise ValidationError(errors)
    if tour.status == TourStatus.DRAFT:
        _check_no_concurrent_tour(tour)
    now = timezone.now()
    version.manager_signer = tour.employee.manager
    version.requires_hr = version.organization.hr_countersign
    version.snapshot = build_snapshot(version, requested_at=now)
    version.content_hash = snapshot_hash(version.snapshot)
    version.status = VersionStatus.PENDING
    version.requested_at = now
    version.last_decline_reason = ""
    version.save()
    _event(version, EventKind.REQUESTED, actor=actor, role=actor.role, info=info)
    _notify(version, NoticeKind.REQUESTED, pending_signers(version))
    return version


def _back_to_draft(version: AgreementVersion, *, voided_at, reason: str = "") -> None:
    Signature.objects.filter(version=version, voided_at__isnull=True).update(voided_at=voided_at)
    version.last_decline_reason = reason
    version.status = VersionStatus.DRAFT
    version.snapshot = None
    version.content_hash = ""
    version.requested_at = None
    version.save()


@transaction.atomic
def agreement_withdraw(*, version: AgreementVersion, actor: Membership, info: RequestInfo | None = None) -> None:
    """Take the request back before everyone signed: the version is a draft again and partial signatures are voided."""
    version = _locked_version(version)
    if not access.can_edit_agreement(actor, version.agreement):
        raise PermissionDenied
    if version.status != VersionStatus.PENDING:
        raise ValidationError(_("Only a version waiting for signatures can be withdrawn."))
    _event(version, EventKind.WITHDRAWN, actor=actor, role=actor.role, info=info)
    _back_to_draft(version, voided_at=timezone.now())


@transaction.atomic
def agreement_decline(
    *, version: AgreementVersion, actor: Membership, reason: str, info: RequestInfo | None = None
) -> None:
    version = _locked_version(version)
    role = signer_role_for(version, actor)
    if role is None:
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline, so the other side knows what to change.")})
    _event(version, EventKind.DECLINED, actor=actor, role=role, info=info, reason=reason)
    _back_to_draft(version, voided_at=timezone.now(), reason=reason)


@transaction.atomic
def agreement_sign(
    *, version: AgreementVersion, actor: Membership, password: str, content_hash: str, info: RequestInfo | None = None
) -> Signature:
    """Sign the frozen version after the signer confirmed their password; the last signature seals it."""
    version = _locked_version(version)
    role = signer_role_for(version, actor)
    if role is None:
        raise PermissionDenied
    if not check_password(password, actor.user.password):
        raise ValidationError({"password": _("The password is not correct.")})
    if content_hash != version.content_hash:
        # The page the signer read was older than the version now waiting (it was withdrawn and changed).
        raise ValidationError(_("This version changed since you opened it. Read it again before signing."))
    if live_signatures(version).filter(role=role).exists():
        raise ValidationError(_("This version already has a signature in that role."))
    info = info or RequestInfo()
    signature = Signature.objects.create(
        organization=version.organization,
        version=version,
        signer=actor,
        role=role,
        ip_address=info.ip,
        user_agent=info.user_agent,
        content_hash=version.content_hash,
    )
    _event(version, EventKind.SIGNED, actor=actor, role=role, info=info)
    signed_roles = set(live_signatures(version).values_list("role", flat=True))
    if set(required_roles(version)) <= signed_roles:
        _complete(version)
    return signature


def _complete(version: AgreementVersion) -> None:
    from agreements.tasks import render_signed_pdf

    _event(version, EventKind.COMPLETED)
    version.status = VersionStatus.SIGNED
    version.signed_at = timezone.now()
    version.save(update_fields=["status", "signed_at"])
    tour = Tour.objects.select_for_update().get(pk=version.agreement.tour_id)
    if tour.status == TourStatus.DRAFT:
        _check_no_concurrent_tour(tour)
        tour.status = TourStatus.ACTIVE
        tour.save(update_fields=["status"])
    signers = [s.signer for s in live_signatures(version)]
    _notify(version, NoticeKind.COMPLETED, signers)
    transaction.on_commit(lambda: enqueue(render_signed_pdf, version.pk))


@transaction.atomic
def agreement_amend(*, agreement: Agreement, actor: Membership) -> AgreementVersion:
    """Start a new draft version from the latest signed one; the signed one stays readable as it was."""
    if not access.can_edit_agreement(actor, agreement):
        raise PermissionDenied
    latest = AgreementVersion.objects.select_for_update().filter(agreement=agreement).order_by("-number").first()
    if latest.status != VersionStatus.SIGNED:
        raise ValidationError(_("The latest version is not signed yet: edit it instead of starting an amendment."))
    draft = AgreementVersion.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        number=latest.number + 1,
        is_amendment=True,
        **{field: getattr(latest, field) for field in CLAUSE_FIELDS},
    )
    Kpi.objects.bulk_create(
        Kpi(
            organization=agreement.organization,
            version=draft,
            position=k.position,
            name=k.name,
            definition=k.definition,
            unit=k.unit,
            baseline=k.baseline,
            target=k.target,
            direction=k.direction,
            due_date=k.due_date,
            weight=k.weight,
        )
        for k in latest.kpis.all()
    )
    return draft


# --- reminders -----------------------------------------------------------------------------------------------

REMINDER_FIRST_AFTER = timedelta(days=3)
REMINDER_EVERY = timedelta(days=7)
REMINDER_STOP_AFTER = timedelta(days=30)


def due_reminder_sequence(requested_at, now) -> int:
    """The number of the reminder due now (1 after 3 days, then one a week), or 0; none after 30 days."""
    elapsed = now - requested_at
    if elapsed < REMINDER_FIRST_AFTER:
        return 0
    sequence = 1 + int((elapsed - REMINDER_FIRST_AFTER) / REMINDER_EVERY)
    last_due = REMINDER_FIRST_AFTER + (sequence - 1) * REMINDER_EVERY
    if last_due > REMINDER_STOP_AFTER:
        sequence = 1 + int((REMINDER_STOP_AFTER - REMINDER_FIRST_AFTER) / REMINDER_EVERY)
    return sequence


def schedule_reminders(*, now=None, batch_size: int = 500) -> int:
    """Create the reminder notices due now for pending versions; each (version, person, number, round) once."""
    now = now or timezone.now()
    created = 0
    pending = (
        AgreementVersion.objects.filter(status=VersionStatus.PENDING, requested_at__lte=now - REMINDER_FIRST_AFTER)
        .select_related("agreement__tour__employee__user", "manager_signer__user", "organization")
        .order_by("pk")
    )
    for version in pending.iterator(chunk_size=batch_size):
        sequence = due_reminder_sequence(version.requested_at, now)
        if not sequence:
            continue
        with transaction.atomic():
            before = SignatureNotice.objects.filter(version=version, kind=NoticeKind.REMINDER).count()
            _notify(version, NoticeKind.REMINDER, pending_signers(version), sequence=sequence)
            created += SignatureNotice.objects.filter(version=version, kind=NoticeKind.REMINDER).count() - before
    return created
