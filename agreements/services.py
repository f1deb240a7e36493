"""State changes of STEP 1-3. Every write goes through here, inside a transaction; e-mails and the PDF are
dispatched with `transaction.on_commit` so nothing is sent for a change that rolled back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements import access, notices
from agreements.capabilities import ALLOW_CONCURRENT_TOURS, COUNTERSIGN
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
    Signature,
    SignerRole,
    SigningEvent,
    Tour,
    TourStatus,
    VersionStatus,
)
from alliance.audit import audit_log, diff
from alliance.models import CompanyValue, Membership, MembershipStatus
from alliance.periods import period_end
from alliance.permissions import grant_object_access, membership_has, revoke_object_access, roles_with
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


class StateConflict(ValidationError):
    """A state rule, not a role, refuses the action (the record is confirmed, active, signed, discarded...).

    `message` says which state blocks it; `next_step` says what to do instead, and `next_url_name` with
    `next_url_args` (URL name and arguments after the organization slug) link to it. Views show it as a 409
    page (agreements.views.common.StateConflictMixin). A ValidationError subclass, so callers that only catch
    ValidationError still show the message."""

    def __init__(self, message, *, next_step: str = "", next_url_name: str = "", next_url_args=(), next_label=""):
        # The plain message (flash messages, form errors) says both what blocks and what to do.
        super().__init__(f"{message} {next_step}".strip())
        self.state_message = message
        self.next_step = next_step
        self.next_url_name = next_url_name
        self.next_url_args = tuple(next_url_args)
        self.next_label = next_label


@dataclass(frozen=True)
class RequestInfo:
    """Where an action came from, as recorded on signatures and the signing record."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> RequestInfo:
        from alliance.security import client_ip

        return cls(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:500])


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


def alignment_confirmed_conflict(alignment: CareerAlignment) -> StateConflict:
    return StateConflict(
        _("This career alignment was confirmed by the employee and is kept as it was."),
        next_step=_("Record a new 1on1 instead: it starts from what this one says."),
        next_url_name="agreements:alignment_new",
        next_label=_("Record a new 1on1"),
    )


def _notify_alignment_waits(alignment: CareerAlignment, actor: Membership) -> None:
    """Tell the employee, once per record, that a 1on1 record someone else saved waits for their confirmation.

    Recorded as a core notice in this transaction (its unique key makes a second save a no-op) and sent after
    commit (agreements.notices.notify_alignment_waits)."""
    if actor.pk == alignment.employee_id or alignment.status != AlignmentStatus.DRAFT:
        return
    notices.notify_alignment_waits(alignment)


@transaction.atomic
def alignment_create(
    *, actor: Membership, employee: Membership, data: dict, resonant_values=None, manager_notes: str = ""
) -> CareerAlignment:
    """Record a new 1on1. The employee or their manager drafts; earlier records stay as they were."""
    if not (employee.pk == actor.pk or access.is_manager_of(actor, employee)):
        raise PermissionDenied
    if employee.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only active members have career alignments."))
    # The manager who holds this 1on1 is recorded on it: they, not whoever manages the employee later, read it.
    holder = employee.manager if employee.manager and access.is_manager_of(employee.manager, employee) else None
    alignment = CareerAlignment(
        organization=employee.organization,
        employee=employee,
        manager=holder,
        created_by=actor.user,
        manager_notes=manager_notes if actor.pk != employee.pk else "",
    )
    _apply_alignment(alignment, data, resonant_values)
    audit_log("alignment.create", obj=alignment, actor=actor)
    _notify_alignment_waits(alignment, actor)
    return alignment


