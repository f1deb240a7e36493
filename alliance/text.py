"""Japanese text rules in one place: how names are searched, how readings (フリガナ) are checked and sorted,
and how a pasted SHA-256 is read.

Search: a stored name, reading or e-mail and a typed query are both passed through `normalize_search`, so a
person is found however the name was typed (any width of space or none, half- or full-width katakana,
hiragana for katakana, full-width Latin letters, common old-style kanji). `alliance.models.User.search_text`
holds the normalised form of each person's name, reading and e-mail; the selectors compare against it.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Hiragana that have a katakana twin exactly 0x60 code points above (ぁ..ゖ and the iteration marks ゝゞ).
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in [*range(0x3041, 0x3097), 0x309D, 0x309E]}

# Old-style (旧字体) and variant kanji that people use in their own names, folded to the common form so that
# 高橋 finds 髙橋 and 渡辺 finds 渡邊/渡邉. Only variants that everyday search treats as the same name belong
# here; the forms NFKC already unifies (compatibility ideographs such as U+F9DC) need no entry.
KANJI_VARIANTS = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "澤": "沢",
    "濱": "浜",
    "濵": "浜",
    "廣": "広",
    "櫻": "桜",
    "德": "徳",
    "實": "実",
    "國": "国",
    "圓": "円",
    "嶋": "島",
    "嶌": "島",
    "冨": "富",
    "槇": "槙",
    "眞": "真",
    "惠": "恵",
    "榮": "栄",
    "瀨": "瀬",
    "曾": "曽",
    "增": "増",
    "條": "条",
    "來": "来",
    "壽": "寿",
    "淺": "浅",
    "藏": "蔵",
    "龍": "竜",
    "籠": "篭",
    "鐵": "鉄",
    "將": "将",
    "驒": "騨",
    "舘": "館",
    "萬": "万",
    "彌": "弥",
    "禮": "礼",
    "豐": "豊",
    "縣": "県",
    "關": "関",
    "滿": "満",
    "靜": "静",
}
_VARIANT_TABLE = str.maketrans(KANJI_VARIANTS)

# Separators people put (or leave out) between family and given name: any Unicode space and the middle dot.
_SEPARATORS = re.compile(r"[\s\u30fb\u200b\ufeff]+")


def to_katakana(text: str) -> str:
    """`text` with every hiragana replaced by its katakana twin; everything else unchanged."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


def normalize_search(text: str) -> str:
    """The search form of `text`: NFKC (full-width Latin and half-width kana to their usual width), case-folded,
    hiragana as katakana, old-style kanji as their common form, without spaces or middle dots.

    Apply it to both sides of a comparison: a query matches when its form is a substring of the stored form.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = to_katakana(text).translate(_VARIANT_TABLE)
    return _SEPARATORS.sub("", text)


def search_document(*parts: str) -> str:
    """The stored search form of several fields (name, reading, e-mail): each normalised, joined by one space.

    `normalize_search` removes every space from a query, so a query never matches across two fields.
    """
    return " ".join(form for form in (normalize_search(part) for part in parts) if form)


# Kana allowed in a reading: hiragana, katakana (with ー, ・ and the iteration marks), and spaces between words.
_READING = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fb-\u30fe ]+$")


def tidy_reading(value: str) -> str:
    """`value` in NFKC (half-width katakana to full width, full-width spaces to ASCII), spaces collapsed to one
    and trimmed; no check of what it contains (that is `normalize_reading`)."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


def normalize_reading(value: str) -> str:
    """A reading (フリガナ) as stored: NFKC (half-width katakana to full-width, full-width spaces to ASCII), runs
    of spaces collapsed to one, trimmed. Raises `ValidationError` (code `reading`) if anything but hiragana,
    katakana and spaces remains; returns "" for an empty value.
    """
    value = tidy_reading(value)
    if value and not _READING.match(value):
        raise ValidationError(
            _(
                "Write the reading in katakana or hiragana, for example ヤマダ タロウ "
                "(letters, digits and kanji are not allowed)."
            ),
            code="reading",
        )
    return value


def reading_sort_key(reading: str) -> str:
    """The key that orders readings in 五十音順: katakana, without spaces. Code-point order of katakana follows
    the gojūon table (ア < イ < ... ; カ < ガ < キ), which is what the member and team lists sort by."""
    return to_katakana(unicodedata.normalize("NFKC", reading or "")).replace(" ", "").replace("\u30fb", "")


_SHA256_PREFIX = re.compile(r"^(?:sha-?256)\s*[:=]?", re.IGNORECASE)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def parse_sha256(text: str) -> str:
    """The 64 lower-case hex digits of a SHA-256 as people paste it: any case, full-width digits and letters
    (a Japanese IME), spaces or line breaks inside, an optional `sha256:` prefix. Returns "" for blank input;
    raises `ValidationError` (code `sha256`) for anything that is still not 64 hex digits.
    """
    value = unicodedata.normalize("NFKC", text or "")
    value = _SEPARATORS.sub("", value).lower()
    value = _SHA256_PREFIX.sub("", value)
    if not value:
        return ""
    if not _HEX64.match(value):
        if value.endswith("...") and _HEX64.match(value.rstrip(".").ljust(64, "0")):
            # NFKC turns "…" into "...": this is the shortened hash of the PDF's page header.
            raise ValidationError(
                _(
                    "This is the shortened hash from the top of a page. Copy the full 64 characters printed under "
                    "“Content hash (SHA-256)”."
                ),
                code="sha256",
            )
        bad = sorted({c for c in value if c not in "0123456789abcdef"})
        if bad:
            raise ValidationError(
                _(
                    "A SHA-256 has only the digits 0-9 and the letters a-f; this contains %(chars)s. "
                    "Copy the 64 characters after “SHA-256” on the PDF."
                ),
                code="sha256",
                params={"chars": " ".join(f"“{c}”" for c in bad[:5])},
            )
        raise ValidationError(
            _("A SHA-256 is 64 characters long; this has %(n)s. Copy the whole value printed on the PDF."),
            code="sha256",
            params={"n": len(value)},
        )
    return value


# A spreadsheet reads a cell starting with one of these as a formula (tab and CR may shift a cell so that it does).
SPREADSHEET_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """`value` as the text of an exported spreadsheet cell (CSV or .xlsx): "" for None, and a leading `'` when it
    starts with a formula character (SPREADSHEET_FORMULA_STARTS), so that Excel or LibreOffice shows it as text and
    never runs it. `spreadsheet_unsafe` undoes it when such a file is imported back."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(SPREADSHEET_FORMULA_STARTS) else text


def spreadsheet_unsafe(text: str) -> str:
    """`text` read from a spreadsheet cell with the apostrophe `spreadsheet_safe` added removed (only before a
    formula character; any other text is returned as it is)."""
    if text[:1] == "'" and text[1:].startswith(SPREADSHEET_FORMULA_STARTS):
        return text[1:]
    return text
