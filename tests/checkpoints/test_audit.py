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


@pytest.fixture
def ctx(employee, manager, make_tour, demo_checkpoint, today):
    from types import SimpleNamespace

    return SimpleNamespace(
        employee=employee, manager=manager, make_tour=make_tour, checkpoint=demo_checkpoint, today=today
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
