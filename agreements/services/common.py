"""Helpers the services of STEP 1-3 share: where a request came from, the locked version, the signing record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from agreements import access, rules
from agreements.models import AgreementVersion, SigningEvent
from alliance.conflicts import StateConflict
from alliance.models import Membership
from alliance.security import client_ip


@dataclass(frozen=True)
class RequestInfo:
    """Where an action came from, as recorded on signatures and the signing record."""

    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> RequestInfo:
        """The client address (alliance.security.client_ip) and the user agent, cut to 500 characters."""
        return cls(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:500])


def locked_version(version: AgreementVersion) -> AgreementVersion:
    """`version` fetched again under a row lock (its own row only), with the tour, the people and the
    organization the signing services read. Call inside a transaction."""
    return (
        AgreementVersion.objects.for_organization(version.organization_id)
        .select_for_update(of=("self",))
        .select_related("agreement__tour__employee__user", "agreement__tour__employee__manager__user", "organization")
        .get(pk=version.pk)
    )


def locked_editable_version(
    version: AgreementVersion,
    actor: Membership,
    *,
    conflict: Callable[[AgreementVersion], StateConflict | None] = rules.version_edit_conflict,
) -> AgreementVersion:
    """`version` locked (`locked_version`) for a write by `actor` on its content or its signing request.

    Raises PermissionDenied when `actor` may not edit the agreement (access.can_edit_agreement), then the
    StateConflict `conflict(version)` returns, if any (default: rules.version_edit_conflict, a draft only).
    Call inside a transaction."""
    version = locked_version(version)
    if not access.can_edit_agreement(actor, version.agreement):
        raise PermissionDenied
    state = conflict(version)
    if state is not None:
        raise state
    return version


def record_event(version, kind, *, actor=None, role="", info: RequestInfo | None = None, reason="") -> SigningEvent:
    """Add one line to the signing record of `version` (printed on the PDF's last page): `kind` an EventKind,
    `actor` the Membership who acted (None for the system), `role` the role they acted in."""
    info = info or RequestInfo()
    return SigningEvent.objects.create(
        organization=version.organization,
        version=version,
        kind=kind,
        actor=actor,
        role=role,
        ip_address=info.ip,
        user_agent=info.user_agent,
        content_hash=version.content_hash,
        reason=reason,
    )
