"""Our versions of allauth.mfa's security-key forms (settings.MFA_FORMS): the key's name gets a label and help in
the reader's language (allauth's field is labelled by its bare name, "Name", left untranslated) and a length limit."""

from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.utils.translation import gettext_lazy as _

KEY_NAME_MAX_LENGTH = 60


def key_name_field(*, required: bool) -> forms.CharField:
    """The name a member gives a security key (at most KEY_NAME_MAX_LENGTH characters)."""
    return forms.CharField(
        label=_("Name of the key"),
        help_text=_("So you can tell your keys apart, for example “YubiKey on my key ring” or “Work laptop”."),
        max_length=KEY_NAME_MAX_LENGTH,
        required=required,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AddSecurityKeyForm(AddWebAuthnForm):
    """allauth's form that registers a security key; left empty, the name is allauth's generated one."""

    name = key_name_field(required=False)


class RenameSecurityKeyForm(EditWebAuthnForm):
    """allauth's form that renames a security key."""

    name = key_name_field(required=True)
