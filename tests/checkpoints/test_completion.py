"""How a tour ends and what follows it: who may propose, confirm, decline and withdraw (both orders), HR's direct
end, the other organization, double and own confirmations, ending twice, completion before the closing review,
a leaver's tours, the cancelled checkpoints, what followed, the next tour, the notice and "waiting for you"."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from agreements import rules as agreement_rules
from agreements import selectors as agreement_selectors
from agreements.models import Tour, TourStatus
from alliance.conflicts import StateConflict
from alliance.models import AuditEntry, Membership, MembershipStatus, Notice
from checkpoints import services
from checkpoints.ending_notices import PROPOSED
from checkpoints.models import (
    Checkpoint,
    CheckpointCancellation,
    CheckpointKind,
    CheckpointStatus,
    EndingKind,
    EndingSide,
    EndingStatus,
    OutcomeKind,
    TourEnding,
    TourOutcome,
)
from checkpoints.selectors import version_in_force

ROLES = ("employee", "manager", "hr", "other_manager", "alumni", "outsider")
REASON = "社内公募で別チームへの異動が決まったため"


@pytest.fixture
def as_request():
    """Run code as if serving a request of `membership` (the audit trail names them)."""
    from django.test import RequestFactory

    from alliance import audit

    def make(membership):
        request = RequestFactory().get("/")
        request.user, request.membership = membership.user, membership
        return audit.acting_request(request)

    return make


@pytest.fixture
def tour(employee):
    """The demo employee's active, signed tour (its checkpoints scheduled by the signature)."""
    return Tour.objects.get(employee=employee, status=TourStatus.ACTIVE)


@pytest.fixture
def closing(tour):
    return Checkpoint.objects.get(tour=tour, kind=CheckpointKind.CLOSING)


def record(checkpoint, actor, today):
    """Record `checkpoint` as `actor`'s side (the tour's employee or manager), held today."""
    side = "employee" if checkpoint.tour.employee_id == actor.pk else "manager"
    text = "reflection" if side == "employee" else "manager_notes"
    data = {"held_on": today, "confidence": 8, f"{side}_alignment": "on_track", f"{side}_alignment_why": "", text: ""}
    kpis = version_in_force(checkpoint.tour).kpis.all()
    measurements = {kpi.pk: {"value": Decimal("99"), "comment": ""} for kpi in kpis}
    return services.checkpoint_record(checkpoint=checkpoint, actor=actor, data=data, measurements=measurements)


@pytest.fixture
def recorded_closing(closing, employee, today):
    return record(closing, employee, today)


def propose(tour, actor, kind=EndingKind.ENDED_EARLY, reason=REASON):
    return services.tour_ending_propose(tour=tour, actor=actor, kind=kind, reason=reason)


def _status(tour):
    return Tour.objects.get(pk=tour.pk).status


# --- proposing ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected",
    [
        ("employee", EndingSide.EMPLOYEE),
        ("manager", EndingSide.MANAGER),
        ("hr", PermissionDenied),  # HR is not a side: it ends a tour directly, and only when the person leaves
        ("other_manager", PermissionDenied),
        ("alumni", PermissionDenied),
        ("outsider", PermissionDenied),
    ],
)
@pytest.mark.parametrize("kind", [EndingKind.ENDED_EARLY, EndingKind.COMPLETED])
def test_only_the_two_sides_may_propose(request, tour, recorded_closing, role, kind, expected):
    actor = request.getfixturevalue(role)
    if expected is PermissionDenied:
        with pytest.raises(PermissionDenied):
            propose(tour, actor, kind)
        assert not TourEnding.objects.filter(tour=tour).exists()
        return
    ending = propose(tour, actor, kind)
    assert (ending.status, ending.proposed_side, ending.proposed_by_id) == (EndingStatus.PROPOSED, expected, actor.pk)
    assert _status(tour) == TourStatus.ACTIVE  # nothing ends before the other side confirms


@pytest.mark.parametrize(
    "kind, reason, error_field",
    [
        (EndingKind.ENDED_EARLY, "", "reason"),
        (EndingKind.ENDED_EARLY, "   \n ", "reason"),
        (EndingKind.COMPLETED, "", None),  # a note on a completion is optional
        ("abandoned", REASON, "kind"),
    ],
)
def test_an_early_end_says_why(tour, recorded_closing, manager, kind, reason, error_field):
    if error_field is None:
        assert propose(tour, manager, kind, reason).reason == ""
        return
    with pytest.raises(ValidationError) as error:
        propose(tour, manager, kind, reason)
    assert error_field in error.value.message_dict


