"""The checkpoint 1on1 as a meeting: agenda topics before it, next actions carried over until done, correction
notes under a confirmed record, cancelling; and the pages that lead people to their checkpoints.

The demo (checkpoints/demo_meeting.py) gives the demo employee a held first checkpoint (confirmed by the employee
only) with two next actions, one done and one open, and a scheduled second one with an agenda topic from each side.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from agreements.models import Tour
from alliance.models import AuditEntry, Membership
from checkpoints import services
from checkpoints.models import (
    TEXT_MAX,
    AgendaTopic,
    Checkpoint,
    CheckpointCancellation,
    CheckpointStatus,
    CorrectionNote,
    NextAction,
)
from checkpoints.selectors import version_in_force


def _url(name, checkpoint, *extra, slug="acme"):
    return reverse(f"checkpoints:{name}", args=[slug, checkpoint.pk, *extra])


@pytest.fixture
def first(employee):
    """The demo employee's first checkpoint: held, confirmed by the employee, with two next actions."""
    return Checkpoint.objects.get(tour__employee=employee, sequence=1)


@pytest.fixture
def colleague(db):
    """A member of the same team who is neither side of the demo employee's checkpoints."""
    return Membership.objects.get(user__email="member01@acme.example")


def _record(checkpoint, actor, side, today):
    data = {"held_on": today, "confidence": 6}
    if side == "employee":
        data |= {"employee_alignment": "on_track", "employee_alignment_why": "", "reflection": "振り返り"}
    else:
        data |= {"manager_alignment": "on_track", "manager_alignment_why": "", "manager_notes": "メモ"}
    kpis = version_in_force(checkpoint.tour).kpis.all()
    measurements = {kpi.pk: {"value": kpi.target, "comment": ""} for kpi in kpis}
    return services.checkpoint_record(checkpoint=checkpoint, actor=actor, data=data, measurements=measurements)


def _confirm_both(checkpoint, employee, manager):
    services.checkpoint_confirm(checkpoint=checkpoint, actor=employee)
    return services.checkpoint_confirm(checkpoint=checkpoint, actor=manager)


def _audits(action):
    return AuditEntry.objects.filter(action=action).count()


# --- agenda ------------------------------------------------------------------------------------------------------


def test_both_sides_add_topics_shown_above_the_record_form(login, employee, manager, demo_checkpoint):
    url = _url("agenda_add", demo_checkpoint)
    assert login(employee).post(url, {"agenda-text": "  評価の基準について  "}).status_code == 302
    assert login(manager).post(url, {"agenda-text": "来期の目標"}).status_code == 302
    topics = list(AgendaTopic.objects.filter(checkpoint=demo_checkpoint).order_by("added_at", "pk"))
    assert [(t.text, t.side, t.added_by_id) for t in topics[-2:]] == [
        ("評価の基準について", "employee", employee.pk),
        ("来期の目標", "manager", manager.pk),
    ]
    page = login(employee, language="en").get(_url("checkpoint", demo_checkpoint)).content.decode()
    assert "評価の基準について" in page and "来期の目標" in page and "社員 一郎 (Employee)" in page
    assert page.index('id="agenda-title"') < page.index('name="action" value="record"')


# (who, posted text, status, rows added, message beside the field)
AGENDA_CASES = [
    ("employee", "", 200, 0, "Write the topic you want to talk about."),
    ("employee", "   \n ", 200, 0, "Write the topic you want to talk about."),
    ("employee", "あ" * (TEXT_MAX + 1), 200, 0, f"Keep it to {TEXT_MAX} characters"),
    ("employee", "あ" * TEXT_MAX, 302, 1, None),
    ("hr", "人事から", 403, 0, None),
    ("alumni", "卒業生から", 404, 0, None),
    ("colleague", "同僚から", 404, 0, None),
    ("other_manager", "別の上司から", 404, 0, None),
    ("outsider", "他社から", 404, 0, None),
]


