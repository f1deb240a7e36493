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


def end_tours_of_leaver(sender, *, membership, **kwargs) -> int:
    """alliance.signals.member_left: the leaver's active tours end early, their reason "left the organization"
    (services.tour_end_on_leaving), in the membership's organization scope (the signal may come from a
    request, the admin or a command). Runs inside the transaction that records the departure. Returns how many
    tours ended."""
    with organization_scope(membership.organization_id):
        tours = list(
            Tour.objects.for_organization(membership.organization_id).filter(employee=membership, status="active")
        )
        return sum(1 for tour in tours if services.tour_end_on_leaving(tour=tour) is not None)