def test_completion_before_the_closing_review_is_recorded_is_refused(tour, closing, employee, manager, today):
    with pytest.raises(StateConflict) as conflict:
        propose(tour, manager, EndingKind.COMPLETED, "")
    assert "closing review" in conflict.value.state_message
    assert conflict.value.next_url_args == (closing.pk,)
    record(closing, employee, today)
    assert propose(tour, manager, EndingKind.COMPLETED, "").kind == EndingKind.COMPLETED


def test_one_open_proposal_per_tour(tour, employee, manager):
    propose(tour, manager)
    with pytest.raises(StateConflict, match="waits for an answer"):
        propose(tour, employee)
    with pytest.raises(IntegrityError), transaction.atomic():
        TourEnding.objects.create(
            organization_id=tour.organization_id, tour=tour, kind="ended_early", reason="x", proposed_side="employee"
        )


# --- answering: both orders ---------------------------------------------------------------------------------------

# (action, answered by the proposer's side?, the other side?) → outcome; anyone else is refused as a non-side.
ANSWERS = [
    ("confirm", "proposer", StateConflict),
    ("confirm", "other", EndingStatus.CONFIRMED),
    ("decline", "proposer", StateConflict),
    ("decline", "other", EndingStatus.DECLINED),
    ("withdraw", "proposer", EndingStatus.WITHDRAWN),
    ("withdraw", "other", StateConflict),
    *[(action, role, PermissionDenied) for action in ("confirm", "decline", "withdraw") for role in ROLES[2:]],
]


def _answer(action, ending, actor):
    if action == "confirm":
        return services.tour_ending_confirm(ending=ending, actor=actor)
    if action == "decline":
        return services.tour_ending_decline(ending=ending, actor=actor, reason="まだ目標の途中だから")
    return services.tour_ending_withdraw(ending=ending, actor=actor)


@pytest.mark.parametrize("proposer", ["employee", "manager"])
@pytest.mark.parametrize("action, who, expected", ANSWERS)
def test_who_may_answer_a_proposal(request, tour, proposer, action, who, expected):
    other = "manager" if proposer == "employee" else "employee"
    actor = request.getfixturevalue({"proposer": proposer, "other": other}.get(who, who))
    ending = propose(tour, request.getfixturevalue(proposer))
    if isinstance(expected, type):
        with pytest.raises(expected):
            _answer(action, ending, actor)
        assert TourEnding.objects.get(pk=ending.pk).status == EndingStatus.PROPOSED
        assert _status(tour) == TourStatus.ACTIVE
        return
    _answer(action, ending, actor)
    ending.refresh_from_db()
    assert ending.status == expected
    assert _status(tour) == (TourStatus.ENDED_EARLY if expected == EndingStatus.CONFIRMED else TourStatus.ACTIVE)


def test_confirming_twice_is_refused_and_writes_one_audit_row(tour, employee, manager):
    ending = propose(tour, employee)
    services.tour_ending_confirm(ending=ending, actor=manager)
    with pytest.raises(StateConflict, match="no longer open"):
        services.tour_ending_confirm(ending=ending, actor=manager)
    assert AuditEntry.objects.filter(action="tour_ending.confirm", object_id=str(ending.pk)).count() == 1


def test_declining_needs_a_reason_and_keeps_the_tour_going(tour, employee, manager):
    ending = propose(tour, employee)
    with pytest.raises(ValidationError) as error:
        services.tour_ending_decline(ending=ending, actor=manager, reason=" ")
    assert "reason" in error.value.message_dict
    why = "引き継ぎが終わってから"
    services.tour_ending_decline(ending=ending, actor=manager, reason=why)
    ending.refresh_from_db()
    assert (ending.status, ending.declined_by_id, ending.decline_reason) == ("declined", manager.pk, why)
    assert propose(tour, employee).status == EndingStatus.PROPOSED  # a new proposal may follow


def test_a_new_manager_holds_the_manager_side(tour, employee, manager, other_manager):
    ending = propose(tour, manager)
    Membership.objects.filter(pk=employee.pk).update(manager=other_manager)
    with pytest.raises(PermissionDenied):
        services.tour_ending_withdraw(ending=ending, actor=manager)  # no longer their report
    services.tour_ending_withdraw(ending=ending, actor=other_manager)
    assert TourEnding.objects.get(pk=ending.pk).status == EndingStatus.WITHDRAWN


