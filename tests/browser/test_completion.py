"""The end of a tour in a real browser: the employee proposes, from the recorded closing review, to mark the tour
completed; the manager finds it waiting on the home page, confirms it, records what followed (a mistake shown
beside its field, then fixed), and starts the next tour from the form prefilled from the ended one. Every visited
page goes through `ui.check()` (status, JavaScript errors, axe, screenshot); the phone width is checked too."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Tour, TourStatus
from checkpoints import services
from checkpoints.models import Checkpoint, CheckpointKind, CheckpointStatus, OutcomeKind, TourOutcome
from checkpoints.selectors import version_in_force
from tests.browser.test_agreements import member, open_ui, path_of, submit  # noqa: F401  (open_ui is a fixture)

pytestmark = pytest.mark.browser


def _record_closing_review(tour, employee):
    closing = Checkpoint.objects.get(tour=tour, kind=CheckpointKind.CLOSING)
    kpis = version_in_force(tour).kpis.all()
    services.checkpoint_record(
        checkpoint=closing,
        actor=employee,
        data={
            "held_on": timezone.localdate(),
            "confidence": 9,
            "employee_alignment": "on_track",
            "employee_alignment_why": "",
            "reflection": "やり切った",
        },
        measurements={kpi.pk: {"value": Decimal("99"), "comment": ""} for kpi in kpis},
    )
    return closing


def test_complete_the_tour_record_what_followed_and_start_the_next(open_ui):  # noqa: F811
    slug = "globex"
    employee = member("employee@globex.example", slug)
    tour = Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)
    closing = _record_closing_review(tour, employee)

    person = open_ui("employee", language="en")
    person.sign_in("employee@globex.example")
    person.goto(f"/{slug}/checkpoints/{closing.pk}/", "closing-review")
    page = person.page
    page.locator("main [data-propose-complete]").click()
    person.check("propose-completion")
    form = page.locator("main form").filter(has=page.locator("[data-propose-ending]"))
    form.locator("textarea[name=reason]").fill("目標を達成できた")
    submit(page, form)
    person.check("proposed")
    assert path_of(page.url) == f"/{slug}/tours/{tour.pk}/"
    expect(page.locator("main [data-withdraw-ending]")).to_be_visible()

    boss = open_ui("manager", language="en")
    boss.sign_in("manager@globex.example")
    boss.check("home-waiting")
    page = boss.page
    page.locator("main [data-waiting-endings] a").first.click()
    boss.check("confirm-completion")
    expect(page.locator("main [data-reason]")).to_have_text("目標を達成できた")
    submit(page, page.locator("main form").filter(has=page.locator("[data-answer=confirm]")))
    boss.check("completed")
    assert Tour.objects.get(pk=tour.pk).status == TourStatus.COMPLETED
    expect(page.locator("main [data-ended=completed]")).to_be_visible()
    assert not Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.SCHEDULED).exists()

    page.locator("main [data-outcome-link]").click()
    boss.check("outcome-form")
    form = page.locator("main form").filter(has=page.locator("[data-record-outcome]"))
    form.locator("input[name=kind][value=moved_inside]").check()
    form.locator("textarea[name=note]").fill("本人の希望を尊重")
    submit(page, form)
    boss.check("outcome-errors")
    expect(page.locator("#id_destination_error")).to_be_visible()
    expect(form.locator("textarea[name=note]")).to_have_value("本人の希望を尊重")
    form.locator("input[name=kind][value=next_tour]").check()
    submit(page, form)
    boss.check("outcome-recorded")
    expect(page.locator("main [data-outcome=next_tour]")).to_be_visible()

    page.locator("main [data-start-next]").click()
    boss.check("next-tour-form")
    expect(page.locator("main [data-follows]")).to_be_visible()
    form = page.locator("main form").filter(has=page.locator("input[name=title]"))
    start = max(timezone.localdate(), tour.end_date + timedelta(days=1))
    expect(form.locator("input[name=start_date]")).to_have_value(start.isoformat())
    expect(form.locator(f"input[name=kind][value={tour.kind}]")).to_be_checked()
    form.locator("input[name=title]").fill("次のツアー")
    form.locator("textarea[name=goal]").fill("新しい挑戦")
    form.locator("textarea[name=toward_ideal_self]").fill("ありたい姿へ")
    form.locator("textarea[name=value_to_company]").fill("事業の成長")
    submit(page, form)
    boss.check("next-tour")
    following = Tour.objects.get(previous=tour)
    assert path_of(page.url) == f"/{slug}/tours/{following.pk}/"
    expect(page.locator(f"main a[href='/{slug}/tours/{tour.pk}/']").first).to_be_visible()
    outcome = TourOutcome.objects.get(tour=tour)
    assert (outcome.kind, outcome.next_tour_id) == (OutcomeKind.NEXT_TOUR, following.pk)


def test_the_ended_tour_reads_well_on_a_phone(phone_ui):
    """member07@ of the demo: a tour ended early, followed by a move inside the company."""
    tour = Tour.objects.get(employee__user__email="member07@acme.example", status=TourStatus.ENDED_EARLY)
    phone_ui.sign_in("manager@acme.example")
    phone_ui.goto(f"/acme/tours/{tour.pk}/", "ended-early-tour")
    expect(phone_ui.page.locator("main [data-outcome=moved_inside]")).to_be_visible()
    expect(phone_ui.page.locator("main [data-reason]")).to_be_visible()
    phone_ui.assert_fits_width()
