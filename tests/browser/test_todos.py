"""What each person has to do, in a real browser: the "waiting for you" list, discarding a draft, the agreement
editor's KPI rows (added and removed without saving, with a live total of the weights) and the error summary
that takes the focus. Every visited page goes through `ui.check()` (status, JavaScript errors, axe)."""

import pytest
from playwright.sync_api import expect

from agreements.models import CareerAlignment, Kpi, Tour
from tests.browser import test_agreements as flows
from tests.browser.test_agreements import member, path_of, submit

pytestmark = pytest.mark.browser

# The agreement flows' fixture (one browser context per person), used here under the same name.
open_ui = flows.open_ui


def _editor(open_ui, slug="acme"):
    report = member(f"member02@{slug}.example", slug)  # the demo's draft agreement
    tour = Tour.objects.select_related("agreement").get(employee=report)
    version = tour.agreement.versions.get(number=1)
    boss = open_ui("manager", language="en")
    boss.sign_in(f"manager@{slug}.example")
    boss.check("dashboard")
    edit = f"/{slug}/agreements/{tour.agreement.pk}/v{version.number}/edit/"
    boss.goto(edit, "agreement-edit")
    return boss, version, edit


def test_kpi_rows_are_added_and_removed_without_saving_and_the_total_follows(open_ui):
    boss, version, edit = _editor(open_ui)
    page = boss.page
    kept = list(version.kpis.order_by("position").values_list("name", flat=True))
    rows = page.locator("[data-kpi-rows] [data-kpi-row]:visible")
    start = rows.count()  # the saved KPIs and one blank row
    total = page.locator("[data-kpi-total-value]")
    expect(page.locator("[data-kpi-total]")).to_be_visible()
    expect(total).to_have_text("100")
    # The checkbox gives way to a button when the script runs.
    expect(page.locator("[data-kpi-rows] .row-remove:visible")).to_have_count(0)

    page.locator("[data-kpi-add]").click()
    expect(rows).to_have_count(start + 1)
    new = rows.last
    expect(new.locator("input[name$='-name']")).to_be_focused()
    new.locator("input[name$='-name']").fill("紹介経由の商談数")
    new.locator("input[name$='-target']").fill("12")
    new.locator("input[name$='-due_date']").fill(str(version.agreement.tour.end_date))
    new.locator("input[name$='-weight']").fill("20")
    expect(total).to_have_text("120")
    boss.check("agreement-edit-row-added")

    # Remove the first saved KPI: its weight leaves the total at once.
    first_weight = int(rows.first.locator("input[name$='-weight']").input_value())
    rows.first.locator("[data-kpi-remove]").click()
    expect(rows).to_have_count(start)
    expect(total).to_have_text(str(120 - first_weight))
    boss.check("agreement-edit-row-removed")

    # Make the weights add up again and save: the server gets exactly the rows shown.
    remaining_saved = rows.nth(0).locator("input[name$='-weight']")
    remaining_saved.fill(str(100 - 20))
    expect(total).to_have_text("100")
    form = page.locator("main form[method=post]")
    submit(page, form, button="button[name=save]")
    boss.check("agreement-saved")
    assert path_of(page.url) == edit.removesuffix("edit/")
    names = list(Kpi.objects.filter(version=version).order_by("position").values_list("name", flat=True))
    assert names == [*kept[1:], "紹介経由の商談数"]


def test_the_error_summary_takes_the_focus_and_its_links_focus_each_field(open_ui):
    boss, version, edit = _editor(open_ui)
    page = boss.page
    first = page.locator("[data-kpi-rows] [data-kpi-row]").first
    first.locator("input[name$='-target']").fill("")
    form = page.locator("main form[method=post]")
    submit(page, form, button="button[name=save]")
    boss.check("agreement-edit-errors")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    link = summary.locator("a[href='#id_kpi-0-target']")
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("#id_kpi-0-target")).to_be_focused()
    # The page kept the rest of what was typed.
    expect(first.locator("input[name$='-name']")).not_to_have_value("")


