"""The alumni figures on HR's dashboard (alumni.insights): each builder called directly on acme's demo data plus
crafted rows; every list returns the rows its figure counts; consent and survey anonymity; the other organization,
the period and the department/manager filters; a fixed number of queries whatever the organization's size."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from alliance.hr_insights import LISTS, SECTIONS, InsightFilters
from alliance.models import Department, MembershipStatus
from alumni import insights
from alumni.models import (
    AlumniProfile,
    Comeback,
    ComebackInterest,
    Comment,
    Departure,
    DepartureKind,
    DepartureStatus,
    Interest,
    Opportunity,
    OpportunityKind,
    Post,
    Referral,
    ReferralStatus,
)
from alumni.models.surveys import Survey, SurveyInvitation
from tests.factories import MembershipFactory, UserFactory

TODAY = timezone.localdate()
START = TODAY - timedelta(days=365)
END = TODAY + timedelta(days=60)
MID = TODAY - timedelta(days=10)
_numbers = itertools.count(1)

BUILDERS = {
    "alumni_departures": insights.build_departures,
    "alumni_community": insights.build_community,
    "alumni_comebacks": insights.build_comebacks,
    "alumni_referrals": insights.build_referrals,
    "alumni_surveys": insights.build_surveys,
}
# The measured number of queries of each builder, whatever the organization's size.
QUERIES = {
    "alumni_departures": 2,
    "alumni_community": 6,
    "alumni_comebacks": 2,
    "alumni_referrals": 1,
    "alumni_surveys": 1,
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def filters_for(organization, **kwargs) -> InsightFilters:
    return InsightFilters(
        organization=organization,
        period_start=kwargs.pop("start", START),
        period_end=kwargs.pop("end", END),
        **kwargs,
    )


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of `day` in the site's (local) time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def figures(section) -> dict:
    """{(list_key, params as sorted tuples): value} of a section's figures."""
    return {(f.list_key, tuple(sorted(f.list_params.items()))): f.value for f in section.figures}


def rows_of(key: str, filters, params: dict | None = None) -> list[dict]:
    return list(LISTS[key].rows(filters, QueryDict(urlencode(params or {}))))


