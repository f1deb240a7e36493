"""The alumni directory (alumni/selectors/community.py, alumni/views/community.py): who may open it, what it
lists, its Japanese-aware search over names and shared fields only, its filters, pages and query count."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from alumni.access import community_settings
from alumni.models import Departure, DepartureKind, DepartureStatus
from alumni.selectors.community import directory


def _url(**params):
    from urllib.parse import urlencode

    url = reverse("alumni:directory", kwargs={"org_slug": "acme"})
    return f"{url}?{urlencode(params)}" if params else url


@pytest.fixture(autouse=True)
def _rendered_pages(settings):
    """These tests read the view's context (`response.context`), which a page served from the member's kept
    copy (alliance.page_cache) does not have: every request is rendered."""
    settings.PAGE_CACHE_SECONDS = 0


def _names(response):
    return [p.membership.user.name for p in response.context["page"].object_list]


def _departed(profile, *, last_day, manager=None):
    Departure.objects.create(
        organization=profile.organization,
        membership=profile.membership,
        status=DepartureStatus.COMPLETED,
        last_day=last_day,
        kind=DepartureKind.OTHER,
        manager=manager,
    )
    return profile


# --- who may open it -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, employees_allowed, status",
    [
        ("alumni", False, 200),
        ("hr", False, 200),
        ("employee", False, 403),
        ("manager", False, 403),
        ("employee", True, 200),
        ("manager", True, 200),
    ],
)
def test_who_may_open_the_directory(db, login, request, acme, make_profile, role, employees_allowed, status):
    settings = community_settings(acme)
    settings.employees_see_directory = employees_allowed
    settings.save()
    profile = make_profile(name="Someone Listed")
    detail = reverse("alumni:directory_profile", kwargs={"org_slug": "acme", "pk": profile.pk})
    client = login(request.getfixturevalue(role))
    assert client.get(_url()).status_code == status
    assert client.get(detail).status_code == status


def test_alumni_of_another_organization_see_nothing_of_it(login, make_profile, globex, make_alumnus):
    ours = make_profile(name="Ours")
    theirs = make_alumnus(organization=globex)
    assert login(theirs).get(_url()).status_code == 404
    detail = reverse("alumni:directory_profile", kwargs={"org_slug": "globex", "pk": ours.pk})
    assert login(theirs).get(detail).status_code == 404


# --- what it lists -------------------------------------------------------------------------------------------


def test_it_lists_members_of_the_community_and_no_one_hidden_or_gone(login, hr, make_profile):
    make_profile(name="Listed One")
    make_profile(name="Hidden One", hidden=True)
    make_profile(name="Gone One", left_community_at=timezone.now())
    names = _names(login(hr).get(_url(q="One")))
    assert names == ["Listed One"]


@pytest.mark.parametrize("flag", [{"hidden": True}, {"left_community_at": timezone.now()}])
def test_a_hidden_or_gone_profile_has_no_page(login, hr, make_profile, flag):
    profile = make_profile(**flag)
    detail = reverse("alumni:directory_profile", kwargs={"org_slug": "acme", "pk": profile.pk})
    assert login(hr).get(detail).status_code == 404


def test_only_shared_fields_are_shown(login, hr, make_profile):
    profile = make_profile(
        name="Shown Person",
        current_organization="Shared Corp",
        share_current_organization=True,
        location="Unshared Town",
        note="unshared note",
        open_to_comeback=True,
    )
    detail = reverse("alumni:directory_profile", kwargs={"org_slug": "acme", "pk": profile.pk})
    for text in (login(hr).get(_url(q="Shown")).content.decode(), login(hr).get(detail).content.decode()):
        assert "Shared Corp" in text
        assert "Unshared Town" not in text and "unshared note" not in text


# --- search --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["森田", "もりた", "モリタ", "ﾓﾘﾀ", "もりた ちひろ", "ミライラボ", "エンジニアリング", "python", "ＰＹＴＨＯＮ"],
)
def test_search_finds_by_name_kana_width_and_shared_fields(login, alumni, query):
    # former01@acme.example (alumni/demo_community.py): 森田 千尋 (モリタ チヒロ) shares company, role, skills.
    assert "森田 千尋" in _names(login(alumni).get(_url(q=query)))


@pytest.mark.parametrize(
    "fields, query",
    [
        ({"skills": "Cobol"}, "cobol"),
        ({"current_organization": "Hidden Inc"}, "hidden inc"),
        ({"current_role": "Secret agent"}, "secret"),
        ({"location": "Nagoya", "share_location": True}, "nagoya"),  # location is shown, not searched
        ({"note": "kubernetes", "share_note": True}, "kubernetes"),
    ],
)
def test_search_never_matches_a_field_that_is_not_shared_or_not_searched(login, hr, make_profile, fields, query):
    make_profile(name="Quiet Person", **fields)
    assert "Quiet Person" not in _names(login(hr).get(_url(q=query)))


@pytest.mark.parametrize("field", ["skills", "current_organization", "current_role"])
def test_search_matches_the_same_field_once_shared(login, hr, make_profile, field):
    make_profile(name="Open Person", **{field: "Zyxwv", f"share_{field}": True})
    assert "Open Person" in _names(login(hr).get(_url(q="zyxwv")))


def test_search_never_matches_the_email_address(login, hr, make_profile):
    profile = make_profile(name="Mail Person")
    local = profile.membership.user.email.split("@")[0]
    assert "Mail Person" not in _names(login(hr).get(_url(q=local)))
    assert "Mail Person" in _names(login(hr).get(_url(q="mail person")))


# --- filters -------------------------------------------------------------------------------------------------


def test_open_to_filter_needs_the_open_to_consent(login, hr, make_profile):
    make_profile(name="Shares Mentoring", open_to_mentoring=True, share_open_to=True)
    make_profile(name="Keeps Mentoring", open_to_mentoring=True)
    names = _names(login(hr).get(_url(open_to="mentoring")))
    assert "Shares Mentoring" in names and "Keeps Mentoring" not in names


def test_skill_filter_offers_and_matches_shared_whole_skills_only(login, hr, make_profile):
    make_profile(name="Has Go", skills="Go, Rust", share_skills=True)
    make_profile(name="Has Golang", skills="Golang", share_skills=True)
    make_profile(name="Hides Go", skills="Go", share_skills=False)
    make_profile(name="Hides Secret", skills="Secretskill")
    response = login(hr).get(_url(skill="Go"))
    assert sorted(n for n in _names(response) if n.startswith(("Has", "Hides"))) == ["Has Go"]
    offered = [value for value, _label in response.context["filter_form"].fields["skill"].choices]
    assert "Rust" in offered and "Secretskill" not in offered


def test_year_and_former_team_filters(login, hr, manager, other_manager, make_profile):
    _departed(make_profile(name="Left 2021"), last_day=date(2021, 5, 31), manager=manager)
    make_profile(name="Left 2020 By Membership", left_on=date(2020, 3, 31))
    _departed(make_profile(name="Left 2021 Other Team"), last_day=date(2021, 9, 30), manager=other_manager)
    client = login(hr)
    assert set(_names(client.get(_url(year=2021)))) >= {"Left 2021", "Left 2021 Other Team"}
    assert "Left 2020 By Membership" in _names(client.get(_url(year=2020)))
    assert "Left 2021" not in _names(client.get(_url(year=2020)))
    team = _names(client.get(_url(year=2021, team=manager.pk)))
    assert "Left 2021" in team and "Left 2021 Other Team" not in team
    choices = dict(client.get(_url()).context["filter_form"].fields["team"].choices)
    assert manager.user.name in str(choices[manager.pk])


def test_a_stale_filter_value_is_named_and_the_rest_still_applies(login, hr):
    response = login(hr, language="en").get(_url(q="森田", skill="NoSuchSkill"))
    assert response.status_code == 200
    assert response.context["filter_form"].errors["skill"]
    assert "森田 千尋" in _names(response)


# --- pages and queries ---------------------------------------------------------------------------------------


def test_the_directory_is_paginated_with_a_bounded_number_of_queries(
    login, hr, make_profile, manager, django_assert_max_num_queries
):
    for n in range(35):
        profile = make_profile(
            name=f"Bulk {n:02d}", skills=f"S{n}, Common", share_skills=True, open_to_projects=True, share_open_to=True
        )
        _departed(profile, last_day=date(2020 + n % 4, 3, 31), manager=manager)
    client = login(hr)
    with django_assert_max_num_queries(14):
        first = client.get(_url(q="bulk"))
    assert first.context["page"].paginator.count == 35
    assert len(first.context["page"].object_list) == 20
    with django_assert_max_num_queries(14):
        second = client.get(_url(q="bulk", page=2))
    assert len(second.context["page"].object_list) == 15
    assert "q=bulk" in second.content.decode()  # the pagination links keep the search


def test_names_come_in_the_order_of_their_readings(acme, make_profile):
    make_profile(name="A", reading="ワタナベ")
    make_profile(name="B", reading="あおき")
    make_profile(name="C", reading="カトウ")
    names = [p.membership.user.name for p in directory(organization=acme) if p.membership.user.name in "ABC"]
    assert names == ["B", "C", "A"]


def test_the_demo_has_entries_a_hidden_one_and_one_who_left(login, alumni):
    names = _names(login(alumni).get(_url()))
    assert {"卒業 美咲", "森田 千尋", "加藤 美月"} <= set(names)
    assert "吉田 悠真" not in names  # hidden (member11@)
    assert "大野 悠" not in names  # left the community (former02@)
    assert "西村 玲奈" not in names  # has not joined (former04@)
