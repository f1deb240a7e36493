"""Alumni surveys in a real browser, on a desktop and on a 390 px phone: the alumnus answers the 3-month survey from
its personal link (desktop: without signing in; phone: signed in, from the community page), sees the thank-you
page, and HR reads the results: the whole as pictures with their tables, a breakdown cell hidden, and a filter
that would single someone out showing nothing. Every page goes through `ui.check()`."""

import pytest
from playwright.sync_api import expect

from alumni.models import SurveyInvitation
from tests.browser.test_agreements import submit

pytestmark = pytest.mark.browser


def _answer(ui, *, phone):
    page = ui.page
    form = page.locator("main form").filter(has=page.locator("[data-submit-answers]"))
    # The scale's "4", the choice's second option, a free text, and anonymity.
    form.locator("fieldset").nth(0).locator("input[type=radio]").nth(3).check()
    form.locator("fieldset").nth(1).locator("input[type=radio]").nth(1).check()
    form.locator("textarea").fill("ブラウザから回答しました。")
    form.locator("input[name=anonymous]").check()
    submit(page, form)
    ui.check(f"thanks-{'phone' if phone else 'desktop'}")
    expect(page.locator("main [data-survey-thanks]")).to_be_visible()
    if phone:
        ui.assert_fits_width()


def _results(ui, *, phone):
    device = "phone" if phone else "desktop"
    ui.sign_in("hr@acme.example")
    ui.goto("/acme/alumni/", f"hub-{device}")
    with ui.page.expect_navigation():
        ui.page.locator("main a[href='/acme/alumni/surveys/']").click()
    ui.check(f"surveys-{device}")
    survey = SurveyInvitation.objects.filter(membership__user__email="alumni@acme.example").first().survey
    ui.goto(f"/acme/alumni/surveys/{survey.pk}/results/", f"results-{device}")
    page = ui.page
    expect(page.locator("main [data-respondents='11']")).to_be_visible()
    expect(page.locator("main figure.survey-chart svg[role=img]").first).to_be_visible()
    assert page.locator("main figure.survey-chart svg[role=img]").count() == 2
    expect(page.locator("main [data-breakdown=kind] [data-cell=study][data-hidden-cell]")).to_be_visible()
    expect(page.locator("main [data-breakdown=kind] [data-cell=career_step]:not([data-hidden-cell])")).to_be_visible()
    if phone:
        ui.assert_fits_width()
        assert page.locator("main figure.survey-chart svg").first.bounding_box()["width"] >= 280
    form = page.locator("main form.filters")
    form.locator("select[name=kind]").select_option("startup")
    submit(page, form)
    ui.check(f"results-hidden-{device}")
    expect(page.locator("main [data-hidden]")).to_be_visible()
    assert page.locator("main figure.survey-chart").count() == 0


def test_an_alumnus_answers_from_the_link_and_hr_sees_the_aggregate_on_a_desktop(ui):
    invitation = SurveyInvitation.objects.get(membership__user__email="alumni@acme.example")
    ui.goto(f"/surveys/{invitation.token()}/", "answer-desktop")
    _answer(ui, phone=False)
    _results(ui, phone=False)


def test_an_alumnus_answers_from_the_community_page_and_hr_sees_the_aggregate_on_a_phone(phone_ui):
    ui = phone_ui
    ui.sign_in("alumni@acme.example")
    ui.goto("/acme/alumni/", "hub-alumnus-phone")
    with ui.page.expect_navigation():
        ui.page.locator("main [data-open-survey]").click()
    ui.check("answer-phone")
    ui.assert_fits_width()
    _answer(ui, phone=True)
    ui.sign_out()
    ui.check("signed-out-phone")
    _results(ui, phone=True)
