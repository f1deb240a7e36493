"""Who may see and do what with STEP 1-3 records. Views reach records only through these helpers.

Career alignments are private to the employee and the manager who held that 1on1 (`CareerAlignment.manager`);
the employee may share one with HR or with named colleagues (guardian grants). Changing the membership graph
never opens an alignment: a new manager reads earlier ones only once the employee shares them. Tours and
agreements are visible to the employee, their current manager and HR. Anything not visible is a 404, so a URL
never confirms that another person's record exists.

Alumni (a membership that left, `MembershipStatus.ALUMNI`) keep reading their OWN records, those where they are
the employee, and nothing else: not those of their former reports, not what was shared with them, not what they
read as HR. They write nothing (every `can_*` helper answers False for a membership that is not active).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from agreements.capabilities import READ_ALIGNMENTS_SHARED_WITH_HR, READ_ALL_RECORDS
from agreements.models import Agreement, AgreementVersion, CareerAlignment, CareerAlignmentUserPermission, Tour
from alliance.compiled import compiled_row
from alliance.models import Membership, MembershipStatus
from alliance.permissions import VIEW_REPORTS, access_membership, membership_has

READ_ALIGNMENT = "read_careeralignment"


def is_manager_of(membership: Membership, employee: Membership) -> bool:
    """Whether `membership` holds manager powers over `employee` now: named as their manager, active, and still
    in a role that may have reports (VIEW_REPORTS: a demoted manager loses these powers at once, even before the
    graph is cleaned up by alliance.services)."""
    return employee.manager_id == membership.pk and membership_has(membership, VIEW_REPORTS)


def can_see_person(membership: Membership, employee: Membership) -> bool:
    """Tours and agreements of `employee`: themselves, their manager, and whoever reads all records (HR)."""
    return can_see_person_by_ids(membership, employee_id=employee.pk, manager_id=employee.manager_id)


def can_see_person_by_ids(membership: Membership, *, employee_id: int, manager_id: int | None) -> bool:
    """`can_see_person` given the employee's pk and their manager's (None for none), for checks that read
    those two columns rather than the member. The rule: an alumnus sees only themselves; an active member
    themselves, their reports while in a role with reports (`is_manager_of`), everyone with READ_ALL_RECORDS;
    anyone else no one."""
    if membership.status == MembershipStatus.ALUMNI:
        return employee_id == membership.pk
    if membership.status != MembershipStatus.ACTIVE:
        return False
    return (
        employee_id == membership.pk
        or (manager_id == membership.pk and membership_has(membership, VIEW_REPORTS))
        or membership_has(membership, READ_ALL_RECORDS)
    )


def access_person(*, membership: Membership, pk: int) -> Membership:
    """A member whose alliance page `membership` may open (themselves, a report, anyone for READ_ALL_RECORDS);
    404 for anyone else, or anyone of another organization."""
    member = access_membership(membership=membership, pk=pk, capability=READ_ALL_RECORDS)
    if not can_see_person(membership, member):
        raise Http404
    return member


def check_person(*, membership: Membership, pk: int) -> int:
    """Raise Http404 exactly where `access_person` would, reading one column of the member (its manager) and
    building no object: the check that runs before a kept timeline is served (alliance.tenancy.url_object's
    `check`). Returns `pk`, the member the page is about (its page-cache topic). One query, compiled once per
    process (`compiled_row`)."""
    row = compiled_row(
        "check_person",
        lambda organization, pk: (
            Membership.objects.for_organization(organization).filter(pk=pk).values_list("manager_id")
        ),
        organization=membership.organization_id,
        pk=int(pk),
    )
    if row is None:
        raise Http404
    (manager_id,) = row
    # access_membership's rule adds nothing here: whoever can_see_person admits, it admits too.
    if not can_see_person_by_ids(membership, employee_id=int(pk), manager_id=manager_id):
        raise Http404
    return int(pk)


def visible_alignments(*, membership: Membership) -> QuerySet[CareerAlignment]:
    """The alignments `membership` may read, as one queryset (no per-row permission checks). An alumnus reads
    only their own (as the employee)."""
    if membership.status == MembershipStatus.ALUMNI:
        return CareerAlignment.objects.for_organization(membership.organization_id).filter(employee=membership)
    if membership.status != MembershipStatus.ACTIVE:
        return CareerAlignment.objects.none()
    granted = CareerAlignmentUserPermission.objects.filter(
        user_id=membership.user_id, permission__codename=READ_ALIGNMENT
    ).values("content_object_id")
    # `manager` is the manager who held the 1on1, fixed when the record was made; the current graph
    # (`employee__manager`) never opens a record, so that reassigning a manager reveals nothing.
    rule = Q(employee=membership) | Q(manager=membership) | Q(pk__in=granted)
    if membership_has(membership, READ_ALIGNMENTS_SHARED_WITH_HR):
        rule |= Q(shared_with_hr=True)
    return CareerAlignment.objects.for_organization(membership.organization_id).filter(rule)


def access_alignment(*, membership: Membership, pk: int) -> CareerAlignment:
    """The alignment `pk` of `membership`'s organization, when `visible_alignments` lets them read it, with the
    employee, their manager and the manager of the 1on1 loaded; Http404 otherwise (hidden or another
    organization's alike)."""
    alignment = (
        visible_alignments(membership=membership)
        .select_related("employee__user", "employee__manager__user", "manager__user")
        .filter(pk=pk)
        .first()
    )
    if alignment is None:
        raise Http404
    return alignment


def can_edit_alignment(membership: Membership, alignment: CareerAlignment) -> bool:
    """Either side of the 1on1 drafts: the employee, or the manager who held it while they still manage the
    employee. Once the employee confirmed it, the record is kept as it was."""
    if alignment.status != "draft" or membership.status != MembershipStatus.ACTIVE:
        return False
    if alignment.employee_id == membership.pk:
        return True
    return alignment.manager_id == membership.pk and is_manager_of(membership, alignment.employee)


def is_alignment_owner(membership: Membership, alignment: CareerAlignment) -> bool:
    """Whether `membership` is the alignment's employee: the one who confirms it and decides who reads it."""
    return alignment.employee_id == membership.pk


def visible_tours(*, membership: Membership) -> QuerySet[Tour]:
    """The tours `membership` may read, as one queryset of its organization: their own, their reports' (for
    VIEW_REPORTS), every one (READ_ALL_RECORDS); an alumnus only their own; none for anyone else."""
    if membership.status == MembershipStatus.ALUMNI:
        return Tour.objects.for_organization(membership.organization_id).filter(employee=membership)
    if membership.status != MembershipStatus.ACTIVE:
        return Tour.objects.none()
    qs = Tour.objects.for_organization(membership.organization_id)
    if membership_has(membership, READ_ALL_RECORDS):
        return qs
    rule = Q(employee=membership)
    if membership_has(membership, VIEW_REPORTS):
        rule |= Q(employee__manager=membership)
    return qs.filter(rule)


def tour_is_visible(membership: Membership, tour: Tour) -> bool:
    """Whether `visible_tours(membership=membership)` holds `tour`, decided on the row (`tour.employee` loaded,
    no query): the same rule, for the single-record accessors (a pk lookup with the visible-tours subquery cost
    more to plan than to run); kept pages run `check_tour_of`, the same rule on three columns.
    tests/agreements/test_visibility_rule.py holds the forms equal for every kind of member."""
    return membership.organization_id == tour.organization_id and can_see_person(membership, tour.employee)


def check_tour_of(model, *, membership: Membership, pk: int, tour: str) -> int:
    """Raise Http404 unless the row `pk` of the tenant `model` exists in `membership`'s organization and its
    tour, reached by the lookup path `tour` ("tour", or "" for a tour itself), is visible to `membership`
    (`tour_is_visible`): one query of three columns, no object built, compiled once per process
    (`compiled_row`), for the checks that run before a kept page is served. Returns the tour's employee (a
    membership pk): whose record the page shows."""
    prefix = f"{tour}__" if tour else ""
    row = compiled_row(
        f"check_tour_of:{model._meta.label}:{tour}",
        lambda organization, pk: (
            model.objects.for_organization(organization)
            .filter(pk=pk)
            .values_list(f"{prefix}organization_id", f"{prefix}employee_id", f"{prefix}employee__manager_id")
        ),
        organization=membership.organization_id,
        pk=int(pk),
    )
    if row is None:
        raise Http404
    organization_id, employee_id, manager_id = row
    # The tour's own organization too, as tour_is_visible asks: a defence should a row ever point across.
    if organization_id != membership.organization_id or not can_see_person_by_ids(
        membership, employee_id=employee_id, manager_id=manager_id
    ):
        raise Http404
    return employee_id


def one_row(queryset: QuerySet):
    """The first row of a queryset that matches one row at most (a pk lookup), or None; without ORDER BY,
    whose model default would add joins to plan on every request."""
    return next(iter(queryset.order_by()[:1]), None)


def access_tour(*, membership: Membership, pk: int) -> Tour:
    """The tour `pk` of `membership`'s organization when `visible_tours` holds it (`tour_is_visible`), with its
    people, alignment and previous tour loaded; Http404 otherwise."""
    tour = one_row(
        Tour.objects.for_organization(membership.organization_id)
        .select_related("employee__user", "employee__manager__user", "alignment", "previous")
        .filter(pk=pk)
    )
    if tour is None or not tour_is_visible(membership, tour):
        raise Http404
    return tour


def can_edit_tour(membership: Membership, tour: Tour) -> bool:
    """A draft tour, while no version of its agreement is frozen for signatures (that freezes its goal and period);
    never for a membership that is not active."""
    if tour.status != "draft" or membership.status != MembershipStatus.ACTIVE:
        return False
    if AgreementVersion.objects.filter(agreement__tour=tour, status__in=["pending", "signed"]).exists():
        return False
    return tour.employee_id == membership.pk or is_manager_of(membership, tour.employee)


def access_agreement(*, membership: Membership, pk: int) -> Agreement:
    """The agreement `pk` of a tour `membership` may read (`tour_is_visible`), with its tour's people loaded;
    Http404 otherwise."""
    agreement = one_row(
        Agreement.objects.for_organization(membership.organization_id)
        .select_related("tour__employee__user", "tour__employee__manager__user")
        .filter(pk=pk)
    )
    if agreement is None or not tour_is_visible(membership, agreement.tour):
        raise Http404
    return agreement


def access_version(*, membership: Membership, agreement_pk: int, number: int) -> AgreementVersion:
    """Version `number` (1-based, as in the URL) of the agreement `agreement_pk` that `membership` may read
    (`access_agreement`); Http404 for a missing number or an agreement out of reach."""
    agreement = access_agreement(membership=membership, pk=agreement_pk)
    version = (
        AgreementVersion.objects.for_organization(membership.organization_id)
        .filter(agreement=agreement, number=number)
        .select_related("agreement__tour__employee__user", "manager_signer__user")
        .first()
    )
    if version is None:
        raise Http404
    return version


def can_edit_agreement(membership: Membership, agreement: Agreement) -> bool:
    """The role rule for writing an agreement (drafts, requests, amendments): its employee or their manager
    (`is_manager_of`), while active. The state rules are agreements.rules'."""
    if membership.status != MembershipStatus.ACTIVE:
        return False
    employee = agreement.tour.employee
    return employee.pk == membership.pk or is_manager_of(membership, employee)