class Maker:
    """Crafted rows of one organization."""

    def __init__(self, organization):
        self.org = organization

    def person(self, *, status=MembershipStatus.ALUMNI, department=None, manager=None, name=None):
        n = next(_numbers)
        user = UserFactory(email=f"insight{n}@{self.org.slug}.test", name=name or f"Insight {self.org.slug} {n}")
        return MembershipFactory(
            organization=self.org, user=user, status=status, department=department, manager=manager
        )

    def departure(self, *, member=None, kind=DepartureKind.CAREER_STEP, status=DepartureStatus.COMPLETED,
                  day=MID, comeback="", quotable=False, manager=None, **extra):  # fmt: skip
        member = member or self.person(
            status=MembershipStatus.ACTIVE if status == DepartureStatus.PLANNED else MembershipStatus.ALUMNI
        )
        return Departure.objects.create(
            organization=self.org, membership=member, status=status, last_day=day, kind=kind,
            comeback=comeback, comeback_note_quotable=quotable, manager=manager, **extra,
        )  # fmt: skip

    def profile(self, *, member=None, **fields):
        member = member or self.person()
        return AlumniProfile.objects.create(organization=self.org, membership=member, **fields)

    def post(self, *, author=None, when=None, **fields):
        return Post.objects.create(
            organization=self.org, author=author or self.person(), body="secret post words",
            created_at=when or at(MID), **fields,
        )  # fmt: skip

    def comment(self, *, author=None, post=None, when=None):
        return Comment.objects.create(
            organization=self.org, post=post or self.post(), author=author or self.person(),
            body="secret comment words", created_at=when or at(MID),
        )  # fmt: skip

    def opportunity(self, *, posted_by=None, when=None):
        return Opportunity.objects.create(
            organization=self.org, kind=OpportunityKind.JOB, title=f"Role {next(_numbers)}",
            description="d", posted_by=posted_by or self.person(), created_at=when or at(MID),
        )  # fmt: skip

    def interest(self, *, member=None, opportunity=None, when=None, **fields):
        return Interest.objects.create(
            organization=self.org, opportunity=opportunity or self.opportunity(),
            membership=member or self.person(), note="secret interest note", created_at=when or at(MID), **fields,
        )  # fmt: skip

    def referral(self, *, referrer=None, status=ReferralStatus.RECEIVED, when=None):
        referrer = referrer or self.person()
        return Referral.objects.create(
            organization=self.org,
            opportunity=self.opportunity(posted_by=referrer, when=at(START - timedelta(days=30))),
            referrer=referrer,
            candidate_name=f"Candidate {next(_numbers)}",
            candidate_email="secret@candidate.test",
            reason="secret reason",
            status=status,
            created_at=when or at(MID),
        )

    def comeback(self, *, member=None, day=MID):
        member = member or self.person(status=MembershipStatus.ACTIVE)
        return Comeback.objects.create(
            organization=self.org, membership=member, left_on=day - timedelta(days=400), came_back_on=day
        )

    def survey(self):
        return Survey.objects.create(
            organization=self.org, title_ja="テスト調査", title_en="Test survey", intro_ja="i", intro_en="i"
        )

    def invitations(self, survey, *, sent: int, answered: int, day=MID, member_kwargs=None):
        for i in range(sent):
            departure = self.departure(member=self.person(**(member_kwargs or {})), day=day - timedelta(days=90))
            nonce = SurveyInvitation.new_nonce()
            SurveyInvitation.objects.create(
                organization=self.org, survey=survey, departure=departure, membership=departure.membership,
                milestone=3, nonce=nonce, token_hash=SurveyInvitation.hash_token(nonce), sent_at=at(day),
                expires_at=at(day) + timedelta(days=60), answered_at=at(day) if i < answered else None,
            )  # fmt: skip

    def a_bit_of_everything(self, *, department=None, manager=None):
        """One row of every kind counted by some figure, in the period."""
        person = self.person(department=department)
        self.departure(kind=DepartureKind.STUDY, comeback=ComebackInterest.YES, quotable=True, manager=manager,
                       member=person)  # fmt: skip
        self.departure(
            status=DepartureStatus.PLANNED,
            kind=DepartureKind.FAMILY,
            comeback=ComebackInterest.NO,
            member=self.person(status=MembershipStatus.ACTIVE, department=department),
            manager=manager,
        )
        self.profile(member=person, hidden=True)
        self.comment(author=person, post=self.post(author=person))
        self.interest(member=person, opportunity=self.opportunity(posted_by=person))
        self.referral(referrer=person, status=ReferralStatus.HIRED)
        self.comeback(member=self.person(status=MembershipStatus.ACTIVE, department=department))
        return person


@pytest.fixture
def make(acme):
    return Maker(acme)


@pytest.fixture
def make_globex(globex):
    return Maker(globex)


def build_all(filters) -> dict:
    return {key: figures(build(filters)) for key, build in BUILDERS.items()}


def delta(before: dict, after: dict) -> dict:
    """The figures that changed: {key: after - before} (integers only)."""
    return {
        key: after[key] - before.get(key, 0)
        for key in after
        if isinstance(after[key], int) and after[key] != before.get(key, 0)
    }


# --- registration ------------------------------------------------------------------------------------------------


def test_sections_and_lists_are_registered():
    assert set(BUILDERS) <= set(SECTIONS)
    for key, build in BUILDERS.items():
        assert SECTIONS[key].build is build
    lists = "departures people posts comments posters opportunities interests comebacks referrals surveys"
    for key in lists.split():
        assert f"alumni_{key}" in LISTS


# --- departures --------------------------------------------------------------------------------------------------

ALL = ("alumni_departures", ())
PLANNED = ("alumni_departures", (("status", "planned"),))
LEFT = ("alumni_departures", (("status", "completed"),))
# Planned departures whose last day comes after the period: counted apart from the period's figures.
AFTER = ("alumni_departures", (("timing", "after_period"),))


def kind(value):
    return ("alumni_departures", (("kind", value),))


