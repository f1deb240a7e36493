"""What the checkpoints app does when another app's signal arrives (connected in CheckpointsConfig.ready)."""

from __future__ import annotations

from agreements.models import AgreementVersion, Tour
from alliance.tenancy import organization_scope
from checkpoints import services


def schedule_on_signature(sender, *, version: AgreementVersion, **kwargs) -> None:
    """agreements.signals.version_signed: schedule the checkpoints of the signed version's tour, in that
    version's organization scope (the signal may arrive from a request, a task or the demo seeder). Idempotent:
    an amendment's signature finds the schedule made and creates nothing."""
    with organization_scope(version.organization_id):
        tour = Tour.objects.get(agreement__versions=version)
        services.checkpoints_schedule(tour=tour)
