"""Checkpoints in a real browser: the manager confirms the checkpoint the demo employee confirmed, which then reads
as final; the employee records the next one, a mistake is shown beside its field with the rest kept, then saved.
Every visited page goes through `ui.check()` (status, JavaScript errors, axe, screenshot)."""

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from checkpoints.models import Checkpoint, CheckpointStatus
from tests.browser.test_agreements import member, open_ui, path_of, submit  # noqa: F401  (open_ui is a fixture)

pytestmark = pytest.mark.browser


def test_manager_confirms_then_the_employee_records_the_next_checkpoint(open_ui):  # noqa: F811
    slug = "globex"
    employee = member("employee@globex.example", slug)
    held, following = Checkpoint.objects.filter(tour__employee=employee).order_by("sequence")[:2]
    assert held.status == CheckpointStatus.HELD and held.employee_confirmed_at is not None

    boss = open_ui("manager")
    boss.sign_in("manager@globex.example")
    boss.goto(f"/{slug}/checkpoints/{held.pk}/", "checkpoint-to-confirm")
    page = boss.page
    expect(page.locator(f"main a[href='/{slug}/tours/{held.tour_id}/']").first).to_be_visible()
    submit(page, page.locator("main form").filter(has=page.locator("input[name=action][value=confirm]")))
    boss.check("checkpoint-confirmed")
    expect(page.locator("main [data-read-only]")).to_be_visible()
    expect(page.locator("main input[name=action]")).to_have_count(0)
    assert Checkpoint.objects.get(pk=held.pk).status == CheckpointStatus.CONFIRMED

    person = open_ui("employee", language="en")
    person.sign_in("employee@globex.example")
    url = f"/{slug}/checkpoints/{following.pk}/"
    person.goto(url, "checkpoint-form")
    page = person.page
    form = page.locator("main form").filter(has=page.locator("input[name=action][value=record]"))
    form.locator("input[name=held_on]").fill(timezone.localdate().isoformat())
    form.locator("input[name=confidence]").fill("11")
    form.locator("input[name=employee_alignment][value=drifting]").check()
    form.locator("textarea[name=employee_alignment_why]").fill("優先度の高い案件が割り込んだ")
    form.locator("textarea[name=reflection]").fill("手順書づくりを先に進めるべきだった")
    values = form.locator("input[name$=_value]")
    for index in range(values.count()):
        values.nth(index).fill("50")
    submit(page, form)

    assert path_of(page.url) == url
    person.check("checkpoint-form-errors")
    expect(page.locator("main [data-error-summary] a[href='#id_confidence']")).to_be_visible()
    with translation.override("en"):
        message = translation.gettext("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": 10
        }
    expect(page.locator("#id_confidence_error")).to_have_text(message)
    expect(page.locator("main .field-error")).to_have_count(1)
    expect(form.locator("textarea[name=reflection]")).to_have_value("手順書づくりを先に進めるべきだった")
    expect(form.locator("input[name=employee_alignment][value=drifting]")).to_be_checked()

    form.locator("input[name=confidence]").fill("6")
    submit(page, form)
    person.check("checkpoint-recorded")
    recorded = Checkpoint.objects.get(pk=following.pk)
    assert recorded.status == CheckpointStatus.HELD and recorded.confidence == 6
    expect(page.locator("main form").filter(has=page.locator("input[name=action][value=confirm]"))).to_be_visible()
