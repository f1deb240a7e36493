"""Security keys (WebAuthn second factor, allauth.mfa) end to end in Chromium. A virtual authenticator of the
DevTools WebAuthn domain stands in for the key: it answers the browser's prompt at once (presence and user
verification simulated), so these tests press the same buttons a member does and the server checks real
signatures over its own challenges, with the relying party id the live server's host (localhost).

Every page is also checked for Content-Security-Policy violations (the `securitypolicyviolation` event, reported
through an exposed function so navigations lose none) besides the harness's console, axe and screenshot checks."""

import pytest
from allauth.mfa.models import Authenticator

from alliance.demo import DEMO_PASSWORD
from alliance.models import Organization

pytestmark = pytest.mark.browser

EMPLOYEE = "employee@acme.example"


class VirtualKey:
    """A virtual CTAP2 authenticator attached to one page through a CDP session (`transport`: usb or internal)."""

    def __init__(self, page, *, transport: str = "usb"):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        options = {
            "protocol": "ctap2",
            "transport": transport,
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
            "automaticPresenceSimulation": True,
        }
        self.id = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]

    def remove(self) -> None:
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.id})


@pytest.fixture
def csp_violations():
    """A function that starts recording the CSP violations of a UI's page; returns the (live) list."""

    def watch(ui) -> list[str]:
        violations: list[str] = []
        ui.page.expose_function("reportCspViolation", lambda text: violations.append(text))
        ui.page.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " window.reportCspViolation(e.violatedDirective + ' blocked ' + e.blockedURI + ' on ' + e.documentURI);"
            " });"
        )
        return violations

    return watch


def submit(page, form):
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()


def confirm_password_if_asked(ui, slug: str):
    """allauth asks for the password again before a security setting changes unless the sign-in was recent."""
    page = ui.page
    if "/accounts/reauthenticate/" not in page.url:
        return
    ui.check(slug)
    form = page.locator("main form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    submit(page, form)


def register_key(
    ui, name: str, *, from_index: bool = True, back_to_index: bool = True, press_enter: bool = False
) -> None:
    """From the two-factor page (or the page shown, which links to adding a key), add a security key called `name`;
    ends on the two-factor page, or else where allauth leads after adding it (the recovery codes the first key
    made, or the two-factor page). `press_enter`: press Enter in the name field instead of the Add button."""
    page = ui.page
    if from_index:
        ui.goto("/accounts/2fa/", "mfa-index")
    with page.expect_navigation():
        page.locator("main a[href='/accounts/2fa/webauthn/add/']").click()
    confirm_password_if_asked(ui, "add-reauthenticate")
    assert page.url.split("?")[0].endswith("/accounts/2fa/webauthn/add/")
    ui.check("webauthn-add")
    name_input = page.locator("main input[name=name]")
    assert page.locator(f"label[for='{name_input.get_attribute('id')}']").count() == 1
    name_input.fill(name)
    with page.expect_navigation():
        if press_enter:
            name_input.press("Enter")
        else:
            page.locator("#mfa_webauthn_add").click()
    # The first key turns two-factor authentication on: allauth makes recovery codes and shows them once.
    if page.url.endswith("/accounts/2fa/recovery-codes/"):
        ui.check("recovery-codes")
    if back_to_index:
        ui.goto("/accounts/2fa/", "mfa-index-with-key")


def recovery_codes(ui) -> list[str]:
    ui.goto("/accounts/2fa/recovery-codes/", "recovery-codes")
    return ui.page.locator("#recovery_codes").input_value().split()


def sign_in_to_second_step(ui, email: str) -> None:
    ui.sign_in(email)
    assert ui.page.url.endswith("/accounts/2fa/authenticate/")
    ui.check("mfa-authenticate")


def use_key(ui) -> None:
    with ui.page.expect_navigation():
        ui.page.locator("#mfa_webauthn_authenticate").click()


def wait_for_message(page) -> None:
    """Until the page says why the key prompt failed (allauth-init.js fills the alert box just after showing it)."""
    page.wait_for_function("() => document.querySelector('main [data-webauthn-error]').textContent.trim() !== ''")


def signed_in(page) -> bool:
    return page.locator(".site-header form[action='/accounts/logout/']").count() == 1


def test_member_registers_a_key_signs_in_with_it_renames_and_removes_it(ui, csp_violations):
    page = ui.page
    violations = csp_violations(ui)
    key = VirtualKey(page)
    ui.sign_in(EMPLOYEE)
    ui.check("landing")

    register_key(ui, "青いキー", press_enter=True)
    assert len(key.credentials()) == 1, "Enter in the name field runs the key prompt, as the Add button does"
    assert "mfa/webauthn" not in page.url
    with page.expect_navigation():
        page.locator("main a[href='/accounts/2fa/webauthn/']").click()
    ui.check("webauthn-list")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th").inner_text().strip() == "青いキー"

    ui.sign_out()
    ui.check("signed-out")
    sign_in_to_second_step(ui, EMPLOYEE)
    use_key(ui)
    ui.check("signed-in-with-key")
    assert "/accounts/" not in page.url
    assert signed_in(page)
    assert key.credentials()[0]["signCount"] == 2, "the key signed the sign-in"
    assert Authenticator.objects.get(type=Authenticator.Type.WEBAUTHN).last_used_at is not None

    ui.goto("/accounts/2fa/webauthn/", "webauthn-list-used")
    with page.expect_navigation():
        page.locator("main table a[href$='/edit/']").click()
    # allauth asks to confirm before a security change; the key itself may confirm, instead of the password.
    assert page.url.split("?")[0].endswith("/accounts/reauthenticate/")
    ui.check("rename-reauthenticate")
    with page.expect_navigation():
        page.locator("main a[href^='/accounts/2fa/webauthn/reauthenticate/']").click()
    ui.check("reauthenticate-with-key")
    with page.expect_navigation():
        page.locator("#mfa_webauthn_reauthenticate").click()
    assert page.url.endswith("/edit/")
    assert key.credentials()[0]["signCount"] == 3, "the key confirmed the change"
    ui.check("webauthn-rename")
    page.locator("main input[name=name]").fill("鍵束の YubiKey")
    submit(page, page.locator("main form"))
    ui.check("webauthn-renamed")
    assert page.locator("main table tbody th").inner_text().strip() == "鍵束の YubiKey"

    with page.expect_navigation():
        page.locator("main table a[href$='/remove/']").click()
    confirm_password_if_asked(ui, "remove-reauthenticate")
    ui.check("webauthn-remove-confirm")
    assert "鍵束の YubiKey" in page.locator("main").inner_text()
    submit(page, page.locator("main form"))
    ui.check("webauthn-removed")
    assert page.locator("main table").count() == 0
    assert not Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN).exists()
    assert violations == []


