"""STEP 1 writes: career alignments (1on1 records), their confirmation and who may read them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import access, notices, rules, selectors
from agreements.models import AlignmentStatus, CareerAlignment
from alliance.audit import audit_log, diff
from alliance.models import ManagerChange, Membership, MembershipStatus
from alliance.permissions import grant_object_access, revoke_object_access

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


def _clean_rows(rows, keys) -> list[dict]:
    cleaned = []
    for row in rows or []:
        item = {key: (row.get(key) or "").strip() for key in keys}
        if any(item.values()):
            cleaned.append(item)
    return cleaned


def _apply_alignment(alignment: CareerAlignment, data: dict, resonant_values) -> None:
    for field in ALIGNMENT_FIELDS:
        if field in data:
            setattr(alignment, field, data[field])
    alignment.core_values = _clean_rows(alignment.core_values, ("value", "why"))
    alignment.drift_directions = _clean_rows(alignment.drift_directions, ("direction", "goals"))
    rules.validate_alignment(alignment)
    alignment.full_clean(exclude=["organization", "employee", "manager", "created_by"])
    alignment.save()
    if resonant_values is not None:
        values = [v for v in resonant_values if v.organization_id == alignment.organization_id]
        alignment.resonant_values.set(values)


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
    """Record a new 1on1. The employee or their manager drafts; earlier records stay as they were.

    `data` maps ALIGNMENT_FIELDS to values (rows of `core_values`/`drift_directions` as dicts of strings);
    `resonant_values` are CompanyValues (others' organizations' are dropped); `manager_notes` is kept only
    when the manager writes. Raises PermissionDenied for anyone else, ValidationError for an employee who is
    not active or, keyed by field, for a record that says neither a far goal nor directions."""
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
    """Change a draft alignment (`data` as for alignment_create); the manager of the record may also change
    `manager_notes`. Raises StateConflict once the employee confirmed it, PermissionDenied for someone who may
    not edit it, ValidationError keyed by field when it says neither a far goal nor directions."""
    alignment = (
        CareerAlignment.objects.for_organization(alignment.organization_id).select_for_update().get(pk=alignment.pk)
    )
    if alignment.status != AlignmentStatus.DRAFT:
        raise rules.alignment_confirmed_conflict(alignment)
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
    """The employee owns the content: only they confirm it, which keeps it from further edits. Confirming a
    confirmed one changes nothing. Raises PermissionDenied for anyone but the employee, ValidationError when
    the draft breaks rules.validate_alignment."""
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    alignment = (
        CareerAlignment.objects.for_organization(alignment.organization_id).select_for_update().get(pk=alignment.pk)
    )
    if alignment.status == AlignmentStatus.DRAFT:
        rules.validate_alignment(alignment)
        alignment.status = AlignmentStatus.CONFIRMED
        alignment.confirmed_at = timezone.now()
        alignment.save(update_fields=["status", "confirmed_at", "updated_at"])
        audit_log("alignment.confirm", obj=alignment, actor=actor, changes=diff(alignment, ["status"]))
    return alignment


@transaction.atomic
def alignment_share_with_hr(*, alignment: CareerAlignment, actor: Membership, shared: bool) -> None:
    """The employee shares the alignment with HR (`shared` True) or takes it back. Raises PermissionDenied for
    anyone but the employee."""
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    CareerAlignment.objects.for_organization(alignment.organization_id).filter(pk=alignment.pk).update(
        shared_with_hr=shared
    )
    alignment.shared_with_hr = shared
    audit_log("alignment.share_with_hr", obj=alignment, actor=actor, changes={"shared_with_hr": [None, shared]})


@transaction.atomic
def alignment_share_with(*, alignment: CareerAlignment, actor: Membership, colleague: Membership) -> None:
    """Let one named colleague of the same organization (a mentor) read this alignment (a guardian grant).
    Raises PermissionDenied for anyone but the employee, ValidationError on `colleague` for someone not active
    in the organization or for the employee themselves."""
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
    """The employee takes back the read access they gave `colleague`. Raises PermissionDenied for anyone but the
    employee."""
    if not access.is_alignment_owner(actor, alignment):
        raise PermissionDenied
    revoke_object_access(user=colleague.user, obj=alignment, perm=access.READ_ALIGNMENT)
    audit_log("alignment.unshare", obj=alignment, actor=actor, changes={"colleague": [colleague.pk, None]})


@transaction.atomic
def alignment_share_earlier_with_manager(*, actor: Membership) -> int:
    """The employee's one-click answer to the offer after a manager change: grant their current manager read
    access to every earlier alignment that manager cannot read yet (guardian grants, revocable one by one on
    each alignment's sharing page). Closes the open offer. Returns how many alignments were shared; raises
    ValidationError when there is no open offer."""
    change = selectors.open_share_offer(membership=actor)
    if change is None:
        raise ValidationError(_("There is nothing to share with your manager."))
    hidden = list(selectors.alignments_hidden_from(employee=actor, reader=change.new_manager))
    for alignment in hidden:
        grant_object_access(user=change.new_manager.user, obj=alignment, perm=access.READ_ALIGNMENT)
    ManagerChange.objects.for_organization(change.organization_id).filter(pk=change.pk).update(
        share_offer_closed_at=timezone.now(), share_offer_accepted=True
    )
    audit_log(
        "alignment.share_with_new_manager",
        obj=change,
        actor=actor,
        subject=actor,
        changes={"shared_alignments": [None, len(hidden)]},
    )
    # Offers about earlier managers are moot now: the employee answered for the manager they have.
    selectors.open_share_offers(membership=actor).update(share_offer_closed_at=timezone.now())
    return len(hidden)


@transaction.atomic
def alignment_dismiss_share_offer(*, actor: Membership) -> None:
    """The employee keeps their earlier alignments to themselves: the offer is closed and not shown again."""
    selectors.open_share_offers(membership=actor).update(
        share_offer_closed_at=timezone.now(), share_offer_accepted=False
    )
    audit_log(
        "alignment.keep_from_new_manager",
        obj=actor,
        actor=actor,
        subject=actor,
        changes={"share_offer": ["open", "closed"]},
    )
