"""The "waiting for you" list at the top of every home page, and the e-mail telling an employee that a 1on1
record waits for their confirmation (sent once, recorded before sending)."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from agreements import selectors, services
from agreements.models import AgreementVersion, VersionStatus
from agreements.notices import ALIGNMENT_CONFIRM
from alliance import notices
from alliance.models import Membership, Notice, NoticeState, Role
from tests.agreements.conftest import KPI, PASSWORD
from tests.factories import MembershipFactory, UserFactory


def _report(acme, manager, n=0):
    return MembershipFactory(
        organization=acme, manager=manager, user=UserFactory(email=f"report{n}@waiting.example", name=f"部下 {n}")
    )


def _alignment(member, actor):
    return services.alignment_create(
        actor=actor, employee=member, data={"held_on": date(2026, 4, 1), "ideal_self": "起業する", "time_horizon": "5y"}
    )


def _tour(member, actor, **dates):
    alignment = _alignment(member, actor)
    services.alignment_confirm(alignment=alignment, actor=member)  # so that only the tour's records wait
    fields = {
        "title": f"任務 {member.pk}",
        "kind": "transformational",
        "goal": "目標",
        "toward_ideal_self": "成長",
        "value_to_company": "価値",
        "start_date": dates.get("start", date(2031, 5, 1)),
        "end_date": dates.get("end", date(2032, 5, 1)),
    }
    return services.tour_create(actor=actor, alignment=alignment, data=fields)


def _complete_draft(tour, actor):
    version = selectors.current_version(tour.agreement)
    services.agreement_update_draft(
        version=version,
        actor=actor,
        clauses={"company_offers": "機会", "employee_offers": "成果"},
        kpis=[KPI],
    )
    version.refresh_from_db()
    return version


def _items(waiting, group, person):
    return sorted(item.kind for item in getattr(waiting, group) if item.person.pk == person.pk)


def _state(acme, manager, hr, state):
    """A fresh report of `manager` with one record in `state`; returns the report."""
    report = _report(acme, manager, n=state)
    if state == "alignment_by_manager":
        _alignment(report, manager)
    elif state == "alignment_by_self":
        _alignment(report, report)
    elif state == "draft":
        _tour(report, manager)
    elif state in ("declined", "pending", "signed_by_employee", "signed_by_both"):
        version = services.agreement_request_signatures(
            version=_complete_draft(_tour(report, manager), manager), actor=manager
        )
        if state == "declined":
            services.agreement_decline(version=version, actor=report, reason="KPIが高すぎる")
        if state in ("signed_by_employee", "signed_by_both"):
            services.agreement_sign(
                version=version, actor=report, password="alliance-test", content_hash=version.content_hash
            )
        if state == "signed_by_both":
            services.agreement_sign(
                version=version, actor=manager, password=PASSWORD, content_hash=version.content_hash
            )
    return report


# (state of the report's record) → what waits on the report, on their manager (for themselves and about the
# report), and on HR. acme asks HR to countersign.
CASES = [
    ("alignment_by_manager", ["confirm"], [], ["confirm"], []),
    ("alignment_by_self", ["confirm"], [], ["confirm"], []),
    ("draft", ["draft"], ["draft"], [], []),
    ("declined", ["declined"], ["declined"], [], []),
    ("pending", ["sign"], ["sign"], ["sign"], ["countersign"]),
    ("signed_by_employee", [], ["sign"], [], ["countersign"]),
    ("signed_by_both", [], [], [], ["countersign"]),
]


@pytest.mark.parametrize(("state", "report_mine", "manager_mine", "manager_reports", "hr_items"), CASES)
def test_each_record_state_waits_on_the_right_people(
    acme, manager, hr, state, report_mine, manager_mine, manager_reports, hr_items
):
    report = _state(acme, manager, hr, state)
    report = Membership.objects.get(pk=report.pk)
    assert _items(selectors.waiting_for(membership=report), "mine", report) == report_mine
    on_manager = selectors.waiting_for(membership=manager)
    assert _items(on_manager, "mine", report) == manager_mine
    assert _items(on_manager, "reports", report) == manager_reports
    assert _items(selectors.waiting_for(membership=hr), "hr", report) == hr_items


def test_a_discarded_draft_and_a_confirmed_alignment_wait_on_no_one(acme, manager, hr):
    report = _report(acme, manager)
    alignment = _alignment(report, manager)
    services.alignment_confirm(alignment=alignment, actor=report)
    tour = services.tour_create(
        actor=manager,
        alignment=alignment,
        data={
            "title": "捨てる任務",
            "kind": "rotational",
            "goal": "g",
            "toward_ideal_self": "t",
            "value_to_company": "v",
            "start_date": date(2031, 5, 1),
            "end_date": date(2032, 5, 1),
        },
    )
    services.tour_discard(tour=tour, actor=manager)
    for viewer in (report, manager, hr):
        waiting = selectors.waiting_for(membership=viewer)
        assert not [i for i in [*waiting.mine, *waiting.reports, *waiting.hr] if i.person.pk == report.pk]


@pytest.mark.parametrize("rows", [0, 1, 12])
def test_the_list_takes_a_fixed_number_of_queries_whatever_the_rows(acme, manager, hr, rows, django_assert_num_queries):
    """Also with no version waiting for signatures at all (rows=0: the demo's are withdrawn to drafts), so the
    home page makes as many queries in an organization with pending versions as in one without."""
    if rows == 0:
        AgreementVersion.objects.filter(status=VersionStatus.PENDING).update(status=VersionStatus.DRAFT)
    states = ["alignment_by_manager", "draft", "declined", "pending", "signed_by_employee"]
    for n in range(rows):
        report = _report(acme, manager, n=1000 + n)
        _state_for(report, manager, states[n % len(states)])
    with django_assert_num_queries(2):
        waiting = selectors.waiting_for(membership=manager)
    assert len(waiting.mine) + len(waiting.reports) >= rows
    with django_assert_num_queries(2):
        selectors.waiting_for(membership=hr)


def test_the_signed_roles_carried_on_the_versions_query_are_those_of_their_signatures(acme, manager):
    """`with_signed_roles` (one EXISTS per role) answers what `signed_roles` (the signatures' own query) does,
    for versions in every state, voided signatures included."""
    for n, state in enumerate(["pending", "signed_by_employee", "declined", "draft"]):
        _state_for(_report(acme, manager, n=2000 + n), manager, state)
    versions = list(selectors.with_signed_roles(AgreementVersion.objects.order_by("pk")))
    by_query = selectors.signed_roles(versions)
    assert {v.pk: selectors.signed_roles_carried(v) for v in versions} == by_query
    assert any(by_query.values()), "some version was signed"
    assert any(not roles for roles in by_query.values()), "some version was not"


def _state_for(report, manager, state):
    if state == "alignment_by_manager":
        _alignment(report, manager)
        return
    tour = _tour(report, manager)
    if state == "draft":
        return
    version = services.agreement_request_signatures(version=_complete_draft(tour, manager), actor=manager)
    if state == "declined":
        services.agreement_decline(version=version, actor=report, reason="理由")
    elif state == "signed_by_employee":
        services.agreement_sign(
            version=version, actor=report, password="alliance-test", content_hash=version.content_hash
        )


def test_the_home_page_starts_with_what_waits_each_with_one_link(login, acme, manager):
    report = _report(acme, manager)
    alignment = _alignment(report, manager)
    response = login(report, language="en").get(reverse("dashboard", args=["acme"]))
    html = response.content.decode()
    assert html.index("Waiting for you") < html.index("Your next steps")
    confirm_url = reverse("agreements:alignment_confirm", args=["acme", alignment.pk])
    assert html.count(f'href="{confirm_url}"') == 1
    assert "Confirm the record of your 1on1" in html


def test_the_home_page_says_plainly_when_nothing_waits(login, acme):
    someone = MembershipFactory(organization=acme, role=Role.EMPLOYEE)
    html = login(someone, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    assert "Waiting for you" in html and "Nothing is waiting for you right now." in html


def test_the_home_page_of_an_alumnus_has_no_waiting_list(login, alumni):
    html = login(alumni, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    assert "Waiting for you" not in html


@pytest.mark.parametrize(
    ("who_saves", "saves", "mails"),
    [
        ("manager", 1, 1),  # the manager records the 1on1: the employee is told
        ("manager", 3, 1),  # saving it again tells them nothing more
        ("employee", 2, 0),  # the employee's own draft: nothing to tell them
    ],
)
def test_the_employee_is_told_once_that_a_1on1_record_waits_for_them(
    acme, manager, who_saves, saves, mails, django_capture_on_commit_callbacks
):
    report = _report(acme, manager)
    actor = manager if who_saves == "manager" else report
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alignment = _alignment(report, actor)
    for _ in range(saves - 1):
        with django_capture_on_commit_callbacks(execute=True):
            services.alignment_update(alignment=alignment, actor=actor, data={"ideal_self": "別の言葉"})
    sent = [m for m in mail.outbox if report.user.email in m.to]
    assert len(sent) == mails
    recorded = Notice.objects.filter(kind=ALIGNMENT_CONFIRM, object_id=alignment.pk)
    assert recorded.count() == mails
    if mails:
        confirm_url = reverse("agreements:alignment_confirm", args=["acme", alignment.pk])
        assert confirm_url in sent[0].body
        assert recorded.get().state == NoticeState.SENT and recorded.get().sent_at is not None


def test_a_notice_for_a_record_confirmed_before_it_went_out_is_not_sent(acme, manager):
    report = _report(acme, manager)
    alignment = _alignment(report, manager)  # on_commit callbacks are not run: the notice is recorded, unsent
    services.alignment_confirm(alignment=alignment, actor=report)
    notice = Notice.objects.get(kind=ALIGNMENT_CONFIRM, object_id=alignment.pk)
    mail.outbox.clear()
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == NoticeState.SKIPPED
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == ""
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("who", "names_the_employee"),
    [
        ("report", False),  # their own agreement: "Sign “title”, version n"
        ("manager", True),  # a report's agreement: whose it is must be said, the manager may have several
    ],
)
def test_a_signature_to_give_says_whose_agreement_it_is(login, acme, manager, who, names_the_employee):
    report = _report(acme, manager, n=7)
    version = services.agreement_request_signatures(
        version=_complete_draft(_tour(report, manager), manager), actor=manager
    )
    reader = report if who == "report" else manager
    html = login(reader, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    sign_url = reverse("agreements:sign", args=["acme", version.agreement_id, version.number])
    item = html[html.index(f'href="{sign_url}"') :].split("</a>")[0]
    assert "Sign “" in item
    assert (report.user.display_name in item) == names_the_employee


@pytest.mark.parametrize(("saver_language", "reader_language"), [("en", "ja"), ("ja", "en")])
def test_the_1on1_notice_reads_in_the_employees_language_whatever_the_managers(
    login, acme, manager, saver_language, reader_language, django_capture_on_commit_callbacks
):
    from django.utils import translation

    report = _report(acme, manager, n=8)
    with translation.override(saver_language), django_capture_on_commit_callbacks(execute=True):
        _alignment(report, manager)
    html = login(report, language=reader_language).get(reverse("notifications", args=["acme"])).content.decode()
    item = html[html.index('class="notice-list"') :]
    assert "2026-04-01" in item
    assert ("1on1 of" in item) is False and ("の1on1" in item) is False
