"""How a tour of duty ends, and what follows it (issue 9, GOAL).

Either side proposes to mark the tour completed (once its closing review is recorded) or to end it early with a
reason; the other side confirms or declines with a reason; the proposer may withdraw. HR ends a tour early
directly when the person leaves, and the core's `member_left` signal does it for a leaver. When a tour ends, its
checkpoints that were never held are cancelled with the reason. What followed is recorded on the ended tour.

Lock order, in every service here: the tour row, then its ending rows, so two answers to one proposal (or a
proposal racing HR's direct end) serialize, and the partial unique constraints of TourEnding refuse whatever
slips past (one open proposal per tour, one confirmed end per tour).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import services as agreement_services
from agreements.models import CareerAlignment, Tour, TourStatus
from alliance.audit import audit_log, diff
from alliance.models import Membership, MembershipStatus
from checkpoints import access, ending_notices, rules
from checkpoints.models import (
    TEXT_MAX,
    Checkpoint,
    CheckpointCancellation,
    CheckpointStatus,
    EndingKind,
    EndingSide,
    EndingStatus,
    OutcomeKind,
    TourEnding,
    TourOutcome,
)

ENDED_STATUS = {EndingKind.COMPLETED: TourStatus.COMPLETED, EndingKind.ENDED_EARLY: TourStatus.ENDED_EARLY}


def _locked_tour(tour: Tour) -> Tour:
    return (
        Tour.objects.for_organization(tour.organization_id)
        .select_for_update(of=("self",))
        .select_related("employee__user", "employee__manager")
        .get(pk=tour.pk)
    )


def _locked_ending(ending: TourEnding) -> TourEnding:
    return TourEnding.objects.for_organization(ending.organization_id).select_for_update().get(pk=ending.pk)


def _open_proposal(tour: Tour) -> TourEnding | None:
    return (
        TourEnding.objects.for_organization(tour.organization_id)
        .select_for_update()
        .filter(tour=tour, status=EndingStatus.PROPOSED)
        .first()
    )


def _supersede_open_proposal(tour: Tour, now) -> int | None:
    """Close the open proposal of `tour` (if any) as superseded; returns its id."""
    proposal = _open_proposal(tour)
    if proposal is None:
        return None
    proposal.status = EndingStatus.SUPERSEDED
    proposal.superseded_at = now
    proposal.save(update_fields=["status", "superseded_at"])
    return proposal.pk


def _end_tour(tour: Tour, ending: TourEnding) -> dict:
    """Give the locked `tour` the status `ending` says, and cancel its checkpoints that were never held (status
    SCHEDULED) with the ending's reason. Returns the audit changes (tour status, cancelled checkpoint ids)."""
    before = tour.status
    tour.status = ENDED_STATUS[ending.kind]
    tour.save(update_fields=["status"])
    unheld = list(
        Checkpoint.objects.for_organization(tour.organization_id)
        .filter(tour=tour, status=CheckpointStatus.SCHEDULED)
        .order_by("sequence")
        .values_list("pk", flat=True)
    )
    if unheld:
        Checkpoint.objects.for_organization(tour.organization_id).filter(pk__in=unheld).update(
            status=CheckpointStatus.CANCELLED, updated_at=ending.confirmed_at
        )
        CheckpointCancellation.objects.bulk_create(
            CheckpointCancellation(
                organization_id=tour.organization_id,
                checkpoint_id=pk,
                ending=ending,
                reason=ending.reason,
                cancelled_by=ending.confirmed_by,
                cancelled_at=ending.confirmed_at,
            )
            for pk in unheld
        )
    return {"tour_status": [before, tour.status], "cancelled_checkpoints": [None, unheld]}


def _bounded(text: str, field: str) -> str:
    """`text` stripped; ValidationError keyed by `field` beyond TEXT_MAX characters, the bound of every other
    text of a checkpoint (an ending's reason goes into the other side's e-mail, the pages and the audit row)."""
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {field: [_("Keep it to %(max)d characters (this one has %(n)d).") % {"max": TEXT_MAX, "n": len(text)}]}
        )
    return text


def _reason_required(reason: str, field: str, message: str) -> str:
    reason = _bounded(reason, field)
    if not reason:
        raise ValidationError({field: message})
    return reason


