"""The tenancy framework every organization page is built on, in one place.

- `TenantMiddleware` resolves `/<org_slug>/...` into `request.organization` and `request.membership`.
- `TenantView` is the base of every organization page: it checks the capability the page needs.
- `apply_form_errors` and `querystring_without_page` are the helpers those pages share.

Feature apps (agreements, checkpoints, alumni) import these from here, never from `alliance.views`.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.views import View

from alliance.models import Membership, MembershipStatus
from alliance.permissions import VIEW_DASHBOARD, require


class TenantMiddleware:
    """Resolve `/<org_slug>/...` into `request.organization` and `request.membership`, once for every view.

    Anyone who is not an active or alumni member gets 404 whether the organization exists or not, so a URL
    never confirms that a tenant or an id exists. Anonymous visitors are sent to sign in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
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
