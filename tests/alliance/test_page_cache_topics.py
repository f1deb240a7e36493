"""Which kept pages a write drops (alliance.page_cache topics): a write of one member's record drops the pages of
the people who may see it (the member, the members it names, the member's manager, HR, for the community's rows
the alumni pages), and keeps everyone else's; a write no bump accounts for drops the whole organization.

Each table below writes by a different path (a save, a queryset update, a bulk create, the notices' raw insert,
a request's raw SQL) and reads each reader's page before and after."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scopes_disabled

from agreements.models import Tour
from alliance import page_cache
from alliance.models import AuditEntry, Membership, MembershipStatus, Notice, Role
from checkpoints.models import AgendaTopic, Checkpoint
from tests.alliance.test_page_cache import _record_notice

HOME = "/acme/"


def _get(client, path: str = HOME):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def _state(response) -> str:
    return response.headers.get("X-Page-Cache", "")


@pytest.fixture
def bystander(db, employee, manager):
    """An active employee of acme who is neither the employee, nor their manager, nor HR."""
    with scopes_disabled():
        member = (
            Membership.objects.select_related("user")
            .filter(organization_id=employee.organization_id, status=MembershipStatus.ACTIVE, role=Role.EMPLOYEE)
            .exclude(pk__in=[employee.pk, manager.pk])
            .first()
        )
    assert member is not None, "the demo has a second employee"
    return member


def _checkpoint_of(employee) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(tour__employee=employee).order_by("pk").first()
    assert checkpoint is not None, "the demo employee has a checkpoint"
    return checkpoint


def _save_checkpoint(employee):
    checkpoint = _checkpoint_of(employee)
    checkpoint.save()


def _save_tour(employee):
    tour = Tour.objects.filter(employee=employee).first()
    tour.save()


def _create_agenda_topic(employee):
    checkpoint = _checkpoint_of(employee)
    AgendaTopic.objects.create(
        organization_id=employee.organization_id,
        checkpoint=checkpoint,
        added_by=employee,
        side="employee",
        text="話したいこと",
    )


def _bulk_create_agenda_topics(employee):
    checkpoint = _checkpoint_of(employee)
    AgendaTopic.objects.bulk_create(
        [
            AgendaTopic(
                organization_id=employee.organization_id,
                checkpoint=checkpoint,
                added_by=employee,
                side="employee",
                text=t,
            )
            for t in ("一つ目", "二つ目")
        ]
    )


def _update_notices(employee):
    Notice.objects.filter(recipient=employee).update(label="読み替え")


def _audit_about(employee):
    AuditEntry.objects.create(
        organization_id=employee.organization_id, subject=employee, action="test", object_label="テスト"
    )


WRITES = [
    ("a checkpoint saved", _save_checkpoint),
    ("a tour saved", _save_tour),
    ("an agenda topic created", _create_agenda_topic),
    ("agenda topics bulk created", _bulk_create_agenda_topics),
    ("notices updated by queryset", _update_notices),
    ("a notice recorded by the raw insert", _record_notice),
    ("an audit entry about them", _audit_about),
]
# Who sees a change to the employee's record on their home page: the employee, their manager (team), HR (any);
# not another employee. The audit entry and the notices are shown to no manager: theirs stay kept.
DROPPED = {
    "employee": True,
    "manager": True,
    "hr": True,
    "bystander": False,
}
NOT_FOR_THE_MANAGER = {
    "notices updated by queryset",
    "a notice recorded by the raw insert",
    "an audit entry about them",
}


@pytest.mark.parametrize(("name", "write"), WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("reader", sorted(DROPPED))
def test_a_members_record_drops_the_pages_of_who_may_see_it(request, login, employee, reader, name, write):
    member = request.getfixturevalue(reader)
    client = login(member)
    _get(client)
    assert _state(_get(client)) == "hit"
    with scopes_disabled():
        write(employee)
    dropped = DROPPED[reader] and not (reader == "manager" and name in NOT_FOR_THE_MANAGER)
    assert _state(_get(client)) == ("miss" if dropped else "hit")


@pytest.mark.parametrize(("name", "write"), WRITES, ids=[w[0] for w in WRITES])
def test_a_members_record_drops_their_timeline_and_leaves_anothers(login, employee, manager, bystander, name, write):
    # The manager reads the employee's timeline (their records: every write about them drops it) and HR reads a
    # bystander's (HR's pages drop on every write of a record) while the bystander's own home stays kept.
    client = login(manager)
    theirs = reverse("checkpoints:timeline", args=["acme", employee.pk])
    own = login(bystander)
    for reader, path in ((client, theirs), (own, HOME)):
        _get(reader, path)
        assert _state(_get(reader, path)) == "hit"
    with scopes_disabled():
        write(employee)
    assert _state(_get(client, theirs)) == "miss"
    assert _state(_get(own, HOME)) == "hit"


def test_a_checkpoint_page_is_keyed_by_its_employee(login, employee, manager, bystander):
    with scopes_disabled():
        checkpoint = _checkpoint_of(employee)
    path = reverse("checkpoints:checkpoint", args=["acme", checkpoint.pk])
    client = login(manager)
    _get(client, path)
    assert _state(_get(client, path)) == "hit"
    with scopes_disabled():
        _record_notice(bystander)
    assert _state(_get(client, path)) == "hit", "a notice to someone else leaves the page kept"
    with scopes_disabled():
        _create_agenda_topic(employee)
    after = _get(client, path)
    assert _state(after) == "miss"
    assert "話したいこと" in after.content.decode()


def test_a_row_moved_to_another_member_drops_the_organization(employee, bystander):
    from django.core.cache import cache

    key = f"pc:gen:org:{employee.organization_id}"
    cache.set(key, "before", None)
    with scopes_disabled():
        topic = AgendaTopic.objects.create(
            organization_id=employee.organization_id,
            checkpoint=_checkpoint_of(employee),
            added_by=employee,
            side="employee",
            text="移動",
        )
        assert cache.get(key) == "before", "a new record bumps its people only"
        topic = AgendaTopic.objects.get(pk=topic.pk)
        topic.checkpoint = Checkpoint.objects.exclude(tour__employee=employee).order_by("pk").first()
        topic.save()
    assert cache.get(key) != "before"


def test_a_member_named_before_a_save_is_bumped_too(employee, manager, bystander):
    from django.core.cache import cache

    with scopes_disabled():
        topic = AgendaTopic.objects.create(
            organization_id=employee.organization_id,
            checkpoint=_checkpoint_of(employee),
            added_by=bystander,
            side="employee",
            text="x",
        )
        topic = AgendaTopic.objects.get(pk=topic.pk)
        key = f"pc:gen:person:{bystander.pk}"
        cache.set(key, "before", None)
        topic.added_by = manager
        topic.save()
    assert cache.get(key) != "before"


# --- the request's write watch -----------------------------------------------------------------------------------


SQL = [
    ("SELECT 1", []),
    ('SELECT "a"."id" FROM "a" WHERE "a"."x" = %s FOR UPDATE', []),
    ("SAVEPOINT s1", []),
    ("RELEASE SAVEPOINT s1", []),
    ('INSERT INTO "agreements_tour" ("a") VALUES (%s) RETURNING "id"', ["agreements_tour"]),
    ('UPDATE "alliance_membership" SET "x" = %s', ["alliance_membership"]),
    ('DELETE FROM "alliance_notice" WHERE "id" IN (%s)', ["alliance_notice"]),
    ("update alliance_notice set x = 1", ["alliance_notice"]),
    ('INSERT OR IGNORE INTO "alliance_notice" ("a") VALUES (%s)', ["alliance_notice"]),
    ('INSERT INTO "alliance_notice" ("a") VALUES (%s) ON CONFLICT DO NOTHING', ["alliance_notice"]),
    # pghistory's context: a SELECT, then the tracked write.
    ("SELECT set_config('pghistory.context_id', %s, true); UPDATE \"agreements_kpi\" SET x = 1", ["agreements_kpi"]),
    ('WITH moved AS (DELETE FROM "a" RETURNING *) INSERT INTO "b" SELECT * FROM moved', [None]),
    ("CREATE TEMPORARY TABLE t (x int)", [None]),
    ("TRUNCATE alliance_notice", [None]),
    (b'UPDATE "alliance_user" SET "name" = %s', ["alliance_user"]),
]


@pytest.mark.parametrize(("sql", "tables"), SQL, ids=[str(s[0])[:40] for s in SQL])
def test_written_tables(sql, tables):
    assert page_cache.written_tables(sql) == tables


def _through_middleware(organization, membership, write):
    """Run `write` as the view of a POST in `organization`, through InvalidateOnWriteMiddleware."""
    request = RequestFactory().post(f"/{organization.slug}/x/")
    request.organization = organization
    request.membership = membership
    request.user = membership.user

    def view(request):
        with scopes_disabled():
            write()
        from django.http import HttpResponse

        return HttpResponse("ok")

    return page_cache.InvalidateOnWriteMiddleware(view)(request)


def _raw_update_membership(employee):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE alliance_membership SET job_title = %s WHERE id = %s", ["生SQL", employee.pk])


def _raw_update_tour(employee):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE agreements_tour SET goal = goal WHERE employee_id = %s", [employee.pk])


MIDDLEWARE_WRITES = [
    # (name, write, organization dropped)
    ("nothing written", lambda employee: None, False),
    ("a record saved", _save_checkpoint, False),
    ("records bulk created", _bulk_create_agenda_topics, False),
    ("a record's queryset update", _update_notices, False),
    ("the notices' raw insert", _record_notice, False),
    ("a membership saved (bumped by its save)", lambda e: Membership.objects.get(pk=e.pk).save(), True),
    ("raw SQL on the members", _raw_update_membership, True),
    ("raw SQL on a member's records", _raw_update_tour, True),
    ("a record saved, then raw SQL", lambda e: (_save_checkpoint(e), _raw_update_tour(e)), True),
]


@pytest.mark.parametrize(("name", "write", "dropped"), MIDDLEWARE_WRITES, ids=[w[0] for w in MIDDLEWARE_WRITES])
def test_a_post_drops_the_organization_only_for_writes_no_bump_accounts_for(employee, name, write, dropped):
    from django.core.cache import cache

    key = f"pc:gen:org:{employee.organization_id}"
    cache.set(key, "before", None)
    with scopes_disabled():
        organization = employee.organization
    _through_middleware(organization, employee, lambda: write(employee))
    assert (cache.get(key) != "before") is dropped


def test_a_post_that_writes_nothing_keeps_the_pages(login, employee, manager):
    reader = login(manager)
    _get(reader)
    assert _state(_get(reader)) == "hit"
    # A form with errors writes nothing: nothing to drop.
    login(employee).post(reverse("agreements:mine", args=["acme"]), {})
    assert _state(_get(reader)) == "hit"


def test_an_alignment_shared_with_a_colleague_drops_the_colleagues_pages(employee, bystander):
    from django.core.cache import cache

    from agreements.access import READ_ALIGNMENT
    from agreements.models import CareerAlignment
    from alliance.permissions import grant_object_access

    with scopes_disabled():
        alignment = CareerAlignment.objects.filter(employee=employee).first()
        grant_object_access(user=bystander.user, obj=alignment, perm=READ_ALIGNMENT)
        key = f"pc:gen:user:{bystander.user_id}"
        cache.set(key, "before", None)
        alignment.save()
    assert cache.get(key) != "before"


def test_many_people_in_one_write_drop_the_organization(employee, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(page_cache, "MAX_NARROW_PEOPLE", 1)
    key = f"pc:gen:org:{employee.organization_id}"
    cache.set(key, "before", None)
    with scopes_disabled():
        _bulk_create_agenda_topics(employee)  # the employee, and their manager's team: two
    assert cache.get(key) != "before"


def test_the_reader_topics_compare_the_models_own_values():
    # page_cache.reader_topics compares the status and role by value (it imports no model).
    assert (MembershipStatus.ACTIVE, MembershipStatus.ALUMNI, Role.HR) == ("active", "alumni", "hr")


def _update_everyones_notices(employee):
    Notice.objects.filter(organization_id=employee.organization_id).update(label="読み替え")


@pytest.mark.parametrize("write", [_bulk_create_agenda_topics, _update_everyones_notices], ids=["bulk", "update"])
def test_a_bulk_write_of_many_rows_drops_the_organization_without_reading_them_all(employee, monkeypatch, write):
    # Two agenda topics (two rows: their pks are read), the notices of several members (distinct people).
    from django.core.cache import cache

    monkeypatch.setattr(page_cache, "MAX_NARROW_ROWS", 1)
    key = f"pc:gen:org:{employee.organization_id}"
    cache.set(key, "before", None)
    with scopes_disabled():
        recipients = Notice.objects.filter(organization_id=employee.organization_id).values("recipient").distinct()
        assert recipients.count() >= 2, "the demo has notices to several members"
        write(employee)
    assert cache.get(key) != "before"


# --- HR's figures follow others' writes within PAGE_CACHE_SETTLE_SECONDS ----------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """time.time(), moved by hand (`clock.now += 61`): the page cache's clock, and the local-memory cache's too
    (a kept page then expires after PAGE_CACHE_SECONDS of this clock)."""

    class Clock:
        now = 1_800_000_000.0

    monkeypatch.setattr(page_cache.time, "time", lambda: Clock.now)
    return Clock


def _dashboard(client):
    return _get(client, reverse("hr_dashboard", args=["acme"]))


def _shared_with_hr(response) -> int:
    html = response.content.decode()
    found = re.search(r"<dt>Shared with HR</dt>\s*<dd><span data-value=\"(\d+)\"", html)
    assert found, "the dashboard shows how many alignments are shared with HR"
    return int(found.group(1))


def _share_an_alignment(employee):
    from agreements import services
    from agreements.models import CareerAlignment

    alignment = CareerAlignment.objects.filter(employee=employee, shared_with_hr=False).first()
    assert alignment is not None, "the demo employee has an alignment not shared with HR"
    services.alignment_share_with_hr(alignment=alignment, actor=employee, shared=True)


def test_the_hr_dashboards_figures_follow_others_writes_within_the_settle_delay(login, hr, employee, settings, clock):
    settings.PAGE_CACHE_SETTLE_SECONDS = 60
    client = login(hr, language="en")
    first = _dashboard(client)
    assert "within 60 seconds" in first.content.decode()
    before = _shared_with_hr(first)
    with scopes_disabled():
        _share_an_alignment(employee)
    clock.now += 30
    kept = _dashboard(client)
    assert (_state(kept), _shared_with_hr(kept)) == ("hit", before), "within the delay: the figures as taken"
    clock.now += 31
    renewed = _dashboard(client)
    assert (_state(renewed), _shared_with_hr(renewed)) == ("miss", before + 1), "past it: taken again"
    assert _state(_dashboard(client)) == "hit"
    clock.now += 200  # under PAGE_CACHE_SECONDS since the last rendering
    assert _state(_dashboard(client)) == "hit", "no write since: nothing to renew however long"


def test_hrs_own_request_and_a_change_of_the_organization_show_at_once(login, hr, employee, settings, clock):
    settings.PAGE_CACHE_SETTLE_SECONDS = 60
    client = login(hr)
    _dashboard(client)
    assert _state(_dashboard(client)) == "hit"
    # Any request of HR's with an unsafe method (here one the page refuses: 405) drops HR's own settled pages.
    assert client.post(reverse("agreements:mine", args=["acme"]), {}).status_code == 405
    assert _state(_dashboard(client)) == "miss"
    assert _state(_dashboard(client)) == "hit"
    with scopes_disabled():
        Membership.objects.get(pk=employee.pk).save()  # the organization's structure
    assert _state(_dashboard(client)) == "miss"


def test_the_post_middleware_bumps_its_writers_own_topic_only(employee, manager):
    from django.core.cache import cache

    keys = {member: page_cache.topic_key(page_cache.OWN, member.pk) for member in (employee, manager)}
    cache.set_many({key: "before" for key in keys.values()}, None)
    with scopes_disabled():
        organization = employee.organization
    _through_middleware(organization, employee, lambda: None)
    assert cache.get(keys[employee]) != "before"
    assert cache.get(keys[manager]) == "before"


@pytest.mark.parametrize("path", ["/acme/", "timeline"])
def test_hrs_other_pages_still_follow_every_write_at_once(login, hr, employee, settings, clock, path):
    # Only the dashboard settles: HR's home and the pages of one member drop at the write.
    settings.PAGE_CACHE_SETTLE_SECONDS = 60
    if path == "timeline":
        path = reverse("checkpoints:timeline", args=["acme", employee.pk])
    client = login(hr)
    _get(client, path)
    assert _state(_get(client, path)) == "hit"
    with scopes_disabled():
        _share_an_alignment(employee)
    assert _state(_get(client, path)) == "miss"


SETTLE = [
    # (token before, the any: token now, seconds since the renewal, delay, renewed)
    (None, "a1", 0, 60, True),
    ("garbled", "a1", 0, 60, True),
    ("100.0 a1 x", "a1", 500, 60, False),
    ("100.0 a1 x", "b2", 59, 60, False),
    ("100.0 a1 x", "b2", 60, 60, True),
    ("100.0 a1 x", None, 60, 60, True),
    ("100.0 a1 x", "b2", 0, 0, True),
]


@pytest.mark.parametrize(("token", "seen_now", "age", "delay", "renewed"), SETTLE)
def test_settled_token(db, settings, token, seen_now, age, delay, renewed):
    from django.core.cache import cache

    settings.PAGE_CACHE_SETTLE_SECONDS = delay
    key, any_key = page_cache.topic_key(page_cache.SETTLED, 42), page_cache.topic_key(page_cache.ANY, 42)
    cache.delete_many([key, any_key])
    if token is not None:
        cache.set(key, token, None)
    if seen_now is not None:
        cache.set(any_key, seen_now, None)
    now = 100.0 + age
    got = page_cache.settled_token(42, now)
    assert (got != token) is renewed
    assert cache.get(key) == got
    if renewed:
        renewed_at, seen, _ = got.split()
        assert (float(renewed_at), seen) == (now, cache.get(any_key))
