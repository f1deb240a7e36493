from django import forms
from django.utils.translation import gettext_lazy

from alliance.widgets import QuickSelect

CHOICES = [
    ("", gettext_lazy("Any")),
    (1, 'Team of <Sato & "Suzuki">'),
    (2, "佐藤さんのチーム"),
    ("x'y", "O'Neil"),
]


def _pair(choices, **attrs):
    return forms.Select(attrs=attrs, choices=choices), QuickSelect(attrs=attrs, choices=choices)


def test_it_writes_what_django_select_writes():
    for value in (None, "", 1, "1", 2, "x'y", "missing"):
        django_select, quick = _pair(CHOICES)
        assert quick.render("team", value) == django_select.render("team", value)


def test_it_writes_the_same_attributes_in_the_same_order():
    attrs = {"id": "id_team", "aria-describedby": "id_team_helptext", "required": True, "disabled": False}
    django_select, quick = _pair(CHOICES, **attrs)
    assert quick.render("team", 2, attrs={"class": "wide"}) == django_select.render("team", 2, attrs={"class": "wide"})


def test_it_writes_option_groups_as_django_does():
    grouped = [("", "Any"), ("Kanto", [(1, "Tokyo"), (2, "Chiba")]), ("Kansai & <west>", [(3, "Osaka")])]
    django_select, quick = _pair(grouped)
    assert quick.render("place", 3) == django_select.render("place", 3)


def test_a_bound_form_renders_the_same_with_either_widget():
    class Plain(forms.Form):
        team = forms.TypedChoiceField(choices=CHOICES, coerce=int, required=False, help_text="Pick one")

    class Quick(forms.Form):
        team = forms.TypedChoiceField(
            choices=CHOICES, coerce=int, required=False, help_text="Pick one", widget=QuickSelect
        )

    data = {"team": "1"}
    assert str(Quick(data)["team"]) == str(Plain(data)["team"])
