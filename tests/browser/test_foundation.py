"""The foundation's flows in a real browser: sign-in per role in both languages, sign-out, accepting an invitation,
the members page, the landing page and keyboard access.

Japanese pages are checked by structure and data (their texts get translated later); English pages by their texts.
Every visited page goes through `ui.check()` (axe, JavaScript errors, screenshot): see conftest.py.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from alliance import selectors, services
from alliance.models import Membership, MembershipStatus, Organization, Role, User

pytestmark = pytest.mark.browser

ACME_NAME = "株式会社アクメ"


def path_of(url: str) -> str:
    return urlsplit(url).path


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def members_table_rows(page):
    return page.locator("main table").first.locator("tbody tr")


# (1) Sign in as each role: the dashboard in Japanese, then in English -------------------------------------------


@pytest.mark.parametrize("persona", ["hr", "manager", "employee", "alumni"])
def test_sign_in_lands_on_role_dashboard_in_japanese_then_english(ui, persona):
    page = ui.page
    ui.goto("/accounts/login/")
    ui.sign_in(f"{persona}@acme.example")

    assert path_of(page.url) == "/acme/"
    ui.check("dashboard-ja")
    assert ui.lang() == "ja"
    membership = Membership.objects.select_related("user").get(
        user__email=f"{persona}@acme.example", organization__slug="acme"
    )
    expect(page.locator(".brand-org")).to_have_text(ACME_NAME)
    expect(page.locator("main h1")).to_contain_text(membership.user.display_name)
    expect(page.locator(".page-header")).to_contain_text(membership.job_title)
    expect(page.locator("form.lang-form button[name=language]")).to_have_text("English")
    stats = page.locator("section[aria-labelledby=org-title]")
    reports = page.locator("section[aria-labelledby=reports-title]")
    members_link = page.locator("nav.main-nav a[href='/acme/members/']")

    if persona == "hr":
        counts = selectors.organization_counts(organization=membership.organization)
        expect(stats.locator("dl.stats dd")).to_have_count(4)
        expect(stats.locator("dl.stats dd").first).to_have_text(str(counts["active"]))
        expect(stats.locator("a[href='/acme/members/invite/']")).to_be_visible()
        expect(members_link).to_be_visible()
        expect(reports.locator("li")).to_contain_text(["上司 太郎"])  # the demo's manager reports to HR
    elif persona == "manager":
        expect(reports.locator("li")).to_contain_text(["社員 一郎"])
        expect(stats).to_have_count(0)
        expect(members_link).to_have_count(0)
    else:
        expect(stats).to_have_count(0)
        expect(reports).to_have_count(0)
        expect(members_link).to_have_count(0)
        expect(page.locator("section[aria-labelledby=next-title]")).to_be_visible()

    ui.switch_language()
    assert path_of(page.url) == "/acme/"
    ui.check("dashboard-en")
    assert ui.lang() == "en"
    expect(page.locator("main h1")).to_have_text(f"Welcome, {membership.user.display_name}")
    expect(page.locator("#company-title")).to_have_text("Our mission and values")
    expect(page.locator("form.lang-form button[name=language]")).to_have_text("日本語")
    if persona == "hr":
        expect(page.locator("#org-title")).to_have_text("Organization at a glance")
        expect(stats.locator("dt").first).to_have_text("Active members")
    elif persona == "manager":
        expect(page.locator("#reports-title")).to_have_text("Your reports")
    elif persona == "employee":
        expect(page.locator("#next-title")).to_have_text("Your next steps")
    else:
        expect(page.locator("section[aria-labelledby=next-title]")).to_contain_text(
            "Thank you for the time you spent with us."
        )
    # The choice sticks: it is the user's preference now, and the next page is English too.
    membership.user.refresh_from_db()
    assert membership.user.language == "en"
    ui.goto("/profile/", "profile-en")
    assert ui.lang() == "en"


# (2) Sign out ---------------------------------------------------------------------------------------------------


def test_sign_out_returns_to_the_public_site(ui):
    page = ui.page
    ui.goto("/accounts/login/")
    ui.sign_in("employee@acme.example")
    assert path_of(page.url) == "/acme/"
    ui.check("dashboard")

    ui.sign_out()
    assert path_of(page.url) == "/"
    ui.check("landing-after-sign-out")
    expect(page.locator("#hero-title")).to_be_visible()
    expect(page.locator(".site-header a[href='/accounts/login/']")).to_be_visible()
    expect(page.locator(".site-header form[action='/accounts/logout/']")).to_have_count(0)

    # The organization's pages now ask to sign in again, and come back afterwards.
    ui.goto("/acme/")
    assert path_of(page.url) == "/accounts/login/"
    assert query_of(page.url)["next"] == ["/acme/"]
    ui.sign_in("employee@acme.example", slug="sign-in-again")
    assert path_of(page.url) == "/acme/"
    ui.check("dashboard-again")


# (3) Accept an invitation as a newcomer ---------------------------------------------------------------------------


def test_newcomer_signs_up_from_invitation_and_joins(ui):
    page = ui.page
    acme = Organization.objects.get(slug="acme")
    hr = User.objects.get(email="hr@acme.example")
    manager = Membership.objects.get(organization=acme, user__email="manager@acme.example")
    invitation, token = services.invitation_create(
        organization=acme,
        invited_by=hr,
        email="new.hire@example.com",
        role=Role.EMPLOYEE,
        manager=manager,
        job_title="バックエンドエンジニア",
    )
    invitation_path = f"/invitations/{token}/"

    ui.goto(invitation_path, "invitation-anonymous")
    assert ui.lang() == "ja"
    expect(page.locator("main h1")).to_contain_text(ACME_NAME)
    expect(page.locator("main")).to_contain_text("new.hire@example.com")
    expect(page.locator(f"main a[href='/accounts/login/?next={invitation_path}']")).to_be_visible()
    expect(page.locator("main form button[type=submit]")).to_have_count(0)  # no accepting before signing in

    page.locator(f"main a[href='/accounts/signup/?next={invitation_path}']").click()
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    ui.check("sign-up")
    form = page.locator("main form").filter(has=page.locator("input[name=password1]"))
    form.locator("input[name=name]").fill("新入 太郎")
    form.locator("input[name=reading]").fill("ｼﾝﾆｭｳ　ﾀﾛｳ")  # half-width, full-width space: stored normalised
    form.locator("input[name=email]").fill("new.hire@example.com")
    form.locator("input[name=password1]").fill("Harbor-kite-7291")
    form.locator("input[name=password2]").fill("Harbor-kite-7291")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    assert path_of(page.url) == invitation_path
    ui.check("invitation-signed-in")
    accept = page.locator("main form[method=post] button[type=submit]")
    expect(accept).to_have_count(1)
    with page.expect_navigation():
        accept.click()

    assert path_of(page.url) == "/acme/"
    ui.check("dashboard-new-member")
    expect(page.locator(".messages[role=status]")).to_contain_text(ACME_NAME)
    expect(page.locator("main h1")).to_contain_text("新入 太郎")
    expect(page.locator(".page-header")).to_contain_text("バックエンドエンジニア")
    membership = Membership.objects.select_related("user", "manager").get(
        organization=acme, user__email="new.hire@example.com"
    )
    assert membership.user.reading == "シンニュウ タロウ"
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.role == Role.EMPLOYEE
    assert membership.manager == manager
    assert membership.user.name == "新入 太郎"
    assert membership.user.language == "ja"

    # The link worked once.
    ui.goto(invitation_path, "invitation-used", status=410)
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)


# (4) The members page as HR: filters and the invitation form ------------------------------------------------------


def test_hr_filters_members_and_invite_form_keeps_values_on_errors(ui):
    page = ui.page
    ui.goto("/accounts/login/")
    ui.sign_in("hr@acme.example")
    ui.check("dashboard")
    page.locator("nav.main-nav a[href='/acme/members/']").click()
    page.wait_for_url("**/acme/members/")
    ui.check("members")
    expect(page.locator("nav.main-nav a[href='/acme/members/']")).to_have_attribute("aria-current", "page")
    total = Membership.objects.filter(organization__slug="acme").count()
    expect(members_table_rows(page)).to_have_count(min(total, 25))

    # Search by name.
    filters = page.locator("form.filters")
    filters.locator("input[name=q]").fill("佐藤")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    ui.check("members-search")
    assert query_of(page.url)["q"] == ["佐藤"]
    expect(members_table_rows(page)).to_have_count(1)
    expect(members_table_rows(page).first).to_contain_text("佐藤 健")
    expect(page.locator("form.filters input[name=q]")).to_have_value("佐藤")

    # Filter by role, with the search cleared.
    filters.locator("input[name=q]").fill("")
    filters.locator("select[name=role]").select_option(Role.MANAGER)
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    ui.check("members-managers")
    managers = Membership.objects.filter(organization__slug="acme", role=Role.MANAGER)
    rows = members_table_rows(page)
    expect(rows).to_have_count(managers.count())
    expect(rows).to_contain_text([m.user.display_name for m in selectors.by_reading(managers)])

    # A search that matches no one says so, and offers to clear the filters.
    filters.locator("input[name=q]").fill("存在しない人")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    ui.check("members-no-match")
    expect(page.locator("main table")).to_have_count(1)  # only the pending-invitations table
    with page.expect_navigation():
        page.locator("main p.empty a[href='/acme/members/']").click()
    ui.check("members-cleared")
    expect(members_table_rows(page)).to_have_count(min(total, 25))

    # The invitation form: submitted empty, the errors show and the typed values stay.
    page.locator("main .page-header a[href='/acme/members/invite/']").click()
    page.wait_for_url("**/acme/members/invite/")
    ui.check("invite")
    form = page.locator("main form[method=post]")
    form.locator("select[name=role]").select_option(Role.MANAGER)
    form.locator("input[name=job_title]").fill("プロダクトマネージャー")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert path_of(page.url) == "/acme/members/invite/"
    ui.check("invite-errors")
    expect(page.locator("main [data-error-summary][role=alert]")).to_be_visible()
    expect(page.locator("main [data-error-summary]")).to_be_focused()
    email = form.locator("input[name=email]")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_be_visible()
    expect(form.locator(".field-error")).to_have_count(1)
    expect(form.locator("select[name=role]")).to_have_value(Role.MANAGER)
    expect(form.locator("input[name=job_title]")).to_have_value("プロダクトマネージャー")

    # An invalid address is refused too, keeping what was typed.
    email.fill("not-an-address")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    ui.check("invite-bad-email")
    expect(page.locator("#id_email_error")).to_be_visible()
    expect(email).to_have_value("not-an-address")
    expect(form.locator("input[name=job_title]")).to_have_value("プロダクトマネージャー")

    # Corrected, the invitation goes out and waits on the members page.
    email.fill("pm.candidate@example.com")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert path_of(page.url) == "/acme/members/"
    ui.check("members-invited")
    expect(page.locator(".messages[role=status]")).to_contain_text("pm.candidate@example.com")
    expect(page.locator("main table").last.locator("tbody")).to_contain_text("pm.candidate@example.com")


# (5) The landing page and the keyboard ----------------------------------------------------------------------------


def test_landing_for_anonymous_and_skip_link_is_first_tab_stop(ui):
    page = ui.page
    ui.goto("/", "landing")
    assert ui.lang() == "ja"
    expect(page.locator("main h1#hero-title")).to_be_visible()
    expect(page.locator("main a.button[href='/accounts/login/']")).to_be_visible()
    expect(page.locator("form.lang-form button[name=language]")).to_have_text("English")

    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    skip = page.locator("a.skip-link")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    ui.check("landing-skip-link-focused")

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert urlsplit(page.url).fragment == "main"
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    ui.switch_language()
    ui.check("landing-en")
    assert ui.lang() == "en"
    expect(page.locator("#hero-title")).to_have_text("An explicit, mutual deal between a company and each person in it")
    expect(page.locator("a.skip-link")).to_have_text("Skip to main content")


def test_landing_and_sign_in_fit_a_phone(phone_ui):
    ui = phone_ui
    page = ui.page
    ui.goto("/", "landing-phone")
    expect(page.locator("#hero-title")).to_be_visible()
    ui.assert_fits_width()
    page.locator("main a.button[href='/accounts/login/']").click()
    page.wait_for_url("**/accounts/login/")
    ui.sign_in("hr@acme.example", slug="sign-in-phone")
    assert path_of(page.url) == "/acme/"
    ui.check("dashboard-phone")
    ui.assert_fits_width()
    page.locator("nav.main-nav a[href='/acme/members/']").click()
    page.wait_for_url("**/acme/members/")
    ui.check("members-phone")
    ui.assert_fits_width()
