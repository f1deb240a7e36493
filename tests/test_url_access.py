"""Every URL of the project, walked as an anonymous visitor, an outsider, each role and the allowed roles.

A new URL pattern that is not declared here fails `test_every_url_pattern_is_in_the_matrix`, so each later
route is covered the day it is added: declare it in ORG_ROUTES (or SITE_ROUTES) with the roles that may open it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alliance.models import Invitation, Membership

ROLES = ("hr", "manager", "employee", "alumni")


@dataclass
class Route:
    allowed: set[str]
    kwargs: Callable = lambda ctx: {}
    # kwargs naming an object of the other organization, opened by the most privileged role (expects 404).
    foreign: Callable | None = None
    # What a same-organization role that is not allowed gets: 403, or 404 where even existence is private.
    denied: int = 403


class Context:
    """Arguments resolved from the demo data (tests/conftest.py seeds it)."""

    def __init__(self):
        self.employee = Membership.objects.get(user__email="employee@acme.example", organization__slug="acme")
        self.outsider = Membership.objects.get(user__email="employee@globex.example", organization__slug="globex")

    def pending_invitation(self, slug):
        return Invitation.objects.filter(organization__slug=slug).pending().first()


ORG_ROUTES: dict[str, Route] = {
    "dashboard": Route(allowed={"hr", "manager", "employee", "alumni"}),
    "members": Route(allowed={"hr"}),
    "member_invite": Route(allowed={"hr"}),
    "member_edit": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.employee.pk},
        foreign=lambda ctx: {"pk": ctx.outsider.pk},
    ),
    "invitation_revoke": Route(
        allowed={"hr"},
        kwargs=lambda ctx: {"pk": ctx.pending_invitation("acme").pk},
        foreign=lambda ctx: {"pk": ctx.pending_invitation("globex").pk},
    ),
}

# Routes outside /<org_slug>/: "public" answer anyone; "login" send anonymous visitors to sign in.
SITE_ROUTES: dict[str, str] = {
    "landing": "public",
    "healthz": "public",
    "set_language": "public",
    "invitation_accept": "public",
    "organization_chooser": "login",
    "profile": "login",
}
# Whole namespaces owned by libraries, tested through their own flows (sign-in, admin scoping tests).
LIBRARY_PREFIXES = ("account_", "admin:")
LIBRARY_ROUTES_PREFIX = ("accounts/", "admin/")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), (namespace + entry.name) if entry.name else None


def all_routes():
    return list(_walk(get_resolver().url_patterns))


def org_route_names():
    return sorted({name for route, name in all_routes() if route.startswith("<slug:org_slug>/")})


def test_every_url_pattern_is_in_the_matrix():
    missing = []
    for route, name in all_routes():
        if route.startswith(LIBRARY_ROUTES_PREFIX):
            continue
        if name is None:
            missing.append(route)
        elif route.startswith("<slug:org_slug>/"):
            if name not in ORG_ROUTES:
                missing.append(name)
        elif name not in SITE_ROUTES and not name.startswith(LIBRARY_PREFIXES):
            missing.append(name)
    assert not missing, f"URL patterns missing from tests/test_url_access.py: {missing}"


def _url(name, slug, kwargs):
    return reverse(name, kwargs={"org_slug": slug, **kwargs})


@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_anonymous_visitors_are_sent_to_sign_in(db, login, name):
    url = _url(name, "acme", ORG_ROUTES[name].kwargs(Context()))
    response = login(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_members_of_another_organization_get_404(db, login, outsider, name):
    url = _url(name, "acme", ORG_ROUTES[name].kwargs(Context()))
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).post(url, {}).status_code == 404


@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_an_unknown_organization_is_404_like_a_foreign_one(db, login, hr, name):
    url = _url(name, "no-such-company", ORG_ROUTES[name].kwargs(Context()))
    assert login(hr).get(url).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, r in ORG_ROUTES.items() if r.foreign))
def test_ids_of_another_organization_are_404_even_for_hr(db, login, hr, name):
    url = _url(name, "acme", ORG_ROUTES[name].foreign(Context()))
    assert login(hr).get(url).status_code == 404
    assert login(hr).post(url, {}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ORG_ROUTES))
def test_each_role_gets_exactly_what_the_matrix_allows(db, login, request, role, name):
    spec = ORG_ROUTES[name]
    membership = request.getfixturevalue(role)
    response = login(membership).get(_url(name, "acme", spec.kwargs(Context())))
    expected = 200 if role in spec.allowed else spec.denied
    assert response.status_code == expected, f"{role} on {name}"


def test_invited_members_who_have_not_accepted_get_404(db, login):
    invited = Membership.objects.filter(organization__slug="acme", status="invited").first()
    for name in ORG_ROUTES:
        url = _url(name, "acme", ORG_ROUTES[name].kwargs(Context()))
        assert login(invited).get(url).status_code == 404, name


@pytest.mark.parametrize("name", sorted(n for n, kind in SITE_ROUTES.items() if kind == "login"))
def test_signed_in_pages_outside_organizations_need_a_sign_in(db, login, name):
    response = login(None).get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
