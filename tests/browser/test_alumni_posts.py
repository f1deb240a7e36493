"""The community feed in a real browser, on a desktop and on a 390 px phone: alumni@ posts news with a link and
comments; hr@ pins the post, then hides it with a reason (after a confirmation page); alumni@ sees it greyed with
that reason. Every page goes through `ui.check()` (status, JavaScript errors, axe, screenshot)."""

import pytest
from playwright.sync_api import expect

from alumni.models import Post
from tests.browser.test_agreements import path_of, submit

pytestmark = pytest.mark.browser

FEED = "/acme/alumni/posts/"


def _walk(ui, *, phone):
    size = "phone" if phone else "desktop"
    ui.sign_in("alumni@acme.example")
    ui.goto("/acme/alumni/", f"hub-{size}")
    page = ui.page
    page.locator(f"main a[href='{FEED}']").first.click()
    ui.check(f"feed-{size}")
    if phone:
        ui.assert_fits_width()
    form = page.locator("main form").filter(has=page.locator("textarea[name=body]")).first
    form.locator("textarea").fill("")
    submit(page, form)
    ui.check(f"empty-post-error-{size}")
    expect(page.locator("main #id_body_error")).to_be_visible()
    form = page.locator("main form").filter(has=page.locator("textarea[name=body]")).first
    form.locator("textarea").fill("転職しました。記事はこちら https://example.com/news。ぜひ読んでください <b>太字</b>")
    submit(page, form)
    ui.check(f"posted-{size}")
    post = Post.objects.filter(author__user__email="alumni@acme.example").latest("pk")
    article = page.locator(f"main [data-post='{post.pk}']")
    link = article.locator(".alumni-post-body a")
    expect(link).to_have_attribute("href", "https://example.com/news")
    expect(link).to_have_attribute("rel", "nofollow noopener noreferrer ugc")
    expect(article.locator(".alumni-post-body")).to_contain_text("<b>太字</b>")
    comment = article.locator("form[action$='/comments/']")
    comment.locator("textarea").fill("補足：来週ミートアップもあります")
    submit(page, comment)
    ui.check(f"commented-{size}")
    expect(page.locator(f"main [data-post='{post.pk}'] [data-comment]").last).to_contain_text("ミートアップ")
    if phone:
        ui.assert_fits_width()
    ui.sign_out()

    ui.sign_in("hr@acme.example")
    ui.goto(FEED, f"feed-hr-{size}")
    article = page.locator(f"main [data-post='{post.pk}']")
    submit(page, article.locator("form[action$='/pin/']"))
    ui.check(f"pinned-{size}")
    expect(page.locator("main [data-post]").first).to_have_attribute("data-post", str(post.pk))
    page.locator(f"main [data-post='{post.pk}'] a[data-hide]").click()
    ui.check(f"hide-confirm-{size}")
    form = page.locator("main form").filter(has=page.locator("textarea[name=reason]"))
    form.locator("textarea").fill("外部サイトへの誘導は投稿のお願いをご確認ください")
    submit(page, form)
    ui.check(f"hidden-{size}")
    assert path_of(page.url) == f"{FEED}{post.pk}/"
    expect(page.locator(f"main [data-post='{post.pk}'][data-hidden] [data-unhide]")).to_be_visible()
    ui.sign_out()

    ui.sign_in("alumni@acme.example")
    ui.goto(FEED, f"feed-author-sees-hidden-{size}")
    note = page.locator(f"main [data-post='{post.pk}'] [data-hidden-note]")
    expect(note).to_contain_text("外部サイトへの誘導")
    if phone:
        ui.assert_fits_width()


def test_posting_commenting_and_moderating_on_a_desktop(ui):
    _walk(ui, phone=False)


def test_posting_commenting_and_moderating_on_a_phone(phone_ui):
    _walk(phone_ui, phone=True)
