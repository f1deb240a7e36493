"""The HR dashboard's and HR home's figures computed by the faster queries (checkpoints due, overdue and held from
one range by manager plus a held count; the overdue total with the tour's organization repeated; the people who
shared an alignment with HR counted in the same pass as the current alignments; the manager select's options with
each user read by key): each held against a plain Python count over every row (an oracle with no SQL cleverness),
on a table of edge cases and on a seeded random organization. These tests also pass on the queries they replaced."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from agreements.models import CareerAlignment, Tour
from alliance.hr_forms import InsightFilterForm, default_period
from alliance.hr_insights import InsightFilters
from alliance.models import Membership, User
from alliance.selectors import manager_choice_rows, manager_choices
from checkpoints import hr_insights as checkpoint_insights
from checkpoints.models import Checkpoint
from checkpoints.selectors import DUE_SOON_DAYS, overdue_counts, overdue_total
from tests.factories import OrganizationFactory

TODAY = timezone.localdate()


class Org:
    def __init__(self, slug="fastpath"):
        self.org = OrganizationFactory(slug=slug)
        self.n = 0
        self.hr = self.person("hr", role="hr")

    def person(self, name, *, role="employee", manager=None, status="active", reading="", display=None):
        self.n += 1
        user = User.objects.create(
            email=f"{name}-{self.n}@{self.org.slug}.example",
            name=name if display is None else display,
            reading=reading,
            password="!",
        )
        return Membership.objects.create(organization=self.org, user=user, role=role, status=status, manager=manager)

    def tour(self, member, *, status="active"):
        alignment = CareerAlignment.objects.create(
            organization=self.org, employee=member, held_on=TODAY - timedelta(days=800), status="draft"
        )
        return Tour.objects.create(
            organization=self.org,
            employee=member,
            alignment=alignment,
            title="ツアー",
            goal="g",
            toward_ideal_self="t",
            value_to_company="v",
            start_date=TODAY - timedelta(days=100),
            end_date=TODAY + timedelta(days=200),
            status=status,
        )

    def checkpoint(self, tour, *, due, status="scheduled"):
        return Checkpoint.objects.create(
            organization=self.org,
            tour=tour,
            sequence=Checkpoint.objects.filter(tour=tour).count() + 1,
            due_date=TODAY + timedelta(days=due),
            status=status,
            held_on=TODAY - timedelta(days=1) if status in ("held", "confirmed") else None,
        )


def _filters(org):
    start, end = default_period(TODAY)
    return InsightFilters(organization=org, period_start=start, period_end=end)


def _oracle(org):
    """(due, overdue, held, {manager_id: (due, overdue)}) counted in Python over every checkpoint of `org`."""
    due = overdue = held = 0
    by_manager = {}
    for cp in Checkpoint.objects.filter(organization=org).select_related("tour__employee"):
        if cp.tour.status != "active":
            continue
        manager = cp.tour.employee.manager_id
        if cp.status == "held":
            held += 1
        elif cp.status == "scheduled" and cp.due_date < TODAY:
            overdue += 1
            d, o = by_manager.get(manager, (0, 0))
            by_manager[manager] = (d, o + 1)
        elif cp.status == "scheduled" and cp.due_date <= TODAY + timedelta(days=DUE_SOON_DAYS):
            due += 1
            d, o = by_manager.get(manager, (0, 0))
            by_manager[manager] = (d + 1, o)
    return due, overdue, held, by_manager


def _section_counts(org):
    section = checkpoint_insights.build_checkpoints(_filters(org))
    return {f.list_params["state"]: f.value for f in section.figures}, section


# One checkpoint each: (tour status, checkpoint status, due in days, employee status, with a manager) ->
# the (due, overdue, held) figures. The boundaries of "due within 14 days" and "overdue" on both sides.
EDGE_CASES = [
    ("active", "scheduled", 0, "active", True, (1, 0, 0)),  # due today: due, not overdue
    ("active", "scheduled", DUE_SOON_DAYS, "active", True, (1, 0, 0)),  # the last day of the window
    ("active", "scheduled", DUE_SOON_DAYS + 1, "active", True, (0, 0, 0)),  # the day after: counted nowhere
    ("active", "scheduled", -1, "active", True, (0, 1, 0)),  # due yesterday: overdue
    ("active", "scheduled", -400, "active", True, (0, 1, 0)),  # long overdue
    ("active", "scheduled", -1, "active", False, (0, 1, 0)),  # overdue, employee without a manager
    ("active", "held", 30, "active", True, (0, 0, 1)),  # held before its due date
    ("active", "held", -30, "active", True, (0, 0, 1)),  # held after it
    ("active", "confirmed", -5, "active", True, (0, 0, 0)),
    ("active", "cancelled", -5, "active", True, (0, 0, 0)),
    ("draft", "scheduled", -5, "active", True, (0, 0, 0)),  # only active tours count
    ("completed", "scheduled", -5, "active", True, (0, 0, 0)),
    ("completed", "held", -5, "active", True, (0, 0, 0)),
    ("active", "scheduled", -5, "alumni", True, (0, 1, 0)),  # the employee's status is not a condition
]


@pytest.mark.parametrize(
    "tour_status, status, due, member_status, managed, expected",
    EDGE_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]:+d}d-{c[3]}-{'managed' if c[4] else 'no-manager'}" for c in EDGE_CASES],
)
def test_checkpoint_figures_on_each_edge_case(db, tour_status, status, due, member_status, managed, expected):
    world = Org()
    boss = world.person("boss", role="manager")
    member = world.person("m", manager=boss if managed else None, status=member_status)
    world.checkpoint(world.tour(member, status=tour_status), due=due, status=status)

    counts, section = _section_counts(world.org)
    assert (counts["due"], counts["overdue"], counts["held"]) == expected
    assert (counts["due"], counts["overdue"], counts["held"]) == _oracle(world.org)[:3]
    # The home page's overdue card and the manager breakdown agree with the figure.
    assert overdue_total(organization=world.org, today=TODAY) == expected[1]
    assert sum(row.count for row in overdue_counts(organization=world.org, today=TODAY)) == expected[1]
    if any(expected[:2]):
        (chart,) = section.charts
        assert chart.labels == [boss.user.display_name if managed else gettext("No manager")]
        assert [values for _name, values in chart.series] == [[expected[0]], [expected[1]]]
    elif expected[2]:
        # Held only: the figures with an empty chart, not the "nothing due" message.
        (chart,) = section.charts
        assert chart.labels == [] and not section.empty_message
    else:
        assert section.empty_message and not section.charts


def test_checkpoint_figures_and_chart_match_a_python_count_on_a_random_organization(db):
    rng = random.Random(20261201)
    world = Org()
    bosses = [world.person(f"boss{i:02d}", role="manager") for i in range(14)]  # more than TOP_MANAGERS
    for i in range(60):
        member = world.person(f"p{i:02d}", manager=rng.choice([*bosses, None]))
        tour = world.tour(member, status=rng.choice(["active", "active", "active", "draft", "completed"]))
        for _ in range(rng.randint(0, 4)):
            world.checkpoint(
                tour,
                due=rng.randint(-40, 40),
                status=rng.choice(["scheduled", "scheduled", "scheduled", "held", "confirmed", "cancelled"]),
            )
    due, overdue, held, by_manager = _oracle(world.org)
    counts, section = _section_counts(world.org)
    assert (counts["due"], counts["overdue"], counts["held"]) == (due, overdue, held)
    assert overdue_total(organization=world.org, today=TODAY) == overdue

    (chart,) = section.charts
    (_due_name, due_values), (_overdue_name, overdue_values) = chart.series
    assert sum(due_values) == due and sum(overdue_values) == overdue
    # The bars: the TOP_MANAGERS with most overdue, then most due, the rest summed. Managers tied on both are
    # ordered by id (where the databases put "no manager" differs), which changes no value compared here.
    ranked = sorted(by_manager.values(), key=lambda pair: (-pair[1], -pair[0]))
    top, rest = ranked[: checkpoint_insights.TOP_MANAGERS], ranked[checkpoint_insights.TOP_MANAGERS :]
    expected_due, expected_overdue = [d for d, _o in top], [o for _d, o in top]
    if rest:
        expected_due.append(sum(d for d, _o in rest))
        expected_overdue.append(sum(o for _d, o in rest))
    assert due_values == expected_due
    assert overdue_values == expected_overdue
    assert len(chart.labels) == len(due_values)


def test_checkpoints_of_another_organization_never_count(db):
    ours, theirs = Org("ours"), Org("theirs")
    ours.checkpoint(ours.tour(ours.person("a")), due=-3)
    for due in (-3, 2):
        theirs.checkpoint(theirs.tour(theirs.person("b")), due=due)
    counts, _section = _section_counts(ours.org)
    assert (counts["due"], counts["overdue"], counts["held"]) == (0, 1, 0)
    assert overdue_total(organization=ours.org, today=TODAY) == 1
    assert overdue_total(organization=ours.org.pk, today=TODAY) == 1


# --- the manager select -------------------------------------------------------------------------------------------


@pytest.fixture
def managers(db):
    world = Org("managers")
    made = [
        world.person("佐藤", role="manager", reading="さとう"),
        world.person("斎藤", role="manager", reading="さいとう"),
        world.person("斉藤", role="manager", reading="さいとう"),  # the same reading: by name
        world.person("Bob", role="manager"),  # no reading: after everyone with one, by name
        world.person("Bob", role="manager"),  # the same name and no reading: by e-mail
        world.person("", role="manager", display=""),  # no name: shown by e-mail
        world.person("<b>人事</b>", role="hr", reading="じんじ"),  # HR may have reports; markup is escaped
        world.person("社員", role="employee", reading="しゃいん"),  # an employee is not a choice
        world.person("元部長", role="manager", status="alumni", reading="もと"),  # nor someone who left
    ]
    Org("elsewhere").person("他社", role="manager", reading="あ")  # nor a manager of another organization
    return world, made


def test_manager_rows_are_the_choices_in_the_same_order(managers):
    world, _made = managers
    expected = [(m.pk, m.user.name, m.user.email, m.role) for m in manager_choices(organization=world.org)]
    assert list(manager_choice_rows(organization=world.org)) == expected
    # People with a reading first (じんじ, さいとう twice, さとう), then the four without one (Bob twice, no name, hr).
    assert [m.user.reading_key != "" for m in manager_choices(organization=world.org)] == [True] * 4 + [False] * 4
    assert {role for *_rest, role in expected} == {"manager", "hr"}
    assert len(expected) == 8  # with the organization's own HR member


def test_manager_options_are_escaped_and_keep_the_chosen_one(managers):
    world, made = managers
    chosen = made[1]
    form = InsightFilterForm({"manager": str(chosen.pk)}, organization=world.org)
    html = form.manager_options()
    for membership in manager_choices(organization=world.org):
        label = escape(membership.user.name or membership.user.email)
        selected = " selected" if membership.pk == chosen.pk else ""
        assert f'<option value="{membership.pk}"{selected}>{label} (' in html
    assert "<b>" not in html and "&lt;b&gt;人事&lt;/b&gt;" in html
    assert html.count("<option") == 8 and html.count(" selected") == 1


# --- alignments shared with HR: counted in the same pass as the current alignments -------------------------------


def _shared(filters):
    from agreements.hr_insights import build_alignments

    section = build_alignments(filters)
    (figure,) = [f for f in section.figures if f.label == gettext("Shared with HR")]
    return figure.value


# (member status, the member's alignments as (status, shared) pairs) -> the "Shared with HR" figure.
SHARED_CASES = [
    ("active", [("confirmed", True)], 1),
    ("active", [("confirmed", True), ("confirmed", True)], 1),  # a person counts once, however many they shared
    ("active", [("draft", True)], 1),  # whatever the alignment's status
    ("active", [("confirmed", False)], 0),
    ("active", [("confirmed", False), ("draft", True)], 1),
    ("active", [], 0),
    ("alumni", [("confirmed", True)], 0),  # only active people
]


@pytest.mark.parametrize("member_status, alignments, expected", SHARED_CASES)
def test_shared_with_hr_on_each_edge_case(db, member_status, alignments, expected):
    world = Org()
    member = world.person("m", status=member_status)
    for days_ago, (status, shared) in enumerate(alignments, start=5):
        CareerAlignment.objects.create(
            organization=world.org,
            employee=member,
            held_on=TODAY - timedelta(days=days_ago),
            status=status,
            shared_with_hr=shared,
        )
    # Another organization's shared alignment never counts here.
    other = Org("other-shared")
    CareerAlignment.objects.create(
        organization=other.org, employee=other.person("x"), held_on=TODAY, status="confirmed", shared_with_hr=True
    )
    assert _shared(_filters(world.org)) == expected


def test_shared_with_hr_is_narrowed_by_department_and_manager(db):
    from alliance.models import Department

    world = Org()
    sales = Department.objects.create(organization=world.org, name="営業部")
    boss = world.person("boss", role="manager")
    in_sales = world.person("s")
    in_sales.department, in_sales.manager = sales, boss
    in_sales.save(update_fields=["department", "manager"])
    elsewhere = world.person("e")
    for member in (in_sales, elsewhere):
        CareerAlignment.objects.create(
            organization=world.org, employee=member, held_on=TODAY, status="confirmed", shared_with_hr=True
        )
    start, end = default_period(TODAY)
    narrowed = {"organization": world.org, "period_start": start, "period_end": end}
    assert _shared(InsightFilters(**narrowed)) == 2
    assert _shared(InsightFilters(**narrowed, department=sales)) == 1
    assert _shared(InsightFilters(**narrowed, manager=boss)) == 1


def test_shared_with_hr_matches_a_python_count_on_a_random_organization(db):
    rng = random.Random(7)
    world = Org()
    people = [world.person(f"p{i}", status=rng.choice(["active", "active", "alumni"])) for i in range(40)]
    for _ in range(90):
        CareerAlignment.objects.create(
            organization=world.org,
            employee=rng.choice(people),
            held_on=TODAY - timedelta(days=rng.randint(0, 900)),
            status=rng.choice(["confirmed", "draft"]),
            shared_with_hr=rng.random() < 0.4,
        )
    expected = len(
        {
            a.employee_id
            for a in CareerAlignment.objects.filter(organization=world.org).select_related("employee")
            if a.shared_with_hr and a.employee.status == "active"
        }
    )
    assert _shared(_filters(world.org)) == expected


# --- the chart tables, written in Python rather than by template loops --------------------------------------------

# What alliance/hr/_chart.html's loops wrote before the rows were built in Python (alliance.hr_charts._table_body).
OLD_TABLE_BODY = (
    '{% load i18n %}{% for label, cells in drawing.rows %}<tr><th scope="row">{{ label }}</th>{% for cell in cells %}'
    '<td class="num">{{ cell }}</td>{% endfor %}</tr>{% empty %}<tr><td colspan="{{ drawing.legend|length|add:1 }}">'
    '{% translate "No figures in this period" %}</td></tr>{% endfor %}'
)

TABLE_CHARTS = [
    dict(title="t", labels=[], series=[]),  # nothing at all: the "no figures" row spans the category column
    dict(title="t", labels=[], series=[("A", []), ("B", [])]),  # two series, no label: colspan 3
    dict(title="t", labels=["2026-01", "2026-02"], series=[("件数", [3, 1234])]),  # grouping: 1,234
    dict(title="t", labels=["<b>x</b>", "O'Neil & co"], series=[("a<", [None, 2.25]), ("b", [0, 7])]),  # escaped
    dict(title="t", labels=["a", "b", "c"], series=[("s", [1.0, 2.5])], unit="%"),  # a missing cell: —
]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("kwargs", TABLE_CHARTS, ids=range(len(TABLE_CHARTS)))
def test_chart_table_rows_are_what_the_template_loops_wrote(language, kwargs):
    from django.template import Context, Template
    from django.utils import translation

    from alliance.hr_charts import draw
    from alliance.hr_insights import Chart

    with translation.override(language):
        drawing = draw(Chart(**kwargs))
        old = Template(OLD_TABLE_BODY).render(Context({"drawing": drawing}))
        assert str(drawing.table_body()) == old
