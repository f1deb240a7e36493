"""State changes of the core: invitations and memberships. Views call these; they never write models directly."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.audit import audit_log, diff
from alliance.models import Invitation, Membership, MembershipStatus, Organization, Role, User


class InvitationError(Exception):
    """An invitation link that cannot be used; the message is shown to the person who opened it."""


def _check_manager(*, organization: Organization, manager: Membership | None) -> None:
    if manager is None:
        return
    if manager.organization_id != organization.pk or manager.status != MembershipStatus.ACTIVE:
        raise ValidationError({"manager": _("Choose an active member of this organization.")})


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    invited_by: User,
    email: str,
    role: str = Role.EMPLOYEE,
    manager: Membership | None = None,
    job_title: str = "",
) -> tuple[Invitation, str]:
    """Invite `email`; returns the invitation and its one-time token (only its hash is stored)."""
    email = email.strip().lower()
    _check_manager(organization=organization, manager=manager)
    if (
        Membership.objects.for_organization(organization)
        .filter(user__email__iexact=email, status=MembershipStatus.ACTIVE)
        .exists()
    ):
        raise ValidationError({"email": _("This person is already an active member of this organization.")})
    # A new invitation replaces any pending one for the same address, so only the newest link works.
    Invitation.objects.for_organization(organization).pending().filter(email__iexact=email).update(
        revoked_at=timezone.now()
    )
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        manager=manager,
        job_title=job_title,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=Invitation.default_expiry(),
    )
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        Membership.objects.get_or_create(
            organization=organization,
            user=existing,
            defaults={"role": role, "status": MembershipStatus.INVITED, "manager": manager, "job_title": job_title},
        )
    from alliance.tasks import enqueue, send_invitation_email

    transaction.on_commit(lambda: enqueue(send_invitation_email, invitation.pk, token))
    audit_log("invitation.create", obj=invitation, changes=diff(invitation, ["email", "role", "manager", "job_title"]))
    return invitation, token


def invitation_by_token(token: str) -> Invitation:
    """The invitation a link names, or an InvitationError saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("organization").filter(token_hash=Invitation.hash_token(token)).first()
    )
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid. Check that you copied the whole link."))
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used. Sign in to reach the organization."))
    if invitation.revoked_at is not None:
        raise InvitationError(_("This invitation was withdrawn or replaced by a newer one. Ask HR for a new link."))
    if invitation.is_expired:
        raise InvitationError(_("This invitation has expired. Ask HR to send you a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Make `user` an active member as the invitation says; the link works once and only for its address."""
    invitation = invitation_by_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used. Sign in to reach the organization."))
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            _("This invitation was sent to another e-mail address. Sign in with the address it was sent to.")
        )
    today = timezone.localdate()
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization,
        user=user,
        defaults={
            "role": invitation.role,
            "status": MembershipStatus.ACTIVE,
            "manager": invitation.manager,
            "job_title": invitation.job_title,
            "joined_on": today,
        },
    )
    if not created:
        # An invited placeholder or a returning alumnus (a boomerang hire) becomes active again.
        membership.role = invitation.role
        membership.status = MembershipStatus.ACTIVE
        membership.manager = invitation.manager
        membership.job_title = invitation.job_title or membership.job_title
        membership.joined_on = membership.joined_on if membership.left_on is None else today
        membership.left_on = None
        membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log("membership.join", obj=membership, actor=membership, changes=diff(membership))
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        Membership.objects.for_organization(invitation.organization).filter(
            user__email__iexact=invitation.email, status=MembershipStatus.INVITED
        ).delete()
        audit_log("invitation.revoke", obj=invitation, changes=diff(invitation, ["revoked_at"]))


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: Membership,
    role: str,
    manager: Membership | None,
    job_title: str,
) -> Membership:
    _check_manager(organization=membership.organization, manager=manager)
    if manager is not None and manager.pk == membership.pk:
        raise ValidationError({"manager": _("A member cannot be their own manager.")})
    # Walk up the chain so that no reporting loop is made (A reports to B who reports to A).
    seen, cursor = set(), manager
    while cursor is not None and cursor.pk not in seen:
        if cursor.pk == membership.pk:
            raise ValidationError({"manager": _("This choice would make a reporting loop.")})
        seen.add(cursor.pk)
        cursor = cursor.manager
    if membership.pk == actor.pk and role != Role.HR:
        raise ValidationError({"role": _("You cannot remove your own HR role. Ask another HR member.")})
    membership.role = role
    membership.manager = manager
    membership.job_title = job_title
    membership.save(update_fields=["role", "manager", "job_title"])
    audit_log("membership.update", obj=membership, actor=actor, changes=diff(membership))
    return membership


@transaction.atomic
def organization_update(*, organization: Organization, form, values_formset) -> Organization:
    """Save the organization's profile and its values (new rows get this organization)."""
    organization = form.save()
    for value in values_formset.save(commit=False):
        value.organization = organization
        value.save()
    audit_log("organization.update", obj=organization, changes=diff(organization))
    return organization
