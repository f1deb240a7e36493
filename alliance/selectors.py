from django.db.models import Count, Q, QuerySet

from alliance.models import Invitation, Membership, MembershipStatus, Organization, Role


def memberships_of_user(*, user) -> QuerySet[Membership]:
    """The organizations a user may open (the switcher): active and alumni memberships only."""
    return (
        Membership.objects.filter(user=user, status__in=[MembershipStatus.ACTIVE, MembershipStatus.ALUMNI])
        .select_related("organization")
        .order_by("organization__name")
    )


def member_list(
    *,
    organization: Organization,
    query: str = "",
    role: str = "",
    status: str = "",
    manager_id: int | None = None,
    without_manager: bool = False,
) -> QuerySet[Membership]:
    """The members page's rows. `without_manager`: active members other than HR who report to nobody (left so
    by a manager's role change, until HR assigns one). An invited person's account name is not searched: the
    organization learns it only once they accept (Membership.shown_name)."""
    qs = Membership.objects.for_organization(organization).select_related("user", "manager__user")
    if query:
        by_name = Q(user__name__icontains=query) & ~Q(status=MembershipStatus.INVITED)
        qs = qs.filter(by_name | Q(user__email__icontains=query) | Q(job_title__icontains=query))
    if without_manager:
        qs = qs.filter(status=MembershipStatus.ACTIVE, manager__isnull=True).exclude(role=Role.HR)
    if role:
        qs = qs.filter(role=role)
    if status:
        qs = qs.filter(status=status)
    if manager_id:
        qs = qs.filter(manager_id=manager_id)
    return qs.order_by("user__name", "user__email")


def manager_choices(*, organization: Organization) -> QuerySet[Membership]:
    """Active members who can have reports: managers and HR."""
    return (
        Membership.objects.for_organization(organization)
        .filter(status=MembershipStatus.ACTIVE, role__in=[Role.MANAGER, Role.HR])
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def reports_of(*, membership: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.for_organization(membership.organization)
        .filter(manager=membership, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_organization(organization)
        .pending()
        .select_related("manager__user", "invited_by")
        .order_by("-created_at")
    )


def organization_counts(*, organization: Organization) -> dict[str, int]:
    """Head counts for the HR dashboard, in one query."""
    agg = Membership.objects.for_organization(organization).aggregate(
        active=Count("id", filter=Q(status=MembershipStatus.ACTIVE)),
        alumni=Count("id", filter=Q(status=MembershipStatus.ALUMNI)),
        invited=Count("id", filter=Q(status=MembershipStatus.INVITED)),
        employees=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.EMPLOYEE)),
        managers=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.MANAGER)),
        hr=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.HR)),
        without_manager=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.EMPLOYEE, manager__isnull=True)),
    )
    agg["pending_invitations"] = Invitation.objects.for_organization(organization).pending().count()
    return agg


def manager_changes(*, membership: Membership) -> QuerySet:
    """The record of `membership`'s manager changes, newest first, for HR (member edit page)."""
    from alliance.models import ManagerChange

    return (
        ManagerChange.objects.for_organization(membership.organization_id)
        .filter(membership=membership)
        .select_related("previous_manager__user", "new_manager__user", "changed_by")
        .order_by("-changed_at", "-id")
    )
