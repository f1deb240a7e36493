"""The shared machinery in a real browser: a manager opens a notification from the header, HR reads the audit
trail with its filters. Every visited page goes through `ui.check()` (axe, JavaScript errors, screenshot)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from alliance.models import Membership, Notice

pytestmark = pytest.mark.browser


def test_manager_opens_a_notification_from_the_header_and_it_is_read(ui):
    page = ui.page
    manager = Membership.objects.get(user__email="manager@acme.example")
    # One unread notice: the newest of the demo's (the others read already).
    newest = Notice.objects.filter(recipient=manager).order_by("-created_at", "-id").first()
    Notice.objects.filter(recipient=manager).exclude(pk=newest.pk).update(read_at=timezone.now())
    Notice.objects.filter(pk=newest.pk).update(read_at=None)
    ui.goto("/accounts/login/")
    ui.sign_in("manager@acme.example")
    ui.check("dashboard")
    link = page.locator("nav.main-nav a[href='/acme/notifications/']")
    expect(link.locator(".nav-count")).to_be_visible()
    link.click()
    page.wait_for_url("**/acme/notifications/")
    ui.check("notifications")
    expect(page.locator("li.notice-unread")).to_have_count(1)
    with page.expect_navigation():
        page.locator("li.notice-unread button[type=submit]").click()
    assert page.url.endswith(newest.url)
    ui.check("notification-target")
    expect(page.locator("nav.main-nav a[href='/acme/notifications/'] .nav-count")).to_have_count(0)


def test_hr_reads_and_filters_the_audit_trail(ui):
    page = ui.page
    ui.goto("/accounts/login/")
    ui.sign_in("hr@acme.example")
    ui.check("dashboard")
    page.locator("nav.main-nav a[href='/acme/audit/']").click()
    page.wait_for_url("**/acme/audit/")
    ui.check("audit")
    filters = page.locator("form.filters")
    filters.locator("select[name=action]").select_option("agreement.sign")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    ui.check("audit-signatures")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    # A period that ends before it starts is refused beside the field, and the filters stay as typed.
    filters.locator("input[name=date_from]").fill("2030-01-10")
    filters.locator("input[name=date_to]").fill("2030-01-01")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    ui.check("audit-bad-period")
    expect(page.locator("#id_date_to_error")).to_be_visible()
    expect(filters.locator("select[name=action]")).to_have_value("agreement.sign")
