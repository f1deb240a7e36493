"""Reads for the STEP 1-3 pages: each takes the organization (through a membership) and prefetches what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements import access
from agreements.capabilities import COUNTERSIGN, READ_ALL_RECORDS
from agreements.models import (
    Agreement,
    AgreementPdf,
    AgreementVersion,
    AlignmentStatus,
    CareerAlignment,
    CareerAlignmentUserPermission,
    Signature,
    SignerRole,
    Tour,
    TourStatus,
    VersionStatus,
)
from alliance.models import ManagerChange, Membership, MembershipStatus, Organization
from alliance.permissions import membership_has, roles_with
from alliance.selectors import by_reading, person_search


@dataclass
class PersonAlliance:
    """One person's state at a glance: their latest alignment, current tour, its agreement's latest version."""

    member: Membership
    alignment: CareerAlignment | None
    tour: Tour | None
    version: AgreementVersion | None
    # The latest signed version of the current tour's agreement (an amendment may be drafted on top of it).
    signed_version: AgreementVersion | None = None
    # Whether any alignment exists, visible to the viewer or not: HR learns the step, never the content.
    has_alignment: bool = False
    # A drafted tour that follows the active one: shown as "next", never in place of the signed one.
    next_tour: Tour | None = None
    next_version: AgreementVersion | None = None

    @property
    def stage(self) -> str:
        if self.version is not None and self.version.status == VersionStatus.PENDING:
            return "pending"
        if self.signed_version is not None:
            return "signed"
        if self.tour is not None:
            return "agreement_draft"
        if self.alignment is not None or self.has_alignment:
            return "aligned"
        return "start"

    @property
    def amending(self) -> bool:
        return self.signed_version is not None and self.version is not None and self.version != self.signed_version


_TOUR_ORDER = ["-start_date", "-id"]


def _latest_versions():
    """A tour's agreement versions, newest first, without discarded ones (kept for the record, out of the way)."""
    return Prefetch(
        "agreement__versions",
        queryset=AgreementVersion.objects.exclude(status=VersionStatus.DISCARDED).order_by("-number"),
        to_attr="ordered_versions",
    )


def team_members(*, viewer: Membership, query: str = ""):
    """The active people on the team page: a manager's reports, or everyone for HR; in 五十音順, filtered by
    `query` on name, reading or e-mail however they were typed (alliance.selectors.person_search)."""
    members = Membership.objects.for_organization(viewer.organization).filter(status=MembershipStatus.ACTIVE)
    if not membership_has(viewer, READ_ALL_RECORDS):
        members = members.filter(manager=viewer)
    return by_reading(members.filter(person_search(query)).select_related("user", "manager__user"))


def _versions_of(tour: Tour | None) -> tuple[AgreementVersion | None, AgreementVersion | None]:
    """(latest version, latest signed version) of a tour fetched with `_latest_versions()`."""
    if tour is None or not hasattr(tour, "agreement"):
        return None, None
    versions = tour.agreement.ordered_versions
    return (versions[0] if versions else None), next((v for v in versions if v.status == VersionStatus.SIGNED), None)


