"""Reminders and calendars in a real browser: HR reads the reminder that could not be sent (the demo's) with its
error; the employee makes a private calendar feed, sees its address once, and revokes it after confirming; the
checkpoint page offers its invite. Every visited page goes through `ui.check()` (status, JavaScript errors, axe,
screenshot), on a phone-sized window too."""

import pytest
from playwright.sync_api import expect

from checkpoints.models import CalendarFeed, Checkpoint
from tests.browser.test_agreements import member, open_ui, submit  # noqa: F401  (open_ui is a fixture)

pytestmark = pytest.mark.browser


def test_hr_reads_the_unsent_reminder_and_the_employee_manages_a_calendar_feed(open_ui):  # noqa: F811
    slug = "globex"
    hr = open_ui("hr", language="en")
    hr.sign_in("hr@globex.example")
    hr.goto(f"/{slug}/notifications/failed/", "unsent-notices")
    page = hr.page
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table")).to_contain_text("SMTPRecipientsRefused")
    expect(page.locator("main table")).to_contain_text("A checkpoint is coming up")
    page.set_viewport_size({"width": 390, "height": 844})
    hr.check("unsent-notices-phone")

    employee = member("employee@globex.example", slug)
    person = open_ui("employee", language="en")
    person.sign_in("employee@globex.example")
    checkpoint = Checkpoint.objects.filter(tour__employee=employee).order_by("sequence").last()
    person.goto(f"/{slug}/checkpoints/{checkpoint.pk}/", "checkpoint-with-calendar")
    page = person.page
    expect(page.locator(f"main a[href='/{slug}/checkpoints/{checkpoint.pk}/calendar.ics']")).to_be_visible()
    page.locator(f"main a[href='/{slug}/calendar/']").first.click()
    person.check("calendar-feed")
    submit(page, page.locator("main form").first)
    person.check("calendar-feed-made")
    address = page.locator("[data-feed-url]").input_value()
    assert "/calendar/" in address and address.endswith(".ics")
    page.locator(f"main a[href='/{slug}/calendar/revoke/']").click()
    person.check("calendar-feed-revoke")
    submit(page, page.locator("main form").first)
    person.check("calendar-feed-revoked")
    assert not CalendarFeed.objects.filter(membership=employee, revoked_at__isnull=True).exists()