@pytest.mark.parametrize("who, text, status, added, error", AGENDA_CASES)
def test_adding_an_agenda_topic_refuses_what_it_must(login, request, demo_checkpoint, who, text, status, added, error):
    before = AgendaTopic.objects.filter(checkpoint=demo_checkpoint).count()
    response = login(request.getfixturevalue(who), language="en").post(
        _url("agenda_add", demo_checkpoint), {"agenda-text": text}
    )
    assert response.status_code == status
    assert AgendaTopic.objects.filter(checkpoint=demo_checkpoint).count() == before + added
    if error:
        page = response.content.decode()
        assert 'id="id_agenda-text_error"' in page and error in page
        assert text.strip()[:20] in page  # what was typed is kept


def test_a_double_post_adds_one_topic_and_one_audit_row(login, employee, demo_checkpoint):
    client, url = login(employee), _url("agenda_add", demo_checkpoint)
    before = _audits("checkpoint.agenda_add")
    for _ in range(2):
        assert client.post(url, {"agenda-text": "同じ議題"}).status_code == 302
    assert AgendaTopic.objects.filter(checkpoint=demo_checkpoint, text="同じ議題").count() == 1
    assert _audits("checkpoint.agenda_add") == before + 1


@pytest.mark.parametrize("state", ["held", "confirmed", "cancelled"])
def test_the_agenda_closes_once_the_meeting_was_recorded(login, employee, manager, demo_checkpoint, today, state):
    checkpoint = _record(demo_checkpoint, employee, "employee", today)
    if state != "held":
        checkpoint = _record(checkpoint, manager, "manager", today)
        if state == "confirmed":
            _confirm_both(checkpoint, employee, manager)
        else:
            Checkpoint.objects.filter(pk=checkpoint.pk).update(status=CheckpointStatus.CANCELLED)
    topic = AgendaTopic.objects.filter(checkpoint=checkpoint, added_by=employee).first()
    before = AgendaTopic.objects.filter(checkpoint=checkpoint).count()
    client = login(employee, language="en")
    assert client.post(_url("agenda_add", checkpoint), {"agenda-text": "遅すぎる議題"}).status_code == 409
    assert client.post(_url("agenda_withdraw", checkpoint, topic.pk)).status_code == 409
    assert AgendaTopic.objects.filter(checkpoint=checkpoint).count() == before
    assert AgendaTopic.objects.get(pk=topic.pk).withdrawn_at is None
    page = client.get(_url("checkpoint", checkpoint)).content.decode()
    assert topic.text in page and 'name="agenda-text"' not in page


def test_the_author_withdraws_a_topic_which_is_kept_and_marked(login, employee, manager, hr, demo_checkpoint):
    topic = AgendaTopic.objects.get(checkpoint=demo_checkpoint, added_by=employee)
    url = _url("agenda_withdraw", demo_checkpoint, topic.pk)
    # Someone else's topic: the manager, a party, may not withdraw it; HR neither.
    assert login(manager).post(url).status_code == 403
    assert login(hr).post(url).status_code == 403
    assert AgendaTopic.objects.get(pk=topic.pk).withdrawn_at is None
    client = login(employee, language="en")
    before = _audits("checkpoint.agenda_withdraw")
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # a double POST changes nothing more
    topic.refresh_from_db()
    assert topic.withdrawn_at is not None and _audits("checkpoint.agenda_withdraw") == before + 1
    page = client.get(_url("checkpoint", demo_checkpoint)).content.decode()
    assert f'data-topic="{topic.pk}" data-withdrawn' in page and "Withdrawn" in page


@pytest.mark.parametrize("who, status", [("hr", 403), ("colleague", 404), ("outsider", 404), ("alumni", 404)])
def test_no_one_else_withdraws_a_topic(login, request, employee, demo_checkpoint, who, status):
    topic = AgendaTopic.objects.get(checkpoint=demo_checkpoint, added_by=employee)
    response = login(request.getfixturevalue(who)).post(_url("agenda_withdraw", demo_checkpoint, topic.pk))
    assert response.status_code == status
    assert AgendaTopic.objects.get(pk=topic.pk).withdrawn_at is None


def test_a_topic_named_under_another_checkpoint_is_404(login, employee, first, demo_checkpoint):
    topic = AgendaTopic.objects.get(checkpoint=demo_checkpoint, added_by=employee)
    assert login(employee).post(_url("agenda_withdraw", first, topic.pk)).status_code == 404


