"""The HR dashboard's filter form: department, manager and period, shared by the dashboard and its lists."""

from datetime import date, timedelta
from html import escape

from django import forms
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from alliance.forms import ManagerChoiceField
from alliance.hr_insights import InsightFilters
from alliance.models import Department, Membership, Role
from alliance.periods import validate_day
from alliance.selectors import manager_choice_rows, manager_choices

# The default period: the twelve months up to today, both ends included (today and the same day a year ago + 1).
DEFAULT_PERIOD_DAYS = 365
# The longest period a request may ask for: "over time" charts draw one point a month.
MAX_PERIOD_DAYS = 10 * 366
# The query-string keys the filters own; a list's own narrowing (Figure.list_params) must use other names.
FILTER_KEYS = ("department", "manager", "start", "end")


def default_period(today: date) -> tuple[date, date]:
    """(start, end), inclusive: the last DEFAULT_PERIOD_DAYS days ending `today`."""
    return today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


class InsightFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All departments")
    )
    manager = ManagerChoiceField(
        label=_("Manager"), queryset=Membership.objects.none(), required=False, empty_label=_("All managers")
    )
    start = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day],
    )
    end = forms.DateField(
        label=_("Period to"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_day]
    )

    def __init__(self, data, *, organization):
        self.organization = organization
        self.today = timezone.localdate()
        start, end = default_period(self.today)
        bound = {key: data[key] for key in FILTER_KEYS if data.get(key)}
        super().__init__({"start": start.isoformat(), "end": end.isoformat(), **bound})
        self.fields["department"].queryset = Department.objects.for_organization(organization).order_by(
            "archived_at", "position", "name", "pk"
        )
        self.fields["department"].label_from_instance = lambda d: (
            f"{d.name} ({_('archived')})" if d.archived_at else d.name
        )
        self.fields["manager"].queryset = manager_choices(organization=organization)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end of the period must not come before its start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("start", _("Choose a period of ten years at most."))
        return data

    def filters(self) -> InsightFilters:
        """The filters to apply: the valid fields as given, the default for any field in error."""
        default_start, default_end = default_period(self.today)
        data = self.cleaned_data if self.is_bound else {}
        start, end = data.get("start") or default_start, data.get("end") or default_end
        if "start" in self.errors or "end" in self.errors:
            start, end = default_start, default_end
        return InsightFilters(
            organization=self.organization,
            period_start=start,
            period_end=end,
            department=data.get("department"),
            manager=data.get("manager"),
        )

    def manager_options(self) -> str:
        """The manager select's <option> elements as safe HTML (one query): built here, not through the widget or
        a template loop, because an organization of 10,000 has a thousand managers (bench/hr_dashboard.py). Each
        role's label is translated and escaped once, not once an option (format_html per option, with a lazy label
        translated each time, was most of the HR dashboard's Python time at that size). Names are plain text from
        the database, escaped by the standard library's html.escape, which Django's escape wraps (the same output
        without its lazy-string checks, a thousand times a page)."""
        chosen = str(self.data.get("manager", ""))
        roles = {key: conditional_escape(str(label)) for key, label in Role.choices}
        rows = manager_choice_rows(organization=self.organization)
        return mark_safe(  # noqa: S308 - the id is an integer, every name and label is escaped
            "".join(
                f'<option value="{pk}"{" selected" if str(pk) == chosen else ""}>'
                f"{escape(name or email)} ({roles.get(role) or escape(role)})</option>"
                for pk, name, email, role in rows
            )
        )

    def querystring(self) -> dict[str, str]:
        """The applied filters as query-string values, for the links to the lists."""
        filters = self.filters()
        query = {"start": filters.period_start.isoformat(), "end": filters.period_end.isoformat()}
        if filters.department is not None:
            query["department"] = str(filters.department.pk)
        if filters.manager is not None:
            query["manager"] = str(filters.manager.pk)
        return query
