"""State changes of the core: invitations and memberships. Views call these; they never write models directly."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from alliance.audit import audit_log, diff
from alliance.models import (
    Department,
    Invitation,
    ManagerChange,
    ManagerChangeReason,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    User,
)
from alliance.permissions import VIEW_REPORTS, roles_with
from alliance.signals import checkpoint_interval_changed, member_left, member_returned
from alliance.tenancy import organization_scope


class InvitationError(Exception):
    """An invitation link that cannot be used; the message is shown to the person who opened it."""


# The default of optional arguments that leave a field as it is (None would clear it).
KEEP = object()


def check_department(*, organization: Organization, department: Department | None, current_id: int | None = None):
    """Raise ValidationError on `department` unless it is None, the member's current one (`current_id`: an
    archived department stays with the members already in it) or an unarchived department of `organization`."""
    if department is None:
        return
    if department.organization_id != organization.pk:
        raise ValidationError({"department": _("Choose a department of this organization.")})
    if department.archived_at is not None and department.pk != current_id:
        message = _("The department %(name)s is archived. Choose another or unarchive it first.")
        raise ValidationError({"department": ValidationError(message, params={"name": department.name})})


def lock_department(
    *, organization: Organization, department: Department | None, current_id: int | None = None
) -> Department | None:
    """`check_department` on `department` as its row is now, locked (select_for_update) until the transaction
    ends, so that archiving it (department_archive, which takes the same lock) cannot slip between the check and
    the assignment: the one that comes second either sees it archived (ValidationError) or archives it with the
    member already in it (who keeps it). Returns the locked row (None for None). Call inside a transaction."""
    if department is None:
        return None
    if department.organization_id != organization.pk:
        check_department(organization=organization, department=department, current_id=current_id)
    locked = Department.objects.for_organization(organization).select_for_update().get(pk=department.pk)
    check_department(organization=organization, department=locked, current_id=current_id)
    return locked


def check_manager(*, organization: Organization, manager: Membership | None) -> None:
    """Raise ValidationError on `manager` unless it is None or an active member of `organization` whose role
    may have reports (manager or HR): the rule every path that sets a manager applies, the admin's too."""
    if manager is None:
        return
    if manager.organization_id != organization.pk or manager.status != MembershipStatus.ACTIVE:
        raise ValidationError({"manager": _("Choose an active member of this organization.")})
    if manager.role not in roles_with(VIEW_REPORTS):
        raise ValidationError({"manager": _("Choose a member whose role is manager or HR.")})


def _is_managing(role: str, status: str) -> bool:
    return status == MembershipStatus.ACTIVE and role in roles_with(VIEW_REPORTS)


def _record_manager_change(
    *, membership: Membership, previous_id: int | None, new: Membership | None, reason: str, by: User | None
) -> ManagerChange | None:
    """Record one change of `membership`'s manager (nothing when it did not change)."""
    new_id = new.pk if new is not None else None
    if previous_id == new_id:
        return None
    return ManagerChange.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        previous_manager_id=previous_id,
        new_manager=new,
        reason=reason,
        changed_by=by,
    )


