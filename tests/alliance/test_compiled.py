"""Queries compiled once per process (alliance.compiled) answer exactly as the ORM does; the tenant lookup of every
`/<org>/` request (alliance.tenancy.tenant_membership) is the table of every user against every organization."""

import pytest
from django_scopes import scope, scopes_disabled

from alliance import compiled
from alliance.models import Membership, MembershipStatus, Organization, User
from alliance.tenancy import tenant_membership


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    # Each test compiles its own, as a fresh worker process would.
    monkeypatch.setattr(compiled, "_COMPILED", {})


def _state(instance):
    """Every concrete field's value of `instance` and of the objects select_related loaded on it."""
    if instance is None:
        return None
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    for name, related in instance._state.fields_cache.items():
        values[name] = _state(related)
    return values


def _by_orm(slug, user_id):
    with scopes_disabled():
        found = (
            Membership.objects.select_related("organization", "manager__user")
            .filter(
                organization__slug=slug,
                user_id=user_id,
                status__in=[MembershipStatus.ACTIVE, MembershipStatus.ALUMNI],
            )
            .order_by()
            .first()
        )
    return found


def test_the_tenant_lookup_is_the_orms_for_every_user_and_organization(db):
    with scopes_disabled():
        users = list(User.objects.order_by("pk").values_list("pk", flat=True))
        slugs = [*Organization.objects.order_by("pk").values_list("slug", flat=True), "no-such-organization"]
        statuses = set(Membership.objects.values_list("status", flat=True))
        with_manager = Membership.objects.filter(manager__isnull=False).count()
    assert len(slugs) >= 3 and len(users) > 20 and with_manager, "the demo data holds several organizations"
    # Every status is in the table: members who left without alumni status are found by neither.
    assert {MembershipStatus.ACTIVE, MembershipStatus.ALUMNI} < statuses, statuses
    found = 0
    for slug in slugs:
        for user_id in [*users, 0, -1, 2**63 - 1]:
            expected = _by_orm(slug, user_id)
            got = tenant_membership(slug=slug, user_id=user_id)
            assert _state(got) == _state(expected), (slug, user_id)
            found += got is not None
    with scopes_disabled():
        assert found == Membership.objects.filter(status__in=["active", "alumni"]).count()


@pytest.mark.parametrize("user_id", [2**63, 2**80, -(2**63) - 1])
def test_an_id_past_64_bits_finds_no_membership(db, user_id):
    assert tenant_membership(slug="acme", user_id=user_id) is None


def test_a_lookup_compiled_inside_an_organizations_scope_serves_every_organization(db):
    with scopes_disabled():
        acme = Membership.objects.filter(organization__slug="acme", status="active").first()
        globex = Membership.objects.filter(organization__slug="globex", status="active").first()
    with scope(organization=acme.organization):
        assert tenant_membership(slug="acme", user_id=acme.user_id).pk == acme.pk
    assert tenant_membership(slug="globex", user_id=globex.user_id).pk == globex.pk
    assert tenant_membership(slug="acme", user_id=globex.user_id) is None or globex.user_id == acme.user_id


def test_the_compiled_sql_is_compiled_once_and_then_only_executed(db, django_assert_num_queries):
    with scopes_disabled():
        members = list(Membership.objects.filter(status="active").select_related("organization")[:3])
    tenant_membership(slug=members[0].organization.slug, user_id=members[0].user_id)
    assert list(compiled._COMPILED) == [(compiled.connections["default"].vendor, "tenant_membership")]
    entry = next(iter(compiled._COMPILED.values()))
    for member in members:
        with django_assert_num_queries(1):
            assert tenant_membership(slug=member.organization.slug, user_id=member.user_id).pk == member.pk
    assert next(iter(compiled._COMPILED.values())) is entry


REFUSED = [
    (
        "a constant",
        lambda organization, pk: Membership.objects.for_organization(organization).filter(pk=pk, role="hr"),
        ValueError,
    ),
    (
        "an argument the query does not use",
        lambda organization, pk: Membership.objects.for_organization(organization),
        ValueError,
    ),
]


@pytest.mark.parametrize("case", [name for name, *_ in REFUSED])
@pytest.mark.parametrize("call", ["compiled_row", "compiled_instance"])
def test_a_query_not_made_of_its_arguments_is_refused(db, case, call):
    _, build, error = next(entry for entry in REFUSED if entry[0] == case)
    with pytest.raises(error, match="exactly its arguments"):
        getattr(compiled, call)(case, build, organization=1, pk=1)


@pytest.mark.parametrize("value", [1.5, None, True, b"1"])
def test_an_argument_of_another_type_is_refused(db, value):
    with pytest.raises(TypeError):
        compiled.compiled_row("typed", lambda pk: Membership.objects.filter(pk=pk).values_list("pk"), pk=value)


def test_an_instance_needs_a_model_queryset(db):
    with pytest.raises(ValueError, match="model queryset"):
        compiled.compiled_instance(
            "values", lambda pk: Membership.objects.filter(pk=pk).values_list("pk"), pk=Membership.objects.first().pk
        )
