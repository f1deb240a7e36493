"""Recording a checkpoint 1on1 and confirming it, by the employee and the manager of the tour."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.audit import audit_log, diff
from alliance.models import Membership
from checkpoints import access, rules, selectors
from checkpoints.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    AlignmentCheck,
    Checkpoint,
    CheckpointStatus,
    KpiMeasurement,
)

SHARED_FIELDS = ("held_on", "confidence")
# What each side writes: its answer to "are we still aligned?" with why, and its own text.
SIDE_FIELDS = {
    access.EMPLOYEE: ("employee_alignment", "employee_alignment_why", "reflection"),
    access.MANAGER: ("manager_alignment", "manager_alignment_why", "manager_notes"),
}
CONFIRMED_AT = {access.EMPLOYEE: "employee_confirmed_at", access.MANAGER: "manager_confirmed_at"}


def measurement_key(kpi_id: int, field: str) -> str:
    """The ValidationError key (and form field name) of `field` ("value" or "comment") of one KPI's measurement."""
    return f"kpi_{kpi_id}_{field}"


def _locked(checkpoint: Checkpoint, actor: Membership) -> tuple[Checkpoint, str]:
    locked = (
        Checkpoint.objects.for_organization(checkpoint.organization_id)
        .select_for_update()
        .select_related("tour__employee")
        .get(pk=checkpoint.pk)
    )
    side = access.side_of(actor, locked)
    if side is None:
        raise PermissionDenied
    conflict = rules.edit_conflict(locked)
    if conflict is not None:
        raise conflict
    return locked, side


@transaction.atomic
def checkpoint_record(
    *, checkpoint: Checkpoint, actor: Membership, data: dict, measurements: dict[int, dict]
) -> Checkpoint:
    """Record the 1on1 as `actor`'s side (the tour's employee or manager) sees it, and mark it held.

    `data` holds the shared fields (`held_on` a date, `confidence` an int) and the actor's side fields
    (SIDE_FIELDS: alignment status, why, and the reflection or the manager's notes); other keys are ignored.
    `measurements` maps the id of each KPI of the version in force to `{"value": Decimal, "comment": str}`.
    Rules: the 1on1 was held within the tour's period and not after today; confidence is 1-10; the side's
    alignment status is given, with a why unless on track; every KPI in force has a value. Changing a record
    one side already confirmed withdraws both confirmations (they confirmed something else).
    Raises PermissionDenied for a non-party, StateConflict once confirmed or cancelled, ValidationError keyed by
    field name (`measurement_key` for KPIs). Writes one audit row (`checkpoint.record`)."""
    checkpoint, side = _locked(checkpoint, actor)
    tour = checkpoint.tour
    kpis = list(selectors.kpi_rows(checkpoint, selectors.version_in_force(tour)))
    fields = (*SHARED_FIELDS, *SIDE_FIELDS[side])
    values = {field: data.get(field) for field in fields}
    alignment_field, why_field, _text_field = SIDE_FIELDS[side]
    errors: dict[str, list] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    held_on, today = values["held_on"], timezone.localdate()
    if held_on is None:
        add("held_on", _("Enter the date the 1on1 was held."))
    elif not tour.start_date <= held_on <= min(today, tour.end_date):
        add("held_on", _("Choose a day within the tour's period, and not after today."))
    confidence = values["confidence"]
    if confidence is None:
        add("confidence", _("Give a confidence score from 1 to 10."))
    elif not CONFIDENCE_MIN <= confidence <= CONFIDENCE_MAX:
        add("confidence", _("A confidence score is a whole number from 1 to 10."))
    if values[alignment_field] not in AlignmentCheck.values:
        add(alignment_field, _("Say whether the tour is on track, drifting or off track."))
    values[why_field] = (values[why_field] or "").strip()
    if values[alignment_field] in (AlignmentCheck.DRIFTING, AlignmentCheck.OFF_TRACK) and not values[why_field]:
        add(why_field, _("Say why, so that the other side knows what to change."))
    rows = {}
    for row in kpis:
        given = measurements.get(row.kpi.pk) or {}
        value = given.get("value")
        if not isinstance(value, Decimal):
            add(measurement_key(row.kpi.pk, "value"), _("Enter this KPI's value as of the 1on1."))
            continue
        rows[row.kpi.pk] = (row.measurement, value, (given.get("comment") or "").strip())
    if errors:
        raise ValidationError(errors)

    for field, value in values.items():
        setattr(checkpoint, field, value.strip() if isinstance(value, str) else value)
    measured_changes = {}
    for kpi_id, (measurement, value, comment) in rows.items():
        if measurement is None:
            KpiMeasurement.objects.create(
                organization_id=checkpoint.organization_id,
                checkpoint=checkpoint,
                kpi_id=kpi_id,
                value=value,
                comment=comment,
            )
            measured_changes[str(kpi_id)] = [None, str(value)]
        elif (measurement.value, measurement.comment) != (value, comment):
            # A changed comment is a change too (both confirm again); the trail keeps the values, not the words.
            measured_changes[str(kpi_id)] = [str(measurement.value), str(value)]
            measurement.value, measurement.comment = value, comment
            measurement.save(update_fields=["value", "comment"])
    if diff(checkpoint, list(fields)) or measured_changes:
        checkpoint.employee_confirmed_at = checkpoint.manager_confirmed_at = None
        checkpoint.manager_confirmed_by = None
    checkpoint.status = CheckpointStatus.HELD
    changes = diff(checkpoint, [*fields, "status", "employee_confirmed_at", "manager_confirmed_at"])
    checkpoint.save()
    if measured_changes:
        changes["measurements"] = [None, measured_changes]
    audit_log("checkpoint.record", obj=checkpoint, actor=actor, changes=changes)
    return checkpoint


@transaction.atomic
def checkpoint_confirm(*, checkpoint: Checkpoint, actor: Membership) -> Checkpoint:
    """Confirm the recorded checkpoint as `actor`'s side; once both sides confirmed it is CONFIRMED and read-only.

    Raises PermissionDenied for a non-party, StateConflict once confirmed or cancelled, ValidationError when it
    is not recorded yet or the actor's side gave no alignment status. Confirming again is a no-op (no audit
    row). Writes one audit row (`checkpoint.confirm`)."""
    checkpoint, side = _locked(checkpoint, actor)
    if checkpoint.status != CheckpointStatus.HELD:
        raise ValidationError(_("Record the 1on1 before confirming it."))
    if not getattr(checkpoint, SIDE_FIELDS[side][0]):
        raise ValidationError(_("Give your answer to “are we still aligned?” before confirming."))
    if getattr(checkpoint, CONFIRMED_AT[side]) is not None:
        return checkpoint
    setattr(checkpoint, CONFIRMED_AT[side], timezone.now())
    if side == access.MANAGER:
        checkpoint.manager_confirmed_by = actor
    if checkpoint.employee_confirmed_at and checkpoint.manager_confirmed_at:
        checkpoint.status = CheckpointStatus.CONFIRMED
    changes = diff(checkpoint, [CONFIRMED_AT[side], "status"])
    checkpoint.save()
    audit_log("checkpoint.confirm", obj=checkpoint, actor=actor, changes=changes)
    return checkpoint
