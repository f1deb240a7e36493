"""Security keys (WebAuthn, allauth.mfa) on the server side: whose origin the relying party accepts, the key's name
field, and the second sign-in step offering a key only to an account that has one. The ceremonies themselves run
in Chromium with a virtual authenticator (tests/browser/test_webauthn.py)."""

import pytest
from allauth.core.context import request_context
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.webauthn.internal.auth import get_server
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from alliance.demo import DEMO_PASSWORD
from alliance.mfa_forms import KEY_NAME_MAX_LENGTH
from tests.alliance.test_account_html import structure_faults
from tests.alliance.test_mfa import _sign_in, _user_with_password

HOSTS = ["localhost", "alliance.example"]

# (host the request came to, origin the browser reports, accepted): the relying party is the host the member
# uses; an origin is accepted on https on that host (or a subdomain), and on plain http only for localhost.
ORIGINS = [
    ("localhost:8000", "http://localhost:8000", True),  # the embedded default
    ("localhost:41234", "http://localhost:41234", True),  # the browser tests' live server
    ("alliance.example", "https://alliance.example", True),
    ("alliance.example", "https://hr.alliance.example", True),
    ("alliance.example", "http://alliance.example", False),  # no TLS
    ("alliance.example", "https://evil.example", False),
    ("alliance.example", "https://alliance.example.evil.example", False),
    ("alliance.example", "https://example", False),  # a parent domain is not the relying party
    ("localhost:8000", "http://127.0.0.1:8000", False),
]


def test_the_origin_check_is_never_switched_off():
    assert settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN is False


@override_settings(ALLOWED_HOSTS=HOSTS)
@pytest.mark.parametrize(("host", "origin", "accepted"), ORIGINS)
def test_the_relying_party_is_the_host_and_accepts_only_its_secure_origins(host, origin, accepted):
    request = RequestFactory().get("/accounts/2fa/webauthn/add/", HTTP_HOST=host)
    with request_context(request):
        server = get_server()
    assert server.rp.id == host.partition(":")[0]
    assert server._verify(origin) is accepted


def _signed_in_client(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    _sign_in(client, _user_with_password().email)
    client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD})
    return client


@pytest.mark.parametrize(("language", "label"), [("ja", "キーの名前"), ("en", "Name of the key")])
def test_the_key_name_is_labelled_in_the_readers_language_and_bounded(db, language, label):
    html = _signed_in_client(language).get(reverse("mfa_add_webauthn")).content.decode()
    assert f'<label for="id_name">{label}</label>' in html
    assert f'maxlength="{KEY_NAME_MAX_LENGTH}"' in html
    assert structure_faults(html) == []


def test_a_name_too_long_is_refused_before_the_key_is_read(db):
    client = _signed_in_client("en")
    response = client.post(reverse("mfa_add_webauthn"), {"name": "k" * (KEY_NAME_MAX_LENGTH + 1), "credential": "{}"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_the_second_step_offers_no_key_to_an_account_without_one(db):
    user = _user_with_password()
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    _sign_in(client, user.email)
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert 'name="code"' in html
    assert "mfa_webauthn_authenticate" not in html
    assert "webauthn.js" not in html


KEY_REFUSED = "The site did not accept the security key&#x27;s answer."
# Answers that are not WebAuthn responses: fido2 fails on each in its own way (a KeyError, a base64 error, a type).
MALFORMED_ANSWERS = [
    '{"id": "x"}',
    '{"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": "x", "attestationObject": "x"}}',
    '{"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": "x", "authenticatorData": "x", '
    '"signature": "x"}}',
    "[]",
    '"x"',
]

# (what the add form was sent with, the error it shows): a registration that fails says so about the key.
NOT_USED = "The security key was not used yet: press Add and follow your browser&#x27;s prompt."
ADD_FAULTS = [
    ({"name": "青いキー"}, NOT_USED),
    *(
        ({"name": "青いキー", "credential": answer}, NOT_USED if answer == "[]" else KEY_REFUSED)
        for answer in MALFORMED_ANSWERS
    ),
]


@pytest.mark.parametrize(("data", "message"), ADD_FAULTS)
def test_a_failed_registration_speaks_of_the_key_not_of_a_code(db, data, message):
    client = _signed_in_client("en")
    client.get(reverse("mfa_add_webauthn"))  # allauth keeps the registration's state in the session
    response = client.post(reverse("mfa_add_webauthn"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Incorrect code" not in html and "Credential:" not in html


@pytest.mark.parametrize("answer", MALFORMED_ANSWERS)
def test_a_malformed_key_answer_at_the_second_step_is_refused_not_a_server_error(db, answer):
    user = _user_with_password()
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.cookies["django_language"] = "en"
    _sign_in(client, user.email)
    client.get(reverse("mfa_authenticate"))
    response = client.post(reverse("mfa_authenticate"), {"credential": answer})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'name="code"' in response.content.decode()
