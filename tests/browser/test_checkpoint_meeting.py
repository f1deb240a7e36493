"""The checkpoint 1on1 as a meeting in a real browser: the employee adds an agenda topic, the manager adds one,
both record the 1on1, the manager notes a next action (a due date before the 1on1 is shown beside its field
first). Every visited page goes through `ui.check()` (status, JavaScript errors, axe, screenshot)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checkpoints.models import AgendaTopic, Checkpoint, CheckpointStatus, NextAction
from tests.browser.conftest import PHONE
from tests.browser.test_agreements import member, open_ui, path_of, submit  # noqa: F401  (open_ui is a fixture)

pytestmark = pytest.mark.browser


def _form(page, action: str):
    return page.locator(f"main form[action$='/{action}/']")


def _record(page, side: str, today: str):
    form = page.locator("main form").filter(has=page.locator("input[name=action][value=record]"))
    form.locator("input[name=held_on]").fill(today)
    form.locator("input[name=confidence]").fill("6")
    form.locator(f"input[name={side}_alignment][value=on_track]").check()
    for index in range(form.locator("input[name$=_value]").count()):
        form.locator("input[name$=_value]").nth(index).fill("50")
    submit(page, form)


def test_both_sides_prepare_hold_and_agree_on_a_next_action(open_ui):  # noqa: F811
    slug = "acme"
    employee = member("employee@acme.example", slug)
    checkpoint = Checkpoint.objects.filter(tour__employee=employee, status="scheduled").order_by("sequence").first()
    url = f"/{slug}/checkpoints/{checkpoint.pk}/"
    today = timezone.localdate().isoformat()

    person = open_ui("employee")
    person.sign_in("employee@acme.example")
    person.goto(f"/{slug}/", "home")
    person.goto(url, "checkpoint-agenda")
    page = person.page
    _form(page, "agenda").locator("textarea").fill("評価面談の時期を相談したい")
    submit(page, _form(page, "agenda"))
    assert path_of(page.url) == url
    person.check("agenda-added")
    expect(page.locator("main [data-agenda]")).to_contain_text("評価面談の時期を相談したい")

    boss = open_ui("manager", language="en")
    boss.sign_in("manager@acme.example")
    boss.goto(url, "checkpoint-manager")
    bpage = boss.page
    _form(bpage, "agenda").locator("textarea").fill("")
    submit(bpage, _form(bpage, "agenda"))
    boss.check("agenda-empty-error")
    expect(bpage.locator("#id_agenda-text_error")).to_be_visible()
    _form(bpage, "agenda").locator("textarea").fill("来期の体制について")
    submit(bpage, _form(bpage, "agenda"))
    boss.check("agenda-added-by-manager")
    expect(bpage.locator("main [data-agenda] li")).to_have_count(
        AgendaTopic.objects.filter(checkpoint=checkpoint).count()
    )

    _record(page, "employee", today)
    person.check("recorded-by-employee")
    _record(bpage, "manager", today)
    boss.check("recorded-by-manager")
    assert Checkpoint.objects.get(pk=checkpoint.pk).status == CheckpointStatus.HELD
    expect(bpage.locator("main form[action$='/agenda/']")).to_have_count(0)  # the agenda closed

    form = _form(bpage, "actions")
    form.locator("textarea").fill("復旧手順書のレビューを依頼する")
    form.locator("select[name=action-owner]").select_option("employee")
    form.locator("input[name=action-due_on]").fill("2000-01-01")
    submit(bpage, form)
    boss.check("action-error")
    expect(bpage.locator("#id_action-due_on_error")).to_be_visible()
    expect(_form(bpage, "actions").locator("textarea")).to_have_value("復旧手順書のレビューを依頼する")
    _form(bpage, "actions").locator("input[name=action-due_on]").fill(today)
    submit(bpage, _form(bpage, "actions"))
    boss.check("action-added")
    action = NextAction.objects.get(checkpoint=checkpoint, text="復旧手順書のレビューを依頼する")
    expect(bpage.locator(f"main [data-action='{action.pk}']")).to_be_visible()

    person.goto(url, "employee-sees-the-action")
    expect(page.locator(f"main [data-action='{action.pk}']")).to_be_visible()
    person.goto(f"/{slug}/tours/{checkpoint.tour_id}/", "tour-lists-checkpoints")
    expect(page.locator(f"main [data-tour-checkpoints] [data-checkpoint='{checkpoint.pk}'] a")).to_be_visible()


def test_carry_over_correction_cancel_and_hrs_overdue_list(open_ui):  # noqa: F811
    """The employee closes a carried-over action on the next checkpoint; the manager adds a correction note under
    member04's confirmed checkpoint and cancels its next one with a reason (after a confirmation page); HR finds
    the employee's overdue checkpoint from the home page, by manager, on a phone."""
    slug = "acme"
    employee = member("employee@acme.example", slug)
    first, following = Checkpoint.objects.filter(tour__employee=employee).order_by("sequence")[:2]
    carried = NextAction.objects.get(checkpoint=first, done_at__isnull=True)

    person = open_ui("employee")
    person.sign_in("employee@acme.example")
    person.goto(f"/{slug}/checkpoints/{following.pk}/", "carried-action")
    page = person.page
    row = page.locator(f"main [data-action='{carried.pk}'][data-carried]")
    submit(page, row.locator("form"))
    person.check("carried-action-done")
    expect(page.locator(f"main [data-action='{carried.pk}'] [data-done]")).to_be_visible()
    assert NextAction.objects.get(pk=carried.pk).done_at_checkpoint_id == following.pk

    report = member("member04@acme.example", slug)
    confirmed, next_one = Checkpoint.objects.filter(tour__employee=report).order_by("sequence")[:2]
    boss = open_ui("manager", language="en")
    boss.sign_in("manager@acme.example")
    boss.goto(f"/{slug}/checkpoints/{confirmed.pk}/", "confirmed-checkpoint")
    bpage = boss.page
    _form(bpage, "corrections").locator("textarea").fill("開催日は実際には前日でした。")
    submit(bpage, _form(bpage, "corrections"))
    boss.check("correction-added")
    expect(bpage.locator("main [data-corrections]")).to_contain_text("開催日は実際には前日でした。")

    boss.goto(f"/{slug}/checkpoints/{next_one.pk}/", "checkpoint-to-cancel")
    bpage.locator("main [data-cancel-link]").click()
    boss.check("cancel-confirmation")
    submit(bpage, bpage.locator("main form"))
    boss.check("cancel-reason-missing")
    expect(bpage.locator("#id_cancel-reason_error")).to_be_visible()
    bpage.locator("textarea[name=cancel-reason]").fill("組織変更で目標を見直すため、修正合意の後に改めて設定する。")
    submit(bpage, bpage.locator("main form"))
    boss.check("cancelled")
    expect(bpage.locator("main [data-cancelled]")).to_contain_text("組織変更で目標を見直すため")
    assert Checkpoint.objects.get(pk=next_one.pk).status == CheckpointStatus.CANCELLED

    Checkpoint.objects.filter(pk=following.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    hr = open_ui("hr", language="en")
    hr.page.set_viewport_size(PHONE)
    hr.sign_in("hr@acme.example")
    hr.goto(f"/{slug}/", "hr-home")
    hr.page.locator("main [data-overdue-card] a").click()
    hr.check("overdue-list")
    expect(hr.page.locator(f"main [data-overdue-checkpoint='{following.pk}'] a")).to_be_visible()
    hr.page.locator(f"main [data-overdue-checkpoint='{following.pk}'] a").click()
    hr.check("overdue-checkpoint")
    assert path_of(hr.page.url) == f"/{slug}/checkpoints/{following.pk}/"
