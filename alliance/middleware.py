from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.utils import translation

from alliance.models import Membership, MembershipStatus


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


class UserLanguageMiddleware:
    """Use the signed-in user's preferred language unless they chose one in this browser (the language cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language
            and user.language != request.LANGUAGE_CODE
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
