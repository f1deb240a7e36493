"""Reads for the STEP 1-3 pages: each takes the organization (through a membership) and prefetches what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from agreements import access
from agreements.models import (
    AgreementVersion,
    AlignmentStatus,
    CareerAlignment,
    Tour,
    TourStatus,
    VersionStatus,
)
from alliance.models import Membership, MembershipStatus, Organization
from alliance.selectors import by_reading, person_search


@dataclass
class PersonAlliance:
    """One person's state at a glance: their latest alignment, current tour, its agreement's latest version."""

    member: Membership
    alignment: CareerAlignment | None
    tour: Tour | None
    version: AgreementVersion | None
    # The latest signed version of the current tour's agreement (an amendment may be drafted on top of it).
    signed_version: AgreementVersion | None = None
    # Whether any alignment exists, visible to the viewer or not: HR learns the step, never the content.
    has_alignment: bool = False

    @property
    def stage(self) -> str:
        if self.version is not None and self.version.status == VersionStatus.PENDING:
            return "pending"
        if self.signed_version is not None:
            return "signed"
        if self.tour is not None:
            return "agreement_draft"
        if self.alignment is not None or self.has_alignment:
            return "aligned"
        return "start"

    @property
    def amending(self) -> bool:
        return self.signed_version is not None and self.version is not None and self.version != self.signed_version


_TOUR_ORDER = ["-start_date", "-id"]


def _latest_versions():
    return Prefetch(
        "agreement__versions", queryset=AgreementVersion.objects.order_by("-number"), to_attr="ordered_versions"
    )


def team_members(*, viewer: Membership, query: str = ""):
    """The active people on the team page: a manager's reports, or everyone for HR; in 五十音順, filtered by
    `query` on name, reading or e-mail however they were typed (alliance.selectors.person_search)."""
    members = Membership.objects.for_organization(viewer.organization).filter(status=MembershipStatus.ACTIVE)
    if not access.is_hr(viewer):
        members = members.filter(manager=viewer)
    return by_reading(members.filter(person_search(query)).select_related("user", "manager__user"))


def people_alliance(*, viewer: Membership, members) -> list[PersonAlliance]:
    """The alliance state of each of `members`, in a fixed number of queries whatever their count."""
    members = list(members)
    ids = [m.pk for m in members]
    alignments = {}
    for alignment in (
        access.visible_alignments(membership=viewer).filter(employee_id__in=ids).order_by("-held_on", "-id")
    ):
        alignments.setdefault(alignment.employee_id, alignment)
    aligned_ids = set(
        CareerAlignment.objects.for_organization(viewer.organization_id)
        .filter(employee_id__in=ids)
        .values_list("employee_id", flat=True)
        .distinct()
    )
    tours = {}
    tour_qs = (
        Tour.objects.for_organization(viewer.organization)
        .filter(employee_id__in=ids)
        .exclude(status__in=[TourStatus.COMPLETED, TourStatus.ENDED_EARLY])
        .select_related("agreement")
        .prefetch_related(_latest_versions())
        .order_by(*_TOUR_ORDER)
    )
    for tour in tour_qs:
        tours.setdefault(tour.employee_id, tour)
    result = []
    for member in members:
        tour = tours.get(member.pk)
        version = signed = None
        if tour is not None and hasattr(tour, "agreement"):
            versions = tour.agreement.ordered_versions
            version = versions[0] if versions else None
            signed = next((v for v in versions if v.status == VersionStatus.SIGNED), None)
        result.append(
            PersonAlliance(
                member=member,
                alignment=alignments.get(member.pk),
                tour=tour,
                version=version,
                signed_version=signed,
                has_alignment=member.pk in aligned_ids,
            )
        )
    return result


def person_alliance(*, viewer: Membership, member: Membership) -> PersonAlliance:
    return people_alliance(viewer=viewer, members=[member])[0]


def alignment_history(*, viewer: Membership, member: Membership):
    return (
        access.visible_alignments(membership=viewer)
        .filter(employee=member)
        .select_related("manager__user")
        .order_by("-held_on", "-id")
    )


def tour_history(*, member: Membership):
    return (
        Tour.objects.for_organization(member.organization)
        .filter(employee=member)
        .select_related("agreement", "previous")
        .prefetch_related(_latest_versions())
        .order_by(*_TOUR_ORDER)
    )


def hr_stage_counts(*, organization: Organization) -> dict[str, int]:
    """Aggregates for HR: how many people are at each step. Counts only: no aspiration is read."""
    active = Membership.objects.for_organization(organization).filter(status=MembershipStatus.ACTIVE)
    aligned = CareerAlignment.objects.for_organization(organization).values("employee").distinct().count()
    confirmed = (
        CareerAlignment.objects.for_organization(organization)
        .filter(status=AlignmentStatus.CONFIRMED)
        .values("employee")
        .distinct()
        .count()
    )
    tours = Tour.objects.for_organization(organization).aggregate(
        draft=Count("id", filter=Q(status=TourStatus.DRAFT)),
        active=Count("id", filter=Q(status=TourStatus.ACTIVE)),
        completed=Count("id", filter=Q(status=TourStatus.COMPLETED)),
    )
    versions = AgreementVersion.objects.for_organization(organization).aggregate(
        pending=Count("id", filter=Q(status=VersionStatus.PENDING)),
        signed=Count("id", filter=Q(status=VersionStatus.SIGNED)),
    )
    return {
        "members": active.count(),
        "aligned": aligned,
        "confirmed": confirmed,
        "tours_draft": tours["draft"],
        "tours_active": tours["active"],
        "tours_completed": tours["completed"],
        "versions_pending": versions["pending"],
        "versions_signed": versions["signed"],
    }


def alignments_hidden_from(*, employee: Membership, reader: Membership):
    """`employee`'s alignments that `reader` cannot read now (held with someone else, never shared with them)."""
    return (
        CareerAlignment.objects.for_organization(employee.organization_id)
        .filter(employee=employee)
        .exclude(pk__in=access.visible_alignments(membership=reader).values("pk"))
    )


def open_share_offer(*, membership: Membership):
    """The manager change whose "share your earlier alignments with your new manager?" offer `membership`
    has not answered yet, or None: only for their current manager, and only while some earlier alignment is
    hidden from that manager."""
    from alliance.models import ManagerChange

    if membership.status != MembershipStatus.ACTIVE or membership.manager_id is None:
        return None
    change = (
        ManagerChange.objects.for_organization(membership.organization_id)
        .filter(membership=membership, new_manager_id=membership.manager_id, share_offer_closed_at__isnull=True)
        .select_related("new_manager__user")
        .order_by("-changed_at", "-id")
        .first()
    )
    if change is None or not access.is_manager_of(change.new_manager, membership):
        return None
    if not alignments_hidden_from(employee=membership, reader=change.new_manager).exists():
        return None
    return change