def _detach_reports(*, manager: Membership, reason: str, by: User | None) -> int:
    """A membership that may no longer manage loses every report at once: they are left with no manager until
    HR assigns one (the members page marks them), and pending invitations stop naming it. Returns the count."""
    reports = list(Membership.objects.select_for_update().filter(manager=manager))
    for report in reports:
        _record_manager_change(membership=report, previous_id=manager.pk, new=None, reason=reason, by=by)
    Membership.objects.for_organization(manager.organization_id).filter(pk__in=[r.pk for r in reports]).update(
        manager=None
    )
    Invitation.objects.for_organization(manager.organization_id).pending().filter(manager=manager).update(manager=None)
    return len(reports)


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    invited_by: User,
    email: str,
    role: str = Role.EMPLOYEE,
    manager: Membership | None = None,
    job_title: str = "",
    reading: str = "",
    department: Department | None = None,
    name: str = "",
    joined_on=None,
) -> tuple[Invitation, str]:
    """Invite `email`; returns the invitation and its one-time token (only its hash is stored). `department`
    (an unarchived one of `organization`), `name` and `joined_on` (a date) pass to the membership on acceptance.
    Raises ValidationError by field."""
    email = email.strip().lower()
    department = lock_department(organization=organization, department=department)
    check_manager(organization=organization, manager=manager)
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
        reading=reading,
        department=department,
        name=name,
        joined_on=joined_on,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=Invitation.default_expiry(),
    )
    # No membership row is made for an address that already has an account: linking the invitation to the
    # account would show the organization that person's chosen name (members page, admin, search) before they
    # accept. invitation_accept makes the membership; until then the organization knows only the address.
    from alliance.tasks import enqueue, send_invitation_email

    transaction.on_commit(lambda: enqueue(send_invitation_email, invitation.pk, token, invitation.organization_id))
    audit_log(
        "invitation.create",
        obj=invitation,
        changes=diff(invitation, ["email", "role", "manager", "job_title", "department", "joined_on"]),
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation:
    """The invitation a link names, or an InvitationError saying why it cannot be used."""
    # Across organizations on purpose: the link is opened outside any organization, and its token's hash (a
    # 256-bit secret) names one row; the caller enters that invitation's organization (invitation_accept).
    with scopes_disabled():
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
def invitation_accept(*, token: str, user: User, reading: str | None = None) -> Membership:
    """Make `user` an active member as the invitation says; the link works once and only for its address.
    `reading`, when given, is the name's reading as the invitee confirmed it (already normalised by the form)."""
    invitation = invitation_by_token(token)
    # The link names its organization: the acceptance runs in that organization's scope.
    with organization_scope(invitation.organization_id):
        return _invitation_accept(invitation=invitation, user=user, reading=reading)


def _invitation_accept(*, invitation: Invitation, user: User, reading: str | None) -> Membership:
    invitation = (
        Invitation.objects.for_organization(invitation.organization_id).select_for_update().get(pk=invitation.pk)
    )
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used. Sign in to reach the organization."))
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            _("This invitation was sent to another e-mail address. Sign in with the address it was sent to.")
        )
    today = timezone.localdate()
    manager = invitation.manager
    department = invitation.department
    if department is not None and department.organization_id != invitation.organization_id:
        department = None
    if department is not None:
        # Archived since the invitation was sent: the newcomer is not placed in a department no longer offered
        # (locked, so that an archive cannot slip in before the membership is saved).
        department = (
            Department.objects.for_organization(invitation.organization_id).select_for_update().get(pk=department.pk)
        )
        if department.archived_at is not None:
            department = None
    if manager is not None and (
        not _is_managing(manager.role, manager.status) or manager.organization_id != invitation.organization_id
    ):
        # The manager named when the invitation was sent may have left or changed role since, or (an invitation
        # edited in the admin) belong to another organization, whose member never manages anyone here.
        manager = None
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization,
        user=user,
        defaults={
            "role": invitation.role,
            "status": MembershipStatus.ACTIVE,
            "manager": manager,
            "job_title": invitation.job_title,
            "department": department,
            "joined_on": invitation.joined_on or today,
        },
    )
    previous_manager_id = None if created else membership.manager_id
    returning_alumnus = not created and membership.status == MembershipStatus.ALUMNI
    previous_left_on = membership.left_on
    if not created:
        # An invited placeholder or a returning alumnus (a boomerang hire) becomes active again.
        membership.role = invitation.role
        membership.status = MembershipStatus.ACTIVE
        membership.manager = manager
        membership.job_title = invitation.job_title or membership.job_title
        membership.department = department or membership.department
        if membership.left_on is not None:
            membership.joined_on = invitation.joined_on or today
        elif invitation.joined_on is not None:
            membership.joined_on = invitation.joined_on
        membership.left_on = None
        membership.save()
    if reading is not None and reading != user.reading:
        user.reading = reading
        user.save(update_fields=["reading"])
    if invitation.name and not user.name:
        user.name = invitation.name
        user.save(update_fields=["name"])
    _record_manager_change(
        membership=membership,
        previous_id=previous_manager_id,
        new=manager,
        reason=ManagerChangeReason.INVITATION,
        by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log("membership.join", obj=membership, actor=membership, changes=diff(membership))
    if returning_alumnus:
        member_returned.send(sender=Membership, membership=membership, left_on=previous_left_on, returned_on=today)
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    """Revoke a pending invitation: its link stops working and the invited membership is deleted. An accepted
    or already revoked invitation is left as it is (no error, no audit row)."""
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        Membership.objects.for_organization(invitation.organization).filter(
            user__email__iexact=invitation.email, status=MembershipStatus.INVITED
        ).delete()
        audit_log("invitation.revoke", obj=invitation, changes=diff(invitation, ["revoked_at"]))


def _actor_user(actor: Membership | User | None) -> User | None:
    return actor.user if isinstance(actor, Membership) else actor


def membership_check_change(
    *,
    membership: Membership,
    actor: Membership | User | None,
    role: str,
    manager: Membership | None,
    status: str,
    lock: bool = False,
) -> None:
    """Raise ValidationError (by field) when changing `membership` to (role, manager, status) breaks a rule of
    the membership graph: the manager is an active manager/HR of the organization, nobody manages themselves,
    no reporting loop, nobody changes their own role or status, an invitation is activated only by accepting
    it, and the organization keeps at least one active HR. With `lock`, the organization's active HR rows are
    locked (select_for_update) so that two concurrent demotions cannot both pass the last check."""
    organization = membership.organization
    check_manager(organization=organization, manager=manager)
    if manager is not None and manager.pk == membership.pk:
        raise ValidationError({"manager": _("A member cannot be their own manager.")})
    # Walk up the chain so that no reporting loop is made (A reports to B who reports to A).
    seen, cursor = set(), manager
    while cursor is not None and cursor.pk not in seen:
        if cursor.pk == membership.pk:
            raise ValidationError({"manager": _("This choice would make a reporting loop.")})
        seen.add(cursor.pk)
        cursor = cursor.manager
    user = _actor_user(actor)
    if user is not None and membership.user_id == user.pk:
        if role != membership.role and membership.role == Role.HR:
            raise ValidationError({"role": _("You cannot remove your own HR role. Ask another HR member.")})
        if role != membership.role:
            raise ValidationError({"role": _("You cannot change your own role. Ask an HR member.")})
        if status != membership.status:
            raise ValidationError({"status": _("You cannot change your own status. Ask another HR member.")})
    if status != membership.status:
        if membership.status == MembershipStatus.INVITED:
            raise ValidationError(
                {"status": _("Only the invited person activates a membership, by accepting the invitation.")}
            )
        if not (membership.status == MembershipStatus.ACTIVE and status == MembershipStatus.ALUMNI):
            raise ValidationError(
                {"status": _("A former member comes back through a new invitation, which they accept.")}
            )
    was_hr = membership.role == Role.HR and membership.status == MembershipStatus.ACTIVE
    stays_hr = role == Role.HR and status == MembershipStatus.ACTIVE
    if was_hr and not stays_hr:
        others = Membership.objects.filter(
            organization=organization, role=Role.HR, status=MembershipStatus.ACTIVE
        ).exclude(pk=membership.pk)
        if lock:
            others = others.select_for_update().order_by("pk")
        if not list(others.values_list("pk", flat=True)):
            raise ValidationError(
                {"role": _("This is the organization's last active HR member. Make another member HR first.")}
            )


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: Membership | User | None,
    role: str,
    manager: Membership | None,
    job_title: str,
    status: str | None = None,
    left_on=None,
    department=KEEP,
    joined_on=KEEP,
) -> Membership:
    """Change a member's role, manager, job title, department and joined date (and, from the admin, status)
    under the graph's rules (membership_check_change, check_department). `department` and `joined_on` are kept
    when not given. A member who may no longer manage loses all reports at once; every change of a manager is
    recorded as a ManagerChange. Raises ValidationError by field."""
    # Lock the department to assign first (as an import does, which locks the departments it adds before any
    # member), then the HR rows, then the member, always in that order, so concurrent requests serialize.
    if department is not KEEP and department is not None:
        current_department = (
            Membership.objects.for_organization(membership.organization_id)
            .values_list("department_id", flat=True)
            .get(pk=membership.pk)
        )
        department = lock_department(
            organization=membership.organization, department=department, current_id=current_department
        )
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.HR, status=MembershipStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    current = (
        Membership.objects.for_organization(membership.organization_id)
        .select_for_update()
        .select_related("organization")
        .get(pk=membership.pk)
    )
    status = current.status if status is None else status
    # The HR rows are locked just above, so the check need not lock them again.
    membership_check_change(membership=current, actor=actor, role=role, manager=manager, status=status)
    if department is not KEEP:
        check_department(organization=current.organization, department=department, current_id=current.department_id)
        current.department = department
    if joined_on is not KEEP:
        current.joined_on = joined_on
    by = _actor_user(actor)
    was_managing = _is_managing(current.role, current.status)
    previous_manager_id = current.manager_id
    current_status = current.status
    leaving = status == MembershipStatus.ALUMNI and current.status != MembershipStatus.ALUMNI
    if leaving:
        # A leaver reports to nobody; their alignments keep the manager who held them.
        manager = None
        current.left_on = left_on or timezone.localdate()
    current.role = role
    current.manager = manager
    current.job_title = job_title
    current.status = status
    current.save(update_fields=["role", "manager", "job_title", "status", "left_on", "department", "joined_on"])
    _record_manager_change(
        membership=current,
        previous_id=previous_manager_id,
        new=manager,
        reason=ManagerChangeReason.ASSIGNED if status == current_status else ManagerChangeReason.STATUS_CHANGED,
        by=by,
    )
    if was_managing and not _is_managing(role, status):
        left = status != MembershipStatus.ACTIVE
        reason = ManagerChangeReason.STATUS_CHANGED if left else ManagerChangeReason.ROLE_CHANGED
        _detach_reports(manager=current, reason=reason, by=by)
    if leaving:
        member_left.send(sender=Membership, membership=current)
    for field in ("role", "manager", "job_title", "status", "left_on", "department", "joined_on"):
        setattr(membership, field, getattr(current, field))
    audit_log(
        "membership.update",
        obj=membership,
        actor=actor if isinstance(actor, Membership) else None,
        changes=diff(membership),
    )
    return membership


