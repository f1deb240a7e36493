"""No template decides by comparing a role string: templates ask capabilities (alliance.permissions).

`{% if current_membership.role == "hr" %}` would silently stop matching when the role map changes; a capability
(`{% if "agreements.read_all_records" in capabilities %}`, `m|has_capability:"..."`) says what is decided. Role
labels are shown with `get_role_display` or `|role_label`.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE_VALUES = r"(?:employee|manager|hr)"
TAG = re.compile(r"{%(.*?)%}", re.S)
FORBIDDEN = [
    # x.role == ..., role != ..., m.role in ..., role not in ...
    re.compile(r"\brole\b\s*(?:==|!=|<|>|\bnot\s+in\b|\bin\b)"),
    # ... == "hr", "employee" != ..., "manager" in ...
    re.compile(rf"(?:==|!=)\s*[\"']{ROLE_VALUES}[\"']"),
    re.compile(rf"[\"']{ROLE_VALUES}[\"']\s*(?:==|!=|\bnot\s+in\b|\bin\b)"),
    # a context flag named after a role instead of what it decides
    re.compile(r"\bis_hr\b"),
]


# Tags whose arguments are prose to translate, not expressions ("Your role in this organization...").
PROSE_TAGS = {"translate", "trans", "blocktranslate", "blocktrans"}


def role_comparisons(text: str) -> list[str]:
    """The template tags in `text` that compare a role string."""
    tags = [tag.strip() for tag in TAG.findall(text)]
    return [
        tag
        for tag in tags
        if tag.split()[:1] != [] and tag.split()[0] not in PROSE_TAGS and any(p.search(tag) for p in FORBIDDEN)
    ]


def _templates():
    for path in sorted(ROOT.glob("**/templates/**/*")):
        if path.is_file() and ".venv" not in path.parts and path.suffix in {".html", ".txt", ".xml"}:
            yield path


@pytest.mark.parametrize(
    "text, found",
    [
        ('{% if current_membership.role == "hr" %}', True),
        ("{% elif m.status == 'active' and m.role != 'hr' %}", True),
        ('{% if role == "employee" %}x{% elif role == "manager" %}', True),
        ('{% if "hr" == member.role %}', True),
        ('{% if m.role in "manager hr" %}', True),
        ("{% if is_hr %}", True),
        ('{% if "view_reports" in capabilities %}', False),
        ('{% if m|has_capability:"reports_to_manager" %}', False),
        ('{% if m.status == "active" %}{{ m.get_role_display }}{{ inv.role }}', False),
        ('<a href="?role={{ inv.role }}">', False),
        ('{% translate "Your role in this organization does not allow this." %}', False),
    ],
)
def test_the_scan_finds_role_comparisons(text, found):
    assert bool(role_comparisons(text)) is found


def test_the_scan_sees_the_templates():
    names = {p.relative_to(ROOT).as_posix() for p in _templates()}
    assert "templates/base.html" in names
    assert "templates/alliance/members.html" in names


def test_no_template_compares_a_role_string():
    offenders = {
        p.relative_to(ROOT).as_posix(): found for p in _templates() if (found := role_comparisons(p.read_text()))
    }
    assert not offenders, f"compare capabilities, not roles: {offenders}"
