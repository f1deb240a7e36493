"""The HR dashboard (`/<org>/hr/`) and its drill-down lists: who may open them, each figure on crafted data, the
lists holding exactly the people counted, filters, CSV export, charts as accessible pictures, query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementVersion, CareerAlignment, Tour
from alliance import hr_insights
from alliance.hr_forms import default_period
from alliance.models import Department, Membership, User
from checkpoints.models import Checkpoint, TourEnding, TourOutcome
from tests.factories import MembershipFactory, OrganizationFactory

TODAY = timezone.localdate()


def _figures(filters):
    """{(list_key, params as sorted tuple): value} of every built section, plus the figures themselves."""
    found = []
    for spec in hr_insights.sections():
        section = spec.build(filters)
        if section is not None:
            found.extend(section.figures)
    return found


def _filters(org, **kwargs):
    start, end = default_period(timezone.localdate())
    return hr_insights.InsightFilters(organization=org, period_start=start, period_end=end, **kwargs)


def _value(filters, list_key, **params):
    for figure in _figures(filters):
        if figure.list_key == list_key and figure.list_params == params:
            return figure.value
    raise AssertionError(f"no figure links to {list_key} {params}")


def _rows(filters, list_key, **params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(params)
    return list(hr_insights.LISTS[list_key].rows(filters, query))


# --- crafted organization -------------------------------------------------------------------------------------------


class World:
    """A fresh organization with two departments, a manager in each, and people at every stage."""

    def __init__(self):
        self.org = OrganizationFactory(slug="hrdash")
        self.sales = Department.objects.create(organization=self.org, name="営業部")
        self.dev = Department.objects.create(organization=self.org, name="開発部")
        self.hr = MembershipFactory(organization=self.org, role="hr", user__email="hr@hrdash.example")
        self.boss_sales = self.person("boss-sales", role="manager", department=self.sales)
        self.boss_dev = self.person("boss-dev", role="manager", department=self.dev)

    def person(self, name, *, role="employee", department=None, manager=None, status="active", joined=None):
        user = User.objects.create(email=f"{name}@hrdash.example", name=name, password="!")
        return Membership.objects.create(
            organization=self.org,
            user=user,
            role=role,
            status=status,
            department=department,
            manager=manager,
            joined_on=joined,
        )

    def alignment(self, member, *, days_ago=10, status="confirmed", shared=False):
        return CareerAlignment.objects.create(
            organization=self.org,
            employee=member,
            held_on=TODAY - timedelta(days=days_ago),
            status=status,
            shared_with_hr=shared,
            ideal_self="秘密の夢",
        )

    def tour(self, member, *, status="active", start=-100, end=200, title="ツアー"):
        # A draft alignment of long ago: the tours leave "current alignment" to the people's own records below.
        alignment = self.alignment(member, status="draft", days_ago=800)
        return Tour.objects.create(
            organization=self.org,
            employee=member,
            alignment=alignment,
            title=title,
            goal="g",
            toward_ideal_self="t",
            value_to_company="v",
            start_date=TODAY + timedelta(days=start),
            end_date=TODAY + timedelta(days=end),
            status=status,
        )

    def pending(self, tour, *, days_ago):
        agreement = Agreement.objects.create(organization=self.org, tour=tour)
        return AgreementVersion.objects.create(
            organization=self.org,
            agreement=agreement,
            number=1,
            status="pending",
            requested_at=timezone.now() - timedelta(days=days_ago, hours=1),
        )

    def checkpoint(self, tour, *, due, status="scheduled", held=None, employee="", manager="", confidence=None):
        sequence = Checkpoint.objects.filter(tour=tour).count() + 1
        return Checkpoint.objects.create(
            organization=self.org,
            tour=tour,
            sequence=sequence,
            due_date=TODAY + timedelta(days=due),
            status=status,
            held_on=TODAY + timedelta(days=held) if held is not None else None,
            employee_alignment=employee,
            manager_alignment=manager,
            confidence=confidence,
        )

    def ended(self, tour, *, kind="completed", days_ago=20, outcome=None, destination=""):
        tour.status = kind
        tour.save(update_fields=["status"])
        TourEnding.objects.create(
            organization=self.org,
            tour=tour,
            kind=kind,
            reason="" if kind == "completed" else "理由",
            status="confirmed",
            proposed_side="manager",
            confirmed_at=timezone.now() - timedelta(days=days_ago),
        )
        if outcome:
            TourOutcome.objects.create(organization=self.org, tour=tour, kind=outcome, destination=destination)


@pytest.fixture
def world(db):
    w = World()
    s, d = w.sales, w.dev
    # People: a (sales) current alignment; b (sales) only a draft; c (dev) confirmed 400 days ago; d (dev) none.
    w.a = w.person("a", department=s, manager=w.boss_sales, joined=TODAY - timedelta(days=30))
    w.b = w.person("b", department=s, manager=w.boss_sales)
    w.c = w.person("c", department=d, manager=w.boss_dev)
    w.d = w.person("d", manager=None)
    w.alignment(w.a, shared=True)
    w.alignment(w.b, status="draft")
    w.alignment(w.c, days_ago=400)
    w.gone = w.person("gone", status="alumni", department=s)
    # Tours: a active ending in 10 days; b active ending in 200; c past its end; d a draft.
    w.tour_a = w.tour(w.a, end=10)
    w.tour_b = w.tour(w.b, end=200)
    w.tour_c = w.tour(w.c, end=-5)
    w.tour(w.d, status="draft")
    # Waiting signatures: 2 days, 10 days, 40 days.
    w.pending(w.tour_a, days_ago=2)
    w.pending(w.tour_b, days_ago=10)
    w.pending(w.tour_c, days_ago=40)
    # Checkpoints: due in 3 days (a), overdue (b, c), held and waiting (a).
    w.checkpoint(w.tour_a, due=3)
    w.checkpoint(w.tour_b, due=-3)
    w.checkpoint(w.tour_c, due=-30)
    w.checkpoint(w.tour_a, due=-60, status="held", held=-58, employee="on_track", manager="drifting", confidence=6)
    w.checkpoint(w.tour_b, due=-90, status="confirmed", held=-88, employee="on_track", manager="on_track", confidence=8)
    w.checkpoint(
        w.tour_c, due=-95, status="confirmed", held=-90, employee="off_track", manager="on_track", confidence=3
    )
    w.checkpoint(w.tour_c, due=-120, status="confirmed", held=-119)
    # Ended tours in the period: completed → next tour; completed → moved inside; ended early, nothing recorded.
    e1 = w.person("e1", department=d, manager=w.boss_dev)
    e2 = w.person("e2", department=s, manager=w.boss_sales)
    w.ended(w.tour(e1, start=-400, end=-30), outcome="next_tour")
    w.ended(w.tour(e2, start=-400, end=-20), outcome="moved_inside", destination="企画部")
    w.ended(w.tour(w.gone, start=-400, end=-10), kind="ended_early")
    # Ended before the period: not counted.
    w.ended(w.tour(e1, start=-900, end=-500), days_ago=500, outcome="moved_outside")
    return w


# Active members: hr, boss-sales, boss-dev, a, b, c, d, e1, e2 = 9.
CASES = [
    ("members", {"kind": "active"}, 9),
    ("members", {"kind": "joined"}, 1),
    ("members", {"kind": "no_department"}, 2),  # hr and d
    ("members", {"kind": "no_manager"}, 3),  # the two managers and d (HR answers to nobody)
    ("alignments", {"current": "without"}, 8),  # everyone but a (b: draft, c: too old, tours' alignments: HR excluded)
    ("alignments", {"current": "with"}, 1),
    ("tours", {"status": "active"}, 3),
    ("tours", {"status": "ending"}, 1),
    ("tours", {"status": "past_end"}, 1),
    ("tours", {"status": "draft"}, 1),
    ("waiting_signatures", {}, 3),
    ("waiting_signatures", {"waited": "lt7"}, 1),
    ("waiting_signatures", {"waited": "7to30"}, 1),
    ("waiting_signatures", {"waited": "gt30"}, 1),
    ("checkpoints", {"state": "due"}, 1),
    ("checkpoints", {"state": "overdue"}, 2),
    ("checkpoints", {"state": "held"}, 1),
    ("checkpoint_health", {"health": "on_track"}, 1),
    ("checkpoint_health", {"health": "drifting"}, 1),
    ("checkpoint_health", {"health": "off_track"}, 1),
    ("checkpoint_health", {"health": "unanswered"}, 1),
    ("ended_tours", {"ending": "completed"}, 2),
    ("ended_tours", {"ending": "ended_early"}, 1),
    ("ended_tours", {"followed": "next_tour"}, 1),
    ("ended_tours", {"followed": "moved_inside"}, 1),
    ("ended_tours", {"followed": "moved_outside"}, 0),
    ("ended_tours", {"followed": "none"}, 1),
]


@pytest.mark.parametrize("list_key, params, expected", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_each_figure_counts_the_crafted_people_and_its_list_holds_them(world, list_key, params, expected):
    filters = _filters(world.org)
    assert _value(filters, list_key, **params) == expected
    assert len(_rows(filters, list_key, **params)) == expected


def test_people_without_a_current_alignment_are_the_ones_expected(world):
    # Only a's alignment is confirmed and held within the last 12 months.
    names = {row["name"] for row in _rows(_filters(world.org), "alignments", current="without")}
    assert "a" not in names
    assert {"b", "c", "d"} <= names  # a draft, one confirmed 400 days ago, none


@pytest.mark.parametrize(
    "narrowing, list_key, params, expected",
    [
        ("sales", "members", {"kind": "active"}, 4),  # boss-sales, a, b, e2
        ("dev", "members", {"kind": "active"}, 3),  # boss-dev, c, e1
        ("sales", "checkpoints", {"state": "overdue"}, 1),
        ("dev", "checkpoints", {"state": "overdue"}, 1),
        ("boss_sales", "tours", {"status": "active"}, 2),
        ("boss_dev", "tours", {"status": "active"}, 1),
        ("boss_dev", "ended_tours", {"followed": "next_tour"}, 1),
        ("boss_sales", "ended_tours", {"followed": "next_tour"}, 0),
    ],
)
def test_department_and_manager_filters_narrow_figures_and_lists_alike(world, narrowing, list_key, params, expected):
    kwargs = {"department": world.sales} if narrowing == "sales" else {}
    if narrowing == "dev":
        kwargs = {"department": world.dev}
    if narrowing.startswith("boss"):
        kwargs = {"manager": getattr(world, narrowing)}
    filters = _filters(world.org, **kwargs)
    assert _value(filters, list_key, **params) == expected
    assert len(_rows(filters, list_key, **params)) == expected


def test_the_period_narrows_the_figures_over_time(world):
    start = TODAY - timedelta(days=60)
    filters = hr_insights.InsightFilters(organization=world.org, period_start=start, period_end=TODAY)
    assert _value(filters, "checkpoint_health", health="drifting") == 1  # held 58 days ago
    assert _value(filters, "checkpoint_health", health="on_track") == 0  # held 88 days ago
    assert len(_rows(filters, "checkpoint_health", health="on_track")) == 0


def test_the_page_applies_the_filters_from_the_query_string(world, login):
    client = login(world.hr, language="en")
    url = reverse("hr_dashboard", args=["hrdash"])
    response = client.get(url, {"department": world.dev.pk})
    assert response.status_code == 200
    link = reverse("hr_list", args=["hrdash", "members"])
    body = response.content.decode()
    assert f'href="{link}?start=' in body
    assert f"department={world.dev.pk}" in body
    assert 'data-value="3"' in body  # the active members of 開発部


def test_a_bad_period_says_so_and_shows_the_default_period(world, login):
    client = login(world.hr, language="en")
    response = client.get(reverse("hr_dashboard", args=["hrdash"]), {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 200
    assert "The end of the period must not come before its start." in response.content.decode()


def test_alignment_words_never_reach_the_page_or_lists(world, login):
    client = login(world.hr)
    body = client.get(reverse("hr_dashboard", args=["hrdash"])).content.decode()
    for key in hr_insights.LISTS:
        body += client.get(reverse("hr_list", args=["hrdash", key])).content.decode()
    assert "秘密の夢" not in body


# --- every registered list, on the demo organization -----------------------------------------------------------


def test_every_figure_links_to_a_list_holding_exactly_the_people_it_counts(acme):
    filters = _filters(acme)
    checked = set()
    for figure in _figures(filters):
        if figure.list_key is None or not isinstance(figure.value, int) or not figure.counts_rows:
            continue
        assert figure.list_key in hr_insights.LISTS, figure
        rows = _rows(filters, figure.list_key, **figure.list_params)
        assert len(rows) == figure.value, (figure.label, figure.list_key, figure.list_params)
        checked.add(figure.list_key)
    # Every registered list, whichever app registered it, is reached from a figure of the demo's dashboard.
    assert set(hr_insights.LISTS) <= checked


@pytest.mark.parametrize("key", sorted(hr_insights.LISTS))
def test_every_registered_list_renders_and_exports(hr, login, key):
    client = login(hr, language="en")
    url = reverse("hr_list", args=["acme", key])
    assert client.get(url).status_code == 200
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text[1:])))
    assert header == [str(h) for _k, h in hr_insights.LISTS[key].columns]


def test_the_csv_export_holds_the_whole_list_with_japanese_headers(world, login):
    client = login(world.hr, language="ja")
    url = reverse("hr_list", args=["hrdash", "tours"])
    response = client.get(url, {"status": "active", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["氏名", "部署", "マネージャー"]
    assert sorted(r[0] for r in rows[1:]) == ["a", "b", "c"]


def test_the_list_page_shows_its_filters_and_paginates(world, login):
    for i in range(60):
        world.person(f"extra{i:02d}", department=world.dev)
    client = login(world.hr, language="en")
    url = reverse("hr_list", args=["hrdash", "members"])
    response = client.get(url, {"kind": "active", "department": world.dev.pk})
    body = response.content.decode()
    assert "開発部" in body and "Active members" in body
    assert "Page 1 of 2" in body
    assert 'rel="next"' in body


def test_an_unknown_list_is_404(hr, login):
    assert login(hr).get(reverse("hr_list", args=["acme", "no-such-list"])).status_code == 404


# --- who may open ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hr_dashboard", "hr_list"])
@pytest.mark.parametrize("role, status", [("hr", 200), ("manager", 403), ("employee", 403), ("alumni", 404)])
def test_only_hr_opens_the_dashboard_and_lists(db, request, login, name, role, status):
    member = request.getfixturevalue(role)
    args = ["acme"] + (["members"] if name == "hr_list" else [])
    assert login(member).get(reverse(name, args=args)).status_code == status


@pytest.mark.parametrize("name", ["hr_dashboard", "hr_list"])
def test_hr_of_another_organization_gets_404(db, login, name):
    from alliance.models import Organization

    globex_hr = MembershipFactory(organization=Organization.objects.get(slug="globex"), role="hr")
    args = ["acme"] + (["members"] if name == "hr_list" else [])
    assert login(globex_hr).get(reverse(name, args=args)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db, login):
    response = login(None).get(reverse("hr_dashboard", args=["acme"]))
    assert response.status_code == 302


def test_the_hr_navigation_links_the_dashboard(hr, manager, login):
    url = reverse("hr_dashboard", args=["acme"])
    assert f'href="{url}"' in login(hr).get(reverse("dashboard", args=["acme"])).content.decode()
    assert f'href="{url}"' not in login(manager).get(reverse("dashboard", args=["acme"])).content.decode()


# --- the page: charts, languages, empty state, queries -------------------------------------------------------------


def test_each_chart_is_a_picture_with_a_text_alternative_and_a_table(world, login):
    body = login(world.hr, language="en").get(reverse("hr_dashboard", args=["hrdash"])).content.decode()
    assert body.count('role="img"') >= 4
    assert body.count("<figcaption") == body.count('role="img"')
    assert '<desc id="hr-signatures-chart-0-desc">Bar chart. Agreements: Fewer than 7 days 1' in body
    assert 'id="hr-health-chart-1-desc">Line chart.' in body
    assert "<polyline" in body and "<rect" in body
    assert body.count("<caption") >= body.count('role="img"')


@pytest.mark.parametrize(
    "language, words",
    [("en", ["HR dashboard", "Tours of duty", "Overdue"]), ("ja", ["人事ダッシュボード", "コミットメント期間"])],
)
def test_the_page_reads_in_japanese_and_english(hr, login, language, words):
    body = login(hr, language=language).get(reverse("hr_dashboard", args=["acme"])).content.decode()
    for word in words:
        assert word in body


def test_an_organization_with_nothing_yet_shows_what_to_do(db, login):
    org = OrganizationFactory(slug="emptyorg")
    hr = MembershipFactory(organization=org, role="hr")
    body = login(hr, language="en").get(reverse("hr_dashboard", args=["emptyorg"])).content.decode()
    assert "No tour of duty yet" in body or "Nothing to show yet" in body


def _grow(org, manager, n):
    """`n` more members of `org` reporting to `manager`, each with a tour, a pending agreement and checkpoints."""
    users = User.objects.bulk_create(
        User(email=f"grow{i}@acme.example", name=f"増員 {i}", password="!") for i in range(n)
    )
    members = Membership.objects.bulk_create(
        Membership(organization=org, user=u, role="employee", manager=manager) for u in users
    )
    alignments = CareerAlignment.objects.bulk_create(
        CareerAlignment(organization=org, employee=m, manager=manager, status="confirmed") for m in members
    )
    tours = Tour.objects.bulk_create(
        Tour(
            organization=org,
            employee=m,
            alignment=a,
            title="増員ツアー",
            goal="g",
            toward_ideal_self="t",
            value_to_company="v",
            start_date=TODAY - timedelta(days=100),
            end_date=TODAY + timedelta(days=i % 60),
            status="active",
        )
        for i, (m, a) in enumerate(zip(members, alignments, strict=True))
    )
    Checkpoint.objects.bulk_create(
        Checkpoint(organization=org, tour=t, sequence=1, due_date=TODAY - timedelta(days=i % 20), status="scheduled")
        for i, t in enumerate(tours)
    )
    Checkpoint.objects.bulk_create(
        Checkpoint(
            organization=org,
            tour=t,
            sequence=2,
            due_date=TODAY - timedelta(days=40),
            held_on=TODAY - timedelta(days=40 + i % 200),
            status="confirmed",
            employee_alignment=("on_track", "drifting", "off_track")[i % 3],
            confidence=1 + i % 10,
        )
        for i, t in enumerate(tours)
    )


def test_the_query_count_does_not_grow_with_the_organization(hr, manager, login, django_assert_max_num_queries):
    client = login(hr)
    url = reverse("hr_dashboard", args=["acme"])
    client.get(url)
    with django_assert_max_num_queries(38), CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    _grow(hr.organization, manager, 50)
    with django_assert_max_num_queries(38), CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)
