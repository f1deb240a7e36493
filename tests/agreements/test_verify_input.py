"""/verify/ reads the printed hash however it was pasted, and says clearly what is wrong when it is no hash."""

import pytest
from django.urls import reverse
from django.utils import translation

from agreements.models import AgreementVersion, VersionStatus
from alliance.text import parse_sha256

FULL_WIDTH = str.maketrans("0123456789abcdefABCDEF", "０１２３４５６７８９ａｂｃｄｅｆＡＢＣＤＥＦ")


def _spaced(value: str, every: int, sep: str) -> str:
    return sep.join(value[i : i + every] for i in range(0, len(value), every))


PASTED = [
    ("as printed", lambda h: h),
    ("upper case", lambda h: h.upper()),
    ("full-width from an IME", lambda h: h.translate(FULL_WIDTH)),
    ("full-width upper case", lambda h: h.upper().translate(FULL_WIDTH)),
    ("spaced in groups of 4", lambda h: _spaced(h, 4, " ")),
    ("full-width spaces", lambda h: _spaced(h, 8, "\u3000")),
    ("broken over two lines", lambda h: h[:32] + "\n" + h[32:]),
    ("CRLF and tabs", lambda h: _spaced(h, 16, "\r\n\t")),
    ("sha256: prefix", lambda h: "sha256:" + h),
    ("SHA-256 prefix with a space", lambda h: "SHA-256: " + h.upper()),
    ("full-width prefix", lambda h: "ｓｈａ２５６：" + h.translate(FULL_WIDTH)),
    ("surrounding blanks", lambda h: "  " + h + " \n"),
]


@pytest.fixture
def signed_hash(db):
    return AgreementVersion.objects.filter(status=VersionStatus.SIGNED).values_list("content_hash", flat=True)[0]


@pytest.mark.parametrize("how, paste", PASTED, ids=[p[0] for p in PASTED])
def test_a_pasted_hash_is_read_as_people_paste_it(client, signed_hash, how, paste):
    assert parse_sha256(paste(signed_hash)) == signed_hash
    response = client.post(reverse("verify"), {"hash": paste(signed_hash)})
    assert response.context["form"].errors == {}
    assert response.context["result"]["ok"] is True


@pytest.mark.parametrize(
    "pasted, words",
    [
        ("a" * 63, "63"),  # one character short
        ("a" * 65, "65"),
        ("sha256:" + "a" * 40, "40"),  # a SHA-1 behind the wrong prefix
        ("g" * 64, "“g”"),
        ("0123456789abcdefghij" * 3 + "abcd", "“g”"),
        ("ａ" * 63 + "ｚ", "“z”"),  # full-width, with a letter beyond f
        ("これはハッシュではありません", "“こ”"),
        ("SHA-256 0123456789ab…", "shortened"),  # the short form in the PDF's page header
        ("0123456789ab...", "shortened"),
    ],
)
def test_anything_that_is_still_no_hash_gets_a_clear_message(client, pasted, words):
    with translation.override("en"):
        response = client.post(reverse("verify"), {"hash": pasted}, HTTP_ACCEPT_LANGUAGE="en")
    errors = response.context["form"].errors["hash"]
    assert response.context["result"] is None
    assert words in errors[0]


def test_the_message_is_in_japanese_for_japanese_visitors(client):
    response = client.post(reverse("verify"), {"hash": "z" * 64}, HTTP_ACCEPT_LANGUAGE="ja")
    assert "SHA-256" in response.context["form"].errors["hash"][0]
    assert "文字" in response.context["form"].errors["hash"][0]
