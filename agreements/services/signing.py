"""STEP 3 writes on signatures: request, withdraw, decline, sign, and completion when the last one signs.

E-mails are core notices recorded in the transaction and sent after commit; the sealed PDF is rendered by a
task enqueued after commit, so nothing leaves for a change that rolled back."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import access, documents, notices, rules, selectors, snapshot
from agreements.models import KPI_FIELDS, AgreementVersion, EventKind, Signature, Tour, TourStatus, VersionStatus
from agreements.services.common import RequestInfo, locked_editable_version, locked_version, record_event
from agreements.signals import version_signed
from agreements.tasks import render_signed_pdf
from alliance.audit import audit_log, diff
from alliance.models import Membership
from alliance.tasks import enqueue


@transaction.atomic
def agreement_request_signatures(
    *, version: AgreementVersion, actor: Membership, info: RequestInfo | None = None
) -> AgreementVersion:
    """Freeze the draft: snapshot its content as canonical JSON, hash it, and ask each signer to sign.

    Raises PermissionDenied for someone who may not edit the agreement, StateConflict for a version that is
    not a draft or an amendment of a tour that has ended (rules.ended_tour_conflict), ValidationError listing
    what is missing (a KPI, a manager, the offers, a printable text) or an overlap with another active tour
    (rules.check_no_concurrent_tour)."""
    version = locked_editable_version(version, actor)
    if version.is_amendment:
        conflict = rules.ended_tour_conflict(version.agreement.tour)
        if conflict is not None:
            raise conflict
    # An amendment is checked against the tour it proposes (its new goal and end date), not the one in force.
    tour = selectors.proposed_tour(version)
    errors = []
    if not version.kpis.exists():
        errors.append(_("Add at least one KPI to the commitment plan before requesting signatures."))
    if tour.employee.manager is None or not access.is_manager_of(tour.employee.manager, tour.employee):
        errors.append(
            _("%(name)s has no manager. Ask HR to assign one first.") % {"name": tour.employee.user.display_name}
        )
    missing = [field for field in ("company_offers", "employee_offers") if not getattr(version, field).strip()]
    if missing:
        errors.append(_("Write what the company offers and what the person offers before requesting signatures."))
    # The KPIs were checked when they were saved, but the tour's period may have moved since (a draft tour stays
    # editable) and rows may have been written around the service: what is frozen for signatures keeps the rules.
    kpis = [{field: getattr(kpi, field) for field in KPI_FIELDS} for kpi in version.kpis.order_by("position", "id")]
    if kpis:
        try:
            rules.validate_kpis(kpis, tour=tour)
        except ValidationError as error:
            errors.extend(rules.kpi_messages(error, kpis))
    # A character no bundled font has would be sealed as an empty box: refuse before anyone signs.
    errors.extend(documents.unprintable_messages(documents.draft_unprintable_fields(version)))
    if errors:
        raise ValidationError(errors)
    if tour.status == TourStatus.DRAFT or version.proposed_end_date is not None:
        rules.check_no_concurrent_tour(tour)
    now = timezone.now()
    version.manager_signer = tour.employee.manager
    version.requires_hr = version.organization.hr_countersign
    version.snapshot = snapshot.build_snapshot(version, requested_at=now)
    version.content_hash = snapshot.snapshot_hash(version.snapshot)
    version.status = VersionStatus.PENDING
    version.requested_at = now
    version.last_decline_reason = ""
    version.save()
    request = record_event(version, EventKind.REQUESTED, actor=actor, role=actor.role, info=info)
    notices.notify_requested(version, request, selectors.pending_signer_ids(version))
    audit_log("agreement.request_signatures", obj=version, actor=actor, changes=diff(version, ["status"]))
    return version


def _signer_role(version: AgreementVersion, actor: Membership) -> str:
    """The role `actor` signs the locked `version` in now (agreement_sign, agreement_decline). Raises
    StateConflict for a signing party when the version is not waiting for signatures, PermissionDenied for
    anyone else."""
    role = selectors.signer_role_for(version, actor)
    if role is None:
        if selectors.signing_party_role(version, actor) is not None:
            conflict = rules.signing_conflict(version)
            if conflict is not None:
                raise conflict
        raise PermissionDenied
    return role


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
    """Take the request back before everyone signed: the version is a draft again and partial signatures are
    voided. Raises PermissionDenied for someone who may not edit the agreement, StateConflict when the version
    is not waiting for signatures."""
    version = locked_editable_version(version, actor, conflict=rules.signing_conflict)
    record_event(version, EventKind.WITHDRAWN, actor=actor, role=actor.role, info=info)
    _back_to_draft(version, voided_at=timezone.now())
    audit_log("agreement.withdraw", obj=version, actor=actor, changes=diff(version, ["status", "content_hash"]))


@transaction.atomic
def agreement_decline(
    *, version: AgreementVersion, actor: Membership, reason: str, info: RequestInfo | None = None
) -> None:
    """A signer refuses the version waiting for their signature, saying why (`reason`, required): the version is
    a draft again and the signatures given so far are voided. Raises PermissionDenied for someone who does
    not sign it, StateConflict when it is not waiting for signatures, ValidationError for an empty reason."""
    version = locked_version(version)
    role = _signer_role(version, actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline, so the other side knows what to change.")})
    record_event(version, EventKind.DECLINED, actor=actor, role=role, info=info, reason=reason)
    _back_to_draft(version, voided_at=timezone.now(), reason=reason)
    audit_log("agreement.decline", obj=version, actor=actor, changes=diff(version, ["status", "last_decline_reason"]))


@transaction.atomic
def agreement_sign(
    *, version: AgreementVersion, actor: Membership, password: str, content_hash: str, info: RequestInfo | None = None
) -> Signature:
    """Sign the frozen version after the signer confirmed their password; the last signature seals it.

    `content_hash` is the hash the signer's page showed (64 hex digits). Raises PermissionDenied for someone
    who does not sign it, StateConflict when it is not waiting for signatures or is an amendment of a tour that
    has ended (rules.ended_tour_conflict), ValidationError for a wrong
    password, a hash that changed since the page was read, a role already signed, or (last signature) an
    overlap with another active tour."""
    version = locked_version(version)
    role = _signer_role(version, actor)
    if version.is_amendment:
        # An amendment still waiting when its tour ended is never signed: it would move an ended tour's period.
        conflict = rules.ended_tour_conflict(version.agreement.tour)
        if conflict is not None:
            raise conflict
    if not check_password(password, actor.user.password):
        raise ValidationError({"password": _("The password is not correct.")})
    if content_hash != version.content_hash:
        # The page the signer read was older than the version now waiting (it was withdrawn and changed).
        raise ValidationError(_("This version changed since you opened it. Read it again before signing."))
    if selectors.live_signatures(version).filter(role=role).exists():
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
    record_event(version, EventKind.SIGNED, actor=actor, role=role, info=info)
    signed_roles = set(selectors.live_signatures(version).values_list("role", flat=True))
    tour_changes = {}
    if set(selectors.required_roles(version)) <= signed_roles:
        tour_changes = _complete(version)
    audit_log(
        "agreement.sign",
        obj=version,
        actor=actor,
        changes={"role": [None, role], **diff(version, ["status"]), **tour_changes},
    )
    return signature


def _complete(version: AgreementVersion) -> dict:
    """Seal `version` as signed by everyone; an amendment's proposed goal and end date now apply to the tour.
    Returns the tour's changes (`{"tour.goal": [before, after], ...}`) for the signature's audit row."""
    record_event(version, EventKind.COMPLETED)
    version.status = VersionStatus.SIGNED
    version.signed_at = timezone.now()
    version.save(update_fields=["status", "signed_at"])
    tour = Tour.objects.for_organization(version.organization_id).select_for_update().get(pk=version.agreement.tour_id)
    if tour.status == TourStatus.DRAFT:
        rules.check_no_concurrent_tour(tour)
        tour.status = TourStatus.ACTIVE
        tour.save(update_fields=["status"])
    changed = {}
    if version.proposed_goal and version.proposed_goal != tour.goal:
        changed["goal"] = [tour.goal, version.proposed_goal]
        tour.goal = version.proposed_goal
    if version.proposed_end_date is not None and version.proposed_end_date != tour.end_date:
        changed["end_date"] = [tour.end_date.isoformat(), version.proposed_end_date.isoformat()]
        tour.end_date = version.proposed_end_date
    if changed:
        tour.save(update_fields=list(changed))
    signers = [s.signer for s in selectors.live_signatures(version)]
    notices.notify_completed(version, signers)
    transaction.on_commit(lambda: enqueue(render_signed_pdf, version.pk, version.organization_id))
    # After commit, so that no receiver acts on a signature that rolled back; robust, so that a receiver's fault
    # is logged and never turns a completed signature into an error page (receivers are idempotent, re-runnable).
    transaction.on_commit(lambda: version_signed.send(sender=AgreementVersion, version=version), robust=True)
    return {f"tour.{field}": values for field, values in changed.items()}