@transaction.atomic
def alignment_update(
    *, alignment: CareerAlignment, actor: Membership, data: dict, resonant_values=None, manager_notes=None
) -> CareerAlignment:
    alignment = CareerAlignment.objects.select_for_update().get(pk=alignment.pk)
    if alignment.status != AlignmentStatus.DRAFT:
        raise alignment_confirmed_conflict(alignment)
    if not access.can_edit_alignment(actor, alignment):
        raise PermissionDenied
    if manager_notes is not None and actor.pk == alignment.manager_id:
        alignment.manager_notes = manager_notes
    _apply_alignment(alignment, data, resonant_values)
    audit_log("alignment.update", obj=alignment, actor=actor, changes=diff(alignment))
    _notify_alignment_waits(alignment, actor)
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
        audit_log("alignment.confirm", obj=alignment, actor=actor, changes=diff(alignment, ["status"]))
    return alignment


@transaction.atomic
def alignment_share_with_hr(*, alignment: CareerAlignment, actor: Membership, shared: bool) -> None:
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    CareerAlignment.objects.filter(pk=alignment.pk).update(shared_with_hr=shared)
    alignment.shared_with_hr = shared
    audit_log("alignment.share_with_hr", obj=alignment, actor=actor, changes={"shared_with_hr": [None, shared]})


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
    audit_log("alignment.share", obj=alignment, actor=actor, changes={"colleague": [None, colleague.pk]})


@transaction.atomic
def alignment_unshare(*, alignment: CareerAlignment, actor: Membership, colleague: Membership) -> None:
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    revoke_object_access(user=colleague.user, obj=alignment, perm=access.READ_ALIGNMENT)
    audit_log("alignment.unshare", obj=alignment, actor=actor, changes={"colleague": [colleague.pk, None]})


# --- STEP 2: tour of duty ------------------------------------------------------------------------------------


def _validate_tour(tour: Tour) -> None:
    """The period lasts TOUR_MIN_MONTHS to TOUR_MAX_MONTHS months, counted as the Civil Code says (art. 143)."""
    errors = {}
    if tour.start_date and tour.end_date:
        if tour.end_date <= tour.start_date:
            errors["end_date"] = _("The end must come after the start.")
        elif tour.end_date < period_end(tour.start_date, TOUR_MIN_MONTHS):
            errors["end_date"] = _("A commitment period lasts at least %(n)s months (until %(date)s or later).") % {
                "n": TOUR_MIN_MONTHS,
                "date": date_format(period_end(tour.start_date, TOUR_MIN_MONTHS), "DATE_FORMAT"),
            }
        elif tour.end_date > period_end(tour.start_date, TOUR_MAX_MONTHS):
            errors["end_date"] = _("A commitment period lasts at most %(n)s months (until %(date)s at the latest).") % {
                "n": TOUR_MAX_MONTHS,
                "date": date_format(period_end(tour.start_date, TOUR_MAX_MONTHS), "DATE_FORMAT"),
            }
    if errors:
        raise ValidationError(errors)


def _overlapping_tours(tour: Tour, *, statuses):
    """The person's other tours in `statuses` whose period shares at least one day with this one's (start and
    end dates both inclusive, so a tour starting on another's last day overlaps it)."""
    return (
        Tour.objects.for_organization(tour.organization)
        .filter(
            employee=tour.employee,
            status__in=statuses,
            start_date__lte=tour.end_date,
            end_date__gte=tour.start_date,
        )
        .exclude(pk=tour.pk)
        .order_by("start_date", "pk")
    )


def tour_overlaps(tour: Tour) -> list[str]:
    """What is wrong with the tour's period beside the person's other tours, as sentences for the tour's pages:
    each other active or drafted tour whose period overlaps this one (end dates inclusive), with its dates and
    what to do. Empty when there is none or HR allows this tour to run beside another. Shown when the tour is
    created or edited and on its page; requesting and completing signatures then refuse an active overlap."""
    if tour.allow_concurrent or tour.status not in (TourStatus.DRAFT, TourStatus.ACTIVE):
        return []
    from django.utils.formats import date_format

    return [
        _(
            "This period overlaps %(title)s (%(status)s, %(start)s – %(end)s). A person has one tour at a time: "
            "start this one after %(end)s, shorten or discard the other one, or ask HR to allow two tours at once. "
            "Until then its agreement cannot be signed."
        )
        % {
            "title": other.title,
            "status": other.get_status_display(),
            "start": date_format(other.start_date),
            "end": date_format(other.end_date),
        }
        for other in _overlapping_tours(tour, statuses=[TourStatus.ACTIVE, TourStatus.DRAFT])[:5]
    ]