# --- ending: what it does -----------------------------------------------------------------------------------------


def test_ending_early_cancels_the_unheld_checkpoints_with_the_reason(tour, employee, manager, demo_checkpoint):
    held = list(Checkpoint.objects.filter(tour=tour).exclude(status=CheckpointStatus.SCHEDULED))
    unheld = set(Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.SCHEDULED).values_list("pk", flat=True))
    assert held and unheld
    ending = propose(tour, employee)
    services.tour_ending_confirm(ending=ending, actor=manager)
    cancelled = Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.CANCELLED)
    assert set(cancelled.values_list("pk", flat=True)) == unheld
    assert {c.status for c in Checkpoint.objects.filter(pk__in=[c.pk for c in held])} == {c.status for c in held}
    reasons = set(CheckpointCancellation.objects.filter(checkpoint__tour=tour).values_list("reason", "ending_id"))
    assert reasons == {(REASON, ending.pk)}
    entry = AuditEntry.objects.get(action="tour_ending.confirm", object_id=str(ending.pk))
    assert entry.changes["tour_status"] == ["active", "ended_early"]
    assert sorted(entry.changes["cancelled_checkpoints"][1]) == sorted(unheld)


def test_completion_marks_the_tour_completed(tour, recorded_closing, employee, manager):
    ending = propose(tour, employee, EndingKind.COMPLETED, "やり切った")
    services.tour_ending_confirm(ending=ending, actor=manager)
    assert _status(tour) == TourStatus.COMPLETED
    assert Checkpoint.objects.get(pk=recorded_closing.pk).status == CheckpointStatus.HELD


@pytest.mark.parametrize("second", ["propose", "hr", "leave"])
def test_a_tour_ends_once(tour, employee, manager, hr, second):
    services.tour_ending_confirm(ending=propose(tour, employee), actor=manager)
    if second == "propose":
        with pytest.raises(StateConflict, match="has ended already"):
            propose(tour, manager)
    elif second == "hr":
        with pytest.raises(StateConflict):
            services.tour_end_by_hr(tour=tour, actor=hr, reason=REASON, person_leaving=True)
    else:
        assert services.tour_end_on_leaving(tour=tour) is None
    assert TourEnding.objects.filter(tour=tour, status=EndingStatus.CONFIRMED).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        TourEnding.objects.create(
            organization_id=tour.organization_id,
            tour=tour,
            kind="completed",
            status="confirmed",
            proposed_side="hr",
        )


# --- HR's direct end ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, reason, leaving, expected",
    [
        ("hr", REASON, True, "ended"),
        ("hr", "", True, "reason"),
        ("hr", REASON, False, "person_leaving"),
        ("manager", REASON, True, PermissionDenied),
        ("employee", REASON, True, PermissionDenied),
        ("other_manager", REASON, True, PermissionDenied),
        ("alumni", REASON, True, PermissionDenied),
        ("outsider", REASON, True, PermissionDenied),
    ],
)
def test_hr_ends_a_tour_directly_when_the_person_leaves(request, tour, role, reason, leaving, expected):
    actor = request.getfixturevalue(role)
    call = lambda: services.tour_end_by_hr(tour=tour, actor=actor, reason=reason, person_leaving=leaving)  # noqa: E731
    if expected == "ended":
        ending = call()
        assert (ending.status, ending.proposed_side, ending.confirmed_by_id) == ("confirmed", "hr", actor.pk)
        assert _status(tour) == TourStatus.ENDED_EARLY
        return
    with pytest.raises(ValidationError if isinstance(expected, str) else expected) as error:
        call()
    if isinstance(expected, str):
        assert expected in error.value.message_dict
    assert _status(tour) == TourStatus.ACTIVE


def test_hr_needs_no_statement_once_the_membership_has_left(tour, employee, hr):
    Membership.objects.filter(pk=employee.pk).update(status=MembershipStatus.ALUMNI)
    services.tour_end_by_hr(tour=tour, actor=hr, reason=REASON)
    assert _status(tour) == TourStatus.ENDED_EARLY


def test_hr_ending_supersedes_an_open_proposal(tour, employee, hr):
    proposal = propose(tour, employee, reason="別の理由")
    services.tour_end_by_hr(tour=tour, actor=hr, reason=REASON, person_leaving=True)
    proposal.refresh_from_db()
    assert proposal.status == EndingStatus.SUPERSEDED and proposal.superseded_at is not None


