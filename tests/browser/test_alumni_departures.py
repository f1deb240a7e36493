"""Leaving well in a real browser, on a desktop and on a 390 px phone: the employee starts their own departure from
their alliance page and fills the exit conversation, keeping some answers between them and their manager; HR
opens it from the home page and reads only the answers the employee let HR quote. Every page goes through
`ui.check()`."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alumni.models import Departure
from tests.browser.test_agreements import member, path_of, submit

pytestmark = pytest.mark.browser

QUOTABLE = "チームで振り返る習慣を持っていきます"
PRIVATE = "評価面談の進め方を見直してほしい"


def _flow(ui, *, phone):
    size = "phone" if phone else "desktop"
    page = ui.page
    ui.sign_in("employee@acme.example")
    ui.goto("/acme/alliance/", f"alliance-{size}")
    with page.expect_navigation():
        page.locator("main a[href^='/acme/alumni/departures/start/']").click()
    ui.check(f"start-{size}")
    if phone:
        ui.assert_fits_width()
    form = page.locator("main form[data-departure-form]")
    last_day = timezone.localdate() + timedelta(days=30)
    form.locator("input[name=last_day]").fill(last_day.isoformat())
    form.locator("select[name=kind]").select_option("career_step")
    form.locator("input[name=personal_email]").fill("ichiro@example.com")
    submit(page, form)
    ui.check(f"departure-{size}")
    departure = Departure.objects.get(membership=member("employee@acme.example", "acme"), status="planned")
    assert path_of(page.url) == f"/acme/alumni/departures/{departure.pk}/"

    with page.expect_navigation():
        page.locator(f"main a[href='/acme/alumni/departures/{departure.pk}/conversation/']").click()
    ui.check(f"conversation-{size}")
    if phone:
        ui.assert_fits_width()
    form = page.locator("main form[data-conversation-form]")
    form.locator("textarea[name=takes_with]").fill(QUOTABLE)
    form.locator("input[name=takes_with_quotable]").check()
    form.locator("textarea[name=should_change]").fill(PRIVATE)
    form.locator("input[name=comeback][value=maybe]").check()
    submit(page, form)
    ui.check(f"conversation-saved-{size}")
    expect(page.locator("main [data-exit-conversation]")).to_contain_text(PRIVATE)
    ui.sign_out()
    ui.check(f"signed-out-{size}")

    ui.sign_in("hr@acme.example")
    ui.check(f"hr-home-{size}")
    with page.expect_navigation():
        page.locator(f"main [data-departure-card] a[href='/acme/alumni/departures/{departure.pk}/']").click()
    ui.check(f"hr-departure-{size}")
    if phone:
        ui.assert_fits_width()
    conversation = page.locator("main [data-exit-conversation]")
    expect(conversation).to_contain_text(QUOTABLE)
    assert PRIVATE not in page.content()
    with page.expect_navigation():
        page.locator("main a[href='/acme/alumni/departures/']").first.click()
    ui.check(f"hr-list-{size}")
    expect(page.locator(f"main table a[href='/acme/alumni/departures/{departure.pk}/']")).to_be_visible()


def test_leaving_well_on_a_desktop(ui):
    _flow(ui, phone=False)


def test_leaving_well_on_a_phone(phone_ui):
    _flow(phone_ui, phone=True)
