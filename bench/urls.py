"""URLconf of the HTTP benchmark only (bench/settings.py): the production routes and the bare view before them."""

from django.http import HttpResponse
from django.urls import path

from alliance.models import Organization
from alliance.urls import urlpatterns as production_urlpatterns


def bare(request):
    """One query through the whole middleware stack, nothing rendered: the ceiling every page is compared with."""
    first = Organization.objects.order_by("pk").values_list("slug", flat=True).first()
    return HttpResponse(f"ok {first}\n", content_type="text/plain; charset=utf-8")


# Before the production routes: `<slug:org_slug>/` would otherwise take "__bench__" for an organization.
urlpatterns = [path("__bench__/bare/", bare, name="bench_bare"), *production_urlpatterns]
