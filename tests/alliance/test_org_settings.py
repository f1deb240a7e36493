"""The organization settings page (/<org>/settings/): sections, every change audited old → new, invalid input kept,
the values' order by the no-script move buttons, who may change what, both languages."""

import pytest
from django.urls import reverse

from alliance.models import AuditEntry, CompanyValue
from alumni.models import CommunitySettings

URL = reverse("organization_settings", args=["acme"])


def _values(acme):
    return list(CompanyValue.objects.filter(organization=acme).order_by("position", "id"))


def _post(acme, **overrides):
    """Everything the page posts when HR changes nothing, then `overrides` (a key None drops a checkbox)."""
    values = _values(acme)
    directory = CommunitySettings.objects.filter(organization=acme).values_list("employees_see_directory", flat=True)
    data = {
        "name": acme.name,
        "mission": acme.mission,
        "vision": acme.vision,
        "checkpoint_interval_months": str(acme.checkpoint_interval_months),
        "values-TOTAL_FORMS": str(len(values) + 2),
        "values-INITIAL_FORMS": str(len(values)),
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "1000",
    }
    if acme.hr_countersign:
        data["hr_countersign"] = "on"
    if acme.hr_requires_mfa:
        data["hr_requires_mfa"] = "on"
    if directory and directory[0]:
        data["alumni-employees_see_directory"] = "on"
    for i, value in enumerate(values):
        data.update(
            {
                f"values-{i}-id": str(value.pk),
                f"values-{i}-position": str(value.position),
                f"values-{i}-title": value.title,
                f"values-{i}-description": value.description,
            }
        )
    for i in (len(values), len(values) + 1):
        data.update({f"values-{i}-position": "0", f"values-{i}-title": "", f"values-{i}-description": ""})
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _flag(data, key, on):
    data.pop(key, None)
    if on:
        data[key] = "on"
    return data


@pytest.fixture
def acme_with_values(acme):
    """acme with at least three values, positions 1..n."""
    for title in ("誠実", "挑戦", "共創"):
        CompanyValue.objects.get_or_create(organization=acme, title=title, defaults={"position": 99})
    for number, value in enumerate(_values(acme), start=1):
        CompanyValue.objects.filter(pk=value.pk).update(position=number)
    acme.refresh_from_db()
    return acme


# --- every change is audited, old → new --------------------------------------------------------------------------

CHANGES = [
    # (what is changed in the post, the audit action, the recorded field, old → new (None: whatever it was))
    ("mission", "organization.update", "mission", "仲間と未来をつくる"),
    ("vision", "organization.update", "vision", "誰もが次の一歩を選べる社会"),
    ("name", "organization.update", "name", "アクメ株式会社 (新)"),
    ("checkpoint_interval_months", "organization.update", "checkpoint_interval_months", 6),
    ("hr_countersign", "organization.update", "hr_countersign", "toggle"),
    ("hr_requires_mfa", "organization.update", "hr_requires_mfa", "toggle"),
    ("alumni-employees_see_directory", "alumni_settings.update", "employees_see_directory", "toggle"),
]


@pytest.mark.parametrize(("key", "action", "field", "new"), CHANGES, ids=[c[0] for c in CHANGES])
def test_each_setting_hr_changes_is_audited_with_old_and_new(hr, acme, login, key, action, field, new):
    data = _post(acme)
    if new == "toggle":
        old = key in data
        _flag(data, key, not old)
        new = not old
    else:
        old = getattr(acme, key)
        data[key] = str(new)
    response = login(hr).post(URL, data)
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(organization=acme, action=action).latest("id")
    assert entry.changes[field] == [old, new]
    assert entry.actor == hr
    # Only what changed is recorded.
    assert (
        not AuditEntry.objects.filter(organization=acme, action="organization.update")
        .exclude(pk=entry.pk)
        .filter(at__gte=entry.at)
        .exists()
    )


def test_saving_without_a_change_writes_no_audit_row(hr, acme_with_values, login):
    before = AuditEntry.objects.count()
    assert login(hr).post(URL, _post(acme_with_values)).status_code == 302
    assert AuditEntry.objects.count() == before


