"""The audit trail: every state-changing service writes one row (a table of service calls), changes outside the
services are kept by database triggers, audit and history rows are append-only, and HR reads them on one page."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from agreements import services
from agreements.models import AgreementVersion, Kpi
from alliance import audit
from alliance import services as core_services
from alliance.models import AuditEntry, Invitation, Membership, Role, User
from tests.agreements.conftest import KPI, PASSWORD

ADDRESS, AGENT = "203.0.113.7", "AuditTest/1.0"


@pytest.fixture
def as_request():
    """Run code as if serving a request of `membership` from ADDRESS with AGENT (as AuditContextMiddleware does)."""

    def make(membership):
        request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
        request.user, request.membership = membership.user, membership
        return audit.acting_request(request)

    return make


def _accept(ctx):
    user = User.objects.create_user("newcomer@example.com", PASSWORD, name="新人")
    _invitation, token = core_services.invitation_create(
        organization=ctx.hr.organization, invited_by=ctx.hr.user, email=user.email
    )
    return core_services.invitation_accept(token=token, user=user)


def _organization(ctx):
    organization = ctx.hr.organization
    organization.vision = "新しいビジョン"
    form = SimpleNamespace(save=lambda: organization)
    return core_services.organization_update(
        organization=organization, form=form, values_formset=SimpleNamespace(save=lambda commit: [])
    )


def _requested(ctx):
    version = ctx.draft_version()
    return services.agreement_request_signatures(version=version, actor=ctx.manager)


def _sign(ctx):
    version = _requested(ctx)
    return services.agreement_sign(
        version=version, actor=ctx.employee, password=PASSWORD, content_hash=version.content_hash
    )


def _new_manager_offer(ctx):
    """The employee, after HR gave them a new manager: an earlier 1on1 with the old one is hidden from the new."""
    ctx.make_alignment()
    core_services.membership_update(
        membership=ctx.employee, actor=ctx.hr, role=ctx.employee.role, manager=ctx.hr, job_title=""
    )
    ctx.employee.refresh_from_db()
    return ctx.employee


def _department(ctx, *, last=False):
    """One of the demo's departments of the HR member's organization (the demo gives each organization several)."""
    from alliance.models import Department

    departments = Department.objects.filter(organization=ctx.hr.organization, archived_at=None).order_by("position")
    return departments.last() if last else departments.first()


# service call → (action, who acts, field that must appear in `changes` or None)
SERVICES = {
    "mfa_change_recorded": (
        lambda c: core_services.mfa_change_recorded(user=c.hr.user, change="added", method="totp"),
        "account.mfa_add",
        "hr",
        "method",
    ),
    "invitation_create": (
        lambda c: core_services.invitation_create(
            organization=c.hr.organization, invited_by=c.hr.user, email="x@example.com", role=Role.EMPLOYEE
        ),
        "invitation.create",
        "hr",
        "email",
    ),
    "invitation_revoke": (
        lambda c: core_services.invitation_revoke(
            invitation=Invitation.objects.filter(organization=c.hr.organization).pending().first()
        ),
        "invitation.revoke",
        "hr",
        "revoked_at",
    ),
    "invitation_accept": (_accept, "membership.join", "new", None),
    "membership_update": (
        lambda c: core_services.membership_update(
            membership=c.employee, actor=c.hr, role=Role.EMPLOYEE, manager=c.manager, job_title="リーダー"
        ),
        "membership.update",
        "hr",
        "job_title",
    ),
    "organization_update": (_organization, "organization.update", "hr", "vision"),
    "department_create": (
        lambda c: core_services.department_create(organization=c.hr.organization, name="監査テスト部", code="AUD-1"),
        "department.create",
        "hr",
        "name",
    ),
    "department_update": (
        lambda c: core_services.department_update(department=_department(c), name="監査テスト部（改）", code=""),
        "department.update",
        "hr",
        "name",
    ),
    "department_move": (
        lambda c: core_services.department_move(department=_department(c, last=True), up=True),
        "department.move",
        "hr",
        "position",
    ),
    "department_archive": (
        lambda c: core_services.department_archive(department=_department(c), archived=True),
        "department.archive",
        "hr",
        "archived_at",
    ),
    "agreement_template_update": (
        lambda c: services.agreement_template_update(actor=c.hr, clauses={"company_offers": "Mentoring"}),
        "agreement_template.update",
        "hr",
        "company_offers",
    ),
    "alignment_create": (lambda c: c.make_alignment(), "alignment.create", "employee", None),
    "alignment_update": (
        lambda c: services.alignment_update(
            alignment=c.make_alignment(), actor=c.employee, data={"ideal_self": "変わった"}
        ),
        "alignment.update",
        "employee",
        "ideal_self",
    ),
    "alignment_confirm": (
        lambda c: services.alignment_confirm(alignment=c.make_alignment(), actor=c.employee),
        "alignment.confirm",
        "employee",
        "status",
    ),
    "alignment_share_with_hr": (
        lambda c: services.alignment_share_with_hr(alignment=c.make_alignment(), actor=c.employee, shared=True),
        "alignment.share_with_hr",
        "employee",
        "shared_with_hr",
    ),
    "alignment_share_with": (
        lambda c: services.alignment_share_with(alignment=c.make_alignment(), actor=c.employee, colleague=c.hr),
        "alignment.share",
        "employee",
        "colleague",
    ),
    "alignment_unshare": (
        lambda c: services.alignment_unshare(alignment=c.make_alignment(), actor=c.employee, colleague=c.hr),
        "alignment.unshare",
        "employee",
        "colleague",
    ),
    "alignment_share_earlier_with_manager": (
        lambda c: services.alignment_share_earlier_with_manager(actor=_new_manager_offer(c)),
        "alignment.share_with_new_manager",
        "employee",
        "shared_alignments",
    ),
    "alignment_dismiss_share_offer": (
        lambda c: services.alignment_dismiss_share_offer(actor=_new_manager_offer(c)),
        "alignment.keep_from_new_manager",
        "employee",
        "share_offer",
    ),
    "tour_create": (lambda c: c.make_tour(), "tour.create", "manager", "title"),
    "tour_update": (
        lambda c: services.tour_update(tour=c.make_tour(), actor=c.manager, data={"title": "新しい題"}),
        "tour.update",
        "manager",
        "title",
    ),
    "tour_discard": (
        lambda c: services.tour_discard(tour=c.make_tour(), actor=c.manager),
        "tour.discard",
        "manager",
        "status",
    ),
    "version_discard": (
        lambda c: services.version_discard(
            version=services.agreement_amend(agreement=c.signed_version().agreement, actor=c.manager),
            actor=c.manager,
        ),
        "agreement.discard",
        "manager",
        "discarded_at",
    ),
    "tour_set_allow_concurrent": (
        lambda c: services.tour_set_allow_concurrent(tour=c.make_tour(), actor=c.hr, allow=True),
        "tour.allow_concurrent",
        "hr",
        "allow_concurrent",
    ),
    "agreement_update_draft": (lambda c: c.draft_version(), "agreement.edit", "manager", "kpis"),
    "agreement_request_signatures": (_requested, "agreement.request_signatures", "manager", "status"),
    "agreement_withdraw": (
        lambda c: services.agreement_withdraw(version=_requested(c), actor=c.manager),
        "agreement.withdraw",
        "manager",
        "status",
    ),
    "agreement_decline": (
        lambda c: services.agreement_decline(version=_requested(c), actor=c.employee, reason="目標が高すぎる"),
        "agreement.decline",
        "employee",
        "last_decline_reason",
    ),
    "agreement_sign": (_sign, "agreement.sign", "employee", "role"),
    "agreement_amend": (
        lambda c: services.agreement_amend(agreement=c.signed_version().agreement, actor=c.manager),
        "agreement.amend",
        "manager",
        None,
    ),
    "agreement_pdf_read": (
        lambda c: services.agreement_pdf_read(version=c.signed_version(), reader=c.hr),
        "agreement.pdf_read",
        "hr",
        None,
    ),
}


@pytest.fixture
def ctx(hr, manager, employee, make_alignment, make_tour, draft_version, signed_version):
    return SimpleNamespace(
        hr=hr,
        manager=manager,
        employee=employee,
        make_alignment=make_alignment,
        make_tour=make_tour,
        draft_version=draft_version,
        signed_version=signed_version,
    )


def test_every_service_of_both_apps_is_in_the_table():
    import inspect

    from alliance import services as alliance_services

    writes = set()
    for module in (alliance_services, services):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            # agreements.services is a package: its writes live in its modules and are re-exported.
            home = function.__module__
            if (home == module.__name__ or home.startswith(f"{module.__name__}.")) and "@transaction.atomic" in (
                inspect.getsource(function)
            ):
                writes.add(name)
    assert writes == set(SERVICES), "a new state-changing service needs an audit_log call and a row here"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_writes_its_audit_row(ctx, as_request, name):
    call, action, who, field = SERVICES[name]
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with as_request(ctx.hr if who == "new" else getattr(ctx, who)):
        call(ctx)
    rows = list(AuditEntry.objects.filter(pk__gt=before, action=action))
    assert len(rows) == 1, f"{name}: {[r.action for r in AuditEntry.objects.filter(pk__gt=before)]}"
    row = rows[0]
    assert row.organization_id == ctx.hr.organization_id
    if who == "new":
        assert row.actor.user.email == "newcomer@example.com"
    else:
        assert row.actor_id == getattr(ctx, who).pk and row.actor_user_id == getattr(ctx, who).user_id
    assert (row.ip_address, row.user_agent) == (ADDRESS, AGENT)
    assert row.object_label and row.content_type_id and row.object_id
    if field:
        assert field in row.changes, row.changes
    if action.startswith(("tour.", "agreement.", "alignment.")):
        assert row.subject_id == ctx.employee.pk


def test_a_private_record_keeps_which_fields_changed_but_not_their_words(ctx, as_request):
    with as_request(ctx.employee):
        alignment = ctx.make_alignment()
        services.alignment_update(alignment=alignment, actor=ctx.employee, data={"ideal_self": "起業して独立する"})
    row = AuditEntry.objects.filter(action="alignment.update").latest("pk")
    assert row.private and row.changes == {"ideal_self": [audit.REDACTED, audit.REDACTED]}
    assert "起業" not in str(row.changes)


@pytest.mark.parametrize(
    "before, after, fields, expected",
    [
        ({"job_title": "A"}, {"job_title": "B"}, None, {"job_title": ["A", "B"]}),
        ({"job_title": "A"}, {"job_title": "A"}, None, {}),
        (
            {"joined_on": date(2026, 1, 1)},
            {"joined_on": date(2026, 2, 1)},
            None,
            {"joined_on": ["2026-01-01", "2026-02-01"]},
        ),
        (
            {"role": "employee", "job_title": "A"},
            {"role": "hr", "job_title": "B"},
            ["role"],
            {"role": ["employee", "hr"]},
        ),
    ],
    ids=["changed", "unchanged", "date-as-text", "only-the-named-fields"],
)
def test_diff_reports_the_fields_a_save_changed(employee, before, after, fields, expected):
    member = Membership.objects.get(pk=employee.pk)
    Membership.objects.filter(pk=member.pk).update(**before)
    member = Membership.objects.get(pk=member.pk)
    for key, value in after.items():
        setattr(member, key, value)
    assert audit.diff(member, fields) == expected


def test_diff_of_a_new_object_lists_the_named_fields_from_nothing(acme):
    invitation = Invitation(organization=acme, email="a@example.com", role="hr")
    assert audit.diff(invitation, ["email", "role"]) == {"email": [None, "a@example.com"], "role": [None, "hr"]}
    assert audit.diff(invitation) == {}


# --- append-only, in the database ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE alliance_auditentry SET action = 'forged' WHERE id = %s", "DELETE FROM alliance_auditentry WHERE id = %s"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_an_audit_row(ctx, as_request, statement):
    with as_request(ctx.hr):
        row = audit.audit_log("membership.update", obj=ctx.employee, changes={"job_title": ["a", "b"]})
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [row.pk])
    assert "append-only" in str(error.value)
    assert AuditEntry.objects.get(pk=row.pk).action == "membership.update"


# --- history kept by triggers, whoever writes -----------------------------------------------------------------


def _kpi(ctx):
    return Kpi.objects.filter(version__status="draft").first() or Kpi.objects.get(version=ctx.draft_version())


HISTORY = {
    "membership": (lambda c: c.employee, "alliance_membership", "job_title", "'raw sql'"),
    "tour": (lambda c: c.make_tour(), "agreements_tour", "title", "'raw sql'"),
    "agreement version": (lambda c: c.draft_version(), "agreements_agreementversion", "company_offers", "'raw sql'"),
    "kpi": (_kpi, "agreements_kpi", "name", "'raw sql'"),
    "signature": (lambda c: _signature(c), "agreements_signature", "user_agent", "'raw sql'"),
}


def _signature(ctx):
    from agreements.models import Signature

    _sign(ctx)
    return Signature.objects.filter(voided_at__isnull=True, version__status="pending").latest("pk")


@pytest.mark.parametrize("name", sorted(HISTORY))
def test_a_change_made_outside_the_services_is_kept_in_the_history(ctx, name):
    get, table, column, value = HISTORY[name]
    obj = get(ctx)
    history = type(obj).history.field.model  # the event model pghistory made for this table
    before = history.objects.filter(pgh_obj_id=obj.pk).count()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {value} WHERE id = %s", [obj.pk])  # noqa: S608
    events = history.objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id")
    assert events.count() == before + 1
    last = events.last()
    assert last.pgh_label == "update" and getattr(last, column) == "raw sql"


def test_a_bulk_update_and_a_delete_are_kept_too(ctx):
    from agreements.models import KpiEvent

    version = ctx.draft_version()
    kpi = Kpi.objects.get(version=version)
    Kpi.objects.filter(version=version).update(unit="件")
    Kpi.objects.filter(pk=kpi.pk).delete()
    labels = list(KpiEvent.objects.filter(pgh_obj_id=kpi.pk).order_by("pgh_id").values_list("pgh_label", "unit"))
    assert labels[-2:] == [("update", "件"), ("delete", "件")]


@pytest.mark.parametrize("statement", ["UPDATE {table} SET pgh_label = 'forged'", "DELETE FROM {table}"])
def test_history_rows_cannot_be_changed_either(ctx, statement):
    from django.db import DatabaseError

    from alliance.history import event_models

    Membership.objects.filter(pk=ctx.employee.pk).update(job_title="履歴")
    # The demo cancels no checkpoint: cancel one, so its history table has a row to refuse changing.
    from checkpoints.models import Checkpoint
    from checkpoints.services import checkpoint_cancel

    scheduled = Checkpoint.objects.filter(tour__employee=ctx.employee, status="scheduled", kind="regular")
    last = scheduled.order_by("sequence").last()  # the closing review is never cancelled by hand
    checkpoint_cancel(checkpoint=last, actor=ctx.employee.manager, reason="履歴")
    tables = sorted(model._meta.db_table for model, _tracked in event_models())
    # Every tracked table is refused; a new tracked model joins this list.
    assert tables == sorted(
        [
            "agreements_agreementversionevent",
            "agreements_kpievent",
            "agreements_signatureevent",
            "agreements_tourevent",
            "alliance_membershipevent",
            "checkpoints_checkpointcancellationevent",
            "checkpoints_checkpointevent",
            "checkpoints_correctionnoteevent",
            "checkpoints_kpimeasurementevent",
            "checkpoints_tourendingevent",
            "checkpoints_touroutcomeevent",
            "checkpoints_nextactionevent",
        ]
    )
    for table in tables:
        refused = pytest.raises(DatabaseError, match="append-only|Cannot update or delete")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(table=table))


# --- HR's page ---------------------------------------------------------------------------------------------------


def _rows(ctx, as_request, n=3):
    with as_request(ctx.hr):
        for i in range(n):
            core_services.membership_update(
                membership=ctx.employee, actor=ctx.hr, role=Role.EMPLOYEE, manager=ctx.manager, job_title=f"職{i}"
            )


def test_hr_reads_the_trail_filtered_by_person_action_and_period(ctx, as_request, login):
    _rows(ctx, as_request)
    with as_request(ctx.employee):
        alignment = ctx.make_alignment()
    client = login(ctx.hr)
    url = reverse("audit", args=["acme"])
    page = client.get(url).content.decode()
    assert "職2" in page and ADDRESS in page
    # Rows about a career alignment are private: kept, not listed for HR.
    assert AuditEntry.objects.filter(action="alignment.create", object_id=str(alignment.pk), private=True).exists()
    assert "alignment.create" not in page and str(audit.ACTIONS["alignment.create"]) not in page
    by_action = client.get(url, {"action": "membership.update"}).content.decode()
    assert (
        by_action.count("<tr>") - 1
        == AuditEntry.objects.filter(organization=ctx.hr.organization, action="membership.update").count()
    )
    about_employee = client.get(url, {"person": ctx.employee.pk}).content.decode()
    assert "職2" in about_employee
    about_manager = client.get(url, {"person": ctx.manager.pk}).content.decode()
    assert "職2" not in about_manager
    today = timezone.localdate()
    future = client.get(url, {"date_from": (today + timedelta(days=1)).isoformat()}).content.decode()
    assert "職2" not in future
    bad = client.get(url, {"date_from": today.isoformat(), "date_to": (today - timedelta(days=1)).isoformat()})
    assert "must not come before" in bad.content.decode() or "前" in bad.content.decode()


def test_the_trail_is_paginated_and_its_queries_do_not_grow(ctx, as_request, login, django_assert_max_num_queries):
    _rows(ctx, as_request, n=60)
    client = login(ctx.hr)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("audit", args=["acme"]))
    html = response.content.decode()
    assert html.count("<time datetime") == 50 and 'rel="next"' in html


def test_the_admin_shows_the_trail_but_nobody_edits_it(rf, ctx):
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = User.objects.create_superuser("root@example.com", PASSWORD)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    request.user = ctx.hr.user
    assert not model_admin.has_view_permission(request)


def test_a_raw_kpi_insert_still_hits_the_signed_version_guard(ctx):
    # The history triggers sit beside the immutability triggers of agreements 0002 and do not weaken them.
    version = ctx.signed_version()
    with pytest.raises(IntegrityError), transaction.atomic():
        Kpi.objects.create(organization=version.organization, version=version, target=1, due_date=KPI["due_date"])
    assert AgreementVersion.objects.get(pk=version.pk).status == "signed"


@pytest.mark.parametrize(
    "action, call, key, label, values",
    [
        # A model field with choices: its verbose name and the choices' labels, never the stored codes.
        ("agreement.request_signatures", _requested, "status", "ステータス", ("下書き", "署名待ち")),
        # A computed key named after a related record's field (a signature's role logged on its version).
        ("agreement.sign", _sign, "role", "ロール", (None, "社員")),
        # A reverse relation logged as a count: named by the related model.
        ("agreement.edit", lambda c: c.draft_version(), "kpis", "KPI", None),
    ],
)
def test_the_trail_shows_field_names_and_values_in_the_readers_language(
    ctx, as_request, action, call, key, label, values
):
    from django.utils import translation

    with as_request(ctx.manager):
        call(ctx)
    row = AuditEntry.objects.filter(action=action, changes__has_key=key).latest("pk")
    with translation.override("ja"):
        rows = {
            str(shown): tuple(None if v is None else str(v) for v in (before, after))
            for shown, before, after in audit.change_rows(row)
        }
    assert key not in rows, rows
    assert label in rows, rows
    if values is not None:
        assert rows[label] == values


@pytest.mark.parametrize("value, shown", [(True, "はい"), (False, "いいえ"), (None, None), ("x", "x"), (3, 3)])
def test_flags_read_yes_or_no(value, shown):
    from django.utils import translation

    with translation.override("ja"):
        result = audit._shown_value(None, value)
        assert (result if result is None or type(result) is int else str(result)) == shown


@pytest.mark.parametrize(
    ("proxies", "forwarded", "recorded"),
    [(0, "198.51.100.1", ADDRESS), (1, "198.51.100.1", "198.51.100.1"), (1, "", ADDRESS)],
    ids=["no proxy: the header is ignored", "one proxy: the client it saw", "one proxy, no header: the peer"],
)
def test_the_trail_records_the_address_the_signatures_record(ctx, settings, proxies, forwarded, recorded):
    """The audit row's address comes from alliance.security.client_ip, as signatures and rate limits do."""
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=forwarded)
    request.user, request.membership = ctx.employee.user, ctx.employee
    with audit.acting_request(request):
        ctx.make_alignment()
    assert AuditEntry.objects.filter(action="alignment.create").latest("pk").ip_address == recorded
