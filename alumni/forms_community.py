"""The forms of the community's profiles and directory: an alumnus's profile with a consent box beside each field,
the directory's search and filters, and HR's community settings."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.widgets import QuickSelect
from alumni.models import AlumniProfile, CommunitySettings
from alumni.models.community import OPEN_TO, open_to_labels

MAX_LINKS = 5
MAX_SKILLS = 20
MAX_SKILL_LENGTH = 50
# Commas as people type them: ASCII, Japanese 読点 and the full-width comma.
_SKILL_SEPARATORS = re.compile(r"[,、，]")

# The things an alumnus may say they are open to, as (key, field name); the key is the directory filter's value.


def parse_skills(text: str) -> list[str]:
    """The skills in `text`, split at `,`, `、` or `，`, each trimmed, blanks dropped, duplicates (compared in
    NFKC, case-folded) dropped keeping the first spelling. Raises ValidationError when there are more than
    MAX_SKILLS or one is longer than MAX_SKILL_LENGTH characters."""
    skills, seen = [], set()
    for raw in _SKILL_SEPARATORS.split(text or ""):
        skill = " ".join(raw.split())
        key = unicodedata.normalize("NFKC", skill).casefold()
        if not skill or key in seen:
            continue
        if len(skill) > MAX_SKILL_LENGTH:
            raise forms.ValidationError(
                _("“%(skill)s” is too long: keep each skill under %(max)d characters."),
                params={"skill": skill[:20] + "…", "max": MAX_SKILL_LENGTH},
                code="skill_too_long",
            )
        seen.add(key)
        skills.append(skill)
    if len(skills) > MAX_SKILLS:
        raise forms.ValidationError(
            _("List at most %(max)d skills (you listed %(n)d): keep the ones you want to be found for."),
            params={"max": MAX_SKILLS, "n": len(skills)},
            code="too_many_skills",
        )
    return skills


def is_web_address(link: str) -> bool:
    """Whether `link` is one http:// or https:// address with a host and no spaces or control characters."""
    if not link or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in link):
        return False
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def parse_links(text: str) -> list[str]:
    """The web addresses in `text`, one a line, blank lines dropped. Each must be an http:// or https:// address
    with a host (javascript:, data: and anything else are refused); at most MAX_LINKS. Raises ValidationError
    naming the first line that is not such an address."""
    links = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for number, link in enumerate(links, start=1):
        if not is_web_address(link):
            raise forms.ValidationError(
                _("Line %(n)d is not a web address: write one address starting with https:// (or http://) a line."),
                params={"n": number},
                code="bad_link",
            )
    if len(links) > MAX_LINKS:
        raise forms.ValidationError(
            _("Add at most %(max)d links (you added %(n)d)."),
            params={"max": MAX_LINKS, "n": len(links)},
            code="too_many_links",
        )
    return links


class ProfileForm(forms.ModelForm):
    """An alumnus's profile: each field with its own `share_<field>` consent, what they are open to with one
    consent for all of it, and whether the profile is hidden from the directory."""

    # The rows of the form as the template lays them out: (field, its consent box).
    ROWS = (
        ("current_organization", "share_current_organization"),
        ("current_role", "share_current_role"),
        ("location", "share_location"),
        ("skills", "share_skills"),
        ("note", "share_note"),
        ("links", "share_links"),
    )

    class Meta:
        model = AlumniProfile
        fields = [
            "current_organization",
            "share_current_organization",
            "current_role",
            "share_current_role",
            "location",
            "share_location",
            "skills",
            "share_skills",
            "note",
            "share_note",
            "links",
            "share_links",
            *(name for _key, name in OPEN_TO),
            "share_open_to",
            "hidden",
        ]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 4}),
            "links": forms.Textarea(attrs={"rows": 3, "inputmode": "url"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, share in self.ROWS:
            self.fields[share].label = _("Share")
            self.fields[share].help_text = ""
            self.fields[name].required = False
        self.fields["share_open_to"].label = _("Share what I am open to")
        self.fields["hidden"].label = _("Hide my profile from the directory")
        self.fields["hidden"].help_text = _("Nobody finds you in the directory while this is on; nothing is deleted.")

    def clean_skills(self):
        return ", ".join(parse_skills(self.cleaned_data.get("skills", "")))

    def clean_links(self):
        return "\n".join(parse_links(self.cleaned_data.get("links", "")))

    def rows(self):
        """(field, consent box) bound-field pairs in the order of ROWS, for the template."""
        return [(self[name], self[share]) for name, share in self.ROWS]

    def open_to_fields(self):
        return [self[name] for _key, name in OPEN_TO]


class DirectoryFilterForm(forms.Form):
    """The directory's search and filters; the choices come from what the visible profiles share
    (alumni.selectors.community.directory_choices)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name (kanji or kana), or a shared skill, company or role."),
    )
    # QuickSelect: the skills and former teams grow with the community (hundreds of options at 10,000 members).
    open_to = forms.ChoiceField(label=_("Open to"), required=False, widget=QuickSelect)
    skill = forms.ChoiceField(label=_("Skill"), required=False, widget=QuickSelect)
    year = forms.TypedChoiceField(
        label=_("Year they left"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    team = forms.TypedChoiceField(
        label=_("Former team"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["open_to"].choices = anything + [(key, label) for key, label in open_to_labels()]
        self.fields["skill"].choices = anything + [(skill, skill) for skill in choices["skills"]]
        self.fields["year"].choices = anything + [(year, str(year)) for year in choices["years"]]
        self.fields["team"].choices = anything + [
            (pk, _("Team of %(manager)s") % {"manager": name}) for pk, name in choices["teams"]
        ]


class CommunitySettingsForm(forms.ModelForm):
    class Meta:
        model = CommunitySettings
        fields = ["employees_see_directory"]