def people_alliance(*, viewer: Membership, members) -> list[PersonAlliance]:
    """The alliance state of each of `members`, in a fixed number of queries whatever their count (at most four)."""
    members = list(members)
    ids = [m.pk for m in members]
    alignments = {}
    for alignment in (
        access.visible_alignments(membership=viewer).filter(employee_id__in=ids).order_by("-held_on", "-id")
    ):
        alignments.setdefault(alignment.employee_id, alignment)
    # Whether anyone held an alignment with them: known already for those with one the viewer may read; only the
    # others are looked up (none on one's own home page once aligned).
    unknown = [pk for pk in ids if pk not in alignments]
    aligned_ids = set(alignments)
    if unknown:
        aligned_ids |= set(
            CareerAlignment.objects.for_organization(viewer.organization_id)
            .filter(employee_id__in=unknown)
            .values_list("employee_id", flat=True)
            .distinct()
        )
    active, drafts = {}, {}
    tour_qs = (
        Tour.objects.for_organization(viewer.organization)
        .filter(employee_id__in=ids, status__in=[TourStatus.ACTIVE, TourStatus.DRAFT])
        .select_related("agreement")
        .prefetch_related(_latest_versions())
        .order_by(*_TOUR_ORDER)
    )
    for tour in tour_qs:
        (active if tour.status == TourStatus.ACTIVE else drafts).setdefault(tour.employee_id, tour)
    result = []
    for member in members:
        # The active tour is the current one; a draft is current only when nothing is active, else it is "next".
        tour = active.get(member.pk) or drafts.get(member.pk)
        next_tour = drafts.get(member.pk) if member.pk in active else None
        version, signed = _versions_of(tour)
        result.append(
            PersonAlliance(
                member=member,
                alignment=alignments.get(member.pk),
                tour=tour,
                version=version,
                signed_version=signed,
                has_alignment=member.pk in aligned_ids,
                next_tour=next_tour,
                next_version=_versions_of(next_tour)[0],
            )
        )
    return result


def person_alliance(*, viewer: Membership, member: Membership) -> PersonAlliance:
    """`people_alliance` for one member."""
    return people_alliance(viewer=viewer, members=[member])[0]


def alignment_history(*, viewer: Membership, member: Membership):
    """The alignments of `member` that `viewer` may read, newest 1on1 first."""
    return (
        access.visible_alignments(membership=viewer)
        .filter(employee=member)
        .select_related("manager__user")
        .order_by("-held_on", "-id")
    )


def tour_history(*, member: Membership):
    """The person's tours, newest first; discarded drafts are kept in the database but left out."""
    return (
        Tour.objects.for_organization(member.organization)
        .filter(employee=member)
        .exclude(status=TourStatus.DISCARDED)
        .select_related("agreement", "previous")
        .prefetch_related(_latest_versions())
        .order_by(*_TOUR_ORDER)
    )


def hr_stage_counts(*, organization: Organization) -> dict[str, int]:
    """Aggregates for HR: how many people are at each step. Counts only: no aspiration is read."""
    active = Membership.objects.for_organization(organization).filter(status=MembershipStatus.ACTIVE)
    aligned = CareerAlignment.objects.for_organization(organization).values("employee").distinct().count()
    confirmed = (
        CareerAlignment.objects.for_organization(organization)
        .filter(status=AlignmentStatus.CONFIRMED)
        .values("employee")
        .distinct()
        .count()
    )
    tours = Tour.objects.for_organization(organization).aggregate(
        draft=Count("id", filter=Q(status=TourStatus.DRAFT)),
        active=Count("id", filter=Q(status=TourStatus.ACTIVE)),
        completed=Count("id", filter=Q(status=TourStatus.COMPLETED)),
    )
    versions = AgreementVersion.objects.for_organization(organization).aggregate(
        pending=Count("id", filter=Q(status=VersionStatus.PENDING)),
        signed=Count("id", filter=Q(status=VersionStatus.SIGNED)),
    )
    return {
        "members": active.count(),
        "aligned": aligned,
        "confirmed": confirmed,
        "tours_draft": tours["draft"],
        "tours_active": tours["active"],
        "tours_completed": tours["completed"],
        "versions_pending": versions["pending"],
        "versions_signed": versions["signed"],
    }


def alignments_hidden_from(*, employee: Membership, reader: Membership):
    """`employee`'s alignments that `reader` cannot read now (held with someone else, never shared with them)."""
    return (
        CareerAlignment.objects.for_organization(employee.organization_id)
        .filter(employee=employee)
        .exclude(pk__in=access.visible_alignments(membership=reader).values("pk"))
    )


def alignment_readers(alignment: CareerAlignment):
    """The members of `alignment`'s organization its employee granted read access to (guardian grants of
    access.READ_ALIGNMENT: mentors, a later manager), with their users, in 五十音順."""
    granted_users = CareerAlignmentUserPermission.objects.filter(
        content_object=alignment, permission__codename=access.READ_ALIGNMENT
    ).values("user_id")
    return by_reading(
        Membership.objects.for_organization(alignment.organization_id)
        .filter(user_id__in=granted_users)
        .select_related("user")
    )


