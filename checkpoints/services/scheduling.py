"""Scheduling: a tour's checkpoints are created once, when its agreement is first signed."""

from __future__ import annotations

from django.db import transaction

from agreements.models import Tour
from alliance.audit import audit_log
from alliance.models import Organization
from checkpoints import rules
from checkpoints.models import Checkpoint


@transaction.atomic
def checkpoints_schedule(*, tour: Tour) -> list[Checkpoint]:
    """Create the checkpoints of `tour` (rules.schedule_dates, at its organization's
    `checkpoint_interval_months`) and return them; return [] when the tour has checkpoints already.

    Idempotent: the tour row is locked while deciding, so two concurrent calls (the signal of an amendment
    arriving beside the first one's) create one schedule, and the unique (tour, sequence) constraint refuses a
    second one whatever the path. Rescheduling after an amendment that moves the period is not done here.
    Writes one audit row (`checkpoint.schedule`) when it creates anything."""
    tour = Tour.objects.for_organization(tour.organization_id).select_for_update().get(pk=tour.pk)
    if Checkpoint.objects.for_organization(tour.organization_id).filter(tour=tour).exists():
        return []
    interval = Organization.objects.only("checkpoint_interval_months").get(pk=tour.organization_id)
    planned = rules.schedule_dates(tour.start_date, tour.end_date, interval.checkpoint_interval_months)
    created = Checkpoint.objects.bulk_create(
        Checkpoint(organization_id=tour.organization_id, tour=tour, sequence=number, due_date=due, kind=kind)
        for number, (due, kind) in enumerate(planned, start=1)
    )
    audit_log(
        "checkpoint.schedule",
        obj=tour,
        changes={"checkpoints": [0, len(created)], "due_date": [None, [c.due_date.isoformat() for c in created]]},
    )
    return created
