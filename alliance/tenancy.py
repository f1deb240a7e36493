"""The tenancy framework every organization page is built on, in one place.

- `TenantMiddleware` resolves `/<org_slug>/...` into `request.organization` and `request.membership`, and runs
  the view inside that organization's django-scopes scope (`organization_scope`).
- `TenantView` is the base of every organization page: it checks the capability the page needs.
- `apply_form_errors` and `querystring_without_page` are the helpers those pages share.

Feature apps (agreements, checkpoints, alumni) import these from here, never from `alliance.views`.
"""

from contextlib import ExitStack

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.views import View
from django_scopes import scope, scopes_disabled

from alliance.models import Membership, MembershipStatus
from alliance.permissions import VIEW_DASHBOARD, require


def organization_scope(organization):
    """The django-scopes scope of one organization (an Organization or its id), as a context manager: every
    tenant model's default manager is filtered to it (alliance.models.tenant_manager). Raises ValueError for
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
        # Across organizations on purpose: this is the lookup that decides the tenant. It returns at most the
        # requesting user's own membership in the organization the URL names.
        with scopes_disabled():
            membership = (
                Membership.objects.select_related("organization", "user", "manager__user")
                .filter(
                    organization__slug=slug,
                    user=request.user,
                    status__in=[MembershipStatus.ACTIVE, MembershipStatus.ALUMNI],
                )
                .first()
            )
        if membership is None:
            raise Http404
        request.organization = membership.organization
        request.membership = membership
        request._tenant_scope.enter_context(organization_scope(membership.organization))
        return None


class TenantView(View):
    """Base of every `/<org_slug>/` view: TenantMiddleware has resolved the tenant; this checks the capability."""

    required_capability: str = VIEW_DASHBOARD

    def dispatch(self, request, *args, **kwargs):
        require(request.membership, self.required_capability)
        self.organization = request.organization
        self.membership = request.membership
        self.resolve()
        return super().dispatch(request, *args, **kwargs)

    def resolve(self) -> None:
        """Fetch the objects the URL names, through the access helpers (404/403 before any handler runs)."""


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