def test_hr_does_not_end_their_own_tour_alone(hr, tour):
    from checkpoints.access import can_end_directly

    assert can_end_directly(hr, tour)
    assert not can_end_directly(hr, Tour(organization_id=hr.organization_id, employee=hr))


def test_the_other_organization_is_out_of_reach(outsider, hr, login):
    foreign = Tour.objects.get(employee=outsider, status=TourStatus.ACTIVE)
    with pytest.raises(PermissionDenied):
        services.tour_end_by_hr(tour=foreign, actor=hr, reason=REASON, person_leaving=True)
    globex_manager = outsider.manager
    with pytest.raises(PermissionDenied):
        services.tour_ending_propose(tour=foreign, actor=hr, kind="ended_early", reason=REASON)
    services.tour_ending_confirm(
        ending=services.tour_ending_propose(tour=foreign, actor=outsider, kind="ended_early", reason=REASON),
        actor=globex_manager,
    )
    with pytest.raises(PermissionDenied):
        services.tour_outcome_record(tour=foreign, actor=hr, kind=OutcomeKind.MOVED_OUTSIDE)
    for name in ("checkpoints:tour_end_now", "checkpoints:tour_end_early", "checkpoints:tour_outcome"):
        url = reverse(name, args=["acme", foreign.pk])
        assert login(hr).get(url).status_code == 404
        assert login(hr).post(url, {"reason": REASON, "person_leaving": "on"}).status_code == 404
    assert not TourOutcome.objects.filter(tour=foreign).exists()


# --- a member who leaves --------------------------------------------------------------------------------------------


def test_member_left_ends_the_leavers_active_tours(tour, employee, manager, hr, as_request):
    from alliance.services import membership_update

    proposal = propose(tour, manager, reason="別の理由")
    unheld = Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.SCHEDULED).count()
    with as_request(hr):
        membership_update(
            membership=employee, actor=hr, role=employee.role, manager=manager, job_title="", status="alumni"
        )
    assert _status(tour) == TourStatus.ENDED_EARLY
    ending = TourEnding.objects.get(tour=tour, status=EndingStatus.CONFIRMED)
    assert ending.proposed_side == EndingSide.LEFT and str(ending.reason_text) == "Left the organization"
    assert TourEnding.objects.get(pk=proposal.pk).status == EndingStatus.SUPERSEDED
    assert CheckpointCancellation.objects.filter(ending=ending).count() == unheld > 0
    entry = AuditEntry.objects.get(action="tour_ending.left", object_id=str(ending.pk))
    assert entry.actor_id == hr.pk and entry.subject_id == employee.pk
    # A manager who leaves keeps their reports' tours running.
    with as_request(hr):
        membership_update(membership=manager, actor=hr, role=manager.role, manager=None, job_title="", status="alumni")
    assert not TourEnding.objects.filter(tour__employee__manager=manager).exists()


# --- what followed, and the next tour -----------------------------------------------------------------------------


@pytest.fixture
def ended(tour, employee, manager):
    services.tour_ending_confirm(ending=propose(tour, employee), actor=manager)
    return Tour.objects.get(pk=tour.pk)


@pytest.mark.parametrize(
    "role, kind, destination, expected",
    [
        ("employee", OutcomeKind.MOVED_OUTSIDE, "", "ok"),
        ("manager", OutcomeKind.MOVED_INSIDE, "データ基盤チーム", "ok"),
        ("hr", OutcomeKind.NEXT_TOUR, "", "ok"),
        ("manager", OutcomeKind.MOVED_INSIDE, "  ", "destination"),
        ("manager", "promoted", "", "kind"),
        ("other_manager", OutcomeKind.MOVED_OUTSIDE, "", PermissionDenied),
        ("alumni", OutcomeKind.MOVED_OUTSIDE, "", PermissionDenied),
        ("outsider", OutcomeKind.MOVED_OUTSIDE, "", PermissionDenied),
    ],
)
def test_who_records_what_followed(request, ended, role, kind, destination, expected):
    actor = request.getfixturevalue(role)
    call = lambda: services.tour_outcome_record(tour=ended, actor=actor, kind=kind, destination=destination)  # noqa: E731
    if expected == "ok":
        outcome = call()
        assert (outcome.kind, outcome.destination, outcome.recorded_by_id) == (kind, destination, actor.pk)
        return
    with pytest.raises(ValidationError if isinstance(expected, str) else expected) as error:
        call()
    if isinstance(expected, str):
        assert expected in error.value.message_dict
    assert not TourOutcome.objects.filter(tour=ended).exists()


