"""The forms of leaving well: start or edit a departure, cancel it, and the exit conversation. They shape input;
the rules live in alumni.services.departures, whose ValidationError the views put back beside each field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alumni.models import ComebackInterest, DepartureKind
from alumni.models.departures import EXIT_ANSWER_FIELDS


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.display_name} ({obj.job_title})" if obj.job_title else obj.user.display_name


class DepartureForm(forms.Form):
    """Start (with `members`: whom the starter may choose) or edit a departure; `reports_to_choices` for HR."""

    membership = MemberChoiceField(
        label=_("Who leaves"),
        queryset=None,
        empty_label=_("Choose a member"),
        error_messages={"required": _("Choose who leaves.")},
    )
    last_day = forms.DateField(
        label=_("Last working day"),
        help_text=_(
            "Inclusive. On this day the membership becomes alumni: the person keeps read access to their own records."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter the last working day."), "invalid": _("Enter a date such as 2026-03-31.")},
    )
    kind = forms.ChoiceField(
        label=_("Reason for leaving"),
        choices=[("", _("Choose one")), *DepartureKind.choices],
        error_messages={"required": _("Choose why the person leaves.")},
    )
    tour_completed = forms.BooleanField(
        label=_("The current tour of duty was completed"),
        required=False,
        help_text=_(
            "On the last day the active tour ends as completed when this is checked, otherwise as ended early."
        ),
    )
    personal_email = forms.EmailField(
        label=_("Personal e-mail address"),
        required=False,
        help_text=_("After the last day, the invitation to the alumni community and later messages go here."),
        error_messages={"invalid": _("Enter an e-mail address such as name@example.com.")},
    )
    reports_to = MemberChoiceField(
        label=_("Who takes their reports"),
        queryset=None,
        required=False,
        empty_label=_("Nobody (they have no reports)"),
        help_text=_("HR names the manager their reports move to on the last day."),
    )

    def __init__(self, *args, members=None, reports_to_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["membership"]
        else:
            self.fields["membership"].queryset = members
        if reports_to_choices is None:
            del self.fields["reports_to"]
        else:
            self.fields["reports_to"].queryset = reports_to_choices


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the departure cancelled?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Say why the departure is cancelled: it is kept with the departure.")},
    )


QUOTABLE_HELP = _("Unchecked, only you and your manager read this answer.")


class ConversationForm(forms.Form):
    """The exit conversation: each text answer with its own "HR may quote this answer" checkbox."""

    takes_with = forms.CharField(
        label=_("What do you take with you?"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    takes_with_quotable = forms.BooleanField(
        label=_("HR may quote this answer"), required=False, help_text=QUOTABLE_HELP
    )
    keep_doing = forms.CharField(
        label=_("What should the company keep doing?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    keep_doing_quotable = forms.BooleanField(
        label=_("HR may quote this answer"), required=False, help_text=QUOTABLE_HELP
    )
    should_change = forms.CharField(
        label=_("What should the company change?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    should_change_quotable = forms.BooleanField(
        label=_("HR may quote this answer"), required=False, help_text=QUOTABLE_HELP
    )
    comeback = forms.ChoiceField(
        label=_("Would you consider coming back or working together?"),
        choices=ComebackInterest.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("HR sees this choice only if you let HR quote your answer about coming back, below."),
    )
    comeback_note = forms.CharField(
        label=_("About coming back or working together"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comeback_note_quotable = forms.BooleanField(
        label=_("HR may quote this answer"),
        required=False,
        help_text=_(
            "Covers both your choice above and this note: unchecked, HR sees neither (nor in the alumni records)."
        ),
    )
    wants_from_community = forms.CharField(
        label=_("What do you want from the alumni community?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    wants_from_community_quotable = forms.BooleanField(
        label=_("HR may quote this answer"), required=False, help_text=QUOTABLE_HELP
    )
    personal_email = forms.EmailField(
        label=_("Personal e-mail address"),
        required=False,
        help_text=_("After the last day, the invitation to the alumni community and later messages go here."),
        error_messages={"invalid": _("Enter an e-mail address such as name@example.com.")},
    )

    def answer_rows(self):
        """(answer field, its quotable checkbox) pairs in the form's order, for the template."""
        return [(self[field], self[f"{field}_quotable"]) for field in EXIT_ANSWER_FIELDS]