def _check_no_concurrent_tour(tour: Tour) -> None:
    if tour.allow_concurrent:
        return
    other = _overlapping_tours(tour, statuses=[TourStatus.ACTIVE]).first()
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
    # An overlap is explained (tour_overlaps) rather than refused here, so that HR can still allow two tours
    # at once on the saved tour; requesting and completing signatures refuse an overlap with an active tour.
    tour.save()
    agreement = Agreement.objects.create(organization=tour.organization, tour=tour)
    template = AgreementTemplate.objects.filter(organization=tour.organization).first()
    AgreementVersion.objects.create(
        organization=tour.organization,
        agreement=agreement,
        number=1,
        **{field: getattr(template, field) for field in CLAUSE_FIELDS} if template else {},
    )
    audit_log("tour.create", obj=tour, actor=actor, changes=diff(tour, TOUR_FIELDS))
    return tour


@transaction.atomic
def tour_update(*, tour: Tour, actor: Membership, data: dict, allow_concurrent: bool | None = None) -> Tour:
    tour = Tour.objects.select_for_update().select_related("employee__user").get(pk=tour.pk)
    conflict = tour_edit_conflict(tour)
    if conflict is not None:
        raise conflict
    if not access.can_edit_tour(actor, tour):
        raise PermissionDenied
    for field in TOUR_FIELDS:
        if field in data:
            setattr(tour, field, data[field])
    if allow_concurrent is not None and membership_has(actor, ALLOW_CONCURRENT_TOURS):
        tour.allow_concurrent = allow_concurrent
    _validate_tour(tour)
    tour.save()
    audit_log("tour.update", obj=tour, actor=actor, changes=diff(tour))
    return tour


def tour_edit_conflict(tour: Tour) -> StateConflict | None:
    """The state that keeps `tour` from being edited or discarded, as a StateConflict, or None while it is a
    draft whose agreement has no version frozen for signatures."""
    agreement_pk = Agreement.objects.filter(tour=tour).values_list("pk", flat=True).first()
    if tour.status == TourStatus.DISCARDED:
        return StateConflict(
            _("This tour of duty was discarded. It is kept for the record and can no longer be changed."),
            next_step=_("Set a new tour of duty from the career alignment instead."),
            next_url_name="agreements:tour_new",
            next_url_args=(tour.alignment_id,),
            next_label=_("Set a new tour of duty"),
        )
    if tour.status != TourStatus.DRAFT:
        return StateConflict(
            _("This tour of duty is %(status)s and can no longer be edited.") % {"status": tour.get_status_display()},
            next_step=_(
                "To change its goal, period or KPIs, start an amendment of its agreement: both sides sign again."
            ),
            next_url_name="agreements:amend",
            next_url_args=(agreement_pk,),
            next_label=_("Start an amendment"),
        )
    pending = (
        AgreementVersion.objects.filter(agreement__tour=tour, status=VersionStatus.PENDING)
        .values_list("number", flat=True)
        .first()
    )
    if pending is not None:
        return StateConflict(
            _("Signatures were requested for this tour's agreement, which froze its goal and period."),
            next_step=_("Withdraw the request for signatures first; the tour can then be edited again."),
            next_url_name="agreements:withdraw",
            next_url_args=(agreement_pk, pending),
            next_label=_("Withdraw the request"),
        )
    return None


