"""Amendments proposed from a checkpoint: what the 1on1 showed turns into a new agreement version to sign again."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import selectors as agreement_selectors
from agreements.models import Agreement, AgreementVersion
from agreements.services import agreement_amend
from alliance.audit import audit_log
from alliance.conflicts import StateConflict
from alliance.models import Membership
from checkpoints import access, rules
from checkpoints.models import Checkpoint, CheckpointStatus


def held_until(tour_id: int, organization_id: int) -> date | None:
    """The last day a checkpoint of the tour was held (its `held_on`, else its due date), among the held and
    confirmed ones, or None: an amendment's new end may not come before it (rules.validate_amendment_end)."""
    held = Checkpoint.objects.for_organization(organization_id).filter(
        tour_id=tour_id, status__in=[CheckpointStatus.HELD, CheckpointStatus.CONFIRMED]
    )
    dates = held.aggregate(held=Max("held_on"), due=Max("due_date"))
    return max((d for d in (dates["held"], dates["due"]) if d is not None), default=None)


@transaction.atomic
def checkpoint_propose_amendment(
    *,
    checkpoint: Checkpoint,
    actor: Membership,
    goal: str,
    end_date: date,
    reason: str,
    kpis: list[dict],
    base_number: int,
) -> AgreementVersion:
    """Start an amendment of the tour's agreement from `checkpoint`: a draft version proposing `goal` and
    `end_date` (the new last day, inclusive; the current values mean unchanged), the KPIs `kpis` (dicts of
    agreements.models.KPI_FIELDS), with `reason` (required); everyone signs it again through the agreement's
    flow, and the tour changes only then. `base_number` is the signed version the proposer read.

    Raises PermissionDenied for anyone but the tour's employee and manager; StateConflict when the checkpoint
    is cancelled or the tour not active (rules.amendment_conflict), when another amendment is a draft or
    waiting for signatures (agreements.rules.amend_conflict), or when `base_number` is no longer the version
    in force; ValidationError keyed by `goal`, `end_date` (before the start, beyond TOUR_MAX_MONTHS, before a
    held checkpoint, in the past), `reason`, or a KPI (`kpis.<row>.<field>`)."""
    checkpoint = (
        Checkpoint.objects.for_organization(checkpoint.organization_id)
        .select_related("tour__employee__manager")
        .get(pk=checkpoint.pk)
    )
    if access.side_of(actor, checkpoint) is None:
        raise PermissionDenied
    conflict = rules.amendment_conflict(checkpoint)
    if conflict is not None:
        raise conflict
    tour = checkpoint.tour
    agreement = Agreement.objects.for_organization(tour.organization_id).get(tour=tour)
    # Lock the agreement's versions before reading the one in force, as agreement_amend and signing do: a
    # signature completing at this instant waits, so `base_number` is compared with what the draft is built on.
    list(
        AgreementVersion.objects.for_organization(tour.organization_id)
        .select_for_update()
        .filter(agreement=agreement)
        .values_list("pk", flat=True)
    )
    current = agreement_selectors.current_version(agreement)
    if current.number != base_number and current.status == "signed":
        raise StateConflict(
            _("The agreement changed since you opened the proposal: version %(n)s is now in force.")
            % {"n": current.number},
            next_step=_("Start the proposal again from the version now in force."),
            next_url_name="checkpoints:amend",
            next_url_args=[checkpoint.pk],
            next_label=_("Propose an amendment"),
        )
    errors = {}
    try:
        rules.validate_amendment_end(
            end_date=end_date if end_date != tour.end_date else None,
            held_until=held_until(tour.pk, tour.organization_id),
            today=timezone.localdate(),
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        draft = agreement_amend(
            agreement=agreement,
            actor=actor,
            kpis=kpis,
            goal=goal,
            end_date=end_date,
            reason=reason,
            checkpoint_id=checkpoint.pk,
        )
    except StateConflict:
        raise  # a ValidationError too, but the 409 page's, not a field's
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    audit_log(
        "checkpoint.propose_amendment",
        obj=checkpoint,
        actor=actor,
        changes={"amendment": [None, draft.number], "reason": [None, draft.amendment_reason]},
    )
    return draft
