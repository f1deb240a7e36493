from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django_scopes import scopes_disabled

from alliance.models import Department, Invitation, Membership, MembershipStatus, Organization, Role, User
from alliance.permissions import REPORTS_TO_MANAGER, VIEW_REPORTS, roles_with
from alliance.text import normalize_search


def person_search(query: str, *, user_path: str = "user") -> Q:
    """A filter matching people whose name, reading or e-mail contains `query` however either was typed
    (alliance.text.normalize_search on both sides; the stored side is `User.search_text`). Blank: everyone."""
    form = normalize_search(query)
    if not form:
        return Q()
    return Q(**{f"{user_path}__search_text__contains": form})


def by_reading(qs: QuerySet, *, user_path: str = "user") -> QuerySet:
    """`qs` in 五十音順 of the people's readings; people without a reading come after, by name, then e-mail."""
    return qs.annotate(
        _no_reading=Case(
            When(**{f"{user_path}__reading_key": ""}, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by("_no_reading", f"{user_path}__reading_key", f"{user_path}__name", f"{user_path}__email", "pk")


def memberships_of_user(*, user) -> QuerySet[Membership]:
    """The organizations a user may open (the switcher): active and alumni memberships only."""
    # Across organizations on purpose (the header's switcher on every page, the landing page, the chooser): the
    # user's own memberships, nobody else's. The queryset is built unscoped and may be evaluated anywhere.
    with scopes_disabled():
        mine = Membership.objects.filter(user=user, status__in=[MembershipStatus.ACTIVE, MembershipStatus.ALUMNI])
    return mine.select_related("organization").order_by("organization__name")


def member_list(
    *,
    organization: Organization,
    query: str = "",
    role: str = "",
    status: str = "",
    manager_id: int | None = None,
    without_manager: bool = False,
    department_id: int | None = None,
) -> QuerySet[Membership]:
    """Members for HR's members page, in 五十音順. `query` matches name, reading, e-mail (any way of typing them,
    see `person_search`) or job title; an invited person's account name and reading are not searched: the
    organization learns them only once they accept (Membership.shown_name). `without_manager`: active members
    other than HR who report to nobody (left so by a manager's role change, until HR assigns one)."""
    qs = Membership.objects.for_organization(organization).select_related("user", "manager__user", "department")
    if department_id:
        qs = qs.filter(department_id=department_id)
    if query.strip():
        by_person = person_search(query) & ~Q(status=MembershipStatus.INVITED)
        qs = qs.filter(by_person | Q(user__email__icontains=query.strip()) | Q(job_title__icontains=query.strip()))
    if without_manager:
        qs = qs.filter(status=MembershipStatus.ACTIVE, manager__isnull=True).filter(
            role__in=roles_with(REPORTS_TO_MANAGER)
        )
    if role:
        qs = qs.filter(role=role)
    if status:
        qs = qs.filter(status=status)
    if manager_id:
        qs = qs.filter(manager_id=manager_id)
    # An invited person's account reading is not the organization's to know until they accept: their rows come
    # last, by e-mail, so that their place in the list does not tell it either.
    invited = Case(When(status=MembershipStatus.INVITED, then=Value(1)), default=Value(0), output_field=IntegerField())
    qs = by_reading(qs.annotate(_invited=invited))
    email_if_invited = Case(When(status=MembershipStatus.INVITED, then=F("user__email")), default=Value(""))
    return qs.order_by("_invited", email_if_invited, *qs.query.order_by)


def _can_have_reports(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_organization(organization).filter(
        status=MembershipStatus.ACTIVE, role__in=roles_with(VIEW_REPORTS)
    )


def manager_choices(*, organization: Organization) -> QuerySet[Membership]:
    """Active members who can have reports: managers and HR."""
    return by_reading(_can_have_reports(organization).select_related("user"))


def manager_choice_rows(*, organization: Organization) -> QuerySet:
    """manager_choices as (pk, name, e-mail, role) tuples, in the same order (by_reading), for a select of a
    thousand options. One query; each person's user is read by primary key beside the row rather than joined:
    PostgreSQL hashed the users of every organization for the join (110,000 rows, 25-60 ms at bench size)."""
    user = User.objects.filter(pk=OuterRef("user_id"))
    return (
        _can_have_reports(organization)
        .annotate(
            _name=Subquery(user.values("name")),
            _email=Subquery(user.values("email")),
            _reading=Subquery(user.values("reading_key")),
        )
        .annotate(_no_reading=Case(When(_reading="", then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("_no_reading", "_reading", "_name", "_email", "pk")
        .values_list("pk", "_name", "_email", "role")
    )


def reports_of(*, membership: Membership) -> QuerySet[Membership]:
    """The active members whose manager is `membership`, with their users, in 五十音順."""
    return by_reading(
        Membership.objects.for_organization(membership.organization)
        .filter(manager=membership, status=MembershipStatus.ACTIVE)
        .select_related("user")
    )


def pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    """The invitations of `organization` neither accepted, revoked nor expired, newest first."""
    return (
        Invitation.objects.for_organization(organization)
        .pending()
        .select_related("manager__user", "invited_by")
        .order_by("-created_at")
    )


def organization_counts(*, organization: Organization) -> dict[str, int]:
    """Head counts for the home page of HR (memberships in one query, pending invitations in another), and
    `next_invitation_expiry`, when the pending count drops by itself (None when nothing is pending)."""
    agg = Membership.objects.for_organization(organization).aggregate(
        active=Count("id", filter=Q(status=MembershipStatus.ACTIVE)),
        alumni=Count("id", filter=Q(status=MembershipStatus.ALUMNI)),
        invited=Count("id", filter=Q(status=MembershipStatus.INVITED)),
        employees=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.EMPLOYEE)),
        managers=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.MANAGER)),
        hr=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.HR)),
        without_manager=Count("id", filter=Q(status=MembershipStatus.ACTIVE, role=Role.EMPLOYEE, manager__isnull=True)),
    )
    # With the count, when the first of them expires: the count drops then with no write (a kept home page is
    # kept no longer, alliance.page_cache.changes_at).
    pending = (
        Invitation.objects.for_organization(organization).pending().aggregate(n=Count("id"), next=Min("expires_at"))
    )
    agg["pending_invitations"] = pending["n"]
    agg["next_invitation_expiry"] = pending["next"]
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


def audit_trail(
    *,
    organization: Organization,
    person: Membership | None = None,
    action: str = "",
    content_type=None,
    object_id: str = "",
    since=None,
    until=None,
) -> QuerySet:
    """The audit rows HR may read in `organization`, newest first, with who and whom selected: never rows about
    private records (alliance.audit.PRIVATE_MODELS / PRIVATE_PREFIXES). Filters, each optional: `person` (the
    actor or the person the row is about), `action` (its dotted name), `content_type` (a ContentType) and
    `object_id` (the object's id as text; only with a content type), `since` (inclusive) and `until` (exclusive)
    as aware datetimes."""
    from alliance.models import AuditEntry

    qs = AuditEntry.objects.filter(organization=organization, private=False).select_related(
        "actor__user", "actor_user", "subject__user"
    )
    if person is not None:
        qs = qs.filter(Q(actor=person) | Q(subject=person))
    if action:
        qs = qs.filter(action=action)
    if content_type is not None:
        qs = qs.filter(content_type=content_type)
        if object_id:
            qs = qs.filter(object_id=object_id)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs.order_by("-at", "-id")


def audit_object_types(*, organization: Organization) -> list:
    """The ContentTypes of the objects HR's audit trail of `organization` names (private records left out), for
    the trail's "kind of object" filter: one query, plus the content-type cache."""
    from django.contrib.contenttypes.models import ContentType

    from alliance.models import AuditEntry

    ids = (
        AuditEntry.objects.filter(organization=organization, private=False)
        .exclude(content_type=None)
        .order_by()
        .values_list("content_type", flat=True)
        .distinct()
    )
    return [ContentType.objects.get_for_id(pk) for pk in ids]


def department_choices(*, organization: Organization, keep_id: int | None = None, archived: bool = False):
    """`organization`'s departments in list order: unarchived ones, plus the archived one `keep_id` (a member's
    current department) or, with `archived`, every archived one (filters)."""
    qs = Department.objects.for_organization(organization)
    if not archived:
        qs = qs.filter(Q(archived_at__isnull=True) | Q(pk=keep_id or 0))
    return qs.order_by("position", "name", "id")


def department_list(*, organization: Organization) -> QuerySet[Department]:
    """`organization`'s departments in list order, each with `active_members` (active members in it) and
    `all_members` (every membership, alumni and invited included), in one query."""
    return (
        Department.objects.for_organization(organization)
        .annotate(
            active_members=Count("members", filter=Q(members__status=MembershipStatus.ACTIVE)),
            all_members=Count("members"),
        )
        .order_by("position", "name", "id")
    )
