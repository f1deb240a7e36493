"""`linkify` (`{{ post.body|linkify }}`): people's text as safe HTML, its web addresses made clickable.

The whole text is escaped; only `http://` and `https://` addresses become links, and an address stops at the
first character that is not an ASCII URL character (a space, a quote, `<`, Japanese text or full-width
punctuation such as `。` or `）`), so `https://example.com。次` links `https://example.com` only. Trailing
sentence punctuation (`.`, `,`, `!` ...) and an unbalanced `)` stay outside the link. Links carry
`rel="nofollow noopener noreferrer ugc"` and open in the same tab. A long address is shown shortened (the link
keeps it whole). Line breaks become `<br>`. Any other scheme (`javascript:`, `data:`) stays plain text.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The characters RFC 3986 allows in a URI, less the quote `'` (an address ending before it reads better).
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+", re.IGNORECASE)
_TRAILING = ".,;:!?"
SHOWN_MAX = 60
REL = "nofollow noopener noreferrer ugc"


def _trim(url: str) -> str:
    """`url` without the sentence punctuation or unbalanced closing parenthesis that ends it."""
    while url:
        if url[-1] in _TRAILING or url[-1] == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def _has_host(url: str) -> bool:
    host = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1]
    return bool(re.match(r"[A-Za-z0-9\[]", host))


def _link(url: str) -> str:
    shown = url if len(url) <= SHOWN_MAX else url[: SHOWN_MAX - 1] + "…"
    return f'<a href="{escape(url)}" rel="{REL}">{escape(shown)}</a>'


def linkify_html(text: str | None) -> SafeString:
    """`text` escaped, with each http(s) address as a link and each line break as `<br>` (see module doc)."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if not _has_host(url):
            continue
        out.append(escape(text[position : match.start()]))
        out.append(_link(url))
        position = match.start() + len(url)
    out.append(escape(text[position:]))
    return mark_safe("".join(out).replace("\n", "<br>\n"))  # noqa: S308 - every piece above is escaped


@register.filter(is_safe=False)
def linkify(value) -> SafeString:
    """Template filter: `linkify_html(value)`."""
    return linkify_html(value)