@transaction.atomic
def organization_update(
    *, organization: Organization, form, values_formset, parts=(), actor: Membership | None = None
) -> Organization:
    """Save the organization's settings: `form` (OrganizationForm, valid), its values (`values_formset`, valid;
    see `company_values_save`) and the feature apps' parts (`parts`: `(SettingsPart, valid form)` pairs, each
    saved by the part's own service). One transaction, with the organization's row locked, so two HR members
    saving at once are applied one after the other. Audited as `organization.update` with each changed field
    (old → new), only when something changed. When the checkpoint interval changes, `checkpoint_interval_changed`
    is sent in the same transaction, so that the checkpoints app moves the unheld future checkpoints with it (or
    the whole change rolls back)."""
    before = (
        Organization.objects.select_for_update()
        .filter(pk=organization.pk)
        .values_list("checkpoint_interval_months", flat=True)
        .first()
    )
    organization = form.save()
    company_values_save(organization=organization, values_formset=values_formset, actor=actor)
    changes = diff(organization)
    if changes:
        audit_log("organization.update", obj=organization, actor=actor, changes=changes)
    for part, part_form in parts:
        part.save(form=part_form, organization=organization, actor=actor)
    if before is not None and before != organization.checkpoint_interval_months:
        checkpoint_interval_changed.send(
            sender=Organization, organization=organization, before=before, after=organization.checkpoint_interval_months
        )
    return organization


