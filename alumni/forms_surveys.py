"""Forms of the surveys part: HR's survey and question forms, the alumnus's answer form, the results filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alumni.models import DepartureKind
from alumni.models.surveys import MILESTONES, QuestionKind, Survey, SurveyQuestion

MAX_OPTIONS = 10


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title_ja", "title_en", "intro_ja", "intro_en"]
        widgets = {"intro_ja": forms.Textarea(attrs={"rows": 3}), "intro_en": forms.Textarea(attrs={"rows": 3})}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(forms.ModelForm):
    """A question; a choice question's options are typed one a line in each language (the n-th lines pair up)."""

    options_ja = forms.CharField(
        label=_("options (Japanese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One option a line. Choice questions only."),
    )
    options_en = forms.CharField(
        label=_("options (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One option a line, in the same order as the Japanese ones."),
    )

    class Meta:
        model = SurveyQuestion
        fields = [
            "position",
            "kind",
            "text_ja",
            "text_en",
            "required",
            "low_label_ja",
            "low_label_en",
            "high_label_ja",
            "high_label_en",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].min_value = 1
        if self.instance.pk and self.instance.options:
            self.initial["options_ja"] = "\n".join(o.get("ja", "") for o in self.instance.options)
            self.initial["options_en"] = "\n".join(o.get("en", "") for o in self.instance.options)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == QuestionKind.SCALE:
            for name in ("low_label_ja", "low_label_en", "high_label_ja", "high_label_en"):
                if not data.get(name):
                    self.add_error(name, _("A scale question needs the labels of 1 and 5 in Japanese and English."))
        if kind == QuestionKind.CHOICE:
            ja, en = _lines(data.get("options_ja")), _lines(data.get("options_en"))
            if len(ja) < 2:
                self.add_error("options_ja", _("A choice question needs at least 2 options, one a line."))
            if len(en) != len(ja):
                self.add_error(
                    "options_en",
                    _("Give each option in English too: %(ja)s Japanese lines but %(en)s English ones.")
                    % {"ja": len(ja), "en": len(en)},
                )
            if len(ja) > MAX_OPTIONS:
                self.add_error("options_ja", _("At most %(n)s options.") % {"n": MAX_OPTIONS})
            data["options"] = [{"ja": j, "en": e} for j, e in zip(ja, en, strict=False)]
        return data

    def service_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["options"] = self.cleaned_data.get("options", [])
        return fields


class AnswerForm(forms.Form):
    """The answers to one survey, one field per question (labels in the page's language), and `anonymous`."""

    anonymous = forms.BooleanField(
        label=_("Answer anonymously"),
        required=False,
        help_text=_(
            "Your answers are never shown with your name. HR sees only totals of 5 or more people; without this, "
            "HR may see your name beside your written answers."
        ),
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == QuestionKind.SCALE:
                choices = [(str(n), str(n)) for n in range(1, 6)]
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, widget=forms.RadioSelect, required=question.required
                )
                field.help_text = _("1: %(low)s … 5: %(high)s") % {
                    "low": question.low_label,
                    "high": question.high_label,
                }
            elif question.kind == QuestionKind.CHOICE:
                choices = [(str(i), text) for i, text in enumerate(question.option_texts)]
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, widget=forms.RadioSelect, required=question.required
                )
            else:
                field = forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, required=question.required
                )
            field.label = question.text
            field.kind = question.kind
            field.error_messages["required"] = _("Answer this question: it is required.")
            self.fields[name] = field
        # The anonymity choice comes last, after the questions.
        self.fields["anonymous"] = self.fields.pop("anonymous")

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}


class ResultsFilterForm(forms.Form):
    milestone = forms.TypedChoiceField(
        label=_("Months after leaving"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    kind = forms.ChoiceField(
        label=_("Reason for leaving"), required=False, choices=[("", _("All")), *DepartureKind.choices]
    )
    year = forms.TypedChoiceField(label=_("Year of leaving"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: a lazy label formatted at import time would be frozen in the default language.
        self.fields["milestone"].choices = [("", _("All"))] + [
            (str(m), gettext("%(m)s months") % {"m": m}) for m in MILESTONES
        ]
        self.fields["year"].choices = [("", _("All"))] + [(str(y), str(y)) for y in years]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"milestone": None, "kind": None, "year": None}
        return {
            "milestone": self.cleaned_data.get("milestone"),
            "kind": self.cleaned_data.get("kind") or None,
            "year": self.cleaned_data.get("year"),
        }
