"""The career timeline of one person: their own, a report's (their manager), anyone's (HR)."""

from __future__ import annotations

from django.views.generic import TemplateView

from agreements import access as agreement_access
from alliance.permissions import READ_OWN_RECORDS
from alliance.tenancy import TenantView, url_object
from checkpoints import timeline


class TimelineView(TenantView, TemplateView):
    """GET `?page=n`: the person's alignments, tours, agreement versions and checkpoints, newest first, grouped
    by tour with each tour's KPI picture; TOURS_PER_PAGE tours a page. Who may open it is agreements'
    access_person rule (the person, their manager, HR; 404 for anyone else); what each entry shows follows the
    records' own rules (HR reads an alignment only when the employee shared it)."""

    template_name = "checkpoints/timeline.html"
    capabilities = {"GET": READ_OWN_RECORDS}
    page_cache = True
    url_objects = {
        "member": url_object(agreement_access.access_person, check=agreement_access.check_person, pk="member_pk")
    }

    def get_context_data(self, **kwargs):
        member = self.member
        return super().get_context_data(
            timeline=timeline.career_timeline(
                viewer=self.membership, member=member, page_number=self.request.GET.get("page")
            ),
            is_self=member.pk == self.membership.pk,
            **kwargs,
        )