def test_a_reworded_value_and_a_new_one_are_audited(hr, acme_with_values, login):
    acme = acme_with_values
    first, *_rest = _values(acme)
    n = len(_values(acme))
    data = _post(acme, **{"values-0-title": "誠実さを貫く", f"values-{n}-title": "遊び心"})
    assert login(hr).post(URL, data).status_code == 302
    update = AuditEntry.objects.get(action="company_value.update", object_id=str(first.pk))
    assert update.changes == {"title": [first.title, "誠実さを貫く"]}
    created = AuditEntry.objects.get(action="company_value.create")
    assert created.changes["title"] == [None, "遊び心"] and created.changes["position"] == [None, n + 1]
    assert _values(acme)[-1].title == "遊び心"


# --- invalid input keeps the form ---------------------------------------------------------------------------------

INVALID = [
    ("checkpoint_interval_months", "0", "Enter at least 1 month.", "1か月以上"),
    ("checkpoint_interval_months", "13", "Enter at most 12 months.", "12か月以下"),
    ("checkpoint_interval_months", "three", "Enter a whole number of months", "整数"),
    ("name", "   ", "Enter the organization&#x27;s name.", "組織名を入力"),
    ("values-0-title", "", "This field is required.", "必須"),
]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(("key", "value", "english", "japanese"), INVALID, ids=[f"{c[0]}={c[1]!r}" for c in INVALID])
def test_invalid_input_keeps_what_was_typed_names_the_fix_and_saves_nothing(
    hr, acme_with_values, login, key, value, english, japanese, language
):
    before = AuditEntry.objects.count()
    data = _post(acme_with_values, **{key: value, "mission": "入力途中のミッション", "vision": "入力途中のビジョン"})
    response = login(hr, language=language).post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "入力途中のミッション" in html and "入力途中のビジョン" in html
    assert (english if language == "en" else japanese) in html
    assert 'class="error-summary"' in html
    acme_with_values.refresh_from_db()
    assert acme_with_values.mission != "入力途中のミッション"
    assert AuditEntry.objects.count() == before


# --- the values' order --------------------------------------------------------------------------------------------


def _rendered_order(response):
    return [form.instance.pk for form in response.context["value_rows"]]


def _with_rendered_positions(data, response):
    """The post the page would send next: the positions as the moved page renders them."""
    data = dict(data)
    for form in response.context["value_rows"]:
        data[f"{form.prefix}-position"] = form["position"].value()
    return data


def test_a_value_moves_up_by_the_no_script_button_and_save_renumbers(hr, acme_with_values, login):
    acme = acme_with_values
    values = _values(acme)
    client = login(hr, language="en")
    data = _post(acme, mission="移動の前に書いたミッション")
    response = client.post(URL, {**data, "move": f"{values[1].pk}:up"})
    assert response.status_code == 200
    assert _rendered_order(response) == [values[1].pk, values[0].pk, *[v.pk for v in values[2:]]]
    html = response.content.decode()
    assert f"“{values[1].title}” is now value 1 of {len(values)}. Save to keep the new order." in html
    assert "移動の前に書いたミッション" in html  # nothing typed is lost
    assert [v.pk for v in _values(acme)] == [v.pk for v in values]  # not saved yet
    response = client.post(URL, _with_rendered_positions(data, response))
    assert response.status_code == 302
    after = _values(acme)
    assert [v.pk for v in after] == [values[1].pk, values[0].pk, *[v.pk for v in values[2:]]]
    assert [v.position for v in after] == list(range(1, len(values) + 1))
    moved = AuditEntry.objects.get(action="company_value.update", object_id=str(values[1].pk))
    assert moved.changes == {"position": [2, 1]}


@pytest.mark.parametrize(("which", "direction"), [(0, "up"), (-1, "down")], ids=["first-up", "last-down"])
def test_the_first_cannot_move_up_nor_the_last_down(hr, acme_with_values, login, which, direction):
    values = _values(acme_with_values)
    move = f"{values[which].pk}:{direction}"
    response = login(hr, language="en").post(URL, {**_post(acme_with_values), "move": move})
    assert _rendered_order(response) == [v.pk for v in values]
    assert "it cannot move further" in response.content.decode()
    html = response.content.decode()
    # The buttons say so before anyone presses them: the first's "up" and the last's "down" are disabled.
    assert f'value="{values[0].pk}:up" disabled' in html and f'value="{values[-1].pk}:down" disabled' in html
    assert f'value="{values[1].pk}:up">' in html


