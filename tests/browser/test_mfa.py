"""Two-factor authentication in a real browser: HR of an organization that requires it is sent to set it up on
the way to an HR page, turns the authenticator app on (the QR code shows under the strict CSP, no console error),
continues to the page they asked for, and signs in again with a recovery code."""

import pytest

from alliance.demo import DEMO_PASSWORD
from alliance.models import Organization
from tests.totp import submit_current_code

pytestmark = pytest.mark.browser


def submit(page, form):
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()


def test_hr_turns_on_two_factor_when_required_and_signs_in_with_it(ui):
    Organization.objects.filter(slug="acme").update(hr_requires_mfa=True)
    page = ui.page
    ui.sign_in("hr@acme.example")
    ui.check("dashboard")

    ui.goto("/acme/members/")
    assert page.url.split("?")[0].endswith("/profile/two-factor/required/")
    ui.check("mfa-required")

    with page.expect_navigation():
        page.locator("main a[href='/accounts/2fa/totp/activate/']").click()
    # allauth asks for the password again before a security setting changes.
    ui.check("reauthenticate")
    form = page.locator("main form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    submit(page, form)
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    ui.check("totp-activate")
    qr = page.locator("figure.totp-qr svg")
    assert qr.bounding_box()["width"] >= 150, "the QR code is not shown"

    secret = page.locator("code.totp-secret").inner_text().strip()

    def submit_code(code):
        form = page.locator("main form").filter(has=page.locator("input[name=code]"))
        form.locator("input[name=code]").fill(code)
        submit(page, form)
        return page.url

    submit_current_code(secret, submit_code, lambda url: url.endswith("/accounts/2fa/recovery-codes/"))
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    ui.check("recovery-codes")
    recovery_code = page.locator("#recovery_codes").input_value().split()[0]

    with page.expect_navigation():
        page.locator("main a[href='/profile/two-factor/continue/']").click()
    assert page.url.endswith("/acme/members/")
    ui.check("members")

    # Security keys: allauth's WebAuthn scripts load from static files and run under the CSP (no console error).
    ui.goto("/accounts/2fa/webauthn/add/", "webauthn-add")
    assert page.evaluate("typeof window.allauth?.webauthn?.forms?.addForm") == "function"
    assert page.evaluate("typeof window.webauthnJSON?.create") == "function"

    ui.sign_out()
    ui.check("signed-out")
    ui.sign_in("hr@acme.example")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    ui.check("mfa-authenticate")
    form = page.locator("main form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(recovery_code)
    submit(page, form)
    ui.goto("/acme/members/", "members-again")
