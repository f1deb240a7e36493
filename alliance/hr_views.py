"""`/<org>/hr/`: the HR dashboard (every registered section, narrowed by the same filters) and its drill-down lists.

The sections and lists come from the apps (alliance.hr_insights); these views only apply the filters, draw the
charts (alliance.hr_charts), paginate and export.
"""

from datetime import date, datetime

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView

from alliance import exports, hr_charts, hr_insights, services
from alliance import page_cache as kept_pages
from alliance.hr_forms import FILTER_KEYS, InsightFilterForm
from alliance.permissions import VIEW_ORG_STATISTICS
from alliance.tenancy import TenantView, querystring_without_page

LIST_PER_PAGE = 50


class HrDashboardView(TenantView, TemplateView):
    """Every registered section's figures (each linking to its list, filters kept) and charts with their tables."""

    template_name = "alliance/hr/dashboard.html"
    capabilities = {"GET": VIEW_ORG_STATISTICS}
    page_cache = True
    # Figures of everyone's records, shown "as of" their rendering: they follow other members' writes within
    # PAGE_CACHE_SETTLE_SECONDS (alliance.page_cache.settled_token), HR's own writes at once.
    page_topic_kinds = (kept_pages.SETTLED,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["figures_as_of"] = timezone.localtime()
        # The delay is said only where pages are kept (no delay without the page cache).
        ctx["settle_seconds"] = kept_pages.settle_seconds() if kept_pages.enabled() else 0
        form = InsightFilterForm(self.request.GET, organization=self.organization)
        form.is_valid()
        filters = form.filters()
        base = form.querystring()
        slug = self.organization.slug
        sections = []
        for spec in hr_insights.sections():
            section = spec.build(filters)
            if section is None:
                continue
            figures = [
                {
                    "figure": figure,
                    "shown": hr_charts.format_value(figure.value)
                    if not isinstance(figure.value, str)
                    else figure.value,
                    "url": (
                        reverse("hr_list", args=[slug, figure.list_key])
                        + "?"
                        + urlencode({**base, **figure.list_params})
                        if figure.list_key in hr_insights.LISTS
                        else ""
                    ),
                }
                for figure in section.figures
            ]
            charts = [hr_charts.draw(chart, uid=f"hr-{spec.key}-chart-{i}") for i, chart in enumerate(section.charts)]
            sections.append({"section": section, "figures": figures, "charts": charts})
        ctx.update(
            filter_form=form,
            filters=filters,
            sections=sections,
            filtered=any(self.request.GET.get(key) for key in FILTER_KEYS),
        )
        return ctx


class HrListView(TenantView, TemplateView):
    """`/<org>/hr/lists/<key>/`: the people behind one figure, paginated; `?format=csv` exports the whole list."""

    template_name = "alliance/hr/list.html"
    capabilities = {"GET": VIEW_ORG_STATISTICS}

    def get(self, request, *args, **kwargs):
        self.spec = hr_insights.LISTS.get(kwargs["key"])
        if self.spec is None:
            raise Http404
        self.form = InsightFilterForm(request.GET, organization=self.organization)
        self.form.is_valid()
        self.rows = self.spec.rows(self.form.filters(), request.GET)
        if request.GET.get("format") == "csv":
            return self.csv_response()
        return super().get(request, *args, **kwargs)

    def csv_response(self):
        keys = [key for key, _header in self.spec.columns]
        request, rows = self.request, self.rows
        filters = self.request.GET.copy()
        for key in ("format", "page"):
            filters.pop(key, None)
        services.export_recorded(
            organization=self.organization,
            action="hr_list.export",
            what=self.spec.key,
            rows=len(rows),
            filters=filters.urlencode(),
        )

        def cells():
            # Names and titles are typed by members: exports.csv_lines keeps a cell from running as a formula.
            for row in rows:
                yield [_cell(row.get(key), request=request) for key in keys]

        stamp = timezone.localdate().isoformat()
        return exports.csv_download(
            filename=f"{self.spec.key}-{stamp}.csv",
            organization=self.organization,
            header=lambda: [str(header) for _key, header in self.spec.columns],
            rows=cells,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(self.rows, LIST_PER_PAGE).get_page(self.request.GET.get("page"))
        keys = [key for key, _header in self.spec.columns]
        query = self.request.GET.copy()
        query.pop("page", None)
        query["format"] = "csv"
        filters = self.form.filters()
        ctx.update(
            spec=self.spec,
            filter_form=self.form,
            filters=filters,
            page=page,
            cells=[[_page_cell(row.get(key)) for key in keys] for row in page.object_list],
            querystring=querystring_without_page(self.request),
            csv_query=query.urlencode(),
            dashboard_query=urlencode(self.form.querystring()),
            narrowing=self.narrowing(),
            keep=[
                (key, value)
                for key, value in self.request.GET.items()
                if key not in (*FILTER_KEYS, "page", "format") and value
            ],
        )
        return ctx

    def narrowing(self) -> list[str]:
        if self.spec.describe is not None:
            return [str(text) for text in self.spec.describe(self.request.GET)]
        return [
            f"{key}: {value}"
            for key, value in self.request.GET.items()
            if key not in (*FILTER_KEYS, "page", "format") and value
        ]


def _cell(value, *, request=None) -> str:
    """A cell as text: dates in ISO form (2026-11-30), instants in local time to the minute (2026-11-30 09:05),
    a Link as its text and absolute address (with `request`), None as empty."""
    if value is None:
        return ""
    if isinstance(value, hr_insights.Link):
        return f"{value.text} ({request.build_absolute_uri(value.url)})" if request is not None else str(value.text)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _page_cell(value):
    """A cell of the list page: a Link stays one (the template draws it), anything else is text as in the CSV."""
    return value if isinstance(value, hr_insights.Link) else _cell(value)