@pytest.mark.parametrize(
    ("case", "row", "expected"),
    [
        ("planned startup", {"status": "planned", "kind": "startup"}, {ALL: 1, PLANNED: 1, kind("startup"): 1}),
        ("completed study", {"kind": "study"}, {ALL: 1, LEFT: 1, kind("study"): 1}),
        ("cancelled", {"status": "cancelled"}, {}),
        ("on the first day", {"day": START, "kind": "other"}, {ALL: 1, LEFT: 1, kind("other"): 1}),
        ("on the last day", {"day": END, "kind": "family"}, {ALL: 1, LEFT: 1, kind("family"): 1}),
        ("the day before", {"day": START - timedelta(days=1)}, {}),
        ("planned, the day after", {"day": END + timedelta(days=1), "status": "planned"}, {AFTER: 1}),
        ("planned, a year after", {"day": END + timedelta(days=365), "status": "planned"}, {AFTER: 1}),
        ("completed, the day after", {"day": END + timedelta(days=1)}, {}),
        ("cancelled, the day after", {"day": END + timedelta(days=1), "status": "cancelled"}, {}),
        ("planned, on the last day", {"day": END, "status": "planned"}, {ALL: 1, PLANNED: 1, kind("career_step"): 1}),
    ],
)
def test_departure_figures(make, acme, case, row, expected):
    filters = filters_for(acme)
    before = figures(insights.build_departures(filters))
    make.departure(**row)
    section = insights.build_departures(filters)
    assert delta(before, figures(section)) == expected
    # Each list returns exactly the rows its figure counts.
    for figure in section.figures:
        assert len(rows_of(figure.list_key, filters, figure.list_params)) == figure.value


def test_departures_by_month_chart(make, acme):
    filters = filters_for(acme, start=date(2010, 11, 15), end=date(2011, 2, 3))
    make.departure(day=date(2010, 11, 15))
    make.departure(day=date(2010, 12, 31))
    make.departure(day=date(2010, 12, 1), status=DepartureStatus.PLANNED)
    make.departure(day=date(2011, 2, 3), kind=DepartureKind.STARTUP)
    make.departure(day=date(2011, 2, 4))  # outside
    section = insights.build_departures(filters)
    monthly, by_kind = section.charts
    assert monthly.labels == ["2010-11", "2010-12", "2011-01", "2011-02"]
    assert dict(monthly.series) == {"Planned": [0, 1, 0, 0], "Left": [1, 1, 0, 1]}
    assert by_kind.labels[1] == "Starting a company"
    assert dict(by_kind.series)["Left"][1] == 1
    assert len(rows_of("alumni_departures", filters, {"month": "2010-12"})) == 2
    assert len(rows_of("alumni_departures", filters, {"month": "2010-12", "status": "planned"})) == 1
    # A month outside the period, or not a month at all, is ignored.
    for month in ("2009-01", "december", ""):
        assert len(rows_of("alumni_departures", filters, {"month": month})) == 4


def test_departure_list_shows_no_words_of_the_exit_conversation(make, acme):
    make.departure(
        comeback=ComebackInterest.YES, takes_with="WORDS-1", takes_with_quotable=True, keep_doing="WORDS-2",
        should_change="WORDS-3", comeback_note="WORDS-4", quotable=True, wants_from_community="WORDS-5",
        wants_from_community_quotable=True,
    )  # fmt: skip
    rows = rows_of("alumni_departures", filters_for(acme))
    columns = {key for key, _header in LISTS["alumni_departures"].columns}
    assert rows and all(set(row) == columns for row in rows)
    assert "WORDS" not in repr(rows)


@pytest.mark.parametrize(
    "params",
    [{"status": "cancelled"}, {"status": "bogus"}, {"kind": "nope"}, {"comeback": "perhaps"}, {"month": "x"}],
)
def test_unknown_list_values_are_ignored(make, acme, params):
    make.departure(status=DepartureStatus.CANCELLED)
    filters = filters_for(acme)
    assert rows_of("alumni_departures", filters, params) == rows_of("alumni_departures", filters)


# --- comeback interest and consent -------------------------------------------------------------------------------


def comeback_key(value):
    return ("alumni_departures", (("comeback", value),))


@pytest.mark.parametrize(
    ("comeback", "quotable", "counted_as"),
    [
        ("yes", True, "yes"),
        ("maybe", True, "maybe"),
        ("no", True, "no"),
        ("", True, "unsaid"),
        ("yes", False, "not_shared"),
        ("maybe", False, "not_shared"),
        ("", False, "not_shared"),
    ],
)
def test_comeback_interest_respects_consent(make, acme, comeback, quotable, counted_as):
    filters = filters_for(acme)
    before = figures(insights.build_comebacks(filters))
    departure = make.departure(comeback=comeback, quotable=quotable, comeback_note="SECRET-NOTE")
    section = insights.build_comebacks(filters)
    assert delta(before, figures(section)) == {comeback_key(counted_as): 1}
    name = departure.membership.user.name
    for figure in section.figures:
        rows = rows_of(figure.list_key, filters, figure.list_params)
        assert len(rows) == figure.value
        assert (name in {row.get("name") for row in rows}) == (figure.list_params.get("comeback") == counted_as)
        assert "SECRET" not in repr(rows)
    (row,) = [r for r in rows_of("alumni_departures", filters) if r["name"] == name]
    assert row["comeback_label"] == ("Not shared" if not quotable else str(ComebackInterest(comeback).label))