def open_share_offers(*, membership: Membership):
    """Every manager change of `membership` whose share offer is still open (not answered, not closed), as a
    queryset: the one the employee sees, and those about earlier managers that answering it closes."""
    return ManagerChange.objects.for_organization(membership.organization_id).filter(
        membership=membership, share_offer_closed_at__isnull=True
    )


def open_share_offer(*, membership: Membership):
    """The manager change whose "share your earlier alignments with your new manager?" offer `membership`
    has not answered yet, or None: only for their current manager, and only while some earlier alignment is
    hidden from that manager."""
    if membership.status != MembershipStatus.ACTIVE or membership.manager_id is None:
        return None
    change = (
        open_share_offers(membership=membership)
        .filter(new_manager_id=membership.manager_id)
        .select_related("new_manager__user")
        .order_by("-changed_at", "-id")
        .first()
    )
    if change is None or not access.is_manager_of(change.new_manager, membership):
        return None
    if not alignments_hidden_from(employee=membership, reader=change.new_manager).exists():
        return None
    return change


# --- "waiting for you" -----------------------------------------------------------------------------------------


class WaitKind:
    """What an item of the "waiting for you" list asks for; templates choose the wording from it."""

    CONFIRM = "confirm"  # a 1on1 record the employee has to confirm
    SIGN = "sign"  # a version waiting for this person's signature
    COUNTERSIGN = "countersign"  # a version waiting for HR's countersignature (any one HR member)
    DRAFT = "draft"  # a draft agreement to finish and send for signatures
    DECLINED = "declined"  # a draft that a signer declined, with a reason: to revise


@dataclass
class WaitItem:
    """One thing someone has to do, with the one link that does it (URL name and arguments after the slug)."""

    kind: str
    person: Membership  # whose record it is
    url_name: str
    url_args: tuple
    title: str = ""  # the tour's title, or "" for an alignment
    date: object = None  # the 1on1's date, for an alignment
    number: int | None = None  # the version number
    url: str = ""  # filled in by the page that shows it (it knows the organization's slug)


@dataclass
class Waiting:
    """The "waiting for you" lists of one member: theirs, their reports' (managers) and HR's (HR members)."""

    mine: list[WaitItem] = field(default_factory=list)
    reports: list[WaitItem] = field(default_factory=list)
    hr: list[WaitItem] = field(default_factory=list)

    def __bool__(self):
        return bool(self.mine or self.reports or self.hr)


