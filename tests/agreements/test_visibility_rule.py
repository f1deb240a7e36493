"""The tours a member may read, in its two forms: `visible_tours` (a queryset, for lists) and `tour_is_visible`
(decided on one loaded row, for the single-record checks that run on every request). The table below holds them
equal for every member of the demo organizations against every tour, and again with each member turned into
each role and status (a demoted manager whose reports still name them, an invitation, an alumnus, HR whose
two-factor setup is pending); the single-record accessors then answer 404 exactly where the rule says no."""

import pytest
from django.http import Http404

from agreements import access
from agreements.models import Agreement, Tour
from alliance import compiled
from alliance.models import Membership, MembershipStatus, Role
from alliance.permissions import HR_MFA_PENDING_ATTRIBUTE
from checkpoints import access as checkpoint_access
from checkpoints.models import Checkpoint, TourEnding

VARIANTS = [
    ("as stored", {}),
    *[(f"role {role}", {"role": role}) for role in Role],
    *[(f"status {status}", {"status": status}) for status in MembershipStatus],
    ("HR with two-factor setup pending", {"role": Role.HR, HR_MFA_PENDING_ATTRIBUTE: True}),
]


def _members():
    return list(Membership.objects.select_related("organization").order_by("pk"))


@pytest.mark.parametrize("variant", [name for name, _ in VARIANTS])
def test_the_row_rule_is_the_queryset_rule_for_every_member_and_tour(db, variant):
    changes = dict(VARIANTS)[variant]
    tours = list(Tour.objects.select_related("employee").order_by("pk"))
    assert tours, "the demo data holds tours"
    compared = seen = 0
    for member in _members():
        for field, value in changes.items():
            setattr(member, field, value)
        by_queryset = set(access.visible_tours(membership=member).values_list("pk", flat=True))
        for tour in tours:
            assert access.tour_is_visible(member, tour) == (tour.pk in by_queryset), (variant, member, tour)
            compared += 1
            seen += tour.pk in by_queryset
    if changes.get("status") == MembershipStatus.INVITED:
        assert seen == 0, "an invitation reads no tour"
    else:
        # The table exercises both answers, not one of them only.
        assert 0 < seen < compared


def _rows(model, per_organization=10):
    """Up to `per_organization` rows of each organization, so that rows of another organization are asked for."""
    rows = []
    for organization_id in model.objects.order_by().values_list("organization_id", flat=True).distinct():
        rows += list(model.objects.filter(organization_id=organization_id).order_by("pk")[:per_organization])
    return rows


ACCESSORS = [
    ("tour", Tour, access.access_tour, lambda row: row),
    ("agreement", Agreement, access.access_agreement, lambda row: row.tour),
    ("checkpoint", Checkpoint, checkpoint_access.access_checkpoint, lambda row: row.tour),
    ("ending", TourEnding, checkpoint_access.access_ending, lambda row: row.tour),
]


@pytest.mark.parametrize("name", [name for name, *_ in ACCESSORS])
def test_each_single_record_accessor_answers_404_exactly_where_the_rule_says_no(db, name):
    _, model, accessor, tour_of = next(entry for entry in ACCESSORS if entry[0] == name)
    rows = _rows(model)
    assert rows, f"the demo data holds {name}s"
    opened = refused = 0
    for member in _members():
        visible = set(access.visible_tours(membership=member).values_list("pk", flat=True))
        for row in rows:
            tour = tour_of(row)
            if tour.pk in visible and tour.organization_id == member.organization_id:
                assert accessor(membership=member, pk=row.pk).pk == row.pk
                opened += 1
            else:
                with pytest.raises(Http404):
                    accessor(membership=member, pk=row.pk)
                refused += 1
    assert opened and refused


def test_a_missing_pk_is_a_404(db, employee):
    for _, _model, accessor, _tour_of in ACCESSORS:
        with pytest.raises(Http404):
            accessor(membership=employee, pk=0)


def _raises_404(call, **arguments) -> bool:
    try:
        call(**arguments)
    except Http404:
        return True
    return False