@pytest.mark.parametrize("move", ["nonsense", "999999:up", "1:sideways", ":up"])
def test_a_garbled_move_changes_nothing(hr, acme_with_values, login, move):
    values = _values(acme_with_values)
    response = login(hr).post(URL, {**_post(acme_with_values), "move": move})
    assert response.status_code == 200
    assert _rendered_order(response) == [v.pk for v in values]


def test_save_renumbers_positions_that_collide_and_keeps_a_value_added_meanwhile(hr, acme_with_values, login):
    """Two HR members at once: the page posted by one does not know a value the other added; saving numbers
    every value 1..n, the unknown one included, with no two sharing a place."""
    acme = acme_with_values
    data = _post(acme)
    CompanyValue.objects.create(organization=acme, title="同時に追加", position=2)
    CompanyValue.objects.filter(organization=acme).exclude(title="同時に追加").update(position=2)
    assert login(hr).post(URL, data).status_code == 302
    after = _values(acme)
    assert [v.position for v in after] == list(range(1, len(after) + 1))
    assert "同時に追加" in [v.title for v in after]


def test_enter_in_a_text_box_saves_rather_than_moving_a_value(hr, acme_with_values, login):
    html = login(hr).get(URL).content.decode()
    form = html[html.index('<form method="post" novalidate class="settings-form">') :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert 'name="move"' not in first_button and 'type="submit"' in first_button


# --- who may change settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("hr", 200), ("manager", 403), ("employee", 403), ("alumni", 404), ("outsider", 404), (None, 302)],
)
def test_only_hr_of_the_organization_opens_or_posts_the_settings(request, db, acme, login, persona, expected):
    client = login(request.getfixturevalue(persona) if persona else None)
    assert client.get(URL).status_code == expected
    before = AuditEntry.objects.count()
    response = client.post(URL, _post(acme, mission="乗っ取り"))
    assert response.status_code == (302 if persona == "hr" else expected)
    acme.refresh_from_db()
    assert (acme.mission == "乗っ取り") == (persona == "hr")
    if persona != "hr":
        assert AuditEntry.objects.count() == before


# --- the page -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Organization settings", "Values", "Agreements and checkpoints", "Alumni community", "Security"]),
        ("ja", ["組織の設定", "価値観", "合意書とチェックポイント", "アルムナイ・コミュニティ", "セキュリティ"]),
    ],
)
def test_the_page_has_its_sections_and_links_in_both_languages(hr, acme_with_values, login, language, words):
    html = login(hr, language=language).get(URL).content.decode()
    for word in words:
        assert word in html
    for link in (
        reverse("agreements:template", args=["acme"]),
        reverse("alumni:surveys", args=["acme"]),
        f"{reverse('audit', args=['acme'])}?object_type=alliance.organization&amp;object_id={acme_with_values.pk}",
    ):
        assert f'href="{link}"' in html
    assert html.count("<h2") >= 6


def test_hr_without_two_factor_is_warned_before_and_after_turning_it_on(hr, acme, login):
    client = login(hr, language="en")
    html = client.get(URL).content.decode()
    assert "You have not set up two-factor authentication yourself." in html
    response = client.post(URL, _flag(_post(acme), "hr_requires_mfa", True), follow=True)
    acme.refresh_from_db()
    assert acme.hr_requires_mfa
    assert "you will be asked to set it up before you open an HR page again" in response.content.decode()


def test_the_directory_setting_here_is_the_one_the_alumni_app_reads(hr, employee, acme, login):
    from alumni.access import may_see_directory

    assert login(hr).post(URL, _flag(_post(acme), "alumni-employees_see_directory", True)).status_code == 302
    assert may_see_directory(employee)
    assert login(hr).post(URL, _flag(_post(acme), "alumni-employees_see_directory", False)).status_code == 302
    assert not may_see_directory(employee)


def test_a_new_value_row_marks_no_field_required_since_it_may_stay_empty(hr, acme_with_values, login):
    """The existing values' titles are required; the empty rows offered for a new value may be left as they are."""
    import re

    html = login(hr, language="en").get(URL).content.decode()
    existing, _sep, new_rows = html.partition("New value")
    assert new_rows, "the page offers a row for a new value"
    assert "(required)" in existing
    new_rows = new_rows.split("settings-alliance", 1)[0]
    assert "(required)" not in new_rows
    assert not re.search(r"<input[^>]*\srequired[\s>]", new_rows), "no browser-side required either"