def test_what_followed_waits_for_the_end(tour, manager):
    with pytest.raises(StateConflict, match="not ended"):
        services.tour_outcome_record(tour=tour, actor=manager, kind=OutcomeKind.MOVED_OUTSIDE)


def test_the_next_tour_links_back_and_is_recorded_as_what_followed(ended, employee, manager, make_alignment, today):
    alignment = make_alignment()
    data = {
        "title": "次のツアー",
        "kind": "foundational",
        "goal": "g",
        "toward_ideal_self": "t",
        "value_to_company": "v",
        "start_date": today,
        "end_date": today.replace(year=today.year + 1),
    }
    nxt = services.tour_start_next(previous=ended, actor=manager, alignment=alignment, data=data)
    assert nxt.previous_id == ended.pk and nxt.status == TourStatus.DRAFT
    # Its period overlaps the rest of the ended one, which is no longer active: "one active tour" holds.
    assert ended.start_date <= nxt.start_date <= ended.end_date
    assert agreement_selectors.tour_overlaps(nxt) == []
    agreement_rules.check_no_concurrent_tour(nxt)
    outcome = TourOutcome.objects.get(tour=ended)
    assert (outcome.kind, outcome.next_tour_id) == (OutcomeKind.NEXT_TOUR, nxt.pk)
    with pytest.raises(StateConflict, match="follows this one already"):
        services.tour_start_next(previous=ended, actor=employee, alignment=alignment, data=data)


def test_the_next_tour_form_is_prefilled_from_the_latest_readable_alignment(login, ended, manager, make_alignment):
    older = make_alignment(held_on=ended.start_date)
    latest = make_alignment(held_on=ended.end_date, ideal_self="最新のありたい姿")
    assert older.held_on < latest.held_on
    client = login(manager, language="en")
    url = reverse("checkpoints:tour_next", args=["acme", ended.pk])
    page = client.get(url).content.decode()
    assert "最新のありたい姿" in page and "data-follows" in page
    assert f'value="{ended.kind}" checked' in page or f'value="{ended.kind}"\n' in page or ended.kind in page
    response = client.post(
        url,
        {
            "title": "次のツアー",
            "kind": "rotational",
            "goal": "g",
            "toward_ideal_self": "t",
            "value_to_company": "v",
            "start_date": "2031-01-01",
            "length": "12",
        },
    )
    assert response.status_code == 302
    nxt = Tour.objects.get(previous=ended)
    assert nxt.alignment_id == latest.pk
    assert TourOutcome.objects.get(tour=ended).next_tour_id == nxt.pk
    assert client.get(url).status_code == 409  # a next tour follows it already


@pytest.mark.parametrize("role, status", [("hr", 403), ("other_manager", 404), ("alumni", 404), ("outsider", 404)])
def test_only_a_side_starts_the_next_tour(login, request, ended, role, status):
    url = reverse("checkpoints:tour_next", args=["acme", ended.pk])
    assert login(request.getfixturevalue(role)).get(url).status_code == status


# --- pages, notice, "waiting for you" ------------------------------------------------------------------------------


