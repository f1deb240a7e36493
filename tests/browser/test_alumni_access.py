"""Alumni access in a real browser, on a desktop and on a 390 px phone: the demo alumnus signs in, reads their own
alliance page, tour, signed agreement and timeline with no action offered, and gets 404 on an employee page; HR
opens the alumni records, filters them and downloads the CSV. Every page goes through `ui.check()`."""

import pytest
from playwright.sync_api import expect

from agreements.models import Tour
from tests.browser.test_agreements import member

pytestmark = pytest.mark.browser


def _alumni_pages(slug="acme"):
    alumnus = member(f"alumni@{slug}.example", slug)
    tour = Tour.objects.get(employee=alumnus)
    version = tour.agreement.versions.order_by("-number").first()
    return [
        ("alliance", f"/{slug}/alliance/"),
        ("tour", f"/{slug}/tours/{tour.pk}/"),
        ("agreement", f"/{slug}/agreements/{tour.agreement.pk}/v{version.number}/"),
        ("timeline", f"/{slug}/people/{alumnus.pk}/timeline/"),
    ]


def _walk(ui, *, phone):
    suffix = "phone" if phone else "desktop"
    ui.sign_in("alumni@acme.example")
    for name, path in _alumni_pages():
        ui.goto(path, f"alumni-{name}-{suffix}")
        main = ui.page.locator("main")
        # Read-only: no form that writes, no button to sign, edit or start anything.
        assert main.locator("form[method=post]").count() == 0, name
        for action in ("sign/", "edit/", "amend/", "alignments/new/", "complete/", "end-early/"):
            assert main.locator(f"a[href*='{action}']").count() == 0, f"{name} offers {action}"
        if phone:
            ui.assert_fits_width()
        if name == "agreement":
            expect(main.locator("a[href*='/pdf/']").first).to_be_visible()
        if name == "timeline":
            expect(main.locator("[data-entry=alumni-left]")).to_be_visible()
    ui.goto("/acme/alliance/team/", f"alumni-employee-page-404-{suffix}", status=404)
    ui.sign_out()

    ui.sign_in("hr@acme.example", slug=f"hr-sign-in-{suffix}")
    ui.goto("/acme/alumni/", f"community-home-{suffix}")
    ui.page.locator("main a[href='/acme/alumni/records/']").click()
    ui.check(f"records-{suffix}")
    rows = ui.page.locator("main .alumni-records tbody tr")
    expect(rows.first).to_be_visible()
    if phone:
        ui.assert_fits_width()
    with ui.page.expect_navigation():
        ui.page.locator("main form.filters button[type=submit]").click()
    ui.check(f"records-filtered-{suffix}")
    with ui.page.expect_download() as download_info:
        ui.page.locator("main a[href*='records.csv']").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(3) == "\ufeff".encode()


def test_alumni_access_and_hr_records_on_a_desktop(ui):
    _walk(ui, phone=False)


def test_alumni_access_and_hr_records_on_a_phone(phone_ui):
    _walk(phone_ui, phone=True)
