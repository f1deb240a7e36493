"""Two-factor authentication (allauth.mfa with our templates) and the organization's HR requirement
(Organization.hr_requires_mfa, enforced by alliance.account_security.HrMfaRequiredMiddleware)."""

import uuid

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alliance.account_security import hr_only_capabilities
from alliance.demo import DEMO_PASSWORD
from alliance.tenancy import TenantView
from tests.alliance.test_account_html import structure_faults
from tests.factories import UserFactory
from tests.totp import current_code, submit_current_code


def _org_patterns():
    """(URL name with namespace, pattern, view class) of every `/<org_slug>/` page."""
    root = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and "org_slug" in str(p.pattern))

    def walk(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, f"{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", entry, getattr(entry.callback, "view_class", None)

    return list(walk(root, ""))


def _hr_only_url_names() -> list[str]:
    hr_only = hr_only_capabilities()
    return sorted(
        name
        for name, _pattern, view_class in _org_patterns()
        if view_class is not None and view_class.capability_for("GET") in hr_only
    )


HR_ONLY_URL_NAMES = _hr_only_url_names()


def _url(name: str, slug: str = "acme") -> str:
    """The page `name` of organization `slug`, with any id in it (the redirect comes before the id is read)."""
    pattern = next(p for n, p, _v in _org_patterns() if n == name)
    dummies = {"int": 1, "str": "x", "slug": "x", "uuid": uuid.uuid4(), "path": "x"}
    kwargs = {"org_slug": slug}
    for key, converter in pattern.pattern.converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        kwargs[key] = dummies.get(kind, 1)
    return reverse(name, kwargs=kwargs)


def _post_code(client: Client, url: str, secret: str):
    """POST the authenticator app's current code to `url` (tests.totp: again if the window turned meanwhile)."""
    return submit_current_code(
        secret, lambda code: client.post(url, {"code": code}), lambda response: response.status_code == 302
    )


def _sign_in(client: Client, email: str, password: str = DEMO_PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _user_with_password():
    user = UserFactory()
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _activate_totp_through_the_pages(client: Client) -> str:
    """Turn the signed-in user's authenticator app on through the setup page; return its secret. allauth asks
    for the password again first (a sign-in alone does not count as a recent confirmation)."""
    page = client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302 and page["Location"].startswith(reverse("account_reauthenticate")):
        client.post(page["Location"], {"password": DEMO_PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = _post_code(client, reverse("mfa_activate_totp"), secret)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    # allauth refuses a code twice; the sign-in below falls in the same 30-second window.
    cache.clear()
    return secret


def _recovery_codes(user) -> list[str]:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()


def _signed_in(client: Client) -> bool:
    return client.get(reverse("profile")).status_code == 200


# --- Turning it on and signing in with it ------------------------------------------------------------------


def test_the_hr_only_pages_are_found(db):
    # The enforcement keys on capabilities; this guards the test's own list from coming out empty.
    assert {"members", "audit", "organization_settings"} <= set(HR_ONLY_URL_NAMES)


def test_every_organization_page_is_a_tenant_view_so_the_requirement_covers_it(db):
    assert [
        name for name, _p, view_class in _org_patterns() if not (view_class and issubclass(view_class, TenantView))
    ] == []


def test_a_user_turns_on_the_authenticator_app_and_sign_in_then_asks_for_the_code(db):
    user = _user_with_password()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert _sign_in(client, user.email).status_code == 302
    profile = client.get(reverse("profile"))
    assert reverse("mfa_index") in profile.content.decode()
    secret = _activate_totp_through_the_pages(client)
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    assert _recovery_codes(user)[0] in codes_page.content.decode()
    client.post(reverse("account_logout"))

    response = _sign_in(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    assert client.get(reverse("mfa_authenticate")).status_code == 200

    wrong = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if current_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    assert not _signed_in(client)

    right = _post_code(client, reverse("mfa_authenticate"), secret)
    assert right.status_code == 302
    assert _signed_in(client)


def test_a_recovery_code_signs_in_once(db):
    user = _user_with_password()
    client = Client()
    _sign_in(client, user.email)
    _activate_totp_through_the_pages(client)
    code = _recovery_codes(user)[0]
    client.post(reverse("account_logout"))

    _sign_in(client, user.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert _signed_in(client)
    client.post(reverse("account_logout"))

    _sign_in(client, user.email)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200
    assert not _signed_in(client)
    assert code not in _recovery_codes(user)


def test_a_wrong_code_on_activation_keeps_it_off_and_says_so(db):
    user = _user_with_password()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    _sign_in(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "12345"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


# --- The organization's requirement for HR --------------------------------------------------------------


@pytest.fixture
def acme_requires_mfa(acme):
    acme.hr_requires_mfa = True
    acme.save(update_fields=["hr_requires_mfa"])
    return acme


@pytest.mark.parametrize("name", HR_ONLY_URL_NAMES)
def test_hr_without_mfa_is_sent_to_set_it_up_from_each_hr_page(login, hr, acme_requires_mfa, name):
    url = _url(name)
    response = login(hr).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_required')}?next={url.replace('/', '%2F')}"


@pytest.mark.parametrize("name", HR_ONLY_URL_NAMES)
def test_hr_with_mfa_is_not_sent_away_from_hr_pages(login, hr, acme_requires_mfa, name):
    TOTP.activate(hr.user, generate_totp_secret())
    response = login(hr).get(_url(name))
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("mfa_required")))


@pytest.mark.parametrize("name", HR_ONLY_URL_NAMES)
def test_hr_of_an_organization_not_requiring_it_is_not_sent_away(login, hr, acme, name):
    assert not acme.hr_requires_mfa
    response = login(hr).get(_url(name))
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("mfa_required")))


@pytest.mark.parametrize("persona", ["employee", "manager"])
@pytest.mark.parametrize("name", ["dashboard", *HR_ONLY_URL_NAMES])
def test_employees_and_managers_are_never_sent_to_set_it_up(request, login, acme_requires_mfa, persona, name):
    response = login(request.getfixturevalue(persona)).get(_url(name))
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("mfa_required")))


def test_hr_reaches_the_non_hr_pages_without_mfa(login, hr, acme_requires_mfa):
    assert login(hr).get(_url("dashboard")).status_code == 200


def test_a_post_to_an_hr_page_is_refused_before_it_is_read(login, hr, acme_requires_mfa):
    response = login(hr).post(_url("member_invite"), {"email": "new@acme.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_required")


def test_hr_staff_without_mfa_is_sent_away_from_the_admin(login, hr, acme_requires_mfa):
    hr.user.is_staff = True
    hr.user.save(update_fields=["is_staff"])
    response = login(hr).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_required"))

    TOTP.activate(hr.user, generate_totp_secret())
    response = login(hr).get("/admin/")
    assert not response["Location"].startswith(reverse("mfa_required")) if response.status_code == 302 else True


def test_hr_staff_of_an_organization_not_requiring_it_reaches_the_admin(login, hr, acme):
    hr.user.is_staff = True
    hr.user.save(update_fields=["is_staff"])
    response = login(hr).get("/admin/")
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("mfa_required")))


