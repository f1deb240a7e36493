"""HR's organization settings on a 390 px phone: the values reorder by keyboard alone (Tab to a value's button,
Enter), the new place is announced, Save keeps the order; then the audit trail lists the move.
Every page goes through `ui.check()` (screenshot, axe-core, no JavaScript error)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_hr_reorders_the_values_by_keyboard_on_a_phone(phone_ui):
    ui = phone_ui
    page = ui.page
    ui.sign_in("hr@acme.example")
    ui.goto("/acme/settings/", "settings-phone")
    ui.assert_fits_width()
    rows = page.locator("[data-value-list] > [data-value-row]")
    count = rows.count()
    assert count >= 2
    first_title = rows.nth(0).get_attribute("data-title")
    second_title = rows.nth(1).get_attribute("data-title")
    expect(rows.nth(0).locator("button[value$=':up']")).to_be_disabled()
    expect(rows.nth(count - 1).locator("button[value$=':down']")).to_be_disabled()

    # Keyboard only: focus the second value's "move up" button and press Enter.
    up = rows.nth(1).locator("button[value$=':up']")
    up.focus()
    page.keyboard.press("Enter")
    expect(rows.nth(0)).to_have_attribute("data-title", second_title)
    expect(page.locator("#value-order-status")).to_contain_text(second_title)
    # The focus stays on the moved value's button; it is now first, so "up" is disabled and focus is on "down".
    focused = page.evaluate("document.activeElement.value")
    assert focused.endswith(":down")
    assert rows.nth(0).locator("input[name$='-position']").input_value() == "1"
    assert rows.nth(1).locator("input[name$='-position']").input_value() == "2"
    ui.check("settings-moved-phone")

    with page.expect_navigation():
        page.locator("form.settings-form .actions button.primary").click()
    ui.check("settings-saved-phone")
    rows = page.locator("[data-value-list] > [data-value-row]")
    expect(rows.nth(0)).to_have_attribute("data-title", second_title)
    expect(rows.nth(1)).to_have_attribute("data-title", first_title)

    ui.goto("/acme/audit/?action=company_value.update", "settings-trail-phone")
    expect(page.locator("main table")).to_contain_text(second_title)
