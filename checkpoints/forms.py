from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance.periods import validate_day
from checkpoints.access import EMPLOYEE
from checkpoints.models import CONFIDENCE_MAX, CONFIDENCE_MIN, AlignmentCheck, MeetingSide, OutcomeKind
from checkpoints.services.records import measurement_key

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CheckpointForm(forms.Form):
    """The record of a checkpoint 1on1 as one side writes it: the shared facts, that side's answers, and a value
    with a comment for each KPI in force (`kpi_<id>_value`, `kpi_<id>_comment`). Fields are optional here: the
    service (checkpoints.services.checkpoint_record) decides what is required and says so beside each field."""

    held_on = forms.DateField(
        label=_("Date of the 1on1"), required=False, widget=DATE_WIDGET, validators=[validate_day]
    )
    confidence = forms.IntegerField(
        label=_("Confidence that the goal will be reached (1-10)"),
        required=False,
        min_value=CONFIDENCE_MIN,
        max_value=CONFIDENCE_MAX,
    )

    def __init__(self, *args, side: str, kpis, **kwargs):
        super().__init__(*args, **kwargs)
        self.side = side
        prefix = "employee" if side == EMPLOYEE else "manager"
        self.alignment_name, self.why_name = f"{prefix}_alignment", f"{prefix}_alignment_why"
        self.text_name = "reflection" if side == EMPLOYEE else "manager_notes"
        if side == EMPLOYEE:
            self.title = _("Record the checkpoint (your side)")
        else:
            self.title = _("Record the checkpoint (manager's side)")
        self.fields[self.alignment_name] = forms.ChoiceField(
            label=_("Are we still aligned?"), choices=AlignmentCheck.choices, required=False, widget=forms.RadioSelect
        )
        self.fields[self.why_name] = forms.CharField(
            label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        if side == EMPLOYEE:
            self.fields["reflection"] = forms.CharField(
                label=_("Your reflection"), required=False, widget=forms.Textarea(attrs={"rows": 5})
            )
        else:
            self.fields["manager_notes"] = forms.CharField(
                label=_("Manager's notes"),
                help_text=_("The employee sees these notes."),
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        self.kpi_fields = []
        for kpi in kpis:
            value_name, comment_name = measurement_key(kpi.pk, "value"), measurement_key(kpi.pk, "comment")
            self.fields[value_name] = forms.DecimalField(
                label=_("Value of %(kpi)s") % {"kpi": kpi.name}, required=False, max_digits=14, decimal_places=2
            )
            self.fields[comment_name] = forms.CharField(
                label=_("Comment on %(kpi)s") % {"kpi": kpi.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.kpi_fields.append((kpi, self[value_name], self[comment_name]))

    def side_fields(self):
        return [self[self.alignment_name], self[self.why_name], self[self.text_name]]

    def record_data(self) -> dict:
        """The cleaned record fields, as checkpoint_record's `data`."""
        keys = ("held_on", "confidence", self.alignment_name, self.why_name, self.text_name)
        return {key: self.cleaned_data.get(key) or (None if key in ("held_on", "confidence") else "") for key in keys}

    def measurements(self) -> dict[int, dict]:
        """The cleaned KPI values, as checkpoint_record's `measurements`."""
        return {
            kpi.pk: {
                "value": self.cleaned_data.get(measurement_key(kpi.pk, "value")),
                "comment": self.cleaned_data.get(measurement_key(kpi.pk, "comment")) or "",
            }
            for kpi, _value, _comment in self.kpi_fields
        }


# --- the end of a tour and what followed (checkpoints.views.endings) ------------------------------------------


class EndingReasonForm(forms.Form):
    """A reason: why a tour ends early (required by the service), a note on a completion (optional), or why a
    proposal is declined (required). The service decides; its messages show beside the field."""

    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text


class HrEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The employee and the manager read it on the tour's page."),
    )
    person_leaving = forms.BooleanField(label=_("The person is leaving the organization"), required=False)


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What followed the tour?"), choices=OutcomeKind.choices, required=False, widget=forms.RadioSelect
    )
    destination = forms.CharField(
        label=_("Team or role"),
        max_length=200,
        required=False,
        help_text=_("For a move inside the company: the team or role the person moved to. Optional otherwise."),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


# --- the 1on1 as a meeting (checkpoints.views.meeting) -----------------------------------------------------------
# Each form has a prefix (agenda-, action-, note-, cancel-): they share one page, so their ids must not collide.
# Texts are checked by the services (empty, length), which say so beside the field.


class AgendaTopicForm(forms.Form):
    prefix = "agenda"
    text = forms.CharField(
        label=_("A topic you want to talk about"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NextActionForm(forms.Form):
    prefix = "action"
    text = forms.CharField(
        label=pgettext_lazy("next action", "Action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ChoiceField(label=_("Owner"), choices=MeetingSide.choices, required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE_WIDGET, validators=[validate_day])

    def __init__(self, *args, employee_name: str = "", manager_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        names = {MeetingSide.EMPLOYEE: employee_name, MeetingSide.MANAGER: manager_name}
        self.fields["owner"].choices = [("", _("Choose who owns it"))] + [
            (value, _("%(side)s (%(name)s)") % {"side": label, "name": names[value]} if names[value] else label)
            for value, label in MeetingSide.choices
        ]


class CorrectionNoteForm(forms.Form):
    prefix = "note"
    text = forms.CharField(label=_("Correction note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    prefix = "cancel"
    reason = forms.CharField(
        label=_("Why is this checkpoint cancelled?"),
        help_text=_("Both sides and HR read the reason on the checkpoint."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OverdueFilterForm(forms.Form):
    """HR's overdue list: one manager's reports, or everyone (empty); "0" for employees without a manager."""

    manager = forms.TypedChoiceField(label=_("Manager"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = (
            [("", _("All managers"))] + [(m.pk, m.user.display_name) for m in managers] + [(0, _("No manager"))]
        )


class AmendmentProposalForm(forms.Form):
    """An amendment proposed from a checkpoint: the tour's goal and end date as they should become (prefilled
    with the current ones; the start never moves), and why. `base` is the signed version the page showed: if
    another version was signed or started since, the service refuses (checkpoints.services.amendments). The
    KPIs come in agreements.forms.KpiFormSet beside it; every rule is the services'."""

    goal = forms.CharField(label=_("Commitment goal"), widget=forms.Textarea(attrs={"rows": 3}))
    end_date = forms.DateField(
        label=_("End"),
        widget=DATE_WIDGET,
        validators=[validate_day],
        help_text=_("The period's last day, included. The start stays as it is."),
    )
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you learned at the checkpoint that calls for a change. Everyone who signs reads it."),
    )
    base = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
