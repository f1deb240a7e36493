"""People's text in the community feed: escaped, line breaks kept, only http(s) addresses made into links
(alumni/templatetags/alumni_text.py)."""

import pytest
from django.template import Context, Template

from alumni.templatetags.alumni_text import REL, SHOWN_MAX, linkify_html

HOSTILE = [
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("JaVaScRiPt:alert(1)", "JaVaScRiPt:alert(1)"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ('"onmouseover=alert(1) x="', "&quot;onmouseover=alert(1) x=&quot;"),
    ("data:text/html;base64,PHNjcmlwdD4=", "data:text/html;base64,PHNjcmlwdD4="),
    ('<a href="javascript:alert(1)">x</a>', "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"),
    (
        "vbscript:msgbox(1) ftp://x.example/ mailto:a@b.example",
        "vbscript:msgbox(1) ftp://x.example/ mailto:a@b.example",
    ),
    ("https:// and http:/// alone", "https:// and http:/// alone"),
]


@pytest.mark.parametrize("text, html", HOSTILE)
def test_hostile_text_stays_inert_text(text, html):
    assert linkify_html(text) == html


def _link(url, shown=None):
    return f'<a href="{url}" rel="{REL}">{shown or url}</a>'


LINKS = [
    ("see https://example.com", "see " + _link("https://example.com")),
    ("HTTP://EXAMPLE.COM/A", _link("HTTP://EXAMPLE.COM/A")),
    # An attribute-breaking address: the link ends at the quote, the rest is escaped text.
    (
        'https://x.example/"><img src=x onerror=alert(1)>',
        _link("https://x.example/") + "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
    ),
    ("https://x.example/'onmouseover='alert(1)", _link("https://x.example/") + "&#x27;onmouseover=&#x27;alert(1)"),
    # Japanese around addresses: full-width punctuation and kana end the address.
    ("詳細はhttps://example.com。次回も", "詳細は" + _link("https://example.com") + "。次回も"),
    ("（https://example.com/a）です", "（" + _link("https://example.com/a") + "）です"),
    ("「https://example.com」、ぜひ", "「" + _link("https://example.com") + "」、ぜひ"),
    ("https://example.com/日本語", _link("https://example.com/") + "日本語"),
    ("https://example.com\u3000次", _link("https://example.com") + "\u3000次"),
    # Sentence punctuation and an unbalanced parenthesis stay outside; balanced ones stay in.
    ("Go to https://example.com/a.", "Go to " + _link("https://example.com/a") + "."),
    ("(see https://example.com/a)", "(see " + _link("https://example.com/a") + ")"),
    ("https://en.example.org/wiki/A_(b)", _link("https://en.example.org/wiki/A_(b)")),
    ("https://x.example/?a=1&b=2", _link("https://x.example/?a=1&amp;b=2")),
    (
        "two https://a.example and http://b.example",
        "two " + _link("https://a.example") + " and " + _link("http://b.example"),
    ),
]


@pytest.mark.parametrize("text, html", LINKS)
def test_http_and_https_addresses_become_safe_links(text, html):
    assert linkify_html(text) == html


def test_a_very_long_address_is_linked_whole_and_shown_shortened():
    url = "https://example.com/" + "a" * 3000
    html = linkify_html(url)
    assert f'href="{url}"' in html
    assert html.endswith(url[: SHOWN_MAX - 1] + "…</a>")


def test_line_breaks_are_kept_and_nothing_opens_a_new_tab():
    html = linkify_html("一行目\r\n二行目 https://example.com\n三行目")
    assert html == "一行目<br>\n二行目 " + _link("https://example.com") + "<br>\n三行目"
    assert "target" not in html


def test_the_filter_escapes_in_a_template():
    rendered = Template("{% load alumni_text %}{{ body|linkify }}").render(
        Context({"body": "<b>x</b> https://e.example"})
    )
    assert rendered == "&lt;b&gt;x&lt;/b&gt; " + _link("https://e.example")
