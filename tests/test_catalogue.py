"""The Japanese catalogue is complete, and the compiled .mo that ships in the repository matches it.

The .mo files are committed so that a fresh machine without gettext's msgfmt still shows Japanese; after
editing a .po file, run `uv run python manage.py compilemessages --ignore=.venv` (CI does, then this test checks).
"""

import gettext
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_every_japanese_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(LOCALE / "ja/LC_MESSAGES/django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("language", ["ja"])
def test_the_compiled_catalogue_matches_its_source(language):
    po = polib.pofile(str(LOCALE / f"{language}/LC_MESSAGES/django.po"))
    with open(LOCALE / f"{language}/LC_MESSAGES/django.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert mo.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert mo.gettext(entry.msgid) == entry.msgstr, entry.msgid