def waiting_for(*, membership: Membership) -> Waiting:
    """What waits on `membership` (alignments to confirm, signatures to give, drafts to finish, declined drafts to
    revise), the same for their reports, and for HR the countersignatures. Four queries whatever the number of
    rows (pinned by tests/agreements/test_waiting.py); alignments only as `access.visible_alignments` allows."""
    waiting = Waiting()
    if membership.status != MembershipStatus.ACTIVE:
        return waiting
    hr = membership_has(membership, COUNTERSIGN)
    # The member and their reports as a subquery on memberships (primary key and manager index): an OR across the
    # joins to the employee made PostgreSQL read every row of the organization to keep a handful.
    people_pks = (
        Membership.objects.for_organization(membership.organization_id)
        .filter(Q(pk=membership.pk) | Q(manager=membership))
        .values("pk")
    )
    people = Q(employee__in=people_pks)
    for alignment in (
        access.visible_alignments(membership=membership)
        .filter(people, status=AlignmentStatus.DRAFT)
        .select_related("employee__user")
        .order_by("held_on", "pk")
    ):
        mine = alignment.employee_id == membership.pk
        item = WaitItem(
            kind=WaitKind.CONFIRM,
            person=alignment.employee,
            url_name="agreements:alignment_confirm" if mine else "agreements:alignment",
            url_args=(alignment.pk,),
            date=alignment.held_on,
        )
        (waiting.mine if mine else waiting.reports).append(item)

    tour_people = Q(agreement__tour__employee__in=people_pks)
    rule = tour_people & Q(status__in=[VersionStatus.DRAFT, VersionStatus.PENDING])
    if hr:
        rule |= Q(status=VersionStatus.PENDING, requires_hr=True)
    versions = list(
        with_signed_roles(
            AgreementVersion.objects.for_organization(membership.organization_id)
            .filter(
                rule,
                agreement__tour__status__in=[TourStatus.DRAFT, TourStatus.ACTIVE],
                # The agreement's organization is always the version's: said again so that PostgreSQL reads the
                # organization's agreements by an index instead of hashing every organization's (25 ms at bench
                # size, on HR's home page).
                agreement__organization=membership.organization_id,
            )
            .select_related("agreement__tour__employee__user")
            .order_by("requested_at", "created_at", "pk")
        )
    )
    for version in versions:
        tour = version.agreement.tour
        employee = tour.employee
        is_mine = employee.pk == membership.pk
        is_report = employee.manager_id == membership.pk
        base = {"person": employee, "title": tour.title, "number": version.number}
        args = (version.agreement_id, version.number)
        if version.status == VersionStatus.DRAFT:
            kind = WaitKind.DECLINED if version.last_decline_reason else WaitKind.DRAFT
            # Either side writes the draft: it waits on both, shown once, under "yours" for whoever sees it.
            item = WaitItem(kind=kind, url_name="agreements:version_edit", url_args=args, **base)
            (waiting.mine if is_mine or is_report else waiting.reports).append(item)
            continue
        outstanding = outstanding_roles(version, signed_roles_carried(version))
        if is_mine and SignerRole.EMPLOYEE in outstanding:
            waiting.mine.append(WaitItem(kind=WaitKind.SIGN, url_name="agreements:sign", url_args=args, **base))
        if version.manager_signer_id == membership.pk and SignerRole.MANAGER in outstanding:
            waiting.mine.append(WaitItem(kind=WaitKind.SIGN, url_name="agreements:sign", url_args=args, **base))
        if is_report and SignerRole.EMPLOYEE in outstanding:
            waiting.reports.append(WaitItem(kind=WaitKind.SIGN, url_name="agreements:version", url_args=args, **base))
        if hr and SignerRole.HR in outstanding and not is_mine:
            waiting.hr.append(WaitItem(kind=WaitKind.COUNTERSIGN, url_name="agreements:sign", url_args=args, **base))
    return waiting


# --- agreements and signatures --------------------------------------------------------------------------


def stored_pdf(version: AgreementVersion) -> AgreementPdf | None:
    """The sealed PDF stored for `version` at signing, or None (not signed yet, or its render still queued)."""
    return AgreementPdf.objects.filter(version=version).first()


def current_version(agreement: Agreement) -> AgreementVersion:
    """The latest version that was not discarded (a discarded amendment leaves the signed one current); the
    latest of all when every version was discarded with its tour."""
    versions = AgreementVersion.objects.filter(agreement=agreement).order_by("-number")
    return versions.exclude(status=VersionStatus.DISCARDED).first() or versions.first()


def overlapping_tours(tour: Tour, *, statuses):
    """The person's other tours in `statuses` whose period shares at least one day with this one's (start and
    end dates both inclusive, so a tour starting on another's last day overlaps it)."""
    return (
        Tour.objects.for_organization(tour.organization)
        .filter(
            employee=tour.employee,
            status__in=statuses,
            start_date__lte=tour.end_date,
            end_date__gte=tour.start_date,
        )
        .exclude(pk=tour.pk)
        .order_by("start_date", "pk")
    )