# --- next actions ------------------------------------------------------------------------------------------------


def _action_post(today, **overrides):
    data = {"action-text": "手順書を書く", "action-owner": "employee", "action-due_on": today.isoformat()}
    return data | {f"action-{key}": value for key, value in overrides.items()}


# (fields replaced, the field in error, a part of its message)
ACTION_CASES = [
    ({"owner": "hr"}, "owner", "Select a valid choice"),
    ({"owner": "both"}, "owner", "Select a valid choice"),
    ({"owner": ""}, "owner", "Choose who owns the action"),
    ({"due_on": "2026-13-45"}, "due_on", "Enter a valid date"),
    ({"due_on": "来週"}, "due_on", "Enter a valid date"),
    ({"due_on": ""}, "due_on", "Enter the date the action is due."),
    ({"due_on": "1899-12-31"}, "due_on", "Enter a date between"),
    ({"due_on": "2000-01-01"}, "due_on", "Choose a day on or after the 1on1"),
    ({"text": ""}, "text", "Write the action you agreed on."),
    ({"text": "x" * (TEXT_MAX + 1)}, "text", f"Keep it to {TEXT_MAX} characters"),
]


@pytest.mark.parametrize("fields, field, message", ACTION_CASES)
def test_a_next_action_is_refused_beside_its_field(login, manager, first, today, fields, field, message):
    before = NextAction.objects.count()
    response = login(manager, language="en").post(_url("action_add", first), _action_post(today, **fields))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_action-{field}_error"' in page and message in page
    assert NextAction.objects.count() == before


def test_a_due_date_before_the_1on1_is_refused(login, manager, first):
    day_before = first.held_on - timedelta(days=1)
    response = login(manager, language="en").post(
        _url("action_add", first), _action_post(first.held_on, due_on=day_before.isoformat())
    )
    assert response.status_code == 200
    assert "Choose a day on or after the 1on1" in response.content.decode()
    on_the_day = login(manager).post(_url("action_add", first), _action_post(first.held_on, text="当日期限"))
    assert on_the_day.status_code == 302 and NextAction.objects.filter(text="当日期限").exists()


def test_either_side_notes_an_action_once_even_on_a_double_post(login, employee, manager, first, today):
    before = _audits("checkpoint.action_add")
    for client in (login(employee), login(employee)):
        assert client.post(_url("action_add", first), _action_post(today, owner="manager")).status_code == 302
    assert login(manager).post(_url("action_add", first), _action_post(today, text="別の行動")).status_code == 302
    assert NextAction.objects.filter(checkpoint=first, text="手順書を書く").count() == 1
    assert _audits("checkpoint.action_add") == before + 2
    action = NextAction.objects.get(checkpoint=first, text="手順書を書く")
    assert (action.owner, action.added_by_id, action.due_on) == ("manager", employee.pk, today)


def test_actions_wait_for_the_record_and_stop_at_confirmation(login, employee, manager, first, demo_checkpoint, today):
    # Not recorded yet: the 1on1 where actions are agreed has not happened.
    response = login(manager, language="en").post(_url("action_add", demo_checkpoint), _action_post(today))
    assert response.status_code == 409 and "Record the 1on1 first" in response.content.decode()
    _record(first, manager, "manager", today)
    _confirm_both(first, employee, manager)
    assert login(manager).post(_url("action_add", first), _action_post(today)).status_code == 409
    assert not NextAction.objects.filter(checkpoint__in=[first, demo_checkpoint], text="手順書を書く").exists()


@pytest.mark.parametrize("who, status", [("hr", 403), ("alumni", 404), ("colleague", 404), ("outsider", 404)])
def test_only_the_parties_note_and_close_actions(login, request, first, today, who, status):
    client = login(request.getfixturevalue(who))
    open_action = NextAction.objects.get(checkpoint=first, done_at__isnull=True)
    assert client.post(_url("action_add", first), _action_post(today)).status_code == status
    assert client.post(_url("action_done", first, open_action.pk)).status_code == status
    assert NextAction.objects.get(pk=open_action.pk).done_at is None


