"""The community's home page: where each part of the alumni community is reached from."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.views.generic import TemplateView

from alliance import page_cache as kept_pages
from alliance.permissions import VIEW_ALUMNI_PAGES
from alliance.tenancy import TenantView
from alumni import access


class CommunityHomeView(TenantView, TemplateView):
    """GET: links to the parts of the community the viewer may use. Members who may use none of them (a current
    employee while the directory is off) get 403."""

    template_name = "alumni/home.html"
    capabilities = {"GET": VIEW_ALUMNI_PAGES}
    page_cache = True
    page_topic_kinds = (kept_pages.COMMUNITY,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["may_see_directory"] = access.may_see_directory(self.membership)
        if not ctx["may_see_directory"]:
            raise PermissionDenied
        return ctx