def test_without_the_key_the_second_step_says_why_in_japanese_and_a_recovery_code_still_works(ui, csp_violations):
    page = ui.page
    violations = csp_violations(ui)
    key = VirtualKey(page)
    ui.sign_in(EMPLOYEE)
    ui.check("landing")
    register_key(ui, "青いキー")
    code = recovery_codes(ui)[0]
    ui.sign_out()
    ui.check("signed-out")

    # The registered key is gone; another key, which never saw this site, answers the prompt instead.
    key.remove()
    other = VirtualKey(page)
    sign_in_to_second_step(ui, EMPLOYEE)
    alert = page.locator("main [data-webauthn-error]")
    assert alert.is_hidden()
    page.locator("#mfa_webauthn_authenticate").click()
    wait_for_message(page)
    ui.check("key-refused")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert alert.get_attribute("role") == "alert"
    message = alert.inner_text()
    assert "セキュリティキー" in message and "リカバリーコード" in message, message
    assert other.credentials() == []
    assert not signed_in(page)

    # The page stays usable: a recovery code completes the sign-in.
    form = page.locator("main form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(code)
    submit(page, form)
    ui.check("signed-in-with-code")
    assert signed_in(page)
    assert violations == []


def test_hr_who_must_use_two_factor_is_let_through_after_registering_a_key(ui, csp_violations):
    Organization.objects.filter(slug="acme").update(hr_requires_mfa=True)
    page = ui.page
    violations = csp_violations(ui)
    VirtualKey(page, transport="internal")
    ui.sign_in("hr@acme.example")
    ui.check("dashboard")
    ui.goto("/acme/hr/")
    assert page.url.split("?")[0].endswith("/profile/two-factor/required/")
    ui.check("mfa-required")

    register_key(ui, "この PC の指紋認証", from_index=False, back_to_index=False)
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    with page.expect_navigation():
        page.locator("main a[href='/profile/two-factor/continue/']").click()
    assert page.url.endswith("/acme/hr/")
    ui.check("hr-dashboard")

    ui.sign_out()
    ui.check("signed-out")
    sign_in_to_second_step(ui, "hr@acme.example")
    use_key(ui)
    ui.check("signed-in-with-key")
    ui.goto("/acme/hr/", "hr-dashboard-again")
    assert page.url.endswith("/acme/hr/")
    assert violations == []


def test_security_key_pages_in_english_on_a_phone(phone_ui, csp_violations):
    ui = phone_ui
    page = ui.page
    violations = csp_violations(ui)
    key = VirtualKey(page, transport="internal")
    ui.sign_in(EMPLOYEE)
    ui.check("landing")
    ui.switch_language()
    ui.check("landing-en")
    assert ui.lang() == "en"

    register_key(ui, "My phone")
    ui.assert_fits_width()
    assert "1 security key" in page.locator("main").inner_text()
    ui.goto("/accounts/2fa/webauthn/", "webauthn-list")
    ui.assert_fits_width()
    with page.expect_navigation():
        page.locator("main table a[href$='/remove/']").click()
    confirm_password_if_asked(ui, "remove-reauthenticate")
    ui.check("webauthn-remove-confirm")
    ui.assert_fits_width()
    with page.expect_navigation():
        page.locator("main form .actions a").click()  # Cancel
    ui.check("webauthn-list-kept")
    assert page.locator("main table tbody tr").count() == 1

    ui.goto("/accounts/2fa/webauthn/add/", "webauthn-add-second")
    assert page.locator("main label").first.inner_text().strip().startswith("Name of the key")
    page.locator("#mfa_webauthn_add").click()  # the same key again: it refuses, and the page says so
    alert = page.locator("main [data-webauthn-error]")
    wait_for_message(page)
    ui.check("webauthn-add-refused")
    ui.assert_fits_width()
    assert alert.inner_text() == "This security key is already registered for your account."

    ui.sign_out()
    ui.check("signed-out")
    sign_in_to_second_step(ui, EMPLOYEE)
    ui.assert_fits_width()
    assert ui.lang() == "en"
    use_key(ui)
    ui.check("signed-in-with-key")
    assert signed_in(page)
    assert len(key.credentials()) == 1
    assert violations == []


def _already_registered(ui, live_server) -> None:
    """The virtual key is registered already: allauth lists it as excluded, so the key refuses to register twice."""
    ui.sign_in(EMPLOYEE)
    ui.check("landing")
    register_key(ui, "青いキー")
    ui.goto("/accounts/2fa/webauthn/add/", "webauthn-add-again")


def _at_an_ip_address(ui, live_server) -> None:
    """The site opened at http://127.0.0.1: browsers refuse an IP address as the relying party."""
    ui.page.goto(live_server.url.replace("//localhost:", "//127.0.0.1:") + "/accounts/login/")
    ui.sign_in(EMPLOYEE)
    ui.check("landing")
    ui.page.goto(live_server.url.replace("//localhost:", "//127.0.0.1:") + "/accounts/2fa/webauthn/add/")
    confirm_password_if_asked(ui, "add-reauthenticate")
    ui.check("webauthn-add")


# (how the registration is set up to fail, the message the page shows: data-message-<kind> of the alert box)
REGISTRATION_FAULTS = [
    pytest.param(_already_registered, "invalid-state", id="already-registered"),
    pytest.param(_at_an_ip_address, "security", id="ip-address"),
]


@pytest.mark.parametrize(("arrange", "kind"), REGISTRATION_FAULTS)
def test_a_key_that_cannot_be_added_is_explained_and_nothing_is_saved(ui, live_server, csp_violations, arrange, kind):
    page = ui.page
    violations = csp_violations(ui)
    VirtualKey(page)
    arrange(ui, live_server)
    keys_before = Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN).count()
    alert = page.locator("main [data-webauthn-error]")
    assert alert.is_hidden()
    page.locator("#mfa_webauthn_add").click()
    wait_for_message(page)
    ui.check(f"refused-{kind}")
    assert page.url.split("?")[0].endswith("/accounts/2fa/webauthn/add/")
    assert alert.inner_text() == alert.get_attribute(f"data-message-{kind}")
    assert Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN).count() == keys_before
    assert violations == []


def test_a_key_answer_the_server_refuses_is_explained_and_the_next_try_signs_in(ui, csp_violations):
    page = ui.page
    violations = csp_violations(ui)
    VirtualKey(page)
    ui.sign_in(EMPLOYEE)
    ui.check("landing")
    register_key(ui, "青いキー", back_to_index=False)
    ui.sign_out()
    ui.check("signed-out")
    sign_in_to_second_step(ui, EMPLOYEE)

    # The key signs another challenge than the one the server keeps in the session (as when a stale page is used).
    page.evaluate(
        """() => {
            const data = document.getElementById('js_data');
            const options = JSON.parse(data.textContent);
            options.request_options.publicKey.challenge = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
            data.textContent = JSON.stringify(options);
        }"""
    )
    use_key(ui)
    ui.check("key-answer-refused")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert not signed_in(page)
    # Our words for it, not allauth's "incorrect code" (there was no code).
    assert "セキュリティキー" in page.locator("main [data-webauthn-refused][role=alert]").inner_text()

    use_key(ui)
    ui.check("signed-in-with-key")
    assert signed_in(page)
    assert violations == []