def test_an_open_action_is_carried_over_and_closed_on_the_next_checkpoint(
    login, employee, manager, first, demo_checkpoint, today
):
    open_action = NextAction.objects.get(checkpoint=first, done_at__isnull=True)
    done_action = NextAction.objects.get(checkpoint=first, done_at__isnull=False)
    client = login(employee, language="en")
    page = client.get(_url("checkpoint", demo_checkpoint)).content.decode()
    assert f'data-action="{open_action.pk}" data-carried' in page
    assert "carried over from checkpoint 1" in page
    assert f'data-action="{done_action.pk}"' not in page  # done at its own checkpoint: not carried

    # Both confirm the first checkpoint: it is read-only, its open action can still be closed where it was carried.
    _record(first, manager, "manager", today)
    _confirm_both(first, employee, manager)
    assert client.post(_url("action_done", first, open_action.pk)).status_code == 409
    rows = NextAction.objects.count()
    assert login(manager).post(_url("action_done", demo_checkpoint, open_action.pk)).status_code == 302
    assert client.post(_url("action_done", demo_checkpoint, open_action.pk)).status_code == 302  # double POST
    open_action.refresh_from_db()
    assert open_action.done_at and open_action.done_by_id == manager.pk
    assert open_action.done_at_checkpoint_id == demo_checkpoint.pk and open_action.checkpoint_id == first.pk
    assert NextAction.objects.count() == rows  # one row, never a copy
    page = client.get(_url("checkpoint", demo_checkpoint)).content.decode()
    assert f'data-action="{open_action.pk}" data-carried' in page and "data-done" in page


def test_an_action_is_not_carried_backwards(login, employee, manager, first, demo_checkpoint, today):
    _record(demo_checkpoint, manager, "manager", today)
    later = services.next_action_add(
        checkpoint=demo_checkpoint, actor=manager, text="後の行動", owner="manager", due_on=today
    )
    assert login(employee).post(_url("action_done", first, later.pk)).status_code == 404
    page = login(employee).get(_url("checkpoint", first)).content.decode()
    assert f'data-action="{later.pk}"' not in page


# --- correction notes --------------------------------------------------------------------------------------------


def test_a_confirmed_checkpoint_takes_dated_notes_never_edits(login, employee, manager, hr, first, today):
    url = _url("correction_add", first)
    assert login(employee, language="en").post(url, {"note-text": "訂正"}).status_code == 409  # still open
    _record(first, manager, "manager", today)
    _confirm_both(first, employee, manager)
    reflection = Checkpoint.objects.get(pk=first.pk).reflection
    for who, text in ((employee, "実際の開催日は前日でした"), (manager, "KPIの値を訂正: 72")):
        assert login(who).post(url, {"note-text": text}).status_code == 302
    assert login(employee).post(url, {"note-text": "実際の開催日は前日でした"}).status_code == 302  # double POST
    notes = list(CorrectionNote.objects.filter(checkpoint=first).order_by("added_at", "pk"))
    assert [(n.side, n.text) for n in notes] == [
        ("employee", "実際の開催日は前日でした"),
        ("manager", "KPIの値を訂正: 72"),
    ]
    assert Checkpoint.objects.get(pk=first.pk).reflection == reflection
    page = login(employee, language="en").get(_url("checkpoint", first)).content.decode()
    assert page.index('id="record-title"') < page.index('id="corrections-title"') < page.index("KPIの値を訂正")
    response = login(employee, language="en").post(url, {"note-text": ""})
    assert response.status_code == 200 and 'id="id_note-text_error"' in response.content.decode()
    assert login(hr).post(url, {"note-text": "人事の訂正"}).status_code == 403
    assert CorrectionNote.objects.filter(checkpoint=first).count() == 2


