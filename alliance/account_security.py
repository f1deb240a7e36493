"""Account security that spans every page: the idle-session timeout and the two-factor requirement an organization
may set for its HR members (Organization.hr_requires_mfa).

Which pages are "HR pages" is not listed anywhere by hand: a page is one when the capability its HTTP method needs
(TenantView.capabilities) is held by the HR role alone (`hr_only_capabilities`), so a new HR page is covered the
day it declares its capability. The Django admin counts as an HR page for a staff user who is HR in any
organization requiring two-factor authentication.
"""

from __future__ import annotations

import time

from allauth.mfa import signals as mfa_signals
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_scopes import scopes_disabled

from alliance import services
from alliance.models import Membership, MembershipStatus, Role
from alliance.permissions import CAPABILITIES, HR_MFA_PENDING_ATTRIBUTE, is_hr_only

# Session key of the page an HR member was going to when sent to set up two-factor authentication; the MFA
# pages offer to continue there once it is on (alliance.views.MfaContinueView).
MFA_NEXT_SESSION_KEY = "alliance_mfa_next"
# Session key of the last request's time (seconds since the epoch) that moved the session's expiry.
_ACTIVITY_SESSION_KEY = "alliance_activity"


def hr_only_capabilities() -> frozenset[str]:
    """The registered capabilities whose only holder is the HR role: the pages needing one are HR pages."""
    return frozenset(name for name, cap in CAPABILITIES.items() if is_hr_only(cap))


def needs_mfa_setup_for_organization(membership: Membership | None, user) -> bool:
    """Whether `membership` (the requesting user's own, in the URL's organization) is an active HR member of an
    organization requiring two-factor authentication while `user` has no authenticator (recovery codes alone do
    not count). One query, only for HR members of such organizations."""
    if membership is None or membership.status != MembershipStatus.ACTIVE or membership.role != Role.HR:
        return False
    if not membership.organization.hr_requires_mfa:
        return False
    return not is_mfa_enabled(user)


def needs_mfa_setup_for_admin(user) -> bool:
    """Whether staff `user` is an active HR member of any organization requiring two-factor authentication and
    has no authenticator: the admin then waits until it is set up."""
    if not (user.is_authenticated and user.is_staff):
        return False
    with scopes_disabled():
        # Across organizations on purpose: the admin is not inside one; only the user's own memberships are read.
        required = Membership.objects.filter(
            user=user, status=MembershipStatus.ACTIVE, role=Role.HR, organization__hr_requires_mfa=True
        ).exists()
    return required and not is_mfa_enabled(user)


def mfa_required_redirect(request) -> HttpResponseRedirect:
    """The redirect to the page asking the member to set up two-factor authentication, carrying where they were
    going (`next`, this request's path and query) when that is a safe, same-site page fetched with GET."""
    url = reverse("mfa_required")
    if request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    return HttpResponseRedirect(url)


def safe_next(request, value: str | None) -> str | None:
    """`value` when it is a path on this site (no other host or scheme), else None."""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return None


class HrMfaRequiredMiddleware:
    """Send an HR member without two-factor authentication to set it up before an HR page of an organization that
    requires it, or the admin when they are HR in any such organization. Runs after TenantMiddleware (which sets
    `request.membership`) and before the view, so neither the page nor its objects are read."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.hr_only = None

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.namespace == "admin":
            return mfa_required_redirect(request) if needs_mfa_setup_for_admin(request.user) else None
        view_class = getattr(view_func, "view_class", None)
        capability_for = getattr(view_class, "capability_for", None)
        if capability_for is None or request.membership is None:
            return None
        if self.hr_only is None:
            # Capabilities are registered at import time by the apps' ready(), before the first request.
            self.hr_only = hr_only_capabilities()
        if not needs_mfa_setup_for_organization(request.membership, request.user):
            return None
        if capability_for(request.method) in self.hr_only:
            return mfa_required_redirect(request)
        # A page everyone opens: reached, but without the HR-only capabilities (another member's records, an HR
        # countersignature), which wait for the second factor like the HR pages.
        setattr(request.membership, HR_MFA_PENDING_ATTRIBUTE, True)
        return None


class IdleSessionMiddleware:
    """End a session after settings.SESSION_IDLE_MINUTES without a request.

    The session's lifetime is SESSION_COOKIE_AGE (the idle time); a request of a signed-in user moves its
    expiry forward by saving the session, but at most once per SESSION_IDLE_REFRESH_SECONDS, so a page view
    does not write the session row every time. A session therefore lasts between the idle time minus that
    interval and the idle time after the last request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = time.time()
            last = session.get(_ACTIVITY_SESSION_KEY, 0)
            if now - last >= settings.SESSION_IDLE_REFRESH_SECONDS:
                session[_ACTIVITY_SESSION_KEY] = int(now)
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="alliance.account_security.mark_activity")
def mark_activity_at_sign_in(sender, request, user, **kwargs):
    """A sign-in is activity: recorded with the session it creates, so the next request need not save it again."""
    if request is not None and hasattr(request, "session"):
        request.session[_ACTIVITY_SESSION_KEY] = int(time.time())


def _record_mfa_change(change: str):
    def receiver_(sender, request=None, user=None, authenticator=None, **kwargs):
        services.mfa_change_recorded(user=user, change=change, method=authenticator.type)

    receiver_.__name__ = f"record_mfa_{change}"
    receiver_.__doc__ = f"Audit a two-factor method {change} by the user (alliance.services.mfa_change_recorded)."
    return receiver_


# allauth's signals of a method added, removed or reset (recovery codes renewed): each organization the person
# is an active member of keeps a row, since allauth deletes a removed method.
for _change, _signal in (
    ("added", mfa_signals.authenticator_added),
    ("removed", mfa_signals.authenticator_removed),
    ("reset", mfa_signals.authenticator_reset),
):
    _signal.connect(_record_mfa_change(_change), weak=False, dispatch_uid=f"alliance.account_security.mfa_{_change}")