@transaction.atomic
def tour_discard(*, tour: Tour, actor: Membership) -> Tour:
    """Give up a draft tour: it and its agreement's draft versions are kept, marked discarded, and leave every
    list of current work. Who may edit the tour may discard it; an active, signed or frozen tour refuses."""
    tour = Tour.objects.select_for_update(of=("self",)).select_related("employee__user").get(pk=tour.pk)
    conflict = tour_edit_conflict(tour)
    if conflict is not None:
        raise conflict
    if not access.can_edit_tour(actor, tour):
        raise PermissionDenied
    now = timezone.now()
    tour.status = TourStatus.DISCARDED
    tour.discarded_at = now
    tour.save(update_fields=["status", "discarded_at"])
    AgreementVersion.objects.filter(agreement__tour=tour, status=VersionStatus.DRAFT).update(
        status=VersionStatus.DISCARDED, discarded_at=now
    )
    audit_log("tour.discard", obj=tour, actor=actor, changes=diff(tour, ["status", "discarded_at"]))
    return tour


@transaction.atomic
def tour_set_allow_concurrent(*, tour: Tour, actor: Membership, allow: bool) -> None:
    if not membership_has(actor, ALLOW_CONCURRENT_TOURS):
        raise PermissionDenied
    Tour.objects.filter(pk=tour.pk).update(allow_concurrent=allow)
    audit_log("tour.allow_concurrent", obj=tour, actor=actor, changes={"allow_concurrent": [None, allow]})


# --- STEP 3: agreement, KPIs, signatures ---------------------------------------------------------------------


def current_version(agreement: Agreement) -> AgreementVersion:
    """The latest version that was not discarded (a discarded amendment leaves the signed one current); the
    latest of all when every version was discarded with its tour."""
    versions = AgreementVersion.objects.filter(agreement=agreement).order_by("-number")
    return versions.exclude(status=VersionStatus.DISCARDED).first() or versions.first()


def version_edit_conflict(version: AgreementVersion) -> StateConflict | None:
    """The state that keeps a version from being edited, asked to be signed or discarded, or None for a draft."""
    args = (version.agreement_id, version.number)
    if version.status == VersionStatus.SIGNED:
        return StateConflict(
            _("Version %(n)s is signed and can never change.") % {"n": version.number},
            next_step=_("To change the goal, period or KPIs, start an amendment: a new version both sides sign again."),
            next_url_name="agreements:amend",
            next_url_args=(version.agreement_id,),
            next_label=_("Start an amendment"),
        )
    if version.status == VersionStatus.PENDING:
        return StateConflict(
            _("Version %(n)s is waiting for signatures and is frozen.") % {"n": version.number},
            next_step=_("Withdraw the request for signatures first; the version is then a draft again."),
            next_url_name="agreements:withdraw",
            next_url_args=args,
            next_label=_("Withdraw the request"),
        )
    if version.status == VersionStatus.DISCARDED:
        return StateConflict(
            _("Version %(n)s was discarded. It is kept for the record and can no longer be changed.")
            % {"n": version.number},
            next_step=_("Open the agreement to see its current version."),
            next_url_name="agreements:agreement",
            next_url_args=(version.agreement_id,),
            next_label=_("Open the agreement"),
        )
    return None


@transaction.atomic
def version_discard(*, version: AgreementVersion, actor: Membership) -> AgreementVersion:
    """Give up a draft amendment: kept, marked discarded; the signed version before it stays the current one.
    A first version is discarded with its tour (`tour_discard`)."""
    version = _locked_version(version)
    if not access.can_edit_agreement(actor, version.agreement):
        raise PermissionDenied
    conflict = version_discard_conflict(version)
    if conflict is not None:
        raise conflict
    version.status = VersionStatus.DISCARDED
    version.discarded_at = timezone.now()
    version.save(update_fields=["status", "discarded_at"])
    audit_log("agreement.discard", obj=version, actor=actor, changes=diff(version, ["status", "discarded_at"]))
    return version


