"""TenantView: every organization page states the capability each HTTP method needs and declares the objects
its URL names (alliance.tenancy)."""

import inspect

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.generic import FormView, TemplateView

from agreements.models import Tour
from alliance.permissions import CAPABILITIES, MANAGE_MEMBERS, VIEW_OWN_RECORDS
from alliance.tenancy import TenantView


def _org_views():
    """(url name, view class) of every pattern under `/<org_slug>/`."""

    def walk(patterns, prefix, in_org):
        for p in patterns:
            org = in_org or "org_slug" in str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                yield from walk(p.url_patterns, ns, org)
            elif isinstance(p, URLPattern) and org:
                yield f"{prefix}{p.name}", getattr(p.callback, "view_class", p.callback)

    return sorted(walk(get_resolver().url_patterns, "", False), key=lambda pair: pair[0])


ORG_VIEWS = _org_views()


def test_the_walk_finds_the_organization_pages():
    names = {name for name, _view in ORG_VIEWS}
    assert {"dashboard", "members", "agreements:version", "agreements:template", "audit"} <= names


@pytest.mark.parametrize("name, view", ORG_VIEWS, ids=[name for name, _view in ORG_VIEWS])
def test_every_organization_page_declares_a_registered_capability_per_method(name, view):
    assert inspect.isclass(view) and issubclass(view, TenantView), name
    methods = [m.upper() for m in view.implemented_methods()]
    assert methods, name
    for method in methods:
        assert view.capabilities[method] in CAPABILITIES, (name, method)
    for method in ("HEAD", "OPTIONS"):
        assert view.capability_for(method) == view.capabilities["GET"], (name, method)


@pytest.mark.parametrize("name, view", ORG_VIEWS, ids=[name for name, _view in ORG_VIEWS])
def test_no_organization_page_reads_its_url_kwargs_itself(name, view):
    """Objects come through `url_objects` resolvers only: no handler improvises a getter on `self.kwargs`."""
    for cls in view.__mro__:
        if cls.__module__.startswith(("agreements.", "alliance.")) and cls is not TenantView:
            assert "self.kwargs" not in inspect.getsource(cls), (name, cls.__qualname__)


def _define(bases, **attrs):
    return type("Probe", bases, {"__module__": __name__, **attrs})


@pytest.mark.parametrize(
    "bases, attrs, error",
    [
        ((TenantView, TemplateView), {"capabilities": {"GET": VIEW_OWN_RECORDS}}, None),
        ((TenantView, TemplateView), {}, r"\['GET'\] without a capability"),
        # FormView handles GET, POST and PUT: each needs its entry.
        ((TenantView, FormView), {"capabilities": {"GET": MANAGE_MEMBERS, "POST": MANAGE_MEMBERS}}, r"\['PUT'\]"),
        (
            (TenantView, TemplateView),
            {"capabilities": {"GET": VIEW_OWN_RECORDS}, "post": lambda self, request: None},
            r"\['POST'\]",
        ),
        ((TenantView, TemplateView), {"required_capability": VIEW_OWN_RECORDS}, "per HTTP method"),
        (
            (TenantView, TemplateView),
            {"capabilities": {"GET": VIEW_OWN_RECORDS}, "url_objects": {"membership": lambda view: None}},
            "may not be named",
        ),
    ],
)
def test_a_view_is_checked_when_its_class_is_defined(bases, attrs, error):
    if error is None:
        assert _define(bases, **attrs).capability_for("GET") == VIEW_OWN_RECORDS
        return
    with pytest.raises(ImproperlyConfigured, match=error):
        _define(bases, **attrs)


@pytest.mark.parametrize(
    "method, expected",
    [("GET", VIEW_OWN_RECORDS), ("head", VIEW_OWN_RECORDS), ("OPTIONS", VIEW_OWN_RECORDS), ("POST", None)],
)
def test_capability_for_each_method(method, expected):
    view = _define((TenantView, TemplateView), capabilities={"GET": VIEW_OWN_RECORDS})
    assert view.capability_for(method) == expected


def test_a_method_without_a_handler_is_405_before_any_check(db, login, employee):
    # The alignment page is GET-only; a POST is answered 405 without resolving the (invisible) alignment.
    url = reverse("agreements:alignment", args=["acme", 999999])
    assert login(employee).post(url).status_code == 405


@pytest.mark.parametrize(
    "role, status, allowed",
    [("hr", 302, True), ("manager", 403, False), ("employee", 403, False), ("alumni", 404, False)],
)
def test_the_tour_page_asks_a_different_capability_to_post(db, login, request, role, status, allowed):
    """Reading a tour needs VIEW_OWN_RECORDS; flipping its concurrent switch needs ALLOW_CONCURRENT_TOURS."""
    tour = Tour.objects.filter(employee__user__email="employee@acme.example").first()
    Tour.objects.filter(pk=tour.pk).update(allow_concurrent=False)
    url = reverse("agreements:tour", args=["acme", tour.pk])
    response = login(request.getfixturevalue(role)).post(url, {"allow": "1"})
    assert response.status_code == status
    tour.refresh_from_db()
    assert tour.allow_concurrent is allowed


def test_declared_objects_reach_the_view_and_the_context(db, login, employee):
    tour = Tour.objects.filter(employee=employee).first()
    response = login(employee).get(reverse("agreements:tour", args=["acme", tour.pk]))
    assert response.status_code == 200
    assert response.context["tour"] == tour
    assert response.context["view"].tour == tour


@pytest.mark.parametrize("where", ["resolver", "handler"])
def test_a_state_conflict_raised_anywhere_in_any_app_is_the_409_page(rf, employee, where):
    """Any organization page, whatever its app, answers a state rule with the core's 409 page (no mixin)."""
    from django.http import HttpResponse
    from django_scopes import scope

    from alliance.conflicts import StateConflict

    def refuse(view):
        raise StateConflict("It is signed.", next_step="Amend it instead.", next_url_name="dashboard", next_label="Go")

    attrs = {"capabilities": {"GET": VIEW_OWN_RECORDS}, "__module__": __name__}
    if where == "resolver":
        attrs["url_objects"] = {"thing": refuse}
        attrs["get"] = lambda self, request, *args, **kwargs: HttpResponse("reached the handler")
    else:
        attrs["get"] = lambda self, request, *args, **kwargs: refuse(self)
    view = type("RefusingView", (TenantView,), attrs).as_view()
    request = rf.get("/acme/anything/")
    request.user, request.organization, request.membership = employee.user, employee.organization, employee
    with scope(organization=employee.organization):
        response = view(request)
    assert response.status_code == 409
    page = response.content.decode()
    assert "It is signed." in page and "Amend it instead." in page
    assert '<a class="button" href="/acme/">Go</a>' in page
