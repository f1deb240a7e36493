"""The tenancy framework every organization page is built on, in one place.

- `TenantMiddleware` resolves `/<org_slug>/...` into `request.organization` and `request.membership`, and runs
  the view inside that organization's django-scopes scope (`organization_scope`).
- `TenantView` is the base of every organization page: it checks the capability each HTTP method needs and
  resolves the objects the URL names, as the view declares them (`capabilities`, `url_objects`).
- `apply_form_errors` and `querystring_without_page` are the helpers those pages share.

Feature apps (agreements, checkpoints, alumni) import these from here, never from `alliance.views`.
"""

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, ClassVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django_scopes import scope

from alliance import page_cache as kept_pages
from alliance.compiled import compiled_instance
from alliance.conflicts import StateConflict
from alliance.models import Membership, MembershipStatus
from alliance.permissions import ALUMNI, holder_of, membership_has


def organization_scope(organization):
    """The django-scopes scope of one organization (an Organization or its id), as a context manager: every
    tenant model's default manager is filtered to it (alliance.scoping.tenant_manager). Raises ValueError for
    None, which django-scopes would read as "no filter at all"."""
    if organization is None:
        raise ValueError("organization_scope needs an organization, not None")
    return scope(organization=organization)


class TenantMiddleware:
    """Resolve `/<org_slug>/...` into `request.organization` and `request.membership`, once for every view, and
    run the view inside that organization's scope.

    Anyone who is not an active or alumni member gets 404 whether the organization exists or not, so a URL
    never confirms that a tenant or an id exists. Anonymous visitors are sent to sign in.

    Scoping: `__call__` opens, around the rest of the request, a scope with no organization and an ExitStack;
    `process_view` (which alone knows the URL's `org_slug`) enters `scope(organization=...)` onto that stack.
    The stack closes when `get_response` returns, so the view, its template rendering (TemplateResponse is
    rendered by the handler before returning here), exception handling and the inner middlewares all run in the
    scope, while the other middlewares' `process_view` keep their order (CSRF runs before this one, as listed
    in settings.MIDDLEWARE) and nothing calls the view but the handler. A streaming response's body is produced
    after the scope closed: such a view must not read tenant rows lazily. Every request starts with scoping
    enforced, whatever the caller's state (a test's `scopes_disabled()`): a page outside an organization (the
    landing page, the chooser, /verify/, invitations, the admin) reads tenant rows only through an explicit
    scope or `scopes_disabled()` of its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        with scope(), ExitStack() as request_scope:
            request._tenant_scope = request_scope
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = tenant_membership(slug=slug, user_id=request.user.pk)
        if membership is None:
            raise Http404
        membership.user = request.user
        request.organization = membership.organization
        request.membership = membership
        request._tenant_scope.enter_context(organization_scope(membership.organization))
        return None


def tenant_membership(*, slug: str, user_id: int) -> Membership | None:
    """The membership of user `user_id` in the organization whose slug is `slug`, active or alumni, with its
    organization and its manager's user loaded; None when there is none (another organization's URL, a member who
    left without alumni status, a suspended one). The lookup that decides the tenant of every `/<org>/` request:
    across organizations on purpose, it returns at most the user's own membership (one per user and organization).
    Compiled once per process (alliance.compiled); no ORDER BY (the model's default would join the user)."""
    return compiled_instance(
        "tenant_membership",
        lambda slug, user, active, alumni: Membership.objects.select_related("organization", "manager__user").filter(
            organization__slug=slug, user_id=user, status__in=[active, alumni]
        ),
        slug=slug,
        user=user_id,
        active=str(MembershipStatus.ACTIVE),
        alumni=str(MembershipStatus.ALUMNI),
    )


Resolver = Callable[["TenantView"], Any]

# The handlers Django may route to besides these two (HEAD runs `get`, OPTIONS lists the allowed methods).
_DERIVED_METHODS = {"head": "GET", "options": "GET"}
_RESERVED_OBJECT_NAMES = {"request", "args", "kwargs", "organization", "membership"}


class TenantView(View):
    """Base of every `/<org_slug>/` view. TenantMiddleware has resolved the tenant; then, for each request:

    1. `capabilities[METHOD]` is required of the member (403 otherwise; 404 for an alumnus, to whom the
       employee pages of the organization they left no longer exist). Every HTTP method a view implements
       must be named there; `__init_subclass__` refuses a class that leaves one out, and a method missing at run
       time is refused (403), never allowed. HEAD and OPTIONS use the GET entry.
    2. Each entry of `url_objects` (name -> resolver, in declaration order) is resolved: a resolver takes the
       view, fetches through the access helpers and raises Http404 (not visible, or of another organization),
       PermissionDenied (visible, but not for this member to act on) or a state conflict. Later resolvers may
       use earlier results. Each result is set as `self.<name>` and put in the template context as `<name>`.
       Before a kept page is served (`page_cache`), `check_url_objects` runs instead: a resolver's cheap
       `check` where it has one (its object is then not produced), else the resolver itself.
    3. A `StateConflict` (alliance.conflicts) raised by a resolver or a handler becomes the 409 page
       (`state_conflict_response`): the state that blocks the action and the next step, never a 403 or a 500.

    Handlers then only read `self.<name>`: no view fetches a URL's object any other way. Resolvers shared by
    several views live in the app's access module or in `url_object()` declarations.
    """

    capabilities: ClassVar[dict[str, str]] = {}
    url_objects: ClassVar[dict[str, Resolver]] = {}
    # True on the main read pages: a GET is served from the member's kept page (alliance.page_cache), after the
    # capability check and the url_objects' checks (`check_url_objects`: the access checks always run live).
    page_cache: ClassVar[bool] = False
    # What a kept page shows of the organization besides its reader's records and the URL's member
    # (`page_topics`): kept_pages.ANY for a page of everyone's records, kept_pages.COMMUNITY for the alumni pages.
    page_topic_kinds: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "required_capability" in vars(cls):
            raise ImproperlyConfigured(f"{cls.__qualname__}: state `capabilities` per HTTP method instead.")
        missing = [method.upper() for method in cls.implemented_methods() if method.upper() not in cls.capabilities]
        if missing:
            raise ImproperlyConfigured(f"{cls.__qualname__} implements {missing} without a capability for them.")
        reserved = _RESERVED_OBJECT_NAMES & set(cls.url_objects)
        if reserved:
            raise ImproperlyConfigured(f"{cls.__qualname__}: url_objects may not be named {sorted(reserved)}.")

    @classmethod
    def implemented_methods(cls) -> list[str]:
        """The lower-case HTTP methods this view has a handler for (HEAD and OPTIONS follow GET)."""
        return [m for m in cls.http_method_names if m not in _DERIVED_METHODS and hasattr(cls, m)]

    @classmethod
    def capability_for(cls, method: str) -> str | None:
        """The capability an HTTP `method` needs here, or None when the view does not declare it (refused)."""
        method = method.lower()
        return cls.capabilities.get(_DERIVED_METHODS.get(method, method.upper()))

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # 405 before anything is looked up or checked, as Django's View answers: it reveals nothing.
            return self.http_method_not_allowed(request, *args, **kwargs)
        capability = self.capability_for(method)
        if capability is None:
            raise PermissionDenied
        if not membership_has(request.membership, capability):
            # An alumnus on a page of the organization they left that is not theirs any more (an employee
            # page): 404, as for a page that does not exist for them; anyone else lacking it gets 403.
            if holder_of(request.membership) == ALUMNI:
                raise Http404
            raise PermissionDenied
        self.organization = request.organization
        self.membership = request.membership
        key = None
        try:
            if self.page_cache and kept_pages.enabled() and kept_pages.keepable_request(request):
                # The object-level access checks (whose timeline, which checkpoint) run before a kept page is
                # served, live whatever the kept pages' invalidation missed; their cheap form, since the kept
                # page needs no object. They also name whose records the page shows: its topics.
                subjects = check_url_objects(self)
                key = kept_pages.page_key(request, self.page_topics(subjects))
                kept = kept_pages.kept_entry(key) if key is not None else None
                if kept is not None:
                    return kept_pages.kept_response(request, kept)
            for name, resolver in self.url_objects.items():
                if key is None or getattr(resolver, "check", None) is not None:
                    setattr(self, name, resolver(self))
        except StateConflict as conflict:
            return state_conflict_response(request, conflict)
        if key is None:
            return self._handle(request, *args, **kwargs)
        return kept_pages.render_and_keep(request, key, lambda: self._handle(request, *args, **kwargs))

    def page_topics(self, subjects: list[int | None]) -> list[str]:
        """The page-cache topics of this page besides its reader's (alliance.page_cache, `topic_key`): the person
        topic of each member `subjects` names (what `check_url_objects` returned), and `any:` of the organization
        for a URL object whose member is not known (None); then `page_topic_kinds`, each of the organization."""
        organization_id = self.organization.pk
        keys = [
            kept_pages.topic_key(kept_pages.ANY, organization_id)
            if subject is None
            else kept_pages.topic_key(kept_pages.PERSON, subject)
            for subject in subjects
        ]
        return keys + [kept_pages.topic_key(kind, organization_id) for kind in self.page_topic_kinds]

    def _handle(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except StateConflict as conflict:
            # A state rule, raised by a resolver or a handler, in any app: the 409 page, never a 403 or a 500.
            return state_conflict_response(request, conflict)

    def get_context_data(self, **kwargs):
        for name in self.url_objects:
            kwargs.setdefault(name, getattr(self, name))
        kwargs.update(kept_pages.context_csrf(self.request))
        return super().get_context_data(**kwargs)


def state_conflict_response(request, conflict: StateConflict) -> HttpResponse:
    """The 409 page for `conflict`: the state that blocks the action, the next step and its link (the
    conflict's `next_url_name`, given the organization slug and then `next_url_args`)."""
    next_url = None
    if conflict.next_url_name and all(arg is not None for arg in conflict.next_url_args):
        next_url = reverse(conflict.next_url_name, args=[request.organization.slug, *conflict.next_url_args])
    return render(request, "conflict.html", {"conflict": conflict, "next_url": next_url}, status=409)


def url_object(fetch: Callable[..., Any], *, check: Callable[..., None] | None = None, **params: str) -> Resolver:
    """A resolver for `TenantView.url_objects`: `fetch(membership=<the member>, <param>=<URL kwarg>...)`.

    `params` maps each keyword argument of `fetch` to the URL kwarg that supplies it, e.g.
    `url_object(access.access_version, agreement_pk="pk", number="number")`. `fetch` is an access helper that
    raises Http404 for rows outside the organization or not visible to the member.

    `check`, when given, takes the same arguments and raises exactly where `fetch` would, returning the member
    (a membership pk) whose record the object is, or None when it is no one member's: the cheaper form (a few
    columns, no objects) that runs before a kept page is served in place of `fetch`, whose object a kept page
    does not need (`resolver.check`; `check_url_objects`). Its equivalence to `fetch` is a
    test's business (tests/agreements/test_visibility_rule.py).
    """

    def arguments(view: TenantView) -> dict:
        return {"membership": view.membership, **{param: view.kwargs[kwarg] for param, kwarg in params.items()}}

    def resolve(view: TenantView):
        return fetch(**arguments(view))

    resolve.__qualname__ = f"url_object({getattr(fetch, '__name__', fetch)!s})"
    if check is not None:
        resolve.check = lambda view: check(**arguments(view))
    return resolve


def check_url_objects(view: TenantView) -> list[int | None]:
    """Run each of `view.url_objects`' access checks, in declaration order: what must pass before a kept page of
    the view is served. A resolver with a cheap `check` runs that, and `self.<name>` is then not set, so a later
    resolver of a kept view must not read an object that has a check; a resolver without one runs itself and
    its object is set as usual.

    Returns, per resolver, the member whose records its object is (a membership pk: what the check returned, or
    the reader for a resolver marked `reader_only`), or None when not known: the page's topics
    (`TenantView.page_topics`)."""
    subjects: list[int | None] = []
    for name, resolver in view.url_objects.items():
        check = getattr(resolver, "check", None)
        if check is None:
            setattr(view, name, resolver(view))
            subjects.append(view.membership.pk if getattr(resolver, "reader_only", False) else None)
        else:
            subjects.append(check(view))
    return subjects


def reader_only(resolver: Resolver) -> Resolver:
    """Mark `resolver` (a url_objects entry) as giving the reader's own record or no member's record at all (the
    reader's membership, a permission check): a kept page of its view needs no topic for it."""
    resolver.reader_only = True
    return resolver


def querystring_without_page(request) -> str:
    """The list's filters as a query string, for pagination links (templates/_pagination.html)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def apply_form_errors(form, error: ValidationError, *, rename: dict | None = None) -> None:
    """Show a service's ValidationError on the form: each field's messages beside that field (or beside the
    field `rename` names for it), the rest, and errors that name no field, at the top of the form."""
    messages_by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, errors in messages_by_field.items():
        target = (rename or {}).get(field, field)
        form.add_error(target if target in form.fields else None, errors)


def apply_formset_errors(formset, error: ValidationError, *, key: str, forms=None) -> None:
    """Show the errors of a service's ValidationError about a list of rows beside the right input of `formset`.

    The service keys each error "<key>.<index>.<field>" (the row at `index` of the list it was given, 0-based)
    or `key` for the list as a whole (agreements.rules.kpi_error_key is one such scheme). `forms` are the
    formset's forms in the order their rows were given to the service (default: every form); a row error goes
    beside that form's field, or on top of that form when it has no such field; the list's errors go on top
    of the formset (its non-form errors). Errors under other keys are left for the caller (apply_form_errors)."""
    forms = list(formset.forms if forms is None else forms)
    if not hasattr(error, "error_dict"):
        return
    for name, messages in error.message_dict.items():
        if name == key:
            formset.non_form_errors().extend(messages)
            continue
        prefix, _dot, rest = name.partition(".")
        index, _dot, field = rest.partition(".")
        if prefix != key or not index.isdigit() or int(index) >= len(forms):
            continue
        form = forms[int(index)]
        form.add_error(field if field in form.fields else None, messages)


def without_keys(error: ValidationError, key: str) -> ValidationError | None:
    """`error` without the entries `apply_formset_errors` shows for `key` (None when nothing is left): what
    remains for the main form's apply_form_errors."""
    if not hasattr(error, "error_dict"):
        return error
    rest = {
        name: messages
        for name, messages in error.message_dict.items()
        if name != key and not name.startswith(f"{key}.")
    }
    return ValidationError(rest) if rest else None
