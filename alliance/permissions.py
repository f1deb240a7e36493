"""Who may do what: role capabilities declared once, and the `access_*` helpers that fetch through a tenant.

Views declare the capability they need (`TenantView.required_capability`); object-level grants that go beyond
roles (an employee sharing a record with a mentor) live in django-guardian and are reached only from here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from alliance.models import Membership, MembershipStatus, Role

VIEW_DASHBOARD = "view_dashboard"
VIEW_OWN_RECORDS = "view_own_records"
VIEW_REPORTS = "view_reports"
VIEW_MEMBERS = "view_members"
MANAGE_MEMBERS = "manage_members"
MANAGE_ORGANIZATION = "manage_organization"
VIEW_ORG_STATISTICS = "view_org_statistics"
VIEW_ALUMNI_PAGES = "view_alumni_pages"
VIEW_AUDIT = "view_audit"

_EMPLOYEE = {VIEW_DASHBOARD, VIEW_OWN_RECORDS, VIEW_ALUMNI_PAGES}
_MANAGER = _EMPLOYEE | {VIEW_REPORTS}
_HR = _MANAGER | {VIEW_MEMBERS, MANAGE_MEMBERS, MANAGE_ORGANIZATION, VIEW_ORG_STATISTICS, VIEW_AUDIT}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.EMPLOYEE: frozenset(_EMPLOYEE),
    Role.MANAGER: frozenset(_MANAGER),
    Role.HR: frozenset(_HR),
}
# Alumni keep their login and reach only the alumni pages of the organization they left.
ALUMNI_CAPABILITIES: frozenset[str] = frozenset({VIEW_ALUMNI_PAGES})


def capabilities_of(membership: Membership | None) -> frozenset[str]:
    if membership is None:
        return frozenset()
    if membership.status == MembershipStatus.ACTIVE:
        return ROLE_CAPABILITIES.get(membership.role, frozenset())
    if membership.status == MembershipStatus.ALUMNI:
        return ALUMNI_CAPABILITIES
    return frozenset()


def membership_has(membership: Membership | None, capability: str) -> bool:
    return capability in capabilities_of(membership)


def require(membership: Membership | None, capability: str) -> None:
    """Raise 403 for a member of the organization whose role lacks the capability."""
    if not membership_has(membership, capability):
        raise PermissionDenied


def access_membership(*, membership: Membership, pk: int, capability: str = VIEW_MEMBERS) -> Membership:
    """Another member of the same organization, as `membership` may see them; 404 when not theirs to see."""
    qs = Membership.objects.for_organization(membership.organization).select_related("user", "manager__user")
    try:
        target = qs.get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404 from None
    if target.pk == membership.pk or membership_has(membership, capability):
        return target
    if target.manager_id == membership.pk and membership_has(membership, VIEW_REPORTS):
        return target
    raise Http404


def grant_object_access(*, user, obj: models.Model, perm: str) -> None:
    """Give one user one permission on one object (e.g. a mentor reading a shared alignment)."""
    assign_perm(perm, user, obj)


def revoke_object_access(*, user, obj: models.Model, perm: str) -> None:
    remove_perm(perm, user, obj)