CHECKS = [
    ("checkpoint", Checkpoint, checkpoint_access.access_checkpoint, checkpoint_access.check_checkpoint),
    ("person", Membership, access.access_person, access.check_person),
    *[
        (
            f"{name} by check_tour_of",
            model,
            accessor,
            lambda *, membership, pk, _m=model, _t=tour_path: access.check_tour_of(
                _m, membership=membership, pk=pk, tour=_t
            ),
        )
        for (name, model, accessor, _tour_of), tour_path in zip(ACCESSORS, ["", "tour", "tour", "tour"], strict=True)
    ],
]


@pytest.mark.parametrize("variant", [name for name, _ in VARIANTS])
@pytest.mark.parametrize("name", [name for name, *_ in CHECKS])
def test_each_cheap_check_refuses_exactly_where_its_accessor_does(db, name, variant):
    """The check that runs before a kept page is served (alliance.tenancy.url_object's `check`) against the
    accessor that runs before it is rendered: the same 404s for every member, in every role and status, and
    every row of both organizations."""
    _, model, accessor, check = next(entry for entry in CHECKS if entry[0] == name)
    changes = dict(VARIANTS)[variant]
    rows = _rows(model, per_organization=4)
    answers = set()
    for member in _members():
        for field, value in changes.items():
            setattr(member, field, value)
        for row in rows:
            refused = _raises_404(accessor, membership=member, pk=row.pk)
            assert _raises_404(check, membership=member, pk=row.pk) == refused, (variant, member, row)
            answers.add(refused)
    if changes.get("status") != MembershipStatus.INVITED:
        assert answers == {True, False}


ONE_QUERY = {
    **{f"accessor {name}": (model, accessor) for name, model, accessor, _tour_of in ACCESSORS},
    **{f"check {name}": (model, check) for name, model, _accessor, check in CHECKS},
}


@pytest.mark.parametrize("name", list(ONE_QUERY))
def test_each_single_record_accessor_and_check_is_one_query(db, name, hr, django_assert_num_queries):
    model, call = ONE_QUERY[name]
    row = model.objects.filter(organization=hr.organization).order_by("pk").first()
    with django_assert_num_queries(1):
        call(membership=hr, pk=row.pk)


@pytest.mark.parametrize("pk", [0, -1, 2**31, 2**63 - 1, 2**63, 2**80, -(2**63) - 1])
@pytest.mark.parametrize("name", [name for name, *_ in CHECKS])
def test_a_check_of_an_id_no_row_has_is_a_404(db, name, pk):
    """The checks run compiled SQL (alliance.compiled.compiled_row): an id past any column's range is a 404 like
    any other missing row, not a database error."""
    _, _model, accessor, check = next(entry for entry in CHECKS if entry[0] == name)
    member = Membership.objects.select_related("organization").filter(organization__slug="acme", role="hr").first()
    with pytest.raises(Http404):
        check(membership=member, pk=pk)


def test_a_check_compiled_inside_one_organizations_scope_serves_every_organization(db):
    """The first call of a check in a process compiles its SQL (alliance.compiled.compiled_row), usually inside a
    request's organization scope: that scope's filter must not become a constant of the SQL every organization
    then runs."""
    from django_scopes import scope

    compiled._COMPILED.clear()
    acme, globex = (
        Membership.objects.filter(organization__slug=slug, role="hr").first() for slug in ("acme", "globex")
    )
    checkpoints = {
        m.organization_id: Checkpoint.objects.filter(organization_id=m.organization_id).first() for m in (acme, globex)
    }
    with scope(organization=acme.organization):
        assert checkpoint_access.check_checkpoint(membership=acme, pk=checkpoints[acme.organization_id].pk)
    assert checkpoint_access.check_checkpoint(membership=globex, pk=checkpoints[globex.organization_id].pk)
    with pytest.raises(Http404):
        checkpoint_access.check_checkpoint(membership=globex, pk=checkpoints[acme.organization_id].pk)


def test_a_compiled_check_refuses_a_query_with_a_constant(db):
    with pytest.raises(ValueError, match="exactly its arguments"):
        compiled.compiled_row(
            "constant",
            lambda organization, pk: Membership.objects.for_organization(organization).filter(pk=pk, role="hr"),
            organization=1,
            pk=1,
        )