def test_the_other_side_is_notified_and_finds_it_waiting(login, tour, employee, manager):
    ending = propose(tour, employee)
    notice = Notice.objects.get(kind=PROPOSED, object_id=ending.pk)
    assert notice.recipient_id == manager.pk
    home = login(manager, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    assert "data-waiting-endings" in home and reverse("checkpoints:ending_confirm", args=["acme", ending.pk]) in home
    own = login(employee, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    assert "data-waiting-endings" not in own


def test_the_proposal_e_mail_names_the_tour_and_its_reason(tour, employee, manager, mailoutbox):
    from alliance import notices

    ending = propose(tour, employee)
    notice = Notice.objects.get(kind=PROPOSED, object_id=ending.pk)
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "sent"
    message = mailoutbox[-1]
    assert message.to == [manager.user.email]
    assert tour.title in message.subject and REASON in message.body
    assert reverse("agreements:tour", args=["acme", tour.pk]) in message.body
    # Answered, a queued notice has nothing left to say.
    services.tour_ending_withdraw(ending=ending, actor=employee)
    notice.state = "queued"
    notice.save(update_fields=["state"])
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "skipped"


def test_the_proposer_learns_that_the_other_side_declined_and_why(tour, employee, manager, mailoutbox):
    from alliance import notices
    from checkpoints.ending_notices import DECLINED

    ending = propose(tour, employee)
    services.tour_ending_decline(ending=ending, actor=manager, reason="引き継ぎ先がまだ決まっていない")
    notice = Notice.objects.get(kind=DECLINED, object_id=ending.pk)
    assert notice.recipient_id == employee.pk
    assert notices.deliver(notice.pk, organization_id=notice.organization_id) == "sent"
    assert mailoutbox[-1].to == [employee.user.email] and "引き継ぎ先がまだ決まっていない" in mailoutbox[-1].body


def test_the_whole_flow_through_the_pages(login, tour, recorded_closing, employee, manager):
    as_employee, as_manager = login(employee, language="en"), login(manager, language="en")
    tour_url = reverse("agreements:tour", args=["acme", tour.pk])
    assert "data-propose-complete" in as_employee.get(tour_url).content.decode()
    complete = reverse("checkpoints:tour_complete", args=["acme", tour.pk])
    assert as_employee.post(complete, {"reason": "やり切った"}).status_code == 302
    ending = TourEnding.objects.get(tour=tour, status=EndingStatus.PROPOSED)
    page = as_manager.get(tour_url).content.decode()
    assert "data-confirm-ending" in page and "やり切った" in page
    confirm = reverse("checkpoints:ending_confirm", args=["acme", ending.pk])
    assert as_employee.post(confirm).status_code == 409  # one's own proposal
    assert as_manager.post(confirm).status_code == 302
    assert _status(tour) == TourStatus.COMPLETED
    assert as_manager.post(confirm).status_code == 409
    outcome = reverse("checkpoints:tour_outcome", args=["acme", tour.pk])
    response = as_employee.post(outcome, {"kind": "moved_inside", "destination": "", "note": "メモ"})
    assert response.status_code == 200 and 'id="id_destination_error"' in response.content.decode()
    assert "メモ" in response.content.decode()  # what was typed is kept
    assert as_employee.post(outcome, {"kind": "moved_outside", "note": ""}).status_code == 302
    page = as_employee.get(tour_url).content.decode()
    assert "data-outside-success" in page and "data-outcome-link" in page
    assert "data-start-next" not in page  # the person moved outside: no next tour is offered


def test_the_early_end_page_keeps_what_was_typed_and_says_what_is_missing(login, tour, employee):
    url = reverse("checkpoints:tour_end_early", args=["acme", tour.pk])
    response = login(employee, language="en").post(url, {"reason": ""})
    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()
    assert not TourEnding.objects.filter(tour=tour).exists()


@pytest.mark.parametrize("role", ["employee", "manager", "hr"])
def test_the_tour_page_stays_within_its_query_budget_with_many_past_proposals(
    login, request, django_assert_max_num_queries, tour, employee, manager, role
):
    from tests.test_url_access import MAX_QUERIES_PER_PAGE

    for _n in range(6):
        services.tour_ending_decline(ending=propose(tour, employee), actor=manager, reason="まだ")
    propose(tour, manager)
    client = login(request.getfixturevalue(role))
    with django_assert_max_num_queries(MAX_QUERIES_PER_PAGE):
        page = client.get(reverse("agreements:tour", args=["acme", tour.pk])).content.decode()
    assert page.count("badge-declined") == 6


def test_pages_of_a_tour_hr_ended_say_why_and_so_does_a_cancelled_checkpoint(login, tour, employee, hr):
    services.tour_end_by_hr(tour=tour, actor=hr, reason=REASON, person_leaving=True)
    client = login(employee, language="en")
    page = client.get(reverse("agreements:tour", args=["acme", tour.pk])).content.decode()
    assert 'data-ended="ended_early"' in page and "Ended by HR" in page and REASON in page
    cancelled = Checkpoint.objects.filter(tour=tour, status=CheckpointStatus.CANCELLED).first()
    page = client.get(reverse("checkpoints:checkpoint", args=["acme", cancelled.pk])).content.decode()
    assert "data-cancelled" in page and REASON in page
    closing = Checkpoint.objects.get(tour=tour, kind=CheckpointKind.CLOSING)
    page = client.get(reverse("checkpoints:checkpoint", args=["acme", closing.pk])).content.decode()
    assert 'id="tour-ending"' in page and "data-start-next" in page
