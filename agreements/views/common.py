"""Shared by the agreements pages: request info and small parsing helpers (the 409 page for state rules is
the core's: alliance.tenancy.TenantView)."""

from __future__ import annotations

from django.http import Http404

from agreements import access, services
from alliance.models import Membership


def request_info(request) -> services.RequestInfo:
    """Who acted from where (client address, user agent), as the signing services record it."""
    return services.RequestInfo.from_request(request)


def is_party(membership: Membership, employee: Membership) -> bool:
    """The employee or their manager: the people whose role lets them write STEP 2-3 records."""
    return employee.pk == membership.pk or access.is_manager_of(membership, employee)


def int_or_404(value) -> int:
    """`value` (a POSTed or queried id) as an int; Http404 when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