def version_discard_conflict(version: AgreementVersion) -> StateConflict | None:
    """Why `version` cannot be discarded on its own (not a draft, or the first version: discard the tour)."""
    conflict = version_edit_conflict(version)
    if conflict is not None:
        return conflict
    if not version.is_amendment:
        return StateConflict(
            _("This is the first version of the agreement: it is discarded together with its tour of duty."),
            next_step=_("Discard the tour of duty instead."),
            next_url_name="agreements:tour_discard",
            next_url_args=(version.agreement.tour_id,),
            next_label=_("Discard the tour of duty"),
        )
    return None


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
    conflict = version_edit_conflict(version)
    if conflict is not None:
        raise conflict
    for field in CLAUSE_FIELDS:
        if field in clauses:
            setattr(version, field, clauses[field])
    version.save()
    Kpi.objects.filter(version=version).delete()
    Kpi.objects.bulk_create(
        Kpi(organization=version.organization, version=version, position=index, **row) for index, row in enumerate(kpis)
    )
    audit_log("agreement.edit", obj=version, actor=actor, changes={**diff(version), "kpis": [None, len(kpis)]})


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
            .filter(role__in=roles_with(COUNTERSIGN), status=MembershipStatus.ACTIVE)
            .exclude(pk__in=[tour.employee_id, version.manager_signer_id])
            .select_related("user")
        )
    return people


def pending_parties(version: AgreementVersion, *, viewer: Membership | None = None) -> list[dict]:
    """Who still has to sign, for pages and e-mails: the employee and the manager by name, and HR as one entry
    ("one of HR"), since any one active HR member countersigns. Each item: {"name", "role", "you"}."""
    signed_roles = set(live_signatures(version).values_list("role", flat=True))
    tour = version.agreement.tour
    parties = []
    if SignerRole.EMPLOYEE not in signed_roles:
        parties.append({"name": tour.employee.user.display_name, "role": SignerRole.EMPLOYEE, "member": tour.employee})
    if SignerRole.MANAGER not in signed_roles and version.manager_signer:
        manager = version.manager_signer
        parties.append({"name": manager.user.display_name, "role": SignerRole.MANAGER, "member": manager})
    if version.requires_hr and SignerRole.HR not in signed_roles:
        parties.append({"name": _("one of HR"), "role": SignerRole.HR, "member": None})
    for party in parties:
        member = party.pop("member")
        if party["role"] == SignerRole.HR:
            party["you"] = viewer is not None and membership_has(viewer, COUNTERSIGN)
        else:
            party["you"] = viewer is not None and member.pk == viewer.pk
    return parties


def signer_role_for(version: AgreementVersion, membership: Membership) -> str | None:
    """The role in which `membership` signs this version, or None when they are not a signer."""
    if version.status != VersionStatus.PENDING:
        return None
    return signing_party_role(version, membership)


def signing_party_role(version: AgreementVersion, membership: Membership) -> str | None:
    """The role in which `membership` signs (or would sign) this version, whatever its state: the employee, the
    manager (the one fixed by the request, else the current one) and HR when HR countersigns."""
    manager_pk = version.manager_signer_id or version.agreement.tour.employee.manager_id
    requires_hr = version.requires_hr if version.status != VersionStatus.DRAFT else version.organization.hr_countersign
    if membership.pk == version.agreement.tour.employee_id:
        return SignerRole.EMPLOYEE
    if membership.pk == manager_pk:
        # Signing as the manager is a manager power: it ends when they stop managing the employee (a move or
        # a role change); the request is then withdrawn and asked again of the current manager.
        return SignerRole.MANAGER if access.is_manager_of(membership, version.agreement.tour.employee) else None
    if requires_hr and membership_has(membership, COUNTERSIGN):
        return SignerRole.HR
    return None


