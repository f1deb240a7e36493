from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agreements.models import (
    CLAUSE_FIELDS,
    CORE_VALUES_MAX_COUNT,
    DRIFT_DIRECTIONS_MAX_COUNT,
    KPI_FIELDS,
    KPI_MAX_COUNT,
    TOUR_KIND_HELP,
    TOUR_LENGTHS_MONTHS,
    AgreementTemplate,
    CareerAlignment,
    Kpi,
    TimeHorizon,
    TourKind,
)
from alliance.models import CompanyValue, Membership
from alliance.periods import period_end, validate_day
from alliance.selectors import by_reading
from alliance.text import parse_sha256

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CoreValueForm(forms.Form):
    value = forms.CharField(label=_("Core value"), max_length=200, required=False)
    why = forms.CharField(label=_("Why it matters to you"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DriftForm(forms.Form):
    direction = forms.CharField(label=pgettext_lazy("career drift", "Direction"), max_length=200, required=False)
    goals = forms.CharField(label=_("Short-term goals"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


CoreValueFormSet = forms.formset_factory(CoreValueForm, extra=0, min_num=3, max_num=CORE_VALUES_MAX_COUNT)
DriftFormSet = forms.formset_factory(DriftForm, extra=0, min_num=2, max_num=DRIFT_DIRECTIONS_MAX_COUNT)


class AlignmentForm(forms.ModelForm):
    resonant_values = forms.ModelMultipleChoiceField(
        label=_("Company values that resonate with you"),
        queryset=CompanyValue.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CareerAlignment
        fields = [
            "held_on",
            "ideal_self",
            "time_horizon",
            "outside_company",
            "uses_career_drift",
            "resonant_values",
            "resonance_notes",
            "manager_notes",
        ]
        widgets = {
            "held_on": DATE_WIDGET,
            "ideal_self": forms.Textarea(attrs={"rows": 5}),
            "resonance_notes": forms.Textarea(attrs={"rows": 3}),
            "manager_notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"manager_notes": _("Manager's notes (the employee sees them)")}
        help_texts = {
            "ideal_self": _(
                "In your own words: who you want to be and what you want to have done. It may lie outside this "
                "company: a move, a start-up, another field. Nothing here counts against you."
            ),
            "uses_career_drift": _(
                "No far goal yet? That is common. Name a direction and short-term goals instead, and decide "
                "the next step at each milestone."
            ),
            "manager_notes": _(
                "Only the manager writes here, and the employee reads it: it is part of their record, not a "
                "private note. Write nothing you would not say to them."
            ),
        }

    def __init__(self, *args, organization, can_write_notes: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resonant_values"].queryset = CompanyValue.objects.for_organization(organization)
        self.fields["time_horizon"].choices = TimeHorizon.choices
        self.fields["held_on"].validators.append(validate_day)
        if not can_write_notes:
            del self.fields["manager_notes"]


class ShareForm(forms.Form):
    colleague = forms.ModelChoiceField(label=_("Colleague"), queryset=Membership.objects.none())

    def __init__(self, *args, organization, exclude_pks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = by_reading(
            Membership.objects.for_organization(organization)
            .filter(status="active")
            .exclude(pk__in=exclude_pks)
            .select_related("user")
        )
        self.fields["colleague"].label_from_instance = lambda m: f"{m.user.display_name} ({m.get_role_display()})"


class TourForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TourKind.choices, widget=forms.RadioSelect)
    goal = forms.CharField(label=_("Commitment goal"), widget=forms.Textarea(attrs={"rows": 3}))
    toward_ideal_self = forms.CharField(
        label=_("How it moves you toward your ideal self"), widget=forms.Textarea(attrs={"rows": 3})
    )
    value_to_company = forms.CharField(
        label=_("How it creates value for the company"), widget=forms.Textarea(attrs={"rows": 3})
    )
    start_date = forms.DateField(label=_("Start"), widget=DATE_WIDGET, validators=[validate_day])
    length = forms.TypedChoiceField(
        label=_("Commitment period"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("Choose the end date myself"))]
        + [(m, _("%(n)s months") % {"n": m}) for m in TOUR_LENGTHS_MONTHS],
        help_text=_("Typical periods are 6, 12, 18 or 24 months."),
    )
    end_date = forms.DateField(
        label=_("End"),
        required=False,
        validators=[validate_day],
        widget=DATE_WIDGET,
        help_text=_(
            "The period's last day, included. A length ends the day before the same date that many months later "
            "(or on that month's last day), as the Civil Code counts."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (value, f"{label}: {TOUR_KIND_HELP[value]}") for value, label in TourKind.choices
        ]

    def clean(self):
        data = super().clean()
        start, length, end = data.get("start_date"), data.get("length"), data.get("end_date")
        if start and length and not end:
            # The end date is the period's last day, counted as the Civil Code says (alliance.periods).
            data["end_date"] = period_end(start, length)
        elif start and not end and not length:
            self.add_error("end_date", _("Choose a period length or an end date."))
        return data


class ClausesForm(forms.ModelForm):
    """The clauses, for the organization's template (bound to it) and a draft version (its initial values)."""

    class Meta:
        model = AgreementTemplate
        fields = list(CLAUSE_FIELDS)
        widgets = {field: forms.Textarea(attrs={"rows": 4}) for field in CLAUSE_FIELDS}
        help_texts = {
            "company_offers": _("The work, the investment, learning, network and support."),
            "employee_offers": _("Effort, results, and what they will bring."),
            "alumni_clause": _("How the relationship continues: the alumni community, referrals, a way back."),
        }


class KpiForm(forms.ModelForm):
    """One KPI row of the commitment plan: the fields of KPI_FIELDS, checked for their format only. The rules
    between fields and rows (weights, due dates, target versus baseline) are the service's
    (agreements.rules.validate_kpis), shown beside each input by alliance.tenancy.apply_formset_errors."""

    class Meta:
        model = Kpi
        fields = list(KPI_FIELDS)
        widgets = {"definition": forms.Textarea(attrs={"rows": 2}), "due_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's defaults are the initial values, so that the blank extra row the browser submits
        # unchanged counts as unchanged.
        self.fields["due_date"].validators.append(validate_day)

    def _post_clean(self):
        """No model validation here: the service validates the KPIs as a whole (agreements.rules)."""


KpiFormSet = forms.formset_factory(KpiForm, extra=1, can_delete=True, max_num=KPI_MAX_COUNT, validate_max=True)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Signing is confirmed with your password."),
    )
    content_hash = forms.CharField(widget=forms.HiddenInput)
    agree = forms.BooleanField(label=_("I have read this version and agree to it."))


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The version returns to draft and both sides see your reason."),
    )


class VerifyForm(forms.Form):
    hash = forms.CharField(
        label=_("SHA-256 printed on the PDF"),
        required=False,
        # Room for a pasted hash broken over lines or spaced in pairs, with a "sha256:" prefix.
        max_length=300,
        help_text=_("Upper or lower case, full-width or with spaces and line breaks: all are accepted."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(label=_("Or the PDF file itself"), required=False)

    def clean_hash(self):
        return parse_sha256(self.cleaned_data["hash"])

    def clean(self):
        data = super().clean()
        if not data.get("hash") and not data.get("file") and not self.errors:
            raise ValidationError(_("Enter the hash printed on the PDF, or choose the PDF file."))
        upload = data.get("file")
        if upload and upload.size > 20 * 1024 * 1024:
            self.add_error("file", _("The file is larger than 20 MB: it is not one of our agreements."))
        return data