@pytest.mark.parametrize(
    ("day", "counted"), [(MID, 1), (START, 1), (END, 1), (START - timedelta(days=1), 0), (END + timedelta(days=1), 0)]
)
def test_comebacks_recorded_in_the_period(make, acme, day, counted):
    filters = filters_for(acme)
    before = figures(insights.build_comebacks(filters))[("alumni_comebacks", ())]
    make.comeback(day=day)
    after = figures(insights.build_comebacks(filters))[("alumni_comebacks", ())]
    assert after - before == counted
    assert len(rows_of("alumni_comebacks", filters)) == after


# --- the community -----------------------------------------------------------------------------------------------


def people(state=None):
    return ("alumni_people", (("state", state),) if state else ())


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (None, {people(): 1, people("not_joined"): 1}),
        ({}, {people(): 1, people("joined"): 1}),
        ({"hidden": True}, {people(): 1, people("joined"): 1, people("hidden"): 1}),
        ({"left_community_at": "now"}, {people(): 1, people("left"): 1}),
        ({"hidden": True, "left_community_at": "now"}, {people(): 1, people("left"): 1}),
    ],
)
def test_community_size(make, acme, profile, expected):
    filters = filters_for(acme)
    before = figures(insights.build_community(filters))
    member = make.person()
    if profile is not None:
        if profile.get("left_community_at") == "now":
            profile = {**profile, "left_community_at": timezone.now()}
        make.profile(member=member, **profile)
    make.person(status=MembershipStatus.ACTIVE)  # an active member is no alumnus
    section = insights.build_community(filters)
    assert delta(before, figures(section)) == expected
    for figure in section.figures:
        assert len(rows_of(figure.list_key, filters, figure.list_params)) == figure.value


@pytest.mark.parametrize(
    ("moment", "counted"),
    [
        (lambda: at(MID), 1),
        (lambda: at(START, 0, 5), 1),
        (lambda: at(END, 23, 55), 1),
        (lambda: at(START - timedelta(days=1), 23, 55), 0),
        (lambda: at(END + timedelta(days=1), 0, 5), 0),
    ],
)
def test_community_activity_in_the_period(make, acme, moment, counted):
    filters = filters_for(acme)
    before = figures(insights.build_community(filters))
    author = make.person()
    old_post = make.post(when=at(START - timedelta(days=40)))
    make.post(author=author, when=moment(), hidden_at=timezone.now())
    make.comment(author=author, post=old_post, when=moment())
    make.interest(member=author, opportunity=make.opportunity(when=moment()), when=moment())
    section = insights.build_community(filters)
    activity = {
        ("alumni_posts", ()): counted,
        ("alumni_comments", ()): counted,
        ("alumni_posters", ()): counted,
        ("alumni_opportunities", ()): counted,
        ("alumni_interests", ()): counted,
    }
    # The crafted people are alumni without a profile.
    changed = delta(before, figures(section))
    assert {k: v for k, v in changed.items() if k[0] != "alumni_people"} == {k: v for k, v in activity.items() if v}
    for figure in section.figures:
        rows = rows_of(figure.list_key, filters, figure.list_params)
        assert len(rows) == figure.value
        assert "secret" not in repr(rows)


def test_posters_list_counts_each_persons_posts_and_comments(make, acme):
    filters = filters_for(acme)
    author = make.person(name="Poster Person")
    post = make.post(author=author)
    make.post(author=author, when=at(START - timedelta(days=3)))  # before the period
    make.comment(author=author, post=post)
    make.comment(author=author, post=post)
    (row,) = [r for r in rows_of("alumni_posters", filters) if r["name"] == "Poster Person"]
    assert (row["post_count"], row["comment_count"], row["status_label"]) == (1, 2, "Alumni")