def test_hr_sets_it_up_through_the_pages_and_continues_where_they_were_going(hr, acme_requires_mfa):
    hr.user.set_password(DEMO_PASSWORD)
    hr.user.save()
    client = Client()
    _sign_in(client, hr.user.email)
    members = _url("members")
    landing = client.get(members, follow=True)
    assert landing.redirect_chain[-1][0].startswith(reverse("mfa_required"))
    assert reverse("mfa_activate_totp") in landing.content.decode()

    _activate_totp_through_the_pages(client)
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert reverse("mfa_continue") in codes.content.decode()
    onward = client.get(reverse("mfa_continue"))
    assert onward["Location"] == members
    assert client.get(members).status_code == 200


def test_the_continue_link_never_leaves_the_site(login, hr, acme_requires_mfa):
    client = login(hr)
    client.get(reverse("mfa_required"), {"next": "https://evil.example/"})
    assert client.get(reverse("mfa_continue"))["Location"] == reverse("profile")


# --- The pages, in both languages -------------------------------------------------------------------------

MFA_PAGES = [
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_list_webauthn",
    "mfa_required",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_deactivate_totp",
]
# One phrase of each page's own, per language (the templates' words, through our catalogue).
HEADINGS = {
    "mfa_index": ("Two-factor authentication", "2段階認証"),
    "mfa_activate_totp": ("Set up an authenticator app", "認証アプリを設定"),
    "mfa_add_webauthn": ("Add a security key", "セキュリティキーを追加"),
    "mfa_list_webauthn": ("Security keys", "セキュリティキー"),
    "mfa_required": ("Set up two-factor authentication", "2段階認証を設定"),
    "mfa_view_recovery_codes": ("Recovery codes", "リカバリーコード"),
    "mfa_generate_recovery_codes": ("Make new recovery codes", "リカバリーコードを作り直す"),
    "mfa_deactivate_totp": ("Turn off the authenticator app", "認証アプリをオフにする"),
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("name", MFA_PAGES)
def test_the_mfa_pages_render_in_both_languages_with_sound_html(db, name, language):
    user = _user_with_password()
    client = Client()
    client.cookies["django_language"] = language
    _sign_in(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD})
    if name in {"mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_deactivate_totp"}:
        _activate_totp_through_the_pages(client)
    response = client.get(reverse(name))
    assert response.status_code == 200, response.get("Location")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    english, japanese = HEADINGS[name]
    assert (japanese if language == "ja" else english) in html
    assert structure_faults(html) == []
    # No inline script may run under the CSP: every <script> is a static file or inert JSON data.
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening, opening


def test_the_sign_in_code_page_renders_in_japanese(db):
    user = _user_with_password()
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.cookies["django_language"] = "ja"
    _sign_in(client, user.email)
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "2段階認証" in html
    assert structure_faults(html) == []


def test_the_qr_code_is_inline_svg_so_the_csp_stays_strict(db):
    user = _user_with_password()
    client = Client()
    _sign_in(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    directives = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert directives["img-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    html = response.content.decode()
    assert '<div class="totp-qr-image" role="img"' in html and "<svg" in html and "<?xml" not in html


def test_hr_turns_the_requirement_on_in_the_settings_and_it_applies_at_once(login, hr, acme):
    from alliance.core_models import AuditEntry
    from tests.alliance.test_members import _settings_post

    client = login(hr)
    data, _count = _settings_post(acme, hr_requires_mfa="on")
    response = client.post(_url("organization_settings"), data)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.hr_requires_mfa
    assert AuditEntry.objects.filter(organization=acme, action="organization.update").exists()
    assert client.get(_url("members"))["Location"].startswith(reverse("mfa_required"))
