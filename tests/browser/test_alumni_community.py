"""The community's profiles and directory in a real browser, on a desktop and on a 390 px phone: an alumnus who
has not joined (former04@, alumni/demo_community.py) follows the home page's card, joins, shares a few fields,
sees the preview, finds themself in the directory by a kana search; HR's settings page; a current employee gets
403 while the directory is closed to employees. Every page goes through `ui.check()`."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _walk(ui, *, phone):
    size = "phone" if phone else "desktop"
    ui.sign_in("former04@acme.example")
    ui.goto("/acme/", f"home-{size}")
    ui.page.locator("main [data-alumni-join-card] a").click()
    ui.check(f"join-{size}")
    with ui.page.expect_navigation():
        ui.page.locator("main form button[type=submit]").click()
    ui.check(f"profile-new-{size}")
    page = ui.page
    page.fill("#id_current_organization", "株式会社ハルカゼ")
    page.check("#id_share_current_organization")
    page.fill("#id_skills", "UIデザイン、デザインシステム")
    page.check("#id_share_skills")
    page.fill("#id_location", "札幌")  # not shared
    page.check("#id_open_to_projects")
    page.check("#id_share_open_to")
    with page.expect_navigation():
        page.locator("main form.alumni-profile-form button[type=submit]").click()
    ui.check(f"profile-saved-{size}")
    preview = page.locator("main [data-preview]")
    expect(preview).to_contain_text("株式会社ハルカゼ")
    expect(preview).to_contain_text("デザインシステム")
    expect(preview).not_to_contain_text("札幌")
    if phone:
        ui.assert_fits_width()

    ui.goto("/acme/alumni/directory/", f"directory-{size}")
    page.fill("#id_q", "にしむら")
    with page.expect_navigation():
        page.locator("main form.filters button[type=submit]").click()
    ui.check(f"directory-search-{size}")
    entries = page.locator("main [data-directory] [data-profile]")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("西村 玲奈")
    expect(entries.first).not_to_contain_text("札幌")
    if phone:
        ui.assert_fits_width()
    entries.first.locator("h2 a").click()
    ui.check(f"directory-profile-{size}")
    expect(page.locator("main")).to_contain_text("株式会社ハルカゼ")
    ui.sign_out()

    ui.sign_in("hr@acme.example", slug="sign-in-hr")
    ui.goto("/acme/alumni/", f"hub-{size}")
    ui.goto("/acme/alumni/settings/", f"settings-{size}")
    ui.sign_out()

    ui.sign_in("employee@acme.example", slug="sign-in-employee")
    ui.goto("/acme/alumni/directory/", f"directory-employee-{size}", status=403)


def test_joining_sharing_and_finding_on_a_desktop(ui):
    _walk(ui, phone=False)


def test_joining_sharing_and_finding_on_a_phone(phone_ui):
    _walk(phone_ui, phone=True)
