"""What the checkpoints app does when another app's signal arrives (connected in CheckpointsConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext

from agreements.models import AgreementVersion, Tour, TourStatus
from alliance.models import Organization
from alliance.tenancy import organization_scope
from checkpoints import services


def schedule_on_signature(sender, *, version: AgreementVersion, **kwargs) -> None:
    """agreements.signals.version_signed: schedule the checkpoints of the signed version's tour, in that
    version's organization scope (the signal may arrive from a request, a task or the demo seeder); an
    amendment's signature finds the schedule made and fits its unheld future checkpoints to the tour's period,
    which the amendment may have moved (checkpoints_reschedule). Idempotent: a second signal changes nothing."""
    with organization_scope(version.organization_id):
        tour = Tour.objects.get(agreement__versions=version)
        if not services.checkpoints_schedule(tour=tour) and version.proposed_end_date is not None:
            services.checkpoints_reschedule(
                tour=tour,
                reason=gettext("Amendment version %(n)s changed the period: no date is left for this checkpoint.")
                % {"n": version.number},
            )


def reschedule_on_interval_change(sender, *, organization: Organization, **kwargs) -> None:
    """alliance.signals.checkpoint_interval_changed: move the unheld future checkpoints of every active tour of
    `organization` to the new interval (checkpoints_reschedule), in the same transaction as HR's change.
    Tours of other organizations are never read. Idempotent."""
    with organization_scope(organization.pk):
        tours = Tour.objects.for_organization(organization.pk).filter(status=TourStatus.ACTIVE).order_by("pk")
        for tour in tours:
            services.checkpoints_reschedule(
                tour=tour,
                reason=gettext("The checkpoint interval changed: no date is left for this checkpoint."),
            )


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