VALUE_FIELDS = ("title", "description", "position")


def company_values_save(*, organization: Organization, values_formset, actor: Membership | None = None) -> list:
    """Store the changed and new values of a valid CompanyValueFormSet, then renumber the organization's values
    1..n in the order of their positions (new values after the existing ones, in the order given). Returns the
    values in order. Each value whose title, description or place changed gets a `company_value.update` audit
    row (old → new); a new one `company_value.create`. Call inside a transaction: the values are locked first,
    so that a concurrent save renumbers after this one, never interleaved."""
    from alliance.models import CompanyValue

    before = {
        v.pk: {f: getattr(v, f) for f in VALUE_FIELDS}
        for v in CompanyValue.objects.for_organization(organization).select_for_update().order_by("position", "id")
    }
    last = max((fields["position"] for fields in before.values()), default=0)
    for value in values_formset.save(commit=False):
        value.organization = organization
        if value.pk is None:
            last += 1
            value.position = last + 1000  # after every existing value, whatever position was posted
        value.save()
    ordered = list(CompanyValue.objects.for_organization(organization).order_by("position", "id"))
    renumbered = []
    for number, value in enumerate(ordered, start=1):
        if value.position != number:
            value.position = number
            renumbered.append(value)
    if renumbered:
        CompanyValue.objects.bulk_update(renumbered, ["position"])
    for value in ordered:
        old = before.get(value.pk)
        if old is None:
            changes = {f: [None, getattr(value, f)] for f in VALUE_FIELDS if getattr(value, f) not in ("", None)}
            audit_log("company_value.create", obj=value, actor=actor, changes=changes)
            continue
        changes = {f: [old[f], getattr(value, f)] for f in VALUE_FIELDS if old[f] != getattr(value, f)}
        if changes:
            audit_log("company_value.update", obj=value, actor=actor, changes=changes)
    return ordered