def not_pending_conflict(version: AgreementVersion) -> StateConflict:
    """Signing, declining or withdrawing a version that is not waiting for signatures."""
    args = (version.agreement_id, version.number)
    if version.status == VersionStatus.SIGNED:
        return StateConflict(
            _("Version %(n)s is already signed by everyone; there is nothing left to sign or decline.")
            % {"n": version.number},
            next_step=_("Open the signed version; to change it, start an amendment."),
            next_url_name="agreements:version",
            next_url_args=args,
            next_label=_("Open the signed version"),
        )
    if version.status == VersionStatus.DISCARDED:
        return version_edit_conflict(version)
    return StateConflict(
        _("Version %(n)s is a draft: signatures are not requested for it (or the request was withdrawn or declined).")
        % {"n": version.number},
        next_step=_("Whoever writes the agreement requests signatures when the draft is ready."),
        next_url_name="agreements:version",
        next_url_args=args,
        next_label=_("Open the draft"),
    )


@transaction.atomic
def agreement_request_signatures(
    *, version: AgreementVersion, actor: Membership, info: RequestInfo | None = None
) -> AgreementVersion:
    """Freeze the draft: snapshot its content as canonical JSON, hash it, and ask each signer to sign."""
    version = _locked_version(version)
    if not access.can_edit_agreement(actor, version.agreement):
        raise PermissionDenied
    conflict = version_edit_conflict(version)
    if conflict is not None:
        raise conflict
    tour = version.agreement.tour
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
    request = _event(version, EventKind.REQUESTED, actor=actor, role=actor.role, info=info)
    notices.notify_requested(version, request, pending_signers(version))
    audit_log("agreement.request_signatures", obj=version, actor=actor, changes=diff(version, ["status"]))
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
        raise not_pending_conflict(version)
    _event(version, EventKind.WITHDRAWN, actor=actor, role=actor.role, info=info)
    _back_to_draft(version, voided_at=timezone.now())
    audit_log("agreement.withdraw", obj=version, actor=actor, changes=diff(version, ["status", "content_hash"]))


@transaction.atomic
def agreement_decline(
    *, version: AgreementVersion, actor: Membership, reason: str, info: RequestInfo | None = None
) -> None:
    version = _locked_version(version)
    role = signer_role_for(version, actor)
    if role is None:
        if version.status != VersionStatus.PENDING and signing_party_role(version, actor) is not None:
            raise not_pending_conflict(version)
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline, so the other side knows what to change.")})
    _event(version, EventKind.DECLINED, actor=actor, role=role, info=info, reason=reason)
    _back_to_draft(version, voided_at=timezone.now(), reason=reason)
    audit_log("agreement.decline", obj=version, actor=actor, changes=diff(version, ["status", "last_decline_reason"]))


@transaction.atomic
def agreement_sign(
    *, version: AgreementVersion, actor: Membership, password: str, content_hash: str, info: RequestInfo | None = None
) -> Signature:
    """Sign the frozen version after the signer confirmed their password; the last signature seals it."""
    version = _locked_version(version)
    role = signer_role_for(version, actor)
    if role is None:
        if version.status != VersionStatus.PENDING and signing_party_role(version, actor) is not None:
            raise not_pending_conflict(version)
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
    audit_log("agreement.sign", obj=version, actor=actor, changes={"role": [None, role], **diff(version, ["status"])})
    return signature


def _complete(version: AgreementVersion) -> None:
    from agreements.tasks import render_signed_pdf

    _event(version, EventKind.COMPLETED)
    version.status = VersionStatus.SIGNED
    version.signed_at = timezone.now()
    version.save(update_fields=["status", "signed_at"])
    tour = Tour.objects.for_organization(version.organization_id).select_for_update().get(pk=version.agreement.tour_id)
    if tour.status == TourStatus.DRAFT:
        _check_no_concurrent_tour(tour)
        tour.status = TourStatus.ACTIVE
        tour.save(update_fields=["status"])
    signers = [s.signer for s in live_signatures(version)]
    notices.notify_completed(version, signers)
    transaction.on_commit(lambda: enqueue(render_signed_pdf, version.pk, version.organization_id))


