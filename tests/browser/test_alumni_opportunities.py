"""Opportunities and referrals in a real browser, on a desktop and on a 390 px phone: alumni@ refers a friend to
the comeback role, HR moves the referral to "in talks" with a note, and the referrer sees the new status on
"my referrals". Every visited page goes through `ui.check()` (status, JavaScript errors, axe, screenshot)."""

import pytest
from playwright.sync_api import expect

from alumni.demo_opportunities import COMEBACK_TITLE
from alumni.models import Opportunity, Referral
from tests.browser.conftest import PHONE
from tests.browser.test_agreements import open_ui, path_of, submit  # noqa: F401  (open_ui is a fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_an_alumnus_refers_a_friend_and_sees_hr_move_it_on(open_ui, phone):  # noqa: F811
    slug = "acme"
    device = "phone" if phone else "desktop"
    comeback = Opportunity.objects.get(organization__slug=slug, title=COMEBACK_TITLE)

    alumnus = open_ui("alumni")
    if phone:
        alumnus.page.set_viewport_size(PHONE)
    alumnus.sign_in("alumni@acme.example")
    alumnus.goto(f"/{slug}/alumni/", f"hub-{device}")
    page = alumnus.page
    page.locator("main [data-hub=opportunities] a").first.click()
    page.wait_for_load_state("load")
    alumnus.check(f"opportunities-{device}")
    if phone:
        alumnus.assert_fits_width()
    page.locator(f"main [data-opportunity='{comeback.pk}'] h2 a").click()
    page.wait_for_load_state("load")
    alumnus.check(f"comeback-{device}")
    page.locator("main [data-refer]").click()
    page.wait_for_load_state("load")
    alumnus.check(f"refer-form-{device}")
    form = page.locator("main form[method=post]")
    form.locator("input[name=candidate_name]").fill("友人 一郎")
    form.locator("input[name=candidate_email]").fill("ichiro@")
    form.locator("textarea[name=reason]").fill("前職の同僚で、プロダクト開発の経験が豊富です。")
    submit(page, form)
    alumnus.check(f"refer-error-{device}")
    expect(page.locator("#id_candidate_email_error")).to_be_visible()
    expect(form.locator("input[name=candidate_name]")).to_have_value("友人 一郎")
    form.locator("input[name=candidate_email]").fill("ichiro@example.com")
    submit(page, form)
    alumnus.check(f"referral-{device}")
    referral = Referral.objects.get(candidate_name="友人 一郎")
    assert path_of(page.url) == f"/{slug}/alumni/referrals/{referral.pk}/"
    expect(page.locator("main [data-referral-status]").first).to_have_attribute("data-referral-status", "received")

    hr = open_ui("hr", language="en")
    if phone:
        hr.page.set_viewport_size(PHONE)
    hr.sign_in("hr@acme.example")
    hr.goto(f"/{slug}/alumni/referrals/?status=received", f"hr-referrals-{device}")
    hpage = hr.page
    if phone:
        hr.assert_fits_width()
    hpage.locator(f"main [data-referral='{referral.pk}'] th a").click()
    hpage.wait_for_load_state("load")
    hr.check(f"hr-referral-{device}")
    move = hpage.locator("main form[action$='/status/']")
    move.locator("select[name=status]").select_option("in_talks")
    move.locator("textarea[name=note]").fill("カジュアル面談を来週設定しました。")
    submit(hpage, move)
    hr.check(f"hr-moved-{device}")
    expect(hpage.locator("main [data-change=in_talks]")).to_contain_text("カジュアル面談を来週設定しました。")

    alumnus.goto(f"/{slug}/alumni/referrals/mine/", f"my-referrals-{device}")
    if phone:
        alumnus.assert_fits_width()
    row = page.locator(f"main [data-referral='{referral.pk}']")
    expect(row.locator("[data-referral-status]")).to_have_attribute("data-referral-status", "in_talks")