# --- cancelling --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, get_status", [("manager", 200), ("hr", 200), ("employee", 403), ("alumni", 404)])
def test_the_manager_or_hr_cancel_with_a_reason_after_a_confirmation_page(
    login, request, demo_checkpoint, who, get_status
):
    client = login(request.getfixturevalue(who), language="en")
    url = _url("cancel", demo_checkpoint)
    response = client.get(url)
    assert response.status_code == get_status
    if get_status != 200:
        assert client.post(url, {"cancel-reason": "理由"}).status_code == get_status
        assert Checkpoint.objects.get(pk=demo_checkpoint.pk).status == CheckpointStatus.SCHEDULED
        return
    assert 'name="cancel-reason"' in response.content.decode()
    response = client.post(url, {"cancel-reason": "  "})
    assert response.status_code == 200 and "Say why the checkpoint is cancelled." in response.content.decode()
    before = _audits("checkpoint.cancel")
    assert client.post(url, {"cancel-reason": "部署異動で面談の相手が変わるため"}).status_code == 302
    assert client.post(url, {"cancel-reason": "二度目"}).status_code == 302  # double POST: nothing more
    checkpoint = Checkpoint.objects.get(pk=demo_checkpoint.pk)
    cancellation = CheckpointCancellation.objects.get(checkpoint=checkpoint)
    assert checkpoint.status == CheckpointStatus.CANCELLED and _audits("checkpoint.cancel") == before + 1
    assert cancellation.reason == "部署異動で面談の相手が変わるため"
    assert cancellation.cancelled_by == request.getfixturevalue(who)
    page = client.get(_url("checkpoint", checkpoint)).content.decode()
    assert "data-cancelled" in page and "部署異動で面談の相手が変わるため" in page
    assert 'name="action" value="record"' not in page and "data-cancel-link" not in page
    # Cancelled by hand, not by the tour's end: one banner, which does not say the tour ended.
    assert page.count("data-cancelled") == 1 and "the tour ended early" not in page


def test_a_held_or_confirmed_checkpoint_cannot_be_cancelled(login, employee, manager, first, today):
    client = login(manager, language="en")
    for state in ("held", "confirmed"):
        assert Checkpoint.objects.get(pk=first.pk).status == state
        assert client.get(_url("cancel", first)).status_code == 409
        response = client.post(_url("cancel", first), {"cancel-reason": "やめる"})
        assert response.status_code == 409 and "cannot be cancelled" in response.content.decode()
        if state == "held":
            _confirm_both(_record(first, manager, "manager", today), employee, manager)
    assert not CheckpointCancellation.objects.filter(checkpoint=first).exists()


@pytest.mark.parametrize("who, status", [("colleague", 404), ("other_manager", 404), ("outsider", 404)])
def test_strangers_do_not_learn_a_checkpoint_exists(login, request, demo_checkpoint, who, status):
    client = login(request.getfixturevalue(who))
    for name in ("cancel", "agenda_add", "action_add", "correction_add", "checkpoint"):
        assert client.get(_url(name, demo_checkpoint)).status_code == status, name
        assert client.post(_url(name, demo_checkpoint), {}).status_code == status, name


def test_another_organizations_checkpoint_is_404_on_every_meeting_url(login, hr, outsider):
    foreign = Checkpoint.objects.filter(tour__employee=outsider).order_by("sequence").last()
    for name in ("cancel", "agenda_add", "action_add", "correction_add"):
        assert login(hr).post(_url(name, foreign), {"agenda-text": "x", "cancel-reason": "x"}).status_code == 404
        assert login(hr).get(_url(name, foreign, slug="globex")).status_code == 404
    assert foreign.status == Checkpoint.objects.get(pk=foreign.pk).status


# --- reaching checkpoints ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "manager", "hr"])
def test_the_tour_page_lists_its_checkpoints(login, request, employee, who):
    tour = Tour.objects.get(employee=employee, status="active")
    page = login(request.getfixturevalue(who), language="en").get(reverse("agreements:tour", args=["acme", tour.pk]))
    content = page.content.decode()
    checkpoints = list(Checkpoint.objects.filter(tour=tour))
    assert "data-tour-checkpoints" in content and len(checkpoints) >= 2
    for checkpoint in checkpoints:
        assert f'data-checkpoint="{checkpoint.pk}"' in content
        assert _url("checkpoint", checkpoint) in content
    assert "Held" in content and "Scheduled" in content