# --- referrals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ReferralStatus.values)
@pytest.mark.parametrize(("when", "counted"), [(MID, 1), (START - timedelta(days=1), 0)])
def test_referrals_by_status(make, acme, status, when, counted):
    filters = filters_for(acme)
    before = figures(insights.build_referrals(filters))
    make.referral(status=status, when=at(when))
    section = insights.build_referrals(filters)
    expected = {("alumni_referrals", ()): 1, ("alumni_referrals", (("status", status),)): 1} if counted else {}
    assert delta(before, figures(section)) == expected
    for figure in section.figures:
        rows = rows_of(figure.list_key, filters, figure.list_params)
        assert len(rows) == figure.value
        assert "secret" not in repr(rows)


# --- surveys -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "answered", "shown", "rate"),
    [
        (3, 0, "0", "0%"),
        (6, 1, None, "—"),
        (6, 4, None, "—"),
        (6, 5, "5", "83%"),
        (8, 8, "8", "100%"),
    ],
)
def test_survey_responses_hide_small_groups(make, acme, sent, answered, shown, rate):
    survey = make.survey()
    make.invitations(survey, sent=sent, answered=answered)
    make.invitations(survey, sent=2, answered=2, day=START - timedelta(days=1))  # sent before the period
    filters = filters_for(acme)
    section = insights.build_surveys(filters)
    (figure,) = [f for f in section.figures if f.list_params == {"survey": str(survey.pk)}]
    (row,) = rows_of("alumni_surveys", filters, figure.list_params)
    assert row["sent"] == sent
    assert row["rate"] == rate
    assert row["results"].url == f"/{acme.slug}/alumni/surveys/{survey.pk}/results/"
    if shown is None:
        assert figure.value == row["answered"] == "Fewer than 5"
        assert str(answered) not in figure.note.replace(f"of {sent}", "")
        (chart,) = section.charts
        assert dict(chart.series)["Response rate"][chart.labels.index(figure.label)] is None
    else:
        assert figure.value == int(shown) and row["answered"] == shown


def test_survey_figures_never_show_what_the_results_page_hides(acme):
    from alumni.selectors.surveys import results

    filters = filters_for(acme, start=date(2000, 1, 1), end=TODAY + timedelta(days=400))
    for row in rows_of("alumni_surveys", filters):
        survey = Survey.objects.get(pk=int(row["results"].url.split("/")[-3]))
        whole = results(survey=survey, filters={})
        if not whole.whole_shown and whole.total:
            assert row["answered"] == "Fewer than 5"


def test_demo_survey_is_counted(acme):
    filters = filters_for(acme, start=date(2000, 1, 1), end=TODAY + timedelta(days=400))
    section = insights.build_surveys(filters)
    assert section.figures, "the demo's survey was sent"
    total, *per_survey = section.figures
    assert total.value == len(rows_of("alumni_surveys", filters)) == len(per_survey)
    for figure in per_survey:
        (row,) = rows_of("alumni_surveys", filters, figure.list_params)
        assert str(figure.value) == row["answered"]


# --- the other organization, department and manager --------------------------------------------------------------


def test_globex_rows_never_appear_in_acmes_figures(make_globex, acme):
    filters = filters_for(acme)
    before = build_all(filters)
    make_globex.a_bit_of_everything()
    survey = make_globex.survey()
    make_globex.invitations(survey, sent=6, answered=6)
    assert build_all(filters) == before
    for key in LISTS:
        if key.startswith("alumni_"):
            assert "globex" not in repr(rows_of(key, filters)).lower()


def test_demo_figures_match_their_lists(make, acme):
    make.a_bit_of_everything()
    filters = filters_for(acme, start=date(2000, 1, 1), end=TODAY + timedelta(days=400))
    for key, build in BUILDERS.items():
        section = build(filters)
        assert section.key == key
        for figure in section.figures:
            rows = rows_of(figure.list_key, filters, figure.list_params)
            if isinstance(figure.value, int) and figure.counts_rows:
                assert len(rows) == figure.value, (key, figure.label)


def test_department_filter_narrows(make, acme):
    department = Department.objects.create(organization=acme, name="Insights dept")
    everyone_before = build_all(filters_for(acme))
    inside = make.a_bit_of_everything(department=department)
    make.a_bit_of_everything()  # outside the department
    narrowed = build_all(filters_for(acme, department=department))
    everyone = build_all(filters_for(acme))
    for key in BUILDERS:
        if key == "alumni_surveys":
            continue
        for figure, value in narrowed[key].items():
            grew = everyone[key][figure] - everyone_before[key].get(figure, 0)
            # Only the department's crafted rows are counted: half of what the whole organization gained.
            assert value * 2 == grew, (key, figure)
    names = {row["name"] for row in rows_of("alumni_people", filters_for(acme, department=department))}
    assert names == {inside.user.name}


