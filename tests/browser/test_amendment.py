"""An amendment in a real browser: from a checkpoint the employee proposes a new goal wording and KPI target with a
reason (an empty reason is refused beside its field, the rest kept), requests signatures, both sign, and the new
version's page shows what changed from the previous one. Every page goes through `ui.check()` (axe included)."""

import pytest
from playwright.sync_api import expect

from agreements import selectors
from alliance.demo import DEMO_PASSWORD
from checkpoints.models import Checkpoint, CheckpointStatus
from tests.browser.test_agreements import SIGNING_TIMEOUT, member, open_ui, path_of, submit  # noqa: F401

pytestmark = pytest.mark.browser


def _sign(ui, version_href, *, timeout=None):
    page = ui.page
    with page.expect_navigation():
        page.locator(f"main a[href='{version_href}sign/']").first.click()
    ui.check(f"sign-{ui.name.rsplit('-', 1)[-1]}")
    form = page.locator("main form[method=post]")
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.locator("input[name=agree]").check()
    submit(page, form, timeout=timeout)
    assert path_of(page.url) == version_href
    ui.check(f"signed-by-{ui.name.rsplit('-', 1)[-1]}")


def test_employee_proposes_an_amendment_from_a_checkpoint_both_sign_and_the_diff_is_shown(open_ui):  # noqa: F811
    slug = "globex"
    employee = member("employee@globex.example", slug)
    checkpoint = (
        Checkpoint.objects.filter(tour__employee=employee, status=CheckpointStatus.SCHEDULED)
        .order_by("sequence")
        .first()
    )
    agreement = checkpoint.tour.agreement
    before = selectors.current_version(agreement)

    person = open_ui("employee", language="en")
    person.sign_in("employee@globex.example")
    person.goto(f"/{slug}/checkpoints/{checkpoint.pk}/", "checkpoint-with-amendment-offer")
    page = person.page
    with page.expect_navigation():
        page.locator("main a[data-propose-amendment]").click()
    assert path_of(page.url) == f"/{slug}/checkpoints/{checkpoint.pk}/amend/"
    person.check("amendment-form")

    form = page.locator("main form[method=post]")
    new_goal = checkpoint.tour.goal + "（安定稼働を最優先）"
    form.locator("textarea[name=goal]").fill(new_goal)
    form.locator("input[name='kpi-0-target']").fill("99.5")
    submit(page, form, button="button[type=submit][name=request]")
    # No reason: refused beside the field, and what was typed is kept.
    person.check("amendment-form-errors")
    expect(page.locator("#id_reason_error")).to_be_visible()
    expect(form.locator("textarea[name=goal]")).to_have_value(new_goal)
    expect(form.locator("input[name='kpi-0-target']")).to_have_value("99.5")

    form.locator("textarea[name=reason]").fill("第2回で、目標値が高すぎると分かった。")
    submit(page, form, button="button[type=submit][name=request]")
    draft = selectors.current_version(agreement)
    assert draft.number == before.number + 1 and draft.amendment_checkpoint_id == checkpoint.pk
    version_href = f"/{slug}/agreements/{agreement.pk}/v{draft.number}/"
    assert path_of(page.url) == f"{version_href}request/"
    person.check("amendment-request-signatures")
    submit(page, page.locator("main form[method=post]"))
    assert path_of(page.url) == version_href
    person.check("amendment-pending")
    expect(page.locator("main [data-amendment] tr[data-change='tour.goal']")).to_be_visible()

    _sign(person, version_href)
    boss = open_ui("manager", language="en")
    boss.sign_in("manager@globex.example")
    boss.goto(version_href, "amendment-to-sign")
    _sign(boss, version_href, timeout=SIGNING_TIMEOUT)
    page = boss.page
    expect(page.locator("main h1 .badge-signed")).to_be_visible()
    section = page.locator("main [data-amendment]")
    expect(section.locator("tr[data-change='tour.goal'] ins")).to_have_text(new_goal)
    expect(section.locator("tr[data-change='kpis.target'] ins")).to_have_text("99.5")
    expect(section.locator("[data-amendment-reason]")).to_have_text("第2回で、目標値が高すぎると分かった。")
    previous = section.locator("a[data-previous-version]")
    with page.expect_navigation():
        previous.click()
    assert path_of(page.url) == f"/{slug}/agreements/{agreement.pk}/v{before.number}/"
    boss.check("previous-version")
    checkpoint.tour.refresh_from_db()
    assert checkpoint.tour.goal == new_goal