def tour_overlaps(tour: Tour) -> list[str]:
    """What is wrong with the tour's period beside the person's other tours, as sentences for the tour's pages:
    each other active or drafted tour whose period overlaps this one (end dates inclusive), with its dates and
    what to do. Empty when there is none or HR allows this tour to run beside another. Shown when the tour is
    created or edited and on its page; requesting and completing signatures then refuse an active overlap."""
    if tour.allow_concurrent or tour.status not in (TourStatus.DRAFT, TourStatus.ACTIVE):
        return []
    return [
        _(
            "This period overlaps %(title)s (%(status)s, %(start)s – %(end)s). A person has one tour at a time: "
            "start this one after %(end)s, shorten or discard the other one, or ask HR to allow two tours at once. "
            "Until then its agreement cannot be signed."
        )
        % {
            "title": other.title,
            "status": other.get_status_display(),
            "start": date_format(other.start_date),
            "end": date_format(other.end_date),
        }
        for other in overlapping_tours(tour, statuses=[TourStatus.ACTIVE, TourStatus.DRAFT])[:5]
    ]


def required_roles(version: AgreementVersion) -> list[str]:
    """The roles that must sign `version`: the employee and the manager, and HR when it countersigns."""
    roles = [SignerRole.EMPLOYEE, SignerRole.MANAGER]
    if version.requires_hr:
        roles.append(SignerRole.HR)
    return roles


def live_signatures(version: AgreementVersion):
    """The signatures of `version` that count (not voided by a withdrawal or a decline), with their signers."""
    return Signature.objects.filter(version=version, voided_at__isnull=True).select_related("signer__user")


# --- who still has to sign: one rule, asked one version at a time or for a batch -----------------------------


def signed_roles(versions) -> dict[int, set[str]]:
    """{version pk: the roles that signed it (live signatures only)} for each of `versions` (instances or
    pks), in one query; a version nobody signed maps to an empty set."""
    ids = [getattr(v, "pk", v) for v in versions]
    roles: dict[int, set[str]] = {pk: set() for pk in ids}
    for version_id, role in Signature.objects.filter(version_id__in=ids, voided_at__isnull=True).values_list(
        "version_id", "role"
    ):
        roles[version_id].add(role)
    return roles


def _signed_as(role: str) -> str:
    return f"signed_as_{role}"


def with_signed_roles(versions: QuerySet[AgreementVersion]) -> QuerySet[AgreementVersion]:
    """`versions` with whether each role signed (live signatures only) carried on the same query, one EXISTS per
    SignerRole, for `signed_roles_carried`: a page then makes as many queries with pending versions as without
    (signed_roles' own query runs only when there are some)."""
    live = Signature.objects.filter(version=OuterRef("pk"), voided_at__isnull=True)
    return versions.annotate(**{_signed_as(role): Exists(live.filter(role=role)) for role in SignerRole.values})


def signed_roles_carried(version: AgreementVersion) -> set[str]:
    """The roles that signed `version`, read from a `with_signed_roles` annotation: what `signed_roles` answers
    for it, without a query."""
    return {role for role in SignerRole.values if getattr(version, _signed_as(role))}


def outstanding_roles(version: AgreementVersion, signed: set[str]) -> list[str]:
    """The roles that still have to sign `version`, given the roles that `signed` it: the rule every list of
    "who still has to sign" (pages, e-mails, reminders, "waiting for you") is built from."""
    return [role for role in required_roles(version) if role not in signed]


def pending_signer_ids_of(versions) -> dict[int, list[int]]:
    """{version pk: the pks of the members who still have to sign it} for pending `versions` (fetched with
    their agreement's tour): the employee, the manager fixed by the request, and every active HR member of the
    organization when HR countersigns (any one of them signs for HR), never the employee or the manager twice.
    Two queries whatever the number of versions (signatures, HR members)."""
    versions = list(versions)
    signed = signed_roles(versions)
    hr_by_org: dict[int, list[int]] = {}
    organizations = {v.organization_id for v in versions if v.requires_hr}
    if organizations:
        for organization_id, pk in (
            Membership.objects.filter(
                organization_id__in=organizations, role__in=roles_with(COUNTERSIGN), status=MembershipStatus.ACTIVE
            )
            .order_by("pk")
            .values_list("organization_id", "pk")
        ):
            hr_by_org.setdefault(organization_id, []).append(pk)
    result = {}
    for version in versions:
        employee_id, manager_id = version.agreement.tour.employee_id, version.manager_signer_id
        people = []
        for role in outstanding_roles(version, signed[version.pk]):
            if role == SignerRole.EMPLOYEE:
                people.append(employee_id)
            elif role == SignerRole.MANAGER and manager_id:
                people.append(manager_id)
            elif role == SignerRole.HR:
                hr_members = hr_by_org.get(version.organization_id, [])
                people += [pk for pk in hr_members if pk not in (employee_id, manager_id)]
        result[version.pk] = people
    return result