@pytest.mark.parametrize("where", ["snapshot", "reports now"])
def test_manager_filter_narrows(make, acme, manager, where):
    filters = filters_for(acme, manager=manager)
    before = build_all(filters)
    person = make.person(manager=manager if where == "reports now" else None)
    departure = make.departure(member=person, manager=manager if where == "snapshot" else None)
    make.post(author=person)
    make.a_bit_of_everything()  # no link to the manager
    after = build_all(filters)
    changed = {key: delta(before[key], after[key]) for key in BUILDERS}
    assert changed["alumni_community"][("alumni_posts", ())] == 1
    assert changed["alumni_community"][("alumni_people", ())] == 1
    # A departure is narrowed by its manager snapshot only.
    assert changed["alumni_departures"].get(ALL, 0) == (1 if where == "snapshot" else 0)
    assert changed["alumni_referrals"] == {}
    names = {row["name"] for row in rows_of("alumni_departures", filters)}
    assert (departure.membership.user.name in names) == (where == "snapshot")


def test_survey_responses_narrow_by_department(make, acme):
    department = Department.objects.create(organization=acme, name="Survey dept")
    survey = make.survey()
    make.invitations(survey, sent=6, answered=5, member_kwargs={"department": department})
    make.invitations(survey, sent=4, answered=4)
    (row,) = rows_of("alumni_surveys", filters_for(acme, department=department), {"survey": survey.pk})
    assert (row["sent"], row["answered"]) == (6, "5")
    (row,) = rows_of("alumni_surveys", filters_for(acme), {"survey": survey.pk})
    assert (row["sent"], row["answered"]) == (10, "9")


# --- queries -----------------------------------------------------------------------------------------------------


def grow(make: Maker, n: int = 30):
    survey = make.survey()
    make.invitations(survey, sent=n, answered=n // 2)
    for i in range(n):
        person = make.person()
        make.departure(member=person, kind=DepartureKind.values[i % 5], comeback=ComebackInterest.YES,
                       quotable=bool(i % 2), day=MID - timedelta(days=i * 7))  # fmt: skip
        make.profile(member=person, hidden=bool(i % 3))
        make.comment(author=person, post=make.post(author=person))
        make.referral(referrer=person, status=ReferralStatus.values[i % 4])
        make.interest(member=person)
        make.comeback()


@pytest.mark.parametrize("key", BUILDERS)
@pytest.mark.parametrize("narrowed", [False, True])
def test_query_count_does_not_grow(make, acme, manager, django_assert_num_queries, key, narrowed):
    filters = filters_for(acme, manager=manager if narrowed else None)
    build = BUILDERS[key]
    with CaptureQueriesContext(connection) as demo:
        build(filters)
    grow(make)
    with django_assert_num_queries(QUERIES[key]):
        build(filters)
    assert len(demo.captured_queries) == QUERIES[key]


@pytest.mark.parametrize("key", [key for key in LISTS if key.startswith("alumni_")])
def test_each_list_is_one_query(make, acme, django_assert_num_queries, key):
    grow(make, 10)
    with django_assert_num_queries(1):
        rows_of(key, filters_for(acme))


def test_builders_and_lists_run_inside_the_organizations_scope(make, acme):
    """The dashboard calls them inside `scope(organization=...)`: every subquery must still be allowed there."""
    from django_scopes import scope

    make.a_bit_of_everything()
    filters = filters_for(acme)
    with scope(organization=acme):
        for build in BUILDERS.values():
            build(filters)
        for key in LISTS:
            if key.startswith("alumni_"):
                rows_of(key, filters)


def test_labels_follow_the_language(make, acme):
    filters = filters_for(acme, start=date(2010, 11, 1), end=date(2010, 12, 31))
    make.departure(day=date(2010, 12, 1))
    with translation.override("ja"):
        section = insights.build_departures(filters)
        rows = rows_of("alumni_departures", filters)
    assert section.charts[0].labels == ["2010-11", "2010-12"]  # months as numbers, the same in both
    assert rows[0]["status_label"] == "退職済み"
    assert section.title == "退職"