def _department_check(*, organization: Organization, name: str, code: str, exclude_pk: int | None = None) -> None:
    """Raise ValidationError by field when another department of `organization` has this name or code."""
    others = Department.objects.for_organization(organization).exclude(pk=exclude_pk)
    errors = {}
    if others.filter(name=name).exists():
        errors["name"] = ValidationError(
            _("A department named %(name)s already exists. Choose another name."), params={"name": name}
        )
    if code and others.filter(code=code).exists():
        errors["code"] = ValidationError(
            _("The code %(code)s is already used by another department. Codes must be unique."), params={"code": code}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def department_create(*, organization: Organization, name: str, code: str = "") -> Department:
    """Add a department at the end of `organization`'s list. `name` (required) and `code` (optional) are
    stripped and must be unique in the organization; raises ValidationError by field."""
    name, code = name.strip(), code.strip()
    if not name:
        raise ValidationError({"name": _("Enter the department's name.")})
    # Lock the organization's list so that two concurrent additions cannot take the same name or position.
    rows = Department.objects.for_organization(organization).select_for_update().order_by("pk")
    list(rows.values_list("pk", flat=True))
    _department_check(organization=organization, name=name, code=code)
    last = Department.objects.for_organization(organization).order_by("-position").values_list("position", flat=True)
    department = Department.objects.create(
        organization=organization, name=name, code=code, position=(last.first() or 0) + 1
    )
    audit_log("department.create", obj=department, changes=diff(department, ["name", "code"]))
    return department


@transaction.atomic
def department_update(*, department: Department, name: str, code: str) -> Department:
    """Rename `department` or change its code, under the same uniqueness rules as `department_create`."""
    name, code = name.strip(), code.strip()
    if not name:
        raise ValidationError({"name": _("Enter the department's name.")})
    _department_check(organization=department.organization, name=name, code=code, exclude_pk=department.pk)
    department.name, department.code = name, code
    department.save(update_fields=["name", "code"])
    audit_log("department.update", obj=department, changes=diff(department, ["name", "code"]))
    return department


@transaction.atomic
def department_move(*, department: Department, up: bool) -> None:
    """Swap `department` with its neighbour above (`up`) or below in the organization's list; nothing at an end.
    Positions are renumbered 1..n first, so that equal positions (rows added elsewhere) still move."""
    rows = list(
        Department.objects.for_organization(department.organization_id)
        .select_for_update()
        .order_by("position", "name", "id")
    )
    index = next(i for i, row in enumerate(rows) if row.pk == department.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, start=1):
        row.position = position
    Department.objects.bulk_update(rows, ["position"])
    audit_log("department.move", obj=rows[other], changes={"position": [index + 1, other + 1]}, label=rows[other].name)


@transaction.atomic
def department_archive(*, department: Department, archived: bool) -> Department:
    """Archive `department` (no longer offered for new assignments; its members keep it) or bring it back.
    Never deletes; archiving an archived department (or the reverse) changes nothing and writes no audit row.
    The row is locked and read again first: an assignment in progress (lock_department) ends before it."""
    department = (
        Department.objects.for_organization(department.organization_id).select_for_update().get(pk=department.pk)
    )
    if (department.archived_at is not None) == archived:
        return department
    department.archived_at = timezone.now() if archived else None
    department.save(update_fields=["archived_at"])
    audit_log(
        "department.archive" if archived else "department.unarchive",
        obj=department,
        changes=diff(department, ["archived_at"]),
    )
    return department


def export_recorded(
    *,
    organization: Organization,
    action: str,
    rows: int,
    file_format: str = "csv",
    filters: str = "",
    what: str = "",
) -> None:
    """Record in the audit trail that the member serving the request exported personal data of `organization`:
    `action` a registered export action ("member.export"), `what` which list (a key such as "overdue", or ""),
    `file_format` "csv" or "xlsx", `filters` the filters applied as a query string ("" for none), `rows` how
    many rows (people) the file holds. Never the exported data itself. Called once per download, before its
    body is produced (a download cut short is still recorded)."""
    changes = {"format": [None, file_format], "rows": [None, rows]}
    if what:
        changes["list"] = [None, what]
    if filters:
        changes["filters"] = [None, filters]
    audit_log(action, organization=organization, changes=changes)


# Two-factor changes (allauth.mfa's signals, alliance.account_security): action by change.
MFA_ACTIONS = {"added": "account.mfa_add", "removed": "account.mfa_remove", "reset": "account.mfa_reset"}


@transaction.atomic
def mfa_change_recorded(*, user: User, change: str, method: str) -> int:
    """Record in the audit trail of every organization where `user` is an active member that they added, removed
    or renewed a two-factor method: `change` is "added", "removed" or "reset" (MFA_ACTIONS), `method` allauth's
    `Authenticator.Type` value ("totp", "recovery_codes", "webauthn"). Only the kind of method is kept, never its
    secret or a key's name. allauth deletes a removed authenticator, so this row is what an auditor has left of
    it. Returns how many rows were written (one per organization; none for a user without an active
    membership). Raises KeyError for an unknown `change`."""
    action = MFA_ACTIONS[change]
    # Across organizations on purpose: a user's two-factor methods are the account's, not one organization's,
    # and each organization the person works in keeps its own record of the change.
    with scopes_disabled():
        memberships = list(
            Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
            .select_related("user", "organization")
            .order_by("organization_id")
        )
    for membership in memberships:
        with scope(organization=membership.organization_id):
            audit_log(
                action,
                obj=membership,
                actor=membership,
                subject=membership,
                organization=membership.organization,
                changes={"method": [None, method]},
            )
    return len(memberships)
