"""Demo data for checkpoints (called by `seed_demo` through alliance.demo.DEMO_EXTENSIONS, after agreements'):
the demo employee's first checkpoint is held, recorded by both sides, and confirmed by the employee, so the
manager finds one to confirm."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from agreements.models import Tour, TourStatus
from alliance.models import Membership, Organization
from checkpoints import selectors, services
from checkpoints.models import CheckpointStatus

# Per KPI of the demo plan (agreements.demo.KPIS), the value and comment recorded at the first checkpoint.
MEASURED = {
    "決済成功率": (Decimal("98.60"), "リトライ処理の改善で失敗が減った。"),
    "障害対応時間": (Decimal("70"), "検知は早くなったが、復旧手順の整備がまだ。"),
}


def active_demo_tour(organization: Organization, local: str) -> Tour | None:
    """The active tour of the demo person `<local>@<slug>.example`, with its checkpoints scheduled, or None when
    they have none or no manager. The signature schedules a tour after the seeding transaction commits;
    scheduling here first is the same idempotent step, so the signal then finds the schedule made."""
    member = Membership.objects.filter(
        organization=organization, user__email=f"{local}@{organization.slug}.example"
    ).first()
    tour = Tour.objects.filter(employee=member, status=TourStatus.ACTIVE).select_related("employee__manager").first()
    if tour is None or tour.employee.manager is None:
        return None
    services.checkpoints_schedule(tour=tour)
    return tour


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Hold the first checkpoint of the demo employee's active tour today; does nothing once it is held.
    `today` (the seeding day) is not read: this story goes through services that check the real clock (a 1on1 is
    not held after today, a signature is stamped now), so its dates count from the real local date."""
    tour = active_demo_tour(organization, "employee")
    if tour is None:
        return
    first = selectors.tour_checkpoints(tour).first()
    if first is None or first.status != CheckpointStatus.SCHEDULED:
        return
    today = timezone.localdate()
    measurements = {
        row.kpi.pk: {
            "value": MEASURED.get(row.kpi.name, (row.kpi.target, ""))[0],
            "comment": MEASURED.get(row.kpi.name, (None, ""))[1],
        }
        for row in selectors.kpi_rows(first, selectors.version_in_force(tour))
    }
    shared = {"held_on": today, "confidence": 7}
    services.checkpoint_record(
        checkpoint=first,
        actor=tour.employee,
        data={
            **shared,
            "employee_alignment": "on_track",
            "employee_alignment_why": "",
            "reflection": "決済成功率は順調。障害対応は手順書づくりを後回しにしてしまった。",
        },
        measurements=measurements,
    )
    services.checkpoint_record(
        checkpoint=first,
        actor=tour.employee.manager,
        data={
            **shared,
            "manager_alignment": "drifting",
            "manager_alignment_why": "障害対応時間の改善が計画より遅れている。",
            "manager_notes": "次の四半期は復旧手順の整備を最優先に。必要ならSREチームの支援を頼もう。",
        },
        measurements=measurements,
    )
    services.checkpoint_confirm(checkpoint=first, actor=tour.employee)
