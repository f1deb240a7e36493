"""Demo data for amendments (seed_demo, after checkpoints.demo): the demo employee's signed tour gets one
amendment proposed at its first checkpoint (the goal's wording and a KPI target change, with a reason), which
every signer signed again, so its version page shows what changed from version 1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from agreements import selectors as agreement_selectors
from agreements import services as agreement_services
from agreements.models import KPI_FIELDS, AgreementVersion
from alliance.demo import DEMO_PASSWORD
from alliance.models import Membership, Organization
from checkpoints import selectors, services
from checkpoints.demo import active_demo_tour

REASON = (
    "第1回チェックポイントで、障害対応時間は手順書の整備が先に必要だと分かった。目標値を現実的な水準に見直し、"
    "ゴールの表現も「決済基盤の安定」を明確にする。"
)
GOAL_SUFFIX = "（決済の安定稼働を最優先にする）"
# The KPI whose target the amendment relaxes, and its new target.
KPI_NAME, NEW_TARGET = "障害対応時間", Decimal("45")


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Amend the demo employee's active tour once, from its first checkpoint, and have everyone sign it; does
    nothing when the agreement already has an amendment (so running seed_demo twice changes nothing).
    `today` (the seeding day) is not read: this story goes through services that check the real clock (a 1on1 is
    not held after today, a signature is stamped now), so its dates count from the real local date."""
    tour = active_demo_tour(organization, "employee")
    if tour is None:
        return
    agreement = tour.agreement
    if AgreementVersion.objects.filter(agreement=agreement, is_amendment=True).exists():
        return
    first = selectors.tour_checkpoints(tour).first()
    current = agreement_selectors.current_version(agreement)
    if first is None or current.status != "signed":
        return
    manager = tour.employee.manager
    kpis = []
    for kpi in current.kpis.order_by("position", "id"):
        row = {field: getattr(kpi, field) for field in KPI_FIELDS}
        if kpi.name == KPI_NAME:
            row["target"] = NEW_TARGET
        kpis.append(row)
    draft = services.checkpoint_propose_amendment(
        checkpoint=first,
        actor=manager,
        goal=tour.goal + GOAL_SUFFIX,
        end_date=tour.end_date,
        reason=REASON,
        kpis=kpis,
        base_number=current.number,
    )
    version = agreement_services.agreement_request_signatures(version=draft, actor=manager)
    signers = [tour.employee, manager]
    if version.requires_hr:
        signers.append(
            Membership.objects.filter(organization=organization, role="hr", status="active")
            .exclude(pk=manager.pk)
            .first()
        )
    for signer in signers:
        agreement_services.agreement_sign(
            version=version, actor=signer, password=DEMO_PASSWORD, content_hash=version.content_hash
        )