def pending_signer_ids(version: AgreementVersion) -> list[int]:
    """`pending_signer_ids_of` for one version: the pks of the members who still have to sign it."""
    return pending_signer_ids_of([version])[version.pk]


def pending_parties(version: AgreementVersion, *, viewer: Membership | None = None) -> list[dict]:
    """Who still has to sign, for pages and e-mails: the employee and the manager by name, and HR as one entry
    ("one of HR"), since any one active HR member countersigns. Each item: {"name", "role", "you"}."""
    tour = version.agreement.tour
    parties = []
    for role in outstanding_roles(version, signed_roles([version])[version.pk]):
        if role == SignerRole.EMPLOYEE:
            member = tour.employee
        elif role == SignerRole.MANAGER and version.manager_signer:
            member = version.manager_signer
        elif role == SignerRole.HR:
            parties.append(
                {
                    "name": _("one of HR"),
                    "role": role,
                    "you": viewer is not None and membership_has(viewer, COUNTERSIGN),
                }
            )
            continue
        else:
            continue
        parties.append(
            {"name": member.user.display_name, "role": role, "you": viewer is not None and member.pk == viewer.pk}
        )
    return parties


def signer_role_for(version: AgreementVersion, membership: Membership) -> str | None:
    """The role in which `membership` signs this version, or None when they are not a signer."""
    if version.status != VersionStatus.PENDING:
        return None
    return signing_party_role(version, membership)


def signing_party_role(version: AgreementVersion, membership: Membership) -> str | None:
    """The role in which `membership` signs (or would sign) this version, whatever its state: the employee, the
    manager (the one fixed by the request, else the current one) and HR when HR countersigns. None for a
    membership that is not active (an alumnus signs nothing)."""
    if membership.status != MembershipStatus.ACTIVE:
        return None
    manager_pk = version.manager_signer_id or version.agreement.tour.employee.manager_id
    requires_hr = version.requires_hr if version.status != VersionStatus.DRAFT else version.organization.hr_countersign
    if membership.pk == version.agreement.tour.employee_id:
        return SignerRole.EMPLOYEE
    if membership.pk == manager_pk:
        # Signing as the manager is a manager power: it ends when they stop managing the employee (a move or
        # a role change); the request is then withdrawn and asked again of the current manager.
        return SignerRole.MANAGER if access.is_manager_of(membership, version.agreement.tour.employee) else None
    if requires_hr and membership_has(membership, COUNTERSIGN):
        return SignerRole.HR
    return None


def proposed_tour(version: AgreementVersion) -> Tour:
    """The tour as `version` would make it: its tour with the amendment's proposed goal and end date applied
    (agreements.models.AgreementVersion.proposed_goal / proposed_end_date), as an unsaved copy; the tour itself
    when nothing is proposed. The KPI rules, the snapshot and the pages of a draft amendment read this one; the
    Tour row changes only when the amendment is signed (services.signing._complete)."""
    tour = version.agreement.tour
    if not version.proposes_tour_change:
        return tour
    copy = Tour(**{field.attname: getattr(tour, field.attname) for field in Tour._meta.concrete_fields})
    copy.employee = tour.employee
    copy.organization = tour.organization
    copy._state.adding = False
    if version.proposed_goal:
        copy.goal = version.proposed_goal
    if version.proposed_end_date is not None:
        copy.end_date = version.proposed_end_date
    return copy


def previous_signed_version(version: AgreementVersion) -> AgreementVersion | None:
    """The latest signed version numbered before `version` (what an amendment changes), or None."""
    return (
        AgreementVersion.objects.filter(
            agreement_id=version.agreement_id, number__lt=version.number, status=VersionStatus.SIGNED
        )
        .order_by("-number")
        .first()
    )
