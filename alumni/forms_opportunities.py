"""Forms of opportunities and referrals. They shape the input and mark what is required (with the same message the
service gives); the services decide what is valid (alumni.services.opportunities) and the views show their errors
beside each field."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alumni.models import InterestStatus, OpportunityKind, ReferralStatus
from alumni.models.opportunities import NOTE_MAX, TEXT_MAX, TITLE_MAX
from alumni.selectors.opportunities import ALL, CLOSED, OPEN

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpportunityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OpportunityKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        error_messages={"required": _("Give the opportunity a title.")},
    )
    description = forms.CharField(
        label=_("Description"),
        error_messages={"required": _("Describe the opportunity: what it is, who you look for.")},
        max_length=TEXT_MAX,
        help_text=_("What it is, who you look for, how to get in touch."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    remote = forms.BooleanField(label=_("Remote possible"), required=False)
    closes_on = forms.DateField(
        label=_("Closing date (optional)"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The last day it takes interest and referrals. Leave empty to keep it open until you close it."),
    )


class InterestForm(forms.Form):
    note = forms.CharField(
        label=_("A note for the poster (optional)"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("What draws you to it, when you could talk."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InterestStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Follow-up status"), choices=InterestStatus.choices)


class ReferralForm(forms.Form):
    candidate_name = forms.CharField(
        label=_("Candidate's name"),
        max_length=200,
        error_messages={"required": _("Write the candidate's name.")},
    )
    candidate_email = forms.CharField(
        label=_("Candidate's e-mail"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("An e-mail address or a phone number (or both): HR contacts the candidate there."),
    )
    candidate_phone = forms.CharField(
        label=_("Candidate's phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why you refer them"),
        error_messages={"required": _("Say why you refer them: what they would bring to this opportunity.")},
        max_length=TEXT_MAX,
        help_text=_("Only HR and you see the candidate's name, contact and this text."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=())
    note = forms.CharField(
        label=_("Note for the referrer"),
        error_messages={"required": _("Write a note for the referrer: what happened, what comes next.")},
        max_length=NOTE_MAX,
        help_text=_("The referrer is told of the change with this note."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices


class OpportunityFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *OpportunityKind.choices], required=False)
    state = forms.ChoiceField(
        label=_("Open or closed"),
        choices=[
            (OPEN, pgettext_lazy("opportunity", "Open")),
            (CLOSED, pgettext_lazy("opportunity", "Closed")),
            (ALL, _("All")),
        ],
        required=False,
    )


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ReferralStatus.choices], required=False
    )
