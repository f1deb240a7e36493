"""Readings (フリガナ), 五十音順 lists, search however a name was typed, and links from names to people."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from agreements import selectors as agreement_selectors
from alliance import selectors, services
from alliance.forms import InvitationForm, ProfileForm, SignupNameForm
from alliance.models import Invitation, Membership, Role, User
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

# --- search ---------------------------------------------------------------------------------------------------

SEARCH_CASES = [
    # (stored name, stored reading, stored e-mail, typed query, found?)
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "山田 太郎", True),
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "山田　太郎", True),  # full-width space
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "山田太郎", True),  # no space
    ("山田太郎", "", "t.yamada@example.com", "山田 太郎", True),  # stored without, typed with
    ("山田　太郎", "", "t.yamada@example.com", "山田  太郎", True),
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "ﾔﾏﾀﾞ", True),  # half-width katakana
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "やまだ", True),  # hiragana for katakana
    ("山田 太郎", "やまだ たろう", "t.yamada@example.com", "ヤマダタロウ", True),
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "ｙａｍａｄａ", True),  # full-width Latin, e-mail
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "T.YAMADA@EXAMPLE.COM", True),
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "ｔ．ｙａｍａｄａ＠", True),
    ("髙橋 翔", "タカハシ ショウ", "s.t@example.com", "高橋", True),
    ("高橋 翔", "タカハシ ショウ", "s.t@example.com", "髙橋翔", True),
    ("山﨑 凛", "", "r@example.com", "山崎", True),
    ("山崎 凛", "", "r@example.com", "山﨑", True),
    ("渡邊 真央", "", "m@example.com", "渡辺", True),
    ("渡邉 真央", "", "m@example.com", "渡邊", True),
    ("渡辺 真央", "", "m@example.com", "渡邉 真央", True),
    ("齋藤 樹", "", "i@example.com", "斎藤", True),
    ("齊藤 樹", "", "i@example.com", "斉藤", True),
    ("斉藤 樹", "", "i@example.com", "齋藤", True),
    ("澤田 優", "", "y@example.com", "沢田", True),
    ("濱口 優", "", "y@example.com", "浜口", True),
    ("廣瀬 優", "", "y@example.com", "広瀬", True),
    ("櫻井 優", "", "y@example.com", "桜井", True),
    ("德永 優", "", "y@example.com", "徳永", True),
    ("實川 優", "", "y@example.com", "実川", True),
    ("ｼﾞｮﾝ ｽﾐｽ", "", "john@example.com", "ジョン", True),  # half-width stored, full-width typed
    ("ジョン・スミス", "", "john@example.com", "ジョンスミス", True),
    ("ジョン スミス", "", "john@example.com", "じょん　すみす", True),
    # Not found: another person, another reading, a different kanji that is no variant.
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "山本", False),
    ("加藤 美月", "カトウ ミヅキ", "m.kato@example.com", "佐藤", False),
    ("加藤 美月", "カトウ ミヅキ", "m.kato@example.com", "サトウ", False),
    ("高田 修", "タカダ オサム", "o@example.com", "高橋", False),
    ("山田 太郎", "ヤマダ タロウ", "t.yamada@example.com", "タロウヤマダ", False),  # no match across fields
]


@pytest.fixture
def org(db):
    return OrganizationFactory()


def _person(org, name, reading="", email=None, **extra) -> Membership:
    user = UserFactory(name=name, reading=reading, **({"email": email} if email else {}))
    return MembershipFactory(organization=org, user=user, **extra)


@pytest.mark.parametrize("name, reading, email, query, found", SEARCH_CASES)
def test_the_members_search_finds_a_person_however_the_name_was_typed(org, name, reading, email, query, found):
    person = _person(org, name, reading, email)
    _person(org, "別人 です", "ベツジン デス")
    result = list(selectors.member_list(organization=org, query=query))
    assert (person in result) is found
    assert len(result) == int(found)


@pytest.mark.parametrize("name, reading, email, query, found", SEARCH_CASES[::3])
def test_the_team_search_finds_a_person_however_the_name_was_typed(org, name, reading, email, query, found):
    boss = _person(org, "上司 さん", "ジョウシ", role=Role.MANAGER)
    person = _person(org, name, reading, email, manager=boss)
    assert (person in agreement_selectors.team_members(viewer=boss, query=query)) is found


@pytest.mark.parametrize(
    "query, expected",
    [("高橋", ["member03@acme.example"]), ("わたなべ", ["member06@acme.example"]), ("ﾔﾏﾓﾄ", ["member07@acme.example"])],
)
def test_the_members_and_team_pages_search_the_demo_people(hr, login, query, expected):
    client = login(hr)
    members = client.get(reverse("members", args=["acme"]), {"q": query}).context["page"].object_list
    assert [m.user.email for m in members] == expected
    team = client.get(reverse("agreements:team", args=["acme"]), {"q": query}).context["rows"]
    assert [row.member.user.email for row in team] == expected


@pytest.mark.parametrize(
    "field, old, new, query_old, query_new",
    [
        ("name", "旧姓 花子", "新姓 花子", "旧姓", "新姓"),
        ("reading", "キュウセイ", "しんせい", "キュウセイ", "ｼﾝｾｲ"),
        ("email", "old.name@example.com", "new.name@example.com", "old.name", "NEW.NAME"),
    ],
)
def test_the_search_form_follows_a_change_saved_with_update_fields(org, field, old, new, query_old, query_new):
    person = _person(org, "花子", **{field: old}) if field != "name" else _person(org, old)
    setattr(person.user, field, new)
    person.user.save(update_fields=[field])
    assert list(selectors.member_list(organization=org, query=query_new)) == [person]
    assert list(selectors.member_list(organization=org, query=query_old)) == []


def test_the_data_migration_fills_the_search_form_of_existing_people(org):
    person = _person(org, "髙橋 翔", "たかはし しょう")
    User.objects.filter(pk=person.user_id).update(search_text="", reading_key="")
    migration = importlib.import_module("alliance.migrations.0002_user_reading_and_search")
    migration.fill_search_fields(apps, None)
    person.user.refresh_from_db()
    assert person.user.search_text == "高橋翔 タカハシショウ " + person.user.email
    assert person.user.reading_key == "タカハシショウ"
    assert list(selectors.member_list(organization=org, query="ﾀｶﾊｼ")) == [person]


# --- 五十音順 -----------------------------------------------------------------------------------------------------

PEOPLE = [  # (name, reading) in the order the lists must show them
    ("Zoe Abe", "あべ ぞえ"),  # hiragana sorts with katakana
    ("伊藤 大輔", "イトウ ダイスケ"),
    ("加藤 美月", "ｶﾄｳ ﾐﾂﾞｷ"),  # half-width, stored full-width
    ("我妻 学", "ガツマ マナブ"),  # ガ after カ
    ("佐藤 健", "サトウ ケン"),
    ("渡辺 真央", "わたなべ まお"),
    ("Aaron", ""),  # no reading: after everyone with one, by name
    ("相川 純", ""),
]


def test_the_members_list_sorts_by_reading_and_puts_people_without_one_after(org):
    for name, reading in reversed(PEOPLE):
        _person(org, name, reading)
    assert [m.user.name for m in selectors.member_list(organization=org)] == [name for name, _r in PEOPLE]


def test_the_team_list_sorts_by_reading_too(org):
    boss = _person(org, "上司", "", role=Role.HR)
    for name, reading in reversed(PEOPLE):
        _person(org, name, reading, manager=boss)
    names = [m.user.name for m in agreement_selectors.team_members(viewer=boss) if m != boss]
    assert names == [name for name, _r in PEOPLE]


def test_the_demo_people_have_readings(acme):
    people = Membership.objects.filter(organization=acme).select_related("user")
    assert all(m.user.reading for m in people)


# --- reading: sign-up, invitation, profile -----------------------------------------------------------------

READINGS = [
    # (typed, stored or None when refused)
    ("ヤマダ タロウ", "ヤマダ タロウ"),
    ("やまだ たろう", "やまだ たろう"),
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),  # half-width katakana becomes full-width
    ("ﾔﾏﾀﾞ　ﾀﾛｳ", "ヤマダ タロウ"),  # full-width space
    ("  ヤマダ   タロウ  ", "ヤマダ タロウ"),
    ("ジョン・スミス", "ジョン・スミス"),
    ("サトウ ユウ", "サトウ ユウ"),
    ("ヴァージル", "ヴァージル"),
    ("Yamada Taro", None),
    ("山田 太郎", None),
    ("ヤマダ1", None),
    ("ヤマダ@", None),
]


@pytest.mark.parametrize("typed, stored", READINGS)
def test_the_profile_normalises_and_checks_the_reading(employee, typed, stored):
    form = ProfileForm({"name": "社員 一郎", "reading": typed, "language": "ja"}, instance=employee.user)
    assert form.is_valid() is (stored is not None)
    if stored is None:
        with translation.override("ja"):
            assert "カタカナ" in form.errors["reading"][0]
    else:
        form.save()
        employee.user.refresh_from_db()
        assert employee.user.reading == stored


@pytest.mark.parametrize("typed, stored", READINGS[::2])
def test_sign_up_asks_for_the_reading(typed, stored):
    form = SignupNameForm({"name": "新人", "reading": typed})
    assert form.is_valid() is (stored is not None)
    if stored is not None:
        assert form.cleaned_data["reading"] == stored


def test_sign_up_requires_the_reading():
    form = SignupNameForm({"name": "新人", "reading": ""})
    assert not form.is_valid() and "reading" in form.errors


@pytest.mark.parametrize("typed, stored", READINGS[1::2])
def test_hrs_invitation_form_checks_the_reading(acme, typed, stored):
    form = InvitationForm({"email": "new@example.com", "role": "employee", "reading": typed}, organization=acme)
    assert form.is_valid() is (stored is not None)
    if stored is not None:
        assert form.cleaned_data["reading"] == stored


def test_the_invitee_sees_hrs_reading_and_can_correct_it_when_accepting(hr, login):
    client = login(hr)
    response = client.post(
        reverse("member_invite", args=["acme"]), {"email": "yomi@example.com", "role": "employee", "reading": "ﾖﾐ"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="yomi@example.com")
    assert invitation.reading == "ヨミ"
    _invitation, token = services.invitation_create(
        organization=invitation.organization, invited_by=hr.user, email="yomi@example.com", reading="ヨミ"
    )
    invitee = UserFactory(email="yomi@example.com", reading="")
    url = reverse("invitation_accept", args=[token])
    client = Client()
    client.force_login(invitee)
    page = client.get(url)
    assert page.context["form"]["reading"].value() == "ヨミ"
    refused = client.post(url, {"reading": "Yomi"})
    assert refused.status_code == 200 and "reading" in refused.context["form"].errors
    accepted = client.post(url, {"reading": "よみ　かた"})
    assert accepted.status_code == 302
    invitee.refresh_from_db()
    assert invitee.reading == "よみ かた"


# --- names link to the person ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "viewer, page, link",
    [
        ("hr", "members", lambda m: reverse("member_edit", args=["acme", m.pk])),
        ("manager", "dashboard", lambda m: reverse("agreements:person", args=["acme", m.pk])),
        ("manager", "agreements:team", lambda m: reverse("agreements:person", args=["acme", m.pk])),
        ("hr", "agreements:team", lambda m: reverse("agreements:person", args=["acme", m.pk])),
    ],
)
def test_names_in_lists_link_to_the_person(request, login, employee, viewer, page, link):
    body = login(request.getfixturevalue(viewer)).get(reverse(page, args=["acme"])).content.decode()
    assert f'href="{link(employee)}">{employee.user.display_name}</a>' in body
