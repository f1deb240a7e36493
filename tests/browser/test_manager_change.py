"""A manager change in a real browser (issue 7): HR assigns a new manager and sees the change recorded; the
employee is offered to share their earlier career alignments with the new manager and does so in one click;
HR finds members left without a manager. Every page goes through `ui.check()` (axe, JavaScript errors)."""

import pytest
from playwright.sync_api import expect

from alliance.models import Membership, Role

pytestmark = pytest.mark.browser


def test_hr_changes_a_manager_and_the_employee_shares_earlier_alignments(ui):
    page = ui.page
    employee = Membership.objects.get(organization__slug="acme", user__email="employee@acme.example")
    old = employee.manager
    new = (
        Membership.objects.filter(organization__slug="acme", role=Role.MANAGER, status="active")
        .exclude(pk=old.pk)
        .select_related("user")
        .first()
    )

    ui.goto("/accounts/login/?next=/acme/")
    ui.sign_in("hr@acme.example")
    ui.goto(f"/acme/members/{employee.pk}/", "member-edit")
    expect(page.locator("#manager-changes-title")).to_be_visible()
    page.locator("select[name=manager]").select_option(str(new.pk))
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()
    ui.check("members-after-change")
    ui.goto(f"/acme/members/{employee.pk}/", "member-edit-history")
    row = page.locator("section[aria-labelledby=manager-changes-title] tbody tr").first
    expect(row).to_contain_text(old.user.display_name)
    expect(row).to_contain_text(new.user.display_name)
    ui.sign_out()

    ui.goto("/accounts/login/?next=/acme/alliance/")
    ui.sign_in("employee@acme.example")
    ui.goto("/acme/alliance/", "share-offer")
    offer = page.locator("section[aria-labelledby=share-offer-title]")
    expect(offer).to_contain_text(new.user.display_name)
    with page.expect_navigation():
        offer.locator("button[value=share]").click()
    ui.check("share-offer-answered")
    expect(page.locator("section[aria-labelledby=share-offer-title]")).to_have_count(0)
    ui.sign_out()

    ui.goto("/accounts/login/")
    ui.sign_in(new.user.email)
    ui.goto(f"/acme/people/{employee.pk}/alliance/", "new-manager-reads-shared")
    expect(page.locator("section[aria-labelledby=alignments-title] tbody tr").first).to_be_visible()


def test_hr_filters_members_left_without_a_manager(ui):
    page = ui.page
    # A report left without a manager (as a demotion of their manager leaves them).
    left_alone = Membership.objects.filter(organization__slug="acme", user__name="佐藤 健").get()
    Membership.objects.filter(pk=left_alone.pk).update(manager=None)
    ui.goto("/accounts/login/?next=/acme/members/")
    ui.sign_in("hr@acme.example")
    ui.goto("/acme/members/?no_manager=on", "members-no-manager")
    rows = page.locator("main table").first.locator("tbody tr")
    without = Membership.objects.filter(organization__slug="acme", status="active", manager__isnull=True).exclude(
        role=Role.HR
    )
    assert without.count() >= 1
    expect(rows).to_have_count(without.count())
    expect(rows.filter(has_text="佐藤 健").locator(".badge-no-manager")).to_have_count(1)
    expect(page.locator("input[name=no_manager]")).to_be_checked()
