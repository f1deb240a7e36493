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