@transaction.atomic
def tour_ending_propose(*, tour: Tour, actor: Membership, kind: str, reason: str = "") -> TourEnding:
    """Propose, as `actor`'s side of `tour` (its employee or their manager), to end it: `kind` is an EndingKind
    value ("completed": once the closing review is recorded; "ended_early": `reason` is required). The other
    side is told (in-app and e-mail) and answers. Raises PermissionDenied for anyone but a side, StateConflict
    when the tour is not active, a proposal is open already, or the closing review is not recorded
    (rules.ending_propose_conflict), ValidationError keyed by `kind` or `reason`. Audit: `tour_ending.propose`."""
    tour = _locked_tour(tour)
    side = access.side_of_tour(actor, tour)
    if side is None:
        raise PermissionDenied
    if kind not in EndingKind.values:
        raise ValidationError({"kind": _("Choose how the tour ends.")})
    conflict = rules.ending_propose_conflict(tour, kind, _open_proposal(tour))
    if conflict is not None:
        raise conflict
    reason = _bounded(reason, "reason")
    if kind == EndingKind.ENDED_EARLY:
        reason = _reason_required(reason, "reason", _("Say why the tour ends early: both sides keep this reason."))
    ending = TourEnding.objects.create(
        organization_id=tour.organization_id,
        tour=tour,
        kind=kind,
        reason=reason,
        proposed_side=side,
        proposed_by=actor,
    )
    ending_notices.notify_proposed(ending)
    audit_log("tour_ending.propose", obj=ending, actor=actor, changes=diff(ending, ["kind", "reason", "proposed_side"]))
    return ending


def _open_proposal_for(ending: TourEnding, actor: Membership) -> tuple[Tour, TourEnding, str]:
    """The locked tour and proposal `ending`, and `actor`'s side of the tour (PermissionDenied for a non-side,
    StateConflict for a proposal no longer open): what an answer and a withdrawal both start from."""
    tour = _locked_tour(ending.tour)
    ending = _locked_ending(ending)
    side = access.side_of_tour(actor, tour)
    if side is None:
        raise PermissionDenied
    conflict = rules.ending_answer_conflict(ending)
    if conflict is not None:
        raise conflict
    return tour, ending, side


def _answering(ending: TourEnding, actor: Membership) -> tuple[Tour, TourEnding]:
    """The locked tour and proposal for an answer by `actor`: the other side only (PermissionDenied for a
    non-side, StateConflict for the proposer's side or a proposal no longer open)."""
    tour, ending, side = _open_proposal_for(ending, actor)
    if side == ending.proposed_side:
        raise rules.own_proposal_conflict(ending)
    return tour, ending


@transaction.atomic
def tour_ending_confirm(*, ending: TourEnding, actor: Membership) -> TourEnding:
    """Confirm the open proposal `ending` as the other side: the tour becomes COMPLETED or ENDED_EARLY and its
    unheld checkpoints are cancelled with the reason. The state is checked again now (the tour still active; a
    completion still needs its closing review recorded). Raises PermissionDenied for a non-side, StateConflict
    for the proposer's side, a proposal no longer open (a second confirmation) or a tour that cannot end.
    Audit: `tour_ending.confirm`."""
    tour, ending = _answering(ending, actor)
    conflict = rules.ending_propose_conflict(tour, ending.kind)
    if conflict is not None:
        raise conflict
    ending.status = EndingStatus.CONFIRMED
    ending.confirmed_by = actor
    ending.confirmed_at = timezone.now()
    ending.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    changes = diff(ending, ["status", "confirmed_at"]) | _end_tour(tour, ending)
    audit_log("tour_ending.confirm", obj=ending, actor=actor, changes=changes)
    return ending


@transaction.atomic
def tour_ending_decline(*, ending: TourEnding, actor: Membership, reason: str) -> TourEnding:
    """Decline the open proposal `ending` as the other side, saying why (`reason`, required): the tour goes on,
    and the proposer is told (in-app and e-mail). Raises as `tour_ending_confirm`, and ValidationError keyed by
    `reason`. Audit: `tour_ending.decline`."""
    _tour, ending = _answering(ending, actor)
    reason = _reason_required(reason, "reason", _("Say why you decline, so that the other side knows."))
    ending.status = EndingStatus.DECLINED
    ending.declined_by = actor
    ending.declined_at = timezone.now()
    ending.decline_reason = reason
    ending.save(update_fields=["status", "declined_by", "declined_at", "decline_reason"])
    ending_notices.notify_declined(ending)
    audit_log("tour_ending.decline", obj=ending, actor=actor, changes=diff(ending, ["status", "decline_reason"]))
    return ending


