"""Every state-changing service of the checkpoints app writes one audit row (the rule of
tests/agreements/test_audit.py, applied to this app's services package)."""

import inspect
from datetime import date
from decimal import Decimal

import pytest
from django.test import RequestFactory

from agreements.models import KPI_FIELDS
from alliance import audit
from alliance.models import AuditEntry, Organization
from checkpoints import services
from checkpoints.selectors import version_in_force

ADDRESS, AGENT = "203.0.113.9", "CheckpointAudit/1.0"


def _record(checkpoint, actor, side, today):
    data = {"held_on": today, "confidence": 6}
    if side == "employee":
        data |= {"employee_alignment": "on_track", "employee_alignment_why": "", "reflection": "振り返り"}
    else:
        data |= {"manager_alignment": "off_track", "manager_alignment_why": "市場が変わった", "manager_notes": "メモ"}
    kpis = version_in_force(checkpoint.tour).kpis.all()
    measurements = {kpi.pk: {"value": Decimal("50"), "comment": ""} for kpi in kpis}
    return services.checkpoint_record(checkpoint=checkpoint, actor=actor, data=data, measurements=measurements)


# service call → (action, who acts, field that must appear in `changes`)
SERVICES = {
    "checkpoints_schedule": (
        lambda c: services.checkpoints_schedule(
            tour=c.make_tour(start_date=date(2031, 5, 1), end_date=date(2032, 4, 30))
        ),
        "checkpoint.schedule",
        "manager",
        "checkpoints",
    ),
    "checkpoint_record": (
        lambda c: _record(c.checkpoint, c.employee, "employee", c.today),
        "checkpoint.record",
        "employee",
        "reflection",
    ),
    "checkpoint_confirm": (
        lambda c: services.checkpoint_confirm(
            checkpoint=_record(c.checkpoint, c.manager, "manager", c.today), actor=c.manager
        ),
        "checkpoint.confirm",
        "manager",
        "manager_confirmed_at",
    ),
    "tour_ending_propose": (
        lambda c: _propose(c, c.employee),
        "tour_ending.propose",
        "employee",
        "reason",
    ),
    "tour_ending_confirm": (
        lambda c: services.tour_ending_confirm(ending=_propose(c, c.employee), actor=c.manager),
        "tour_ending.confirm",
        "manager",
        "tour_status",
    ),
    "tour_ending_decline": (
        lambda c: services.tour_ending_decline(ending=_propose(c, c.employee), actor=c.manager, reason="まだ途中"),
        "tour_ending.decline",
        "manager",
        "decline_reason",
    ),
    "tour_ending_withdraw": (
        lambda c: services.tour_ending_withdraw(ending=_propose(c, c.manager), actor=c.manager),
        "tour_ending.withdraw",
        "manager",
        "withdrawn_at",
    ),
    "tour_end_by_hr": (
        lambda c: services.tour_end_by_hr(tour=c.checkpoint.tour, actor=c.hr, reason="退職のため", person_leaving=True),
        "tour_ending.end_by_hr",
        "hr",
        "tour_status",
    ),
    # Called by the member_left receiver: the actor is whoever serves the request that records the departure.
    "tour_end_on_leaving": (
        lambda c: services.tour_end_on_leaving(tour=c.checkpoint.tour),
        "tour_ending.left",
        "hr",
        "cancelled_checkpoints",
    ),
    "tour_outcome_record": (
        lambda c: services.tour_outcome_record(tour=_ended(c), actor=c.manager, kind="moved_outside"),
        "tour_outcome.record",
        "manager",
        "kind",
    ),
    "tour_start_next": (
        lambda c: services.tour_start_next(
            previous=_ended(c), actor=c.manager, alignment=c.checkpoint.tour.alignment, data=_next_tour_data(c)
        ),
        "tour.start_next",
        "manager",
        "previous",
    ),
    "agenda_topic_add": (
        lambda c: services.agenda_topic_add(checkpoint=c.checkpoint, actor=c.employee, text="話したいこと"),
        "checkpoint.agenda_add",
        "employee",
        "text",
    ),
    "agenda_topic_withdraw": (
        lambda c: services.agenda_topic_withdraw(
            topic=services.agenda_topic_add(checkpoint=c.checkpoint, actor=c.manager, text="取り下げる議題"),
            actor=c.manager,
        ),
        "checkpoint.agenda_withdraw",
        "manager",
        "withdrawn_at",
    ),
    "next_action_add": (
        lambda c: _action(c),
        "checkpoint.action_add",
        "manager",
        "due_on",
    ),
    "next_action_mark_done": (
        lambda c: services.next_action_mark_done(action=_action(c), at=c.checkpoint, actor=c.employee),
        "checkpoint.action_done",
        "employee",
        "done_at",
    ),
    "correction_note_add": (
        lambda c: services.correction_note_add(checkpoint=_confirmed(c), actor=c.employee, text="日付の誤り"),
        "checkpoint.correction_add",
        "employee",
        "text",
    ),
    "checkpoint_cancel": (
        lambda c: services.checkpoint_cancel(checkpoint=c.checkpoint, actor=c.manager, reason="異動のため"),
        "checkpoint.cancel",
        "manager",
        "reason",
    ),
    "calendar_feed_create": (
        lambda c: services.calendar_feed_create(membership=c.employee),
        "calendar_feed.create",
        "employee",
        "revoked",
    ),
    "calendar_feed_revoke": (
        lambda c: services.calendar_feed_revoke(membership=c.employee),
        "calendar_feed.revoke",
        "employee",
        "revoked",
    ),
    "checkpoints_reschedule": (
        lambda c: (
            Organization.objects.filter(pk=c.employee.organization_id).update(checkpoint_interval_months=1),
            services.checkpoints_reschedule(tour=c.checkpoint.tour),
        ),
        "checkpoint.reschedule",
        "manager",
        "added",
    ),
    "checkpoint_propose_amendment": (
        lambda c: services.checkpoint_propose_amendment(
            checkpoint=c.checkpoint,
            actor=c.manager,
            goal=c.checkpoint.tour.goal,
            end_date=c.checkpoint.tour.end_date,
            reason="KPIの目標を見直す",
            kpis=[
                {f: getattr(k, f) for f in KPI_FIELDS}
                for k in version_in_force(c.checkpoint.tour).kpis.order_by("position", "id")
            ],
            base_number=version_in_force(c.checkpoint.tour).number,
        ),
        "checkpoint.propose_amendment",
        "manager",
        "amendment",
    ),
}


