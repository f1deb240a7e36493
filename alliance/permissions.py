"""Who may do what: one registry of named capabilities, the role map built from it, and the `access_*` helpers.

A capability names a decision, about a page or about a record ("may countersign", "reads every member's tours").
The core declares its own below; each feature app declares its capabilities next to its code
(`agreements/capabilities.py`) with `register_capability`, at import time of that module, which the app's
`AppConfig.ready()` imports. Views state the capability each HTTP method needs (`TenantView.capabilities`);
services, selectors and templates ask `membership_has` (templates: `"name" in capabilities`, from
`alliance.context_processors.tenancy`, or `member|has_capability:"name"` for another member). Nothing else
compares role strings. Object-level grants that go beyond roles (an employee sharing a record with a mentor) live
in django-guardian and are reached only from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from alliance.models import Department, Invitation, Membership, MembershipStatus, Notice, Role

# The holder kinds a capability is granted to: the three roles of an active member, and alumni (whatever their
# role was). An invited membership (not accepted yet) holds nothing.
ALUMNI = "alumni"
HOLDERS = (Role.EMPLOYEE, Role.MANAGER, Role.HR, ALUMNI)


@dataclass(frozen=True)
class Capability:
    """One registered capability: its `name`, the holder kinds granted it (HOLDERS), what it lets one do."""

    name: str
    holders: frozenset[str]
    description: str


CAPABILITIES: dict[str, Capability] = {}


def register_capability(name: str, *, holders: Iterable[str], description: str) -> str:
    """Declare capability `name`, granted to `holders` (values of `Role`, or `ALUMNI`), and return `name`.

    Called at import time by the module that owns the capability, so a constant and its grant sit together.
    Registering the same name again with the same holders is a no-op (a module imported twice); with other
    holders it raises ImproperlyConfigured, so two apps never silently disagree on one name.
    """
    capability = Capability(name=name, holders=frozenset(str(h) for h in holders), description=description)
    unknown = capability.holders - {str(h) for h in HOLDERS}
    if unknown:
        raise ImproperlyConfigured(f"capability {name!r}: unknown holders {sorted(unknown)}")
    known = CAPABILITIES.get(name)
    if known is not None and known.holders != capability.holders:
        raise ImproperlyConfigured(f"capability {name!r} is registered twice with different holders")
    CAPABILITIES[name] = capability
    return name


_EMPLOYEE = (Role.EMPLOYEE, Role.MANAGER, Role.HR)
_MANAGERS = (Role.MANAGER, Role.HR)
_HR = (Role.HR,)

VIEW_DASHBOARD = register_capability(
    "view_dashboard", holders=_EMPLOYEE, description="Open the organization's pages as an active member."
)
VIEW_OWN_RECORDS = register_capability(
    "view_own_records", holders=_EMPLOYEE, description="Read and write one's own records (alignments, tours...)."
)
READ_OWN_RECORDS = register_capability(
    "read_own_records",
    holders=(*_EMPLOYEE, ALUMNI),
    description="Read one's own records (alignments, tours, agreements and their PDFs, checkpoints, the career "
    "timeline); alumni keep this after leaving, for their own records only (the access helpers say which).",
)
VIEW_ALUMNI_PAGES = register_capability(
    "view_alumni_pages",
    holders=(*_EMPLOYEE, ALUMNI),
    description="The home page, notifications and alumni pages; alumni keep these after leaving.",
)
VIEW_REPORTS = register_capability(
    "view_reports",
    holders=_MANAGERS,
    description="Have reports: be named someone's manager, see the team and act as their manager.",
)
VIEW_MEMBERS = register_capability("view_members", holders=_HR, description="List every member.")
MANAGE_MEMBERS = register_capability(
    "manage_members", holders=_HR, description="Invite members, change roles and managers."
)
MANAGE_ORGANIZATION = register_capability(
    "manage_organization", holders=_HR, description="Edit the organization's settings."
)
VIEW_ORG_STATISTICS = register_capability(
    "view_org_statistics", holders=_HR, description="See counts across the whole organization."
)
VIEW_AUDIT = register_capability("view_audit", holders=_HR, description="Read the audit trail.")
VIEW_FAILED_NOTICES = register_capability(
    "view_failed_notices",
    holders=_HR,
    description="See the organization's notices that could not be sent (or may not have left), with their error.",
)
REPORTS_TO_MANAGER = register_capability(
    "reports_to_manager",
    holders=(Role.EMPLOYEE, Role.MANAGER),
    description="Is expected to have a manager: without one, the members list flags it (HR answers to nobody).",
)


def holder_of(membership: Membership | None) -> str | None:
    """The holder kind `membership` counts as: its role while active, ALUMNI once left, None otherwise."""
    if membership is None:
        return None
    if membership.status == MembershipStatus.ACTIVE:
        return str(membership.role)
    if membership.status == MembershipStatus.ALUMNI:
        return ALUMNI
    return None


# Set on a request's membership (alliance.account_security.HrMfaRequiredMiddleware) when it is HR in an organization
# requiring two-factor authentication that the user has not set up: until they do, the capabilities only HR holds
# are withheld on every page, so HR powers used from a page everyone opens (another member's records, an HR
# countersignature) wait for the second factor as the HR pages do.
HR_MFA_PENDING_ATTRIBUTE = "hr_mfa_pending"


def is_hr_only(capability: Capability) -> bool:
    """Whether the HR role is `capability`'s only holder: the pages needing one are HR pages."""
    return capability.holders == {str(Role.HR)}