def amend_conflict(latest: AgreementVersion | None) -> StateConflict | None:
    """Why no amendment can start now (the latest version is not signed), or None."""
    if latest is None:
        return StateConflict(
            _("Every version of this agreement was discarded with its tour of duty."),
            next_step=_("Set a new tour of duty from the career alignment instead."),
        )
    if latest.status == VersionStatus.SIGNED:
        return None
    if latest.status == VersionStatus.PENDING:
        return StateConflict(
            _("Version %(n)s is waiting for signatures; an amendment starts only from a signed version.")
            % {"n": latest.number},
            next_step=_("Sign or decline it, or withdraw the request and edit the draft."),
            next_url_name="agreements:version",
            next_url_args=(latest.agreement_id, latest.number),
            next_label=_("Open the agreement"),
        )
    return StateConflict(
        _("Version %(n)s is still a draft; an amendment starts only from a signed version.") % {"n": latest.number},
        next_step=_("Edit the draft instead."),
        next_url_name="agreements:version_edit",
        next_url_args=(latest.agreement_id, latest.number),
        next_label=_("Edit the draft"),
    )


@transaction.atomic
def agreement_amend(*, agreement: Agreement, actor: Membership) -> AgreementVersion:
    """Start a new draft version from the latest signed one; the signed one stays readable as it was."""
    if not access.can_edit_agreement(actor, agreement):
        raise PermissionDenied
    versions = AgreementVersion.objects.select_for_update().filter(agreement=agreement).order_by("-number")
    last_number = versions.first().number
    latest = versions.exclude(status=VersionStatus.DISCARDED).first()
    conflict = amend_conflict(latest)
    if conflict is not None:
        raise conflict
    draft = AgreementVersion.objects.create(
        organization=agreement.organization,
        agreement=agreement,
        # Numbers are never reused: a discarded amendment keeps its number.
        number=last_number + 1,
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
    audit_log("agreement.amend", obj=draft, actor=actor, label=f"{agreement} v{draft.number}")
    return draft


# --- a new manager: the employee decides whether they read earlier alignments ------------------------------


@transaction.atomic
def alignment_share_earlier_with_manager(*, actor: Membership) -> int:
    """The employee's one-click answer to the offer after a manager change: grant their current manager read
    access to every earlier alignment that manager cannot read yet (guardian grants, revocable one by one on
    each alignment's sharing page). Closes the open offer. Returns how many alignments were shared; raises
    ValidationError when there is no open offer."""
    from agreements import selectors
    from alliance.models import ManagerChange

    change = selectors.open_share_offer(membership=actor)
    if change is None:
        raise ValidationError(_("There is nothing to share with your manager."))
    hidden = list(selectors.alignments_hidden_from(employee=actor, reader=change.new_manager))
    for alignment in hidden:
        grant_object_access(user=change.new_manager.user, obj=alignment, perm=access.READ_ALIGNMENT)
    ManagerChange.objects.filter(pk=change.pk).update(share_offer_closed_at=timezone.now(), share_offer_accepted=True)
    audit_log(
        "alignment.share_with_new_manager",
        obj=change,
        actor=actor,
        subject=actor,
        changes={"shared_alignments": [None, len(hidden)]},
    )
    # Offers about earlier managers are moot now: the employee answered for the manager they have.
    ManagerChange.objects.for_organization(actor.organization_id).filter(
        membership=actor, share_offer_closed_at__isnull=True
    ).update(share_offer_closed_at=timezone.now())
    return len(hidden)


@transaction.atomic
def alignment_dismiss_share_offer(*, actor: Membership) -> None:
    """The employee keeps their earlier alignments to themselves: the offer is closed and not shown again."""
    from alliance.models import ManagerChange

    ManagerChange.objects.for_organization(actor.organization_id).filter(
        membership=actor, share_offer_closed_at__isnull=True
    ).update(share_offer_closed_at=timezone.now(), share_offer_accepted=False)
    audit_log(
        "alignment.keep_from_new_manager",
        obj=actor,
        actor=actor,
        subject=actor,
        changes={"share_offer": ["open", "closed"]},
    )