def test_without_javascript_the_editor_still_adds_and_removes_kpis(browser, seeded):
    """axe and the per-page checks run JavaScript in the page, so this one context only reads the page: the same
    page is checked with axe, script on, by the tests above."""
    from alliance.demo import DEMO_PASSWORD
    from tests.browser.conftest import DESKTOP

    context = browser.new_context(base_url=seeded.url, locale="ja-JP", viewport=DESKTOP, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        report = member("member02@globex.example", "globex")
        tour = Tour.objects.select_related("agreement").get(employee=report)
        version = tour.agreement.versions.get(number=1)
        page.goto("/accounts/login/")
        form = page.locator("main form").filter(has=page.locator("input[name=password]"))
        form.locator("input[name=login]").fill("manager@globex.example")
        form.locator("input[name=password]").fill(DEMO_PASSWORD)
        submit(page, form)
        response = page.goto(f"/globex/agreements/{tour.agreement.pk}/v1/edit/")
        assert response.status == 200
        expect(page.locator("[data-kpi-add]")).to_be_hidden()
        expect(page.locator("[data-kpi-total]")).to_be_hidden()
        rows = page.locator("[data-kpi-rows] [data-kpi-row]")
        expect(rows.first.locator(".row-remove")).to_be_visible()
        before = version.kpis.count()
        weight = rows.first.locator("input[name$='-weight']").input_value()
        rows.first.locator("input[name$='-DELETE']").check()
        blank = rows.last
        blank.locator("input[name$='-name']").fill("新しいKPI")
        blank.locator("input[name$='-target']").fill("5")
        blank.locator("input[name$='-due_date']").fill(str(tour.end_date))
        blank.locator("input[name$='-weight']").fill(weight)
        submit(page, page.locator("main form[method=post]"), button="button[name=save]")
        assert path_of(page.url) == f"/globex/agreements/{tour.agreement.pk}/v1/"
        names = list(version.kpis.order_by("position").values_list("name", flat=True))
        assert len(names) == before and names[-1] == "新しいKPI"
    finally:
        context.close()


def test_the_home_page_lists_what_waits_and_a_draft_tour_is_discarded(open_ui):
    slug = "globex"
    report = member("member01@globex.example", slug)  # a 1on1 record drafted by the manager
    alignment = CareerAlignment.objects.get(employee=report)
    person = open_ui("employee", language="en")
    page = person.page
    person.sign_in("member01@globex.example")
    person.check("dashboard-waiting")
    waiting = page.locator("[data-waiting]")
    expect(waiting).to_be_visible()
    confirm = waiting.locator(f"a[href='/{slug}/alignments/{alignment.pk}/confirm/']")
    expect(confirm).to_have_count(1)
    with page.expect_navigation():
        confirm.click()
    person.check("alignment-confirm")

    drafted = member("member02@globex.example", slug)
    tour = Tour.objects.get(employee=drafted)
    boss = open_ui("manager", language="en")
    bpage = boss.page
    boss.sign_in("manager@globex.example")
    boss.check("dashboard-manager")
    expect(bpage.locator("[data-waiting] [data-waiting-reports]")).to_contain_text(report.user.display_name)
    boss.goto(f"/{slug}/tours/{tour.pk}/", "tour-draft")
    with bpage.expect_navigation():
        bpage.locator(f"main a[href='/{slug}/tours/{tour.pk}/discard/']").click()
    boss.check("tour-discard-confirm")
    # The confirming button is styled as the site's buttons are (it had the browser's bare default look).
    danger = bpage.locator("main form[method=post] button.danger")
    assert danger.evaluate("e => parseFloat(getComputedStyle(e).paddingTop)") >= 6
    tour.refresh_from_db()
    assert tour.status == "draft"
    submit(bpage, bpage.locator("main form[method=post]"))
    boss.check("person-after-discard")
    assert path_of(bpage.url) == f"/{slug}/people/{drafted.pk}/alliance/"
    expect(bpage.locator(".messages[role=status]")).to_be_visible()
    tour.refresh_from_db()
    assert tour.status == "discarded"
    expect(bpage.locator(f"main a[href='/{slug}/tours/{tour.pk}/']")).to_have_count(0)