@pytest.mark.parametrize("who, url_name", [("employee", "mine"), ("manager", "person"), ("hr", "person")])
def test_the_alliance_page_shows_the_next_checkpoint(login, request, employee, demo_checkpoint, who, url_name):
    args = ["acme"] if url_name == "mine" else ["acme", employee.pk]
    content = login(request.getfixturevalue(who)).get(reverse(f"agreements:{url_name}", args=args)).content.decode()
    assert "data-next-checkpoint" in content and _url("checkpoint", demo_checkpoint) in content


def _dashboard(client):
    return client.get(reverse("dashboard", args=["acme"])).content.decode()


def test_waiting_for_you_lists_checkpoints_to_hold_and_to_confirm(
    login, employee, manager, first, demo_checkpoint, today
):
    as_employee, as_manager = login(employee, language="en"), login(manager, language="en")
    # The first checkpoint waits on the manager's confirmation; the next one is months away.
    assert _url("checkpoint", first) not in _dashboard(as_employee)
    manager_page = _dashboard(as_manager)
    assert _url("checkpoint", first) in manager_page and "Confirm the record of checkpoint 1" in manager_page
    assert _url("checkpoint", demo_checkpoint) not in manager_page

    Checkpoint.objects.filter(pk=demo_checkpoint.pk).update(due_date=today + timedelta(days=14))
    assert "Hold your checkpoint 2" in _dashboard(as_employee)
    assert "Hold checkpoint 2 with" in _dashboard(as_manager)
    Checkpoint.objects.filter(pk=demo_checkpoint.pk).update(due_date=today + timedelta(days=15))
    assert _url("checkpoint", demo_checkpoint) not in _dashboard(as_employee)
    Checkpoint.objects.filter(pk=demo_checkpoint.pk).update(due_date=today - timedelta(days=40))
    page = _dashboard(as_employee)
    assert _url("checkpoint", demo_checkpoint) in page and "Overdue" in page

    # Held by the manager alone: the employee has to confirm, the manager sees it waiting on the report.
    _record(demo_checkpoint, manager, "manager", today)
    services.checkpoint_confirm(checkpoint=demo_checkpoint, actor=manager)
    assert "Confirm the record of your checkpoint 2" in _dashboard(as_employee)
    assert "has to confirm the record of checkpoint 2" in _dashboard(as_manager)


def test_waiting_for_you_stays_within_a_query_bound(login, manager, employee, django_assert_max_num_queries, today):
    tour = Tour.objects.get(employee=employee, status="active")
    Checkpoint.objects.bulk_create(
        Checkpoint(organization_id=tour.organization_id, tour=tour, sequence=100 + i, due_date=today) for i in range(40)
    )
    client = login(manager)
    with django_assert_max_num_queries(30):
        page = _dashboard(client)
    assert page.count('data-wait-kind="checkpoint-hold"') >= 40


@pytest.fixture
def only_our_overdue(today):
    """The demo has an overdue checkpoint of its own (checkpoints/demo_complete.py): it moves out of the way so
    that the counts below are the test's own."""
    Checkpoint.objects.filter(status=CheckpointStatus.SCHEDULED, due_date__lt=today).update(
        due_date=today + timedelta(days=60)
    )


def _overdue(tour, n, today):
    Checkpoint.objects.bulk_create(
        Checkpoint(
            organization_id=tour.organization_id, tour=tour, sequence=200 + i, due_date=today - timedelta(days=i + 1)
        )
        for i in range(n)
    )


def test_hr_lists_overdue_checkpoints_by_manager_with_a_filter(
    login, hr, employee, other_manager, today, only_our_overdue
):
    tour = Tour.objects.get(employee=employee, status="active")
    other = Tour.objects.get(employee__user__email="member04@acme.example", status="active")
    Membership.objects.filter(pk=other.employee_id).update(manager=other_manager)
    _overdue(tour, 3, today)
    Checkpoint.objects.bulk_create(
        [
            Checkpoint(
                organization_id=other.organization_id, tour=other, sequence=300, due_date=today - timedelta(days=2)
            )
        ]
    )
    client = login(hr, language="en")
    page = client.get(reverse("checkpoints:overdue", args=["acme"])).content.decode()
    assert "4 overdue checkpoints" in page
    manager_pk = employee.manager_id
    assert f'data-manager-count="{manager_pk}"' in page and f'data-manager-count="{other_manager.pk}"' in page
    assert page.count("data-overdue-checkpoint=") == 4
    filtered = client.get(reverse("checkpoints:overdue", args=["acme"]), {"manager": other_manager.pk})
    content = filtered.content.decode()
    assert content.count("data-overdue-checkpoint=") == 1 and other_manager.user.display_name in content
    # The dashboard leads HR there.
    assert reverse("checkpoints:overdue", args=["acme"]) in _dashboard(client)


