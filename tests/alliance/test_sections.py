"""Page slots: a later app adds a section to an earlier app's page without the earlier app importing it."""

import copy
from pathlib import Path

import pytest
from django.urls import reverse

from alliance import sections
from alliance.sections import Section, collect_sections, register_section

TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def isolated(monkeypatch):
    monkeypatch.setattr(sections, "_BUILDERS", sections.defaultdict(list))


@pytest.fixture
def test_templates(settings):
    """tests/templates joins the template directories for this test (the engines are rebuilt on change)."""
    engine = copy.deepcopy(settings.TEMPLATES)
    engine[0]["DIRS"] = [*engine[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = engine


def test_an_unknown_slot_fails_at_registration(isolated):
    with pytest.raises(ValueError, match="Unknown page slot"):
        register_section("tuor", lambda **kw: None)


def test_builders_run_in_order_skip_none_and_register_once(isolated):
    first = lambda **kw: Section("a.html", {"n": kw["tour"]})  # noqa: E731
    register_section("tour", first)
    register_section("tour", first)
    register_section("tour", lambda **kw: None)
    register_section("tour", lambda **kw: Section("b.html"))
    assert collect_sections("tour", tour=1) == [Section("a.html", {"n": 1}), Section("b.html", {})]


@pytest.mark.parametrize(
    "slot, url",
    [
        ("tour", lambda employee: reverse("agreements:tour", args=["acme", employee.tours.first().pk])),
        ("alliance", lambda employee: reverse("agreements:mine", args=["acme"])),
    ],
)
def test_each_slot_renders_its_sections_on_its_page(isolated, test_templates, slot, url, login, employee):
    seen = {}

    def builder(**kwargs):
        seen.update(kwargs)
        return Section("_test_section.html", {"text": "セクション<本文>"})

    register_section(slot, builder)
    page = login(employee).get(url(employee)).content.decode()
    assert "data-test-section" in page and "セクション&lt;本文&gt;" in page
    assert seen["membership"] == employee