def _withheld(membership, capability: Capability) -> bool:
    return getattr(membership, HR_MFA_PENDING_ATTRIBUTE, False) and is_hr_only(capability)


def capabilities_of(membership: Membership | None) -> frozenset[str]:
    """Every registered capability `membership` holds (empty for None and for an invited membership; without the
    HR-only ones while its two-factor setup is pending, HR_MFA_PENDING_ATTRIBUTE)."""
    holder = holder_of(membership)
    if holder is None:
        return frozenset()
    return frozenset(
        name for name, cap in CAPABILITIES.items() if holder in cap.holders and not _withheld(membership, cap)
    )


def membership_has(membership: Membership | None, capability: str) -> bool:
    """Whether `membership` holds `capability`. An unregistered name raises KeyError: a typo never reads as 'no'.
    False for an HR-only capability while the membership's two-factor setup is pending (HR_MFA_PENDING_ATTRIBUTE)."""
    holder = holder_of(membership)
    cap = CAPABILITIES[capability]
    return holder is not None and holder in cap.holders and not _withheld(membership, cap)


def roles_with(capability: str) -> list[str]:
    """The `Role` values whose active members hold `capability`, for queries (`role__in=roles_with(...)`)."""
    return [str(role) for role in Role if str(role) in CAPABILITIES[capability].holders]


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


def access_department(*, membership: Membership, pk: int) -> Department:
    """A department of `membership`'s organization (archived ones too); 404 for another organization's."""
    department = Department.objects.for_organization(membership.organization).filter(pk=pk).first()
    if department is None:
        raise Http404
    return department


def access_pending_invitation(*, membership: Membership, pk: int) -> Invitation:
    """A pending invitation of `membership`'s organization; 404 for another organization's or a settled one."""
    invitation = Invitation.objects.for_organization(membership.organization).pending().filter(pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def access_own_notice(*, membership: Membership, pk: int) -> Notice:
    """One of `membership`'s own notices in its organization; 404 for anyone else's."""
    notice = Notice.objects.filter(organization=membership.organization, recipient=membership, pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def grant_object_access(*, user, obj: models.Model, perm: str) -> None:
    """Give one user one permission on one object (e.g. a mentor reading a shared alignment)."""
    assign_perm(perm, user, obj)


def revoke_object_access(*, user, obj: models.Model, perm: str) -> None:
    """Take back what `grant_object_access` gave; a grant that does not exist is no error."""
    remove_perm(perm, user, obj)
