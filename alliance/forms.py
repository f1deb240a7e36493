from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alliance.models import CompanyValue, Membership, Organization, Role, User
from alliance.selectors import manager_choices
from alliance.text import normalize_reading

READING_HELP = _("In katakana or hiragana, for example ヤマダ タロウ. Lists are sorted by it (五十音順).")


READING_LABEL = _("Reading of your name (furigana)")


class ReadingField(forms.CharField):
    """A フリガナ input: cleans to the stored form (`alliance.text.normalize_reading`), or a ValidationError in the
    reader's language when anything but kana and spaces is left."""

    def clean(self, value):
        return normalize_reading(super().clean(value))


def reading_field(*, label=READING_LABEL, required=False, help_text=READING_HELP):
    """The フリガナ field of every form that asks for one (up to 150 characters, normalized when cleaned)."""
    return ReadingField(
        label=label,
        max_length=150,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "lang": "ja"}),
    )


class SignupNameForm(forms.Form):
    """Extra fields of allauth's sign-up form: the name colleagues see and its reading."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    reading = reading_field(required=True)

    def signup(self, request, user):
        user.name = self.cleaned_data["name"]
        user.reading = self.cleaned_data["reading"]
        user.save(update_fields=["name", "reading"])


class ProfileForm(forms.ModelForm):
    reading = reading_field()

    class Meta:
        model = User
        fields = ["name", "reading", "language"]
        help_texts = {"language": _("Pages and e-mails use this language.")}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter your name."))
        return name


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.display_name} ({obj.get_role_display()})"


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "A former member (an alumnus) may be invited again at the address they sign in with: a comeback hire "
            "keeps their earlier records and their alumni years on their timeline."
        ),
    )
    reading = reading_field(
        label=_("Reading of their name (furigana)"),
        help_text=_("Optional. In katakana or hiragana; the invitee can correct it when they accept."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EMPLOYEE)
    manager = ManagerChoiceField(
        label=_("Manager"), queryset=Membership.objects.none(), required=False, empty_label=_("(none)")
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = manager_choices(organization=organization)


class InvitationAcceptForm(forms.Form):
    """What the invitee confirms when accepting: the reading HR entered (or their own), which they may correct."""

    reading = reading_field()


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    manager = ManagerChoiceField(
        label=_("Manager"), queryset=Membership.objects.none(), required=False, empty_label=_("(none)")
    )
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)

    def __init__(self, *args, organization, exclude_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = manager_choices(organization=organization)
        if exclude_pk:
            qs = qs.exclude(pk=exclude_pk)
        self.fields["manager"].queryset = qs


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, reading or e-mail address, in any width or kana; or a job title."),
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    status = forms.ChoiceField(label=_("Status"), required=False)
    manager = ManagerChoiceField(
        label=_("Manager"), queryset=Membership.objects.none(), required=False, empty_label=_("All managers")
    )
    no_manager = forms.BooleanField(label=_("Only members with no manager"), required=False)

    def __init__(self, *args, organization, **kwargs):
        from alliance.models import MembershipStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *MembershipStatus.choices]
        self.fields["manager"].queryset = manager_choices(organization=organization)


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "mission", "vision", "checkpoint_interval_months", "hr_countersign", "hr_requires_mfa"]
        widgets = {"mission": forms.Textarea(attrs={"rows": 3}), "vision": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"checkpoint_interval_months": _("Checkpoint 1on1s are held this often during a tour (1 to 12).")}


class CompanyValueForm(forms.ModelForm):
    class Meta:
        model = CompanyValue
        fields = ["position", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


# Values are edited and added here, never deleted: alignments and signed agreements refer to them.
CompanyValueFormSet = forms.modelformset_factory(CompanyValue, form=CompanyValueForm, extra=2, can_delete=False)