def _propose(c, actor):
    return services.tour_ending_propose(tour=c.checkpoint.tour, actor=actor, kind="ended_early", reason="異動のため")


def _ended(c):
    services.tour_ending_confirm(ending=_propose(c, c.employee), actor=c.manager)
    return c.checkpoint.tour.__class__.objects.get(pk=c.checkpoint.tour_id)


def _next_tour_data(c):
    return {
        "title": "次のツアー",
        "kind": "rotational",
        "goal": "g",
        "toward_ideal_self": "t",
        "value_to_company": "v",
        "start_date": date(2031, 5, 1),
        "end_date": date(2032, 4, 30),
    }


def _action(c):
    checkpoint = _record(c.checkpoint, c.manager, "manager", c.today)
    return services.next_action_add(
        checkpoint=checkpoint, actor=c.manager, text="手順書を書く", owner="employee", due_on=c.today
    )


def _confirmed(c):
    checkpoint = _record(c.checkpoint, c.employee, "employee", c.today)
    checkpoint = _record(checkpoint, c.manager, "manager", c.today)
    services.checkpoint_confirm(checkpoint=checkpoint, actor=c.employee)
    return services.checkpoint_confirm(checkpoint=checkpoint, actor=c.manager)


@pytest.fixture
def ctx(employee, manager, hr, make_tour, demo_checkpoint, today):
    from types import SimpleNamespace

    return SimpleNamespace(
        employee=employee, manager=manager, hr=hr, make_tour=make_tour, checkpoint=demo_checkpoint, today=today
    )


def test_every_service_of_the_app_is_in_the_table():
    writes = {
        name
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__.startswith(f"{services.__name__}.")
        and "@transaction.atomic" in inspect.getsource(function)
    }
    assert writes == set(SERVICES), "a new state-changing service needs an audit_log call and a row here"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_writes_its_audit_row(ctx, name):
    call, action, who, field = SERVICES[name]
    actor = getattr(ctx, who)
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    request.user, request.membership = actor.user, actor
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with audit.acting_request(request):
        call(ctx)
    rows = list(AuditEntry.objects.filter(pk__gt=before, action=action))
    assert len(rows) == 1, [r.action for r in AuditEntry.objects.filter(pk__gt=before)]
    row = rows[0]
    assert row.organization_id == actor.organization_id and row.actor_id == actor.pk
    assert (row.ip_address, row.user_agent) == (ADDRESS, AGENT)
    assert row.object_label and row.content_type_id and row.object_id
    assert row.subject_id == ctx.employee.pk
    assert field in row.changes, row.changes
    assert audit.action_label(action) != action  # HR reads it by its label


@pytest.mark.parametrize(
    ("action", "key", "object_model"),
    [
        ("tour_ending.confirm", "tour_status", "checkpoints.tourending"),
        ("tour_ending.confirm", "cancelled_checkpoints", "checkpoints.tourending"),
        ("tour_ending.end_by_hr", "tour_status", "checkpoints.tourending"),
        ("tour_ending.left", "cancelled_checkpoints", "checkpoints.tourending"),
        ("calendar_feed.create", "revoked", "checkpoints.calendarfeed"),
        ("calendar_feed.revoke", "revoked", "alliance.membership"),
        ("checkpoint.propose_amendment", "amendment", "checkpoints.checkpoint"),
        ("checkpoint.propose_amendment", "reason", "checkpoints.checkpoint"),
    ],
)
def test_keys_recorded_beside_an_objects_fields_are_named_in_words(db, action, key, object_model):
    """The audit page shows a label HR can read for every key these services record, never the key itself."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    entry = AuditEntry(
        action=action,
        content_type=ContentType.objects.get_for_model(apps.get_model(object_model)),
        changes={key: [None, 1]},
    )
    with translation.override("ja"):
        ((label, _before, _after),) = audit.change_rows(entry)
    assert label != key and not label.isascii(), label
