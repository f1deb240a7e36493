"""Shared by the agreements pages: the 409 page for state rules, request info, small parsing helpers."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from agreements import access, services
from alliance.models import Membership


def request_info(request) -> services.RequestInfo:
    """Who acted from where (client address, user agent), as the signing services record it."""
    return services.RequestInfo.from_request(request)


class StateConflictMixin:
    """Answer a state rule (confirmed, active, signed, discarded...) with a 409 page that names the state and
    the next step, never with the 403 meant for a role that may not act. Put it first in a view's bases so it
    also covers what the resolvers of `TenantView.url_objects` raise."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except services.StateConflict as conflict:
            return state_conflict_response(request, conflict)


def state_conflict_response(request, conflict: services.StateConflict):
    next_url = None
    if conflict.next_url_name and all(arg is not None for arg in conflict.next_url_args):
        next_url = reverse(conflict.next_url_name, args=[request.organization.slug, *conflict.next_url_args])
    return render(
        request,
        "agreements/conflict.html",
        {"conflict": conflict, "next_url": next_url},
        status=409,
    )


def is_party(membership: Membership, employee: Membership) -> bool:
    """The employee or their manager: the people whose role lets them write STEP 2-3 records."""
    return employee.pk == membership.pk or access.is_manager_of(membership, employee)


def int_or_404(value) -> int:
    """`value` (a POSTed or queried id) as an int; Http404 when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