@transaction.atomic
def tour_ending_withdraw(*, ending: TourEnding, actor: Membership) -> TourEnding:
    """Withdraw the open proposal `ending` as the side that made it (whoever holds that side now). Raises
    PermissionDenied for a non-side, StateConflict for the other side or a proposal no longer open.
    Audit: `tour_ending.withdraw`."""
    _tour, ending, side = _open_proposal_for(ending, actor)
    if side != ending.proposed_side:
        raise rules.others_proposal_conflict(ending)
    ending.status = EndingStatus.WITHDRAWN
    ending.withdrawn_at = timezone.now()
    ending.save(update_fields=["status", "withdrawn_at"])
    audit_log("tour_ending.withdraw", obj=ending, actor=actor, changes=diff(ending, ["status", "withdrawn_at"]))
    return ending


@transaction.atomic
def tour_end_by_hr(*, tour: Tour, actor: Membership, reason: str, person_leaving: bool = False) -> TourEnding:
    """HR ends the active `tour` early at once, because its person leaves: `reason` is required, and so is
    `person_leaving` (HR states it) unless the person's membership has left already. An open proposal is
    closed as superseded. Raises PermissionDenied unless access.can_end_directly, StateConflict for a tour
    that is not active, ValidationError keyed by `reason` / `person_leaving`. Audit: `tour_ending.end_by_hr`."""
    tour = _locked_tour(tour)
    if not access.can_end_directly(actor, tour):
        raise PermissionDenied
    conflict = rules.tour_not_active_conflict(tour)
    if conflict is not None:
        raise conflict
    errors = {}
    try:
        reason = _reason_required(reason, "reason", _("Say why the tour ends early: both sides keep this reason."))
    except ValidationError as error:
        errors.update(error.message_dict)
    if not person_leaving and tour.employee.status == MembershipStatus.ACTIVE:
        errors["person_leaving"] = [
            _("HR ends a tour directly only when the person leaves. Otherwise either side proposes it.")
        ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    superseded = _supersede_open_proposal(tour, now)
    ending = TourEnding.objects.create(
        organization_id=tour.organization_id,
        tour=tour,
        kind=EndingKind.ENDED_EARLY,
        reason=reason.strip(),
        status=EndingStatus.CONFIRMED,
        proposed_side=EndingSide.HR,
        proposed_by=actor,
        proposed_at=now,
        confirmed_by=actor,
        confirmed_at=now,
    )
    changes = diff(ending, ["kind", "reason", "status"]) | _end_tour(tour, ending)
    if superseded:
        changes["superseded_proposal"] = [superseded, None]
    audit_log("tour_ending.end_by_hr", obj=ending, actor=actor, changes=changes)
    return ending


@transaction.atomic
def tour_end_on_leaving(*, tour: Tour, kind: str = EndingKind.ENDED_EARLY, reason: str = "") -> TourEnding | None:
    """End `tour` because its person left the organization (the core's `member_left`, see
    checkpoints.receivers): ended early, its reason reads "left the organization". A departure recorded ahead
    (alumni.services.departures) calls it first with its own `kind` (an EndingKind value: "completed" when the
    person completed the tour) and `reason` (naming the departure). Does nothing (None) for a tour that is not
    active. Audit: `tour_ending.left`, by whoever made the membership change (the request's member, if any)."""
    tour = _locked_tour(tour)
    if tour.status != TourStatus.ACTIVE:
        return None
    if kind not in EndingKind.values:
        raise ValidationError({"kind": _("Choose how the tour ends.")})
    now = timezone.now()
    superseded = _supersede_open_proposal(tour, now)
    ending = TourEnding.objects.create(
        organization_id=tour.organization_id,
        tour=tour,
        kind=kind,
        reason=_bounded(reason, "reason"),
        status=EndingStatus.CONFIRMED,
        proposed_side=EndingSide.LEFT,
        proposed_at=now,
        confirmed_at=now,
    )
    changes = diff(ending, ["kind", "reason", "status", "proposed_side"]) | _end_tour(tour, ending)
    if superseded:
        changes["superseded_proposal"] = [superseded, None]
    audit_log("tour_ending.left", obj=ending, subject=tour.employee, changes=changes)
    return ending


def next_tour_of(tour: Tour) -> Tour | None:
    """The latest tour (not discarded) that follows `tour` (`Tour.previous`), or None."""
    return (
        Tour.objects.for_organization(tour.organization_id)
        .filter(previous=tour)
        .exclude(status=TourStatus.DISCARDED)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def tour_outcome_record(
    *, tour: Tour, actor: Membership, kind: str, destination: str = "", note: str = ""
) -> TourOutcome:
    """Record (or correct) what followed the ended `tour`: `kind` an OutcomeKind value; `destination` the team or
    role of a move inside the company (required for it; optional text otherwise); `note` optional. A next tour
    that follows this one is linked. Raises PermissionDenied unless a side or HR (access.can_record_outcome),
    StateConflict while the tour has not ended, ValidationError keyed by `kind` / `destination`.
    Audit: `tour_outcome.record` (before/after of each changed field; the history table keeps every version)."""
    tour = _locked_tour(tour)
    if not access.can_record_outcome(actor, tour):
        raise PermissionDenied
    conflict = rules.tour_not_ended_conflict(tour)
    if conflict is not None:
        raise conflict
    destination, note = (destination or "").strip(), _bounded(note, "note")
    limit = TourOutcome._meta.get_field("destination").max_length
    if len(destination) > limit:  # the form says so too; a caller without it got a database error on PostgreSQL
        raise ValidationError(
            {
                "destination": [
                    _("Keep it to %(max)d characters (this one has %(n)d).") % {"max": limit, "n": len(destination)}
                ]
            }
        )
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": _("Choose what followed the tour.")})
    if kind == OutcomeKind.MOVED_INSIDE and not destination:
        raise ValidationError({"destination": _("Name the team or role the person moved to.")})
    outcome = TourOutcome.objects.for_organization(tour.organization_id).filter(tour=tour).first()
    if outcome is None:
        outcome = TourOutcome(organization_id=tour.organization_id, tour=tour, recorded_by=actor)
    outcome.kind, outcome.destination, outcome.note = kind, destination, note
    if outcome.next_tour_id is None:
        outcome.next_tour = next_tour_of(tour)
    changes = diff(outcome, ["kind", "destination", "note", "next_tour"])
    outcome.save()
    audit_log("tour_outcome.record", obj=outcome, actor=actor, changes=changes)
    return outcome


@transaction.atomic
def tour_start_next(*, previous: Tour, actor: Membership, alignment: CareerAlignment, data: dict) -> Tour:
    """Start the next tour of the ended `previous` from `alignment` (the person's latest alignment the actor may
    read): agreements.services.tour_create with `previous`, then record the outcome of `previous` as that next
    tour (a move inside the company stays one, with the tour linked). Raises PermissionDenied for anyone but a
    side of `previous` or an alignment of someone else, StateConflict when `previous` has not ended or a next
    tour follows it already, and what tour_create raises. Audit: `tour.start_next` (tour_create writes its own)."""
    previous = _locked_tour(previous)
    if access.side_of_tour(actor, previous) is None or alignment.employee_id != previous.employee_id:
        raise PermissionDenied
    conflict = rules.next_tour_conflict(previous, next_tour_of(previous))
    if conflict is not None:
        raise conflict
    tour = agreement_services.tour_create(actor=actor, alignment=alignment, data=data, previous=previous)
    outcome = TourOutcome.objects.for_organization(previous.organization_id).filter(tour=previous).first()
    if outcome is None:
        outcome = TourOutcome(organization_id=previous.organization_id, tour=previous, recorded_by=actor)
    if outcome.kind != OutcomeKind.MOVED_INSIDE:
        outcome.kind = OutcomeKind.NEXT_TOUR
    outcome.next_tour = tour
    outcome.save()
    audit_log(
        "tour.start_next",
        obj=tour,
        actor=actor,
        changes={"previous": [None, previous.pk], "outcome": [None, outcome.kind]},
    )
    return tour