@pytest.mark.parametrize("value", ["abc", "-1", "999999", "1 OR 1=1"])
def test_a_bad_manager_filter_lists_everyone_rather_than_failing(login, hr, employee, today, value, only_our_overdue):
    _overdue(Tour.objects.get(employee=employee, status="active"), 2, today)
    response = login(hr).get(reverse("checkpoints:overdue", args=["acme"]), {"manager": value})
    assert response.status_code == 200 and response.content.decode().count("data-overdue-checkpoint=") == 2


@pytest.mark.parametrize("rows", [3, 120])
def test_the_overdue_list_is_paginated_with_bounded_queries(
    login, hr, employee, today, django_assert_max_num_queries, rows, only_our_overdue
):
    _overdue(Tour.objects.get(employee=employee, status="active"), rows, today)
    client = login(hr)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("checkpoints:overdue", args=["acme"])).content.decode()
    assert page.count("data-overdue-checkpoint=") == min(rows, 50)
    if rows > 50:
        assert 'rel="next"' in page
        last = client.get(reverse("checkpoints:overdue", args=["acme"]), {"page": 3}).content.decode()
        assert last.count("data-overdue-checkpoint=") == rows - 100


@pytest.mark.parametrize("rows", [1, 40])
def test_the_checkpoint_page_stays_within_a_query_bound_however_long_the_meeting(
    login, employee, manager, first, demo_checkpoint, today, django_assert_max_num_queries, rows
):
    for i in range(rows):
        services.agenda_topic_add(checkpoint=demo_checkpoint, actor=employee, text=f"議題{i}")
        services.next_action_add(checkpoint=first, actor=manager, text=f"行動{i}", owner="employee", due_on=today)
    client = login(employee)
    for checkpoint in (first, demo_checkpoint):
        with django_assert_max_num_queries(30):
            assert client.get(_url("checkpoint", checkpoint)).status_code == 200


def test_the_demo_has_a_drifting_and_an_off_track_tour(employee):
    first = Checkpoint.objects.get(tour__employee=employee, sequence=1)
    assert first.manager_alignment == "drifting"
    off = Checkpoint.objects.get(tour__employee__user__email="member04@acme.example", sequence=1)
    assert off.status == CheckpointStatus.CONFIRMED
    assert (off.employee_alignment, off.manager_alignment) == ("off_track", "off_track")
    assert off.employee_alignment_why and off.manager_alignment_why
    assert NextAction.objects.filter(checkpoint=first, done_at__isnull=False).count() == 1
    assert NextAction.objects.filter(checkpoint=first, done_at__isnull=True).count() == 1
    following = Checkpoint.objects.get(tour__employee=employee, sequence=2)
    assert set(AgendaTopic.objects.filter(checkpoint=following).values_list("side", flat=True)) == {
        "employee",
        "manager",
    }


def test_seeding_twice_changes_nothing(db, acme):
    from checkpoints import demo_meeting

    counts = [m.objects.count() for m in (AgendaTopic, NextAction, CorrectionNote, CheckpointCancellation)]
    demo_meeting.seed(acme)
    assert [m.objects.count() for m in (AgendaTopic, NextAction, CorrectionNote, CheckpointCancellation)] == counts


def test_a_demoted_manager_no_longer_sees_reports_checkpoints_waiting(login, manager, first):
    assert _url("checkpoint", first) in _dashboard(login(manager))
    Membership.objects.filter(pk=manager.pk).update(role="employee")
    assert _url("checkpoint", first) not in _dashboard(login(manager))
