"""`alliance.notices.record`, the scan's way of writing notices (one array per column on PostgreSQL), in every
setting it is called from: a task, a request (where pghistory's context prefixes each statement with a second one)
and under an execute wrapper; with model instances and with `Ref`s."""

import contextlib

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from agreements.models import Tour
from alliance import notices
from alliance.models import Notice, NoticeState


def _counting_wrapper():
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


SETTINGS = {
    "a task": contextlib.nullcontext,
    "a request's history context": lambda: pghistory.context(user=1, url="/acme/"),
    "an execute wrapper": _counting_wrapper,
}


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("as_ref", [False, True], ids=["instance", "ref"])
def test_record_writes_each_notice_once(db, employee, manager, setting, as_ref):
    if setting == "a request's history context" and connection.vendor != "postgresql":
        pytest.skip("pghistory's context exists on PostgreSQL only (CI runs this there)")
    with scopes_disabled():
        tour = Tour.objects.filter(employee=employee).order_by("pk").first()
    obj = notices.Ref(Tour, tour.pk) if as_ref else tour
    dues = [
        notices.Due(
            organization_id=employee.organization_id,
            kind="tour-ending",
            obj=obj,
            recipient_id=recipient.pk,
            sequence=41,
            label="ラベル %s 100%",
            url="/acme/tours/1/",
        )
        for recipient in (employee, manager)
    ]
    with scopes_disabled(), SETTINGS[setting]():
        with CaptureQueriesContext(connection) as first:
            assert notices.record(dues) == 2
        assert notices.record(dues) == 2  # given twice: the unique key keeps one of each
    if connection.vendor == "postgresql":
        # One INSERT into the notices, whatever the batch's size (the rows reach it by COPY into a temporary
        # table, which the captured statements do not show).
        inserts = [query["sql"] for query in first if 'INSERT INTO "alliance_notice"' in query["sql"]]
        assert len(inserts) == 1, [query["sql"] for query in first]
        assert len(first) <= 6
    with scopes_disabled():
        rows = Notice.objects.filter(kind="tour-ending", sequence=41, object_id=tour.pk)
        assert sorted(rows.values_list("recipient_id", "state", "attempts", "error", "label", "url")) == sorted(
            (r.pk, NoticeState.QUEUED, 0, "", "ラベル %s 100%", "/acme/tours/1/") for r in (employee, manager)
        )
        assert {notices.target_of(row) == tour for row in rows} == {True}
