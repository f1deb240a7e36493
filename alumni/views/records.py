"""HR's alumni records: the organization's alumni in one filterable, paginated list, and its CSV export."""

from __future__ import annotations

import csv

from django import forms
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from alliance import exports
from alliance.tenancy import TenantView, organization_scope, querystring_without_page
from alumni.capabilities import MANAGE_COMMUNITY
from alumni.models import ComebackInterest, DepartureKind
from alumni.models.community import open_to_labels
from alumni.selectors import records as selectors
from alumni.services import records as services

RECORDS_PER_PAGE = 50


class RecordFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name"), required=False, max_length=100, help_text=_("Name, reading (フリガナ) or e-mail.")
    )
    year = forms.TypedChoiceField(label=_("Year of leaving"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Reason for leaving"), required=False, choices=[("", _("Any")), *DepartureKind.choices]
    )
    comeback = forms.ChoiceField(
        label=_("Comeback interest"),
        required=False,
        choices=[("", _("Any")), *[(v, label) for v, label in ComebackInterest.choices if v]],
        help_text=_("Only answers the person let HR quote."),
    )
    open_to = forms.ChoiceField(label=_("Open to"), required=False, choices=lambda: [("", _("Any")), *open_to_labels()])

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        years = selectors.departure_years(organization=organization)
        self.fields["year"].choices = [("", _("Any")), *((y, str(y)) for y in years)]

    def filters(self) -> selectors.RecordFilters:
        """The valid filters: a field with an invalid value filters nothing, the others still apply."""
        if not self.is_bound:
            return selectors.RecordFilters()
        self.is_valid()
        data = self.cleaned_data
        return selectors.RecordFilters(
            year=data.get("year"),
            kind=data.get("kind") or "",
            comeback=data.get("comeback") or "",
            open_to=data.get("open_to") or "",
            query=(data.get("q") or "").strip(),
        )


class RecordsView(TenantView, TemplateView):
    """GET: one row per alumnus (selectors.records for what each row shows), RECORDS_PER_PAGE a page."""

    template_name = "alumni/records/list.html"
    capabilities = {"GET": MANAGE_COMMUNITY}

    def get_context_data(self, **kwargs):
        form = RecordFilterForm(self.request.GET or None, organization=self.organization)
        filters = form.filters()
        qs = selectors.alumni_records(organization=self.organization, filters=filters)
        page = Paginator(qs, RECORDS_PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            filter_form=form,
            page=page,
            rows=selectors.record_rows(organization=self.organization, memberships=page.object_list),
            profile_headers=[header for _name, header in selectors.PROFILE_COLUMNS],
            profile_names=[name for name, _header in selectors.PROFILE_COLUMNS],
            extra_columns=list(selectors.record_columns.COLUMNS.values()),
            filtered=filters != selectors.RecordFilters(),
            querystring=querystring_without_page(self.request),
            **kwargs,
        )


class _Echo:
    """A file-like object whose write returns the line: csv.writer then yields each row's text."""

    def write(self, value):
        return value


class RecordsCsvView(TenantView):
    """GET: the filtered list (same filters as RecordsView) as CSV, UTF-8 with a BOM so that Excel reads Japanese,
    every cell neutralised against formulas (selectors.records.neutralise). Streamed: the rows are read a batch at
    a time inside the organization's scope, entered again by the generator (the request's scope has closed by
    the time a streaming body is produced). Recorded in the audit trail (who exported, with which filters)."""

    capabilities = {"GET": MANAGE_COMMUNITY}

    def get(self, request, *args, **kwargs):
        form = RecordFilterForm(request.GET or None, organization=self.organization)
        filters = form.filters()
        count = selectors.alumni_records(organization=self.organization, filters=filters).count()
        services.records_exported(actor=self.membership, filters=filters, rows=count)
        organization = self.organization
        language = request.LANGUAGE_CODE

        def stream():
            from django.utils import translation

            writer = csv.writer(_Echo())
            yield "\ufeff"
            with organization_scope(organization), translation.override(language):
                for values in selectors.csv_rows(organization=organization, filters=filters):
                    yield writer.writerow(values)

        stamp = timezone.localdate().isoformat()
        return exports.attachment(
            StreamingHttpResponse(stream(), content_type=exports.CSV_CONTENT_TYPE),
            f"alumni-records-{organization.slug}-{stamp}.csv",
        )
