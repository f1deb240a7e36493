"""Joining the alumni community, one's own profile with a consent box beside each field, and leaving it
(alumni/views/community.py, alumni/services/community.py)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.models import AuditEntry
from alumni.forms_community import ProfileForm, parse_links, parse_skills
from alumni.models import AlumniProfile


def _url(name):
    return reverse(f"alumni:{name}", kwargs={"org_slug": "acme"})


def _form_data(**overrides):
    data = {"current_organization": "", "current_role": "", "location": "", "skills": "", "note": "", "links": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


# --- joining -------------------------------------------------------------------------------------------------


def test_an_alumnus_without_a_profile_sees_the_welcome_and_what_is_shared(login, make_alumnus):
    page = login(make_alumnus(), language="en").get(_url("join"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "closed community" in text
    assert "Nothing else is shared until you choose it" in text


def test_joining_creates_a_profile_with_nothing_shared(login, make_alumnus):
    alumnus = make_alumnus()
    response = login(alumnus).post(_url("join"))
    assert response.status_code == 302 and response["Location"] == _url("profile")
    profile = AlumniProfile.objects.get(membership=alumnus)
    assert profile.in_community and not profile.hidden
    shares = [f.name for f in AlumniProfile._meta.fields if f.name.startswith("share_")]
    assert shares and not any(getattr(profile, name) for name in shares)
    assert AuditEntry.objects.filter(action="alumni_profile.join", object_id=str(profile.pk)).count() == 1


def test_joining_twice_changes_nothing(login, make_alumnus):
    alumnus = make_alumnus()
    client = login(alumnus)
    client.post(_url("join"))
    client.post(_url("join"))
    assert AlumniProfile.objects.filter(membership=alumnus).count() == 1
    assert AuditEntry.objects.filter(action="alumni_profile.join", subject=alumnus).count() == 1


def test_a_member_of_the_community_is_sent_from_the_join_page_to_their_profile(login, alumni):
    response = login(alumni).get(_url("join"))
    assert response.status_code == 302 and response["Location"] == _url("profile")


def test_one_who_left_rejoins_with_the_profile_as_it_was(login, make_profile):
    profile = make_profile(note="kept", share_note=True, left_community_at=timezone.now())
    client = login(profile.membership, language="en")
    assert "Rejoin the alumni community" in client.get(_url("join")).content.decode()
    client.post(_url("join"))
    profile.refresh_from_db()
    assert profile.in_community and profile.note == "kept" and profile.share_note
    assert AuditEntry.objects.filter(action="alumni_profile.rejoin", object_id=str(profile.pk)).exists()


@pytest.mark.parametrize("name", ["join", "profile", "leave"])
@pytest.mark.parametrize("role", ["hr", "manager", "employee"])
def test_own_profile_pages_do_not_exist_for_hr_and_employees(db, login, request, role, name):
    member = request.getfixturevalue(role)
    assert login(member).get(_url(name)).status_code == 404
    assert login(member).post(_url(name)).status_code == 404
    assert not AlumniProfile.objects.filter(membership=member).exists()


@pytest.mark.parametrize("name", ["profile", "leave"])
def test_profile_pages_send_someone_who_has_not_joined_to_the_join_page(login, make_alumnus, name):
    response = login(make_alumnus()).get(_url(name))
    assert response.status_code == 302 and response["Location"] == _url("join")


# --- the profile form ----------------------------------------------------------------------------------------


def test_each_field_has_its_own_share_box(login, alumni):
    text = login(alumni, language="en").get(_url("profile")).content.decode()
    for name in ("current_organization", "current_role", "location", "skills", "note", "links", "open_to"):
        assert f'name="share_{name}"' in text


def test_saving_keeps_each_consent_as_ticked_and_the_preview_shows_only_shared_fields(login, make_profile):
    profile = make_profile()
    client = login(profile.membership, language="en")
    data = _form_data(
        current_organization="Secret Corp",
        current_role="Product lead",
        share_current_role="on",
        skills="Python, 採用",
        share_skills="on",
        open_to_mentoring="on",
        share_open_to="on",
    )
    assert client.post(_url("profile"), data).status_code == 302
    profile.refresh_from_db()
    assert not profile.share_current_organization and profile.share_current_role and profile.open_to_mentoring
    page = client.get(_url("profile")).content.decode()
    preview = page.split("data-preview", 1)[1]
    assert "Product lead" in preview and "Python" in preview and "Mentoring".lower() in preview.lower()
    assert "Secret Corp" not in preview


def test_the_audit_row_names_changed_fields_without_their_words(login, make_profile):
    profile = make_profile()
    login(profile.membership).post(_url("profile"), _form_data(note="private words", share_note="on"))
    entry = AuditEntry.objects.get(action="alumni_profile.update", object_id=str(profile.pk))
    assert "note" in entry.changes and "private words" not in str(entry.changes)
    assert entry.changes["share_note"] == [False, True]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Python, Go", ["Python", "Go"]),
        ("Python、採用，UX", ["Python", "採用", "UX"]),
        ("  Python  ,, , Go ", ["Python", "Go"]),
        ("Python, python, ＰＹＴＨＯＮ", ["Python"]),
        ("", []),
    ],
)
def test_skills_are_split_at_any_comma_trimmed_and_deduplicated(text, expected):
    assert parse_skills(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://example.com/a\n\nhttp://example.org", ["https://example.com/a", "http://example.org"]),
        ("  https://example.com  ", ["https://example.com"]),
    ],
)
def test_web_addresses_are_kept_one_a_line(text, expected):
    assert parse_links(text) == expected


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("links", "javascript:alert(1)", "Line 1 is not a web address"),
        ("links", "https://ok.example\ndata:text/html,<b>x</b>", "Line 2 is not a web address"),
        ("links", "ftp://example.com", "Line 1 is not a web address"),
        ("links", "example.com", "Line 1 is not a web address"),
        ("links", "https://", "Line 1 is not a web address"),
        ("links", "\n".join(f"https://example.com/{n}" for n in range(6)), "at most 5 links"),
        ("skills", ", ".join(f"skill{n}" for n in range(21)), "at most 20 skills"),
        ("skills", "x" * 51, "too long"),
    ],
)
def test_the_form_names_the_field_and_the_fix(login, make_profile, field, value, message):
    profile = make_profile()
    response = login(profile.membership, language="en").post(_url("profile"), _form_data(**{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    # What was typed stays in the form.
    assert value.strip().splitlines()[0] in response.content.decode()
    profile.refresh_from_db()
    assert getattr(profile, field) == ""


def test_a_javascript_link_stored_elsewhere_is_never_shown(login, make_profile, hr):
    profile = make_profile(links="javascript:alert(1)\nhttps://fine.example", share_links=True)
    page = login(hr).get(reverse("alumni:directory_profile", kwargs={"org_slug": "acme", "pk": profile.pk}))
    text = page.content.decode()
    assert "https://fine.example" in text and "javascript:" not in text


def test_the_form_covers_every_profile_field():
    from alumni.models.community import PROFILE_SHARED_FIELDS

    for name in PROFILE_SHARED_FIELDS:
        assert f"share_{name}" in ProfileForm.Meta.fields


def test_hiding_takes_the_profile_out_of_the_directory(login, make_profile, hr):
    profile = make_profile(name="Hide Me")
    login(profile.membership).post(_url("profile"), _form_data(hidden="on"))
    profile.refresh_from_db()
    assert profile.hidden
    assert "Hide Me" not in login(hr).get(_url("directory")).content.decode()


# --- leaving -------------------------------------------------------------------------------------------------


def test_leaving_asks_first_then_keeps_everything_and_leaves_the_directory(login, make_profile, hr):
    profile = make_profile(name="Leaving Person", note="still here", share_note=True)
    client = login(profile.membership, language="en")
    assert "Leave the community" in client.get(_url("leave")).content.decode()
    assert AlumniProfile.objects.get(pk=profile.pk).in_community  # the GET changed nothing
    response = client.post(_url("leave"))
    assert response.status_code == 302 and response["Location"] == _url("join")
    profile.refresh_from_db()
    assert not profile.in_community and profile.note == "still here"
    assert AuditEntry.objects.filter(action="alumni_profile.leave", object_id=str(profile.pk)).exists()
    assert "Leaving Person" not in login(hr).get(_url("directory")).content.decode()
    detail = reverse("alumni:directory_profile", kwargs={"org_slug": "acme", "pk": profile.pk})
    assert login(hr).get(detail).status_code == 404


# --- the home page's card and HR's settings --------------------------------------------------------------------


def test_the_home_page_invites_an_alumnus_without_a_profile_only(login, make_alumnus, alumni, make_profile):
    home = reverse("dashboard", kwargs={"org_slug": "acme"})
    assert "data-alumni-join-card" in login(make_alumnus()).get(home).content.decode()
    assert "data-alumni-join-card" not in login(alumni).get(home).content.decode()
    left = make_profile(left_community_at=timezone.now())
    assert "data-alumni-join-card" not in login(left.membership).get(home).content.decode()


def test_hr_opens_the_directory_to_employees_and_it_is_audited(login, hr, employee):
    assert login(employee).get(_url("directory")).status_code == 403
    response = login(hr).post(_url("settings"), {"employees_see_directory": "on"})
    assert response.status_code == 302
    assert login(employee).get(_url("directory")).status_code == 200
    entry = AuditEntry.objects.get(action="alumni_settings.update")
    assert entry.changes == {"employees_see_directory": [False, True]}
    login(hr).post(_url("settings"), {})
    assert login(employee).get(_url("directory")).status_code == 403


@pytest.mark.parametrize(
    "role, present, absent",
    [
        ("alumni", ["directory", "profile"], ["settings"]),
        ("hr", ["directory", "settings"], ["profile"]),
    ],
)
def test_the_community_hub_leads_each_role_to_its_pages(db, login, request, role, present, absent):
    text = login(request.getfixturevalue(role)).get(_url("home")).content.decode()
    for name in present:
        assert f'href="{_url(name)}"' in text
    for name in absent:
        assert f'href="{_url(name)}"' not in text
