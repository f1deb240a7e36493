"""Our versions of allauth.mfa's security-key forms (settings.MFA_FORMS): the key's name gets a label and help in
the reader's language (allauth's field is labelled by its bare name, "Name", left untranslated) and a length limit,
and a registration that fails says so in words about the key (allauth says "Incorrect code.", and "Credential: This
field is required." when the form was sent without using the key). A malformed answer (a KeyError or a base64
error deep in fido2, which allauth lets through as a server error) is refused like a wrong one."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn.forms import (
    AddWebAuthnForm,
    AuthenticateWebAuthnForm,
    EditWebAuthnForm,
    ReauthenticateWebAuthnForm,
)
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KEY_NAME_MAX_LENGTH = 60
# What fido2 raises on an answer that is not a well-formed WebAuthn response (binascii.Error is a ValueError).
MALFORMED_ANSWER = (KeyError, TypeError, ValueError)


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
    """allauth's form that registers a security key; left empty, the name is allauth's generated one. Errors: the
    key's answer missing or refused by the server are non-field errors, in the reader's language."""

    name = key_name_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credential"].label = _("Security key")
        self.fields["credential"].error_messages["required"] = _(
            "The security key was not used yet: press Add and follow your browser's prompt."
        )

    def clean(self) -> dict:
        try:
            try:
                return super().clean()
            except MALFORMED_ANSWER as error:
                raise get_adapter().validation_error("incorrect_code") from error
        except ValidationError as error:
            if getattr(error, "code", None) == "incorrect_code":
                raise ValidationError(
                    _("The site did not accept the security key's answer. Press Add and try again."),
                    code="key_refused",
                ) from error
            raise


class RenameSecurityKeyForm(EditWebAuthnForm):
    """allauth's form that renames a security key."""

    name = key_name_field(required=True)


class _RefuseMalformedAnswers:
    def clean_credential(self):
        try:
            return super().clean_credential()
        except MALFORMED_ANSWER as error:
            raise get_adapter().validation_error("incorrect_code") from error


class AuthenticateWithSecurityKeyForm(_RefuseMalformedAnswers, AuthenticateWebAuthnForm):
    """allauth's second sign-in step with a key; a malformed answer is an invalid form, not a server error."""


class ReauthenticateWithSecurityKeyForm(_RefuseMalformedAnswers, ReauthenticateWebAuthnForm):
    """allauth's confirmation with a key before a security change; a malformed answer is an invalid form."""
