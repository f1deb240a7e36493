"""STEP 2 writes: tours of duty, from creation with their first draft agreement to being discarded."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from agreements import access, rules
from agreements.capabilities import ALLOW_CONCURRENT_TOURS
from agreements.models import (
    CLAUSE_FIELDS,
    Agreement,
    AgreementTemplate,
    AgreementVersion,
    CareerAlignment,
    Tour,
    TourStatus,
    VersionStatus,
)
from alliance.audit import audit_log, diff
from alliance.models import Membership
from alliance.permissions import membership_has

TOUR_FIELDS = ("title", "kind", "goal", "toward_ideal_self", "value_to_company", "start_date", "end_date")


def _locked_editable_tour(tour: Tour, actor: Membership) -> Tour:
    """`tour` fetched again through its organization under a row lock (its own row), for an edit by `actor`.
    Raises StateConflict when its state forbids edits (rules.tour_edit_conflict), then PermissionDenied when
    `actor` may not edit it (access.can_edit_tour). Call inside a transaction."""
    tour = (
        Tour.objects.for_organization(tour.organization_id)
        .select_for_update(of=("self",))
        .select_related("employee__user")
        .get(pk=tour.pk)
    )
    conflict = rules.tour_edit_conflict(tour)
    if conflict is not None:
        raise conflict
    if not access.can_edit_tour(actor, tour):
        raise PermissionDenied
    return tour


@transaction.atomic
def tour_create(*, actor: Membership, alignment: CareerAlignment, data: dict, previous: Tour | None = None) -> Tour:
    """Create a tour from an alignment, with its agreement and a first draft version from the template.

    `data` maps TOUR_FIELDS to values as the model holds them; `previous` (the tour this one follows) is kept
    only when it is the same employee's. Raises PermissionDenied for anyone but the employee or their manager,
    ValidationError keyed by field for a period the rules refuse (rules.validate_tour)."""
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
    rules.validate_tour(tour)
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
    """Change a draft tour's fields of TOUR_FIELDS given in `data` (and, for HR, `allow_concurrent`).

    Raises StateConflict once the tour is active, discarded or frozen by a request for signatures
    (rules.tour_edit_conflict), PermissionDenied for someone who may not edit it, ValidationError keyed by
    field for a period the rules refuse (rules.validate_tour)."""
    tour = _locked_editable_tour(tour, actor)
    for field in TOUR_FIELDS:
        if field in data:
            setattr(tour, field, data[field])
    if allow_concurrent is not None and membership_has(actor, ALLOW_CONCURRENT_TOURS):
        tour.allow_concurrent = allow_concurrent
    rules.validate_tour(tour)
    tour.save()
    audit_log("tour.update", obj=tour, actor=actor, changes=diff(tour))
    return tour


@transaction.atomic
def tour_discard(*, tour: Tour, actor: Membership) -> Tour:
    """Give up a draft tour: it and its agreement's draft versions are kept, marked discarded, and leave every
    list of current work. Who may edit the tour may discard it; an active, signed or frozen tour refuses."""
    tour = _locked_editable_tour(tour, actor)
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
    """HR allows (or no longer allows) `tour` to run beside another active tour of the same person.
    Raises PermissionDenied for anyone but HR."""
    if not membership_has(actor, ALLOW_CONCURRENT_TOURS):
        raise PermissionDenied
    Tour.objects.for_organization(tour.organization_id).filter(pk=tour.pk).update(allow_concurrent=allow)
    audit_log("tour.allow_concurrent", obj=tour, actor=actor, changes={"allow_concurrent": [None, allow]})
