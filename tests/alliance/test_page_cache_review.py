"""Review of 7d80db7 (kept pages keyed by topics): writes whose bump misses a page that shows them.

Each test reads a kept page (a "hit" on its second read), writes, and expects the page to be rendered again
(a "miss"), or checks the generation key a write must replace. Fixtures and helpers as in
tests/alliance/test_page_cache_topics.py."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scopes_disabled

# The helpers and the bystander of the topics' table (a fixture imported is a fixture of this module too).
from tests.alliance.test_page_cache_topics import HOME, _get, _state, bystander  # noqa: E402, F401


@pytest.fixture
def _fresh_compiled_checks(monkeypatch):
    """alliance.compiled keeps its SQL per process: each test compiles its own, as a fresh worker
    process would (a check compiled outside any scope by another test would hide the fault)."""
    from alliance import compiled

    monkeypatch.setattr(compiled, "_COMPILED", {})


# --- the checks that run before a kept page ------------------------------------------------------------------


@pytest.mark.usefixtures("_fresh_compiled_checks")
def test_kept_timeline_check_works_in_a_second_organization(login, employee, outsider):
    # The compiled check of a kept timeline (alliance.compiled.compiled_row) is compiled once per process, inside
    # the first request's organization scope: django-scopes adds `organization_id = <that organization>` to the
    # queryset, and compiled_row keeps it as a constant ("value") next to the `for_organization` argument. Every
    # member of any other organization then gets a 404 for their own timeline, until the process restarts.
    _get(login(employee), reverse("checkpoints:timeline", args=["acme", employee.pk]))
    _get(login(outsider), reverse("checkpoints:timeline", args=["globex", outsider.pk]))


@pytest.mark.usefixtures("_fresh_compiled_checks")
def test_kept_checkpoint_page_check_works_in_a_second_organization(login, employee, outsider):
    # Same for the checkpoint page's check (check_tour_of, compiled once per process with the first request's
    # organization scope baked into the SQL: `organization_id = <first org> AND organization_id = %s`).
    from checkpoints.models import Checkpoint

    with scopes_disabled():
        mine = Checkpoint.objects.filter(tour__employee=employee).order_by("pk").first()
        theirs = Checkpoint.objects.filter(tour__employee=outsider).order_by("pk").first()
    if theirs is None:
        pytest.skip("the globex demo has no checkpoint")
    _get(login(employee), reverse("checkpoints:checkpoint", args=["acme", mine.pk]))
    _get(login(outsider), reverse("checkpoints:checkpoint", args=["globex", theirs.pk]))


# --- a member named between two saves of one instance ---------------------------------------------------------


def test_a_second_save_of_one_instance_drops_the_member_named_by_the_first(login, hr, employee, manager, other_manager):
    # instance_keys reads the members a row named "before the save" from `_loaded_values`, which is set when the
    # row is read and never refreshed after a save: a second save of the same instance (a service that saves twice,
    # each in its own transaction) does not bump the member named between the two saves. Here the planned
    # departure's manager (the departure card on the home page shows every planned departure whose `manager` is
    # the reader) goes manager -> other_manager -> hr on one instance: other_manager's home keeps the card.
    from datetime import timedelta

    from django.utils import timezone

    from alumni.models import Departure
    from alumni.services import departures as departure_services

    with scopes_disabled():
        departure = departure_services.departure_start(
            actor=hr,
            membership=employee,
            data={
                "last_day": timezone.localdate() + timedelta(days=10),
                "kind": "career_step",
                "tour_completed": False,
            },
        )
        departure = Departure.objects.get(pk=departure.pk)
        departure.manager = other_manager
        departure.save()
    reader = login(other_manager)
    name = employee.user.display_name
    assert name in _get(reader).content.decode()
    assert _state(_get(reader)) == "hit"
    with scopes_disabled():
        departure.manager = hr
        departure.save()
    after = _get(reader)
    assert _state(after) == "miss", "other_manager's home still shows a departure they no longer follow"
    assert "data-departure-card" not in after.content.decode() or name not in after.content.decode()


def test_a_row_moved_back_on_the_same_instance_drops_the_member_it_left(employee):
    # Same cause, on the first hop of the path: moved employee -> bystander (the organization is bumped), then back
    # to the employee on the same instance: `_loaded_values` still says "employee", so the move back is not seen
    # as one and the bystander, whose pages showed the row in between, is not bumped.
    from checkpoints.models import AgendaTopic, Checkpoint

    with scopes_disabled():
        own = Checkpoint.objects.filter(tour__employee=employee).order_by("pk").first()
        other = (
            Checkpoint.objects.filter(organization_id=employee.organization_id)
            .exclude(tour__employee=employee)
            .select_related("tour")
            .order_by("pk")
            .first()
        )
        assert other is not None, "the demo has a checkpoint of another employee"
        bystander = other.tour.employee
        topic = AgendaTopic.objects.create(
            organization_id=employee.organization_id, checkpoint=own, added_by=employee, side="employee", text="x"
        )
        topic = AgendaTopic.objects.get(pk=topic.pk)
        topic.checkpoint = other
        topic.save()
        key = f"pc:gen:person:{bystander.pk}"
        organization = f"pc:gen:org:{employee.organization_id}"
        cache.set(key, "before", None)
        cache.set(organization, "before", None)
        topic.checkpoint = own
        topic.save()
    assert cache.get(key) != "before" or cache.get(organization) != "before"


# --- a row moved to another organization ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["save", "update"])
def test_a_record_moved_to_another_organization_drops_both_organizations(employee, globex, how):
    # The organization was not a "moving" column (_moves_records, instance_keys): a save or queryset update that
    # changed a record's organization bumped one side only. Now both organizations are bumped (every page).
    from alliance.models import Notice

    with scopes_disabled():
        notice = Notice.objects.filter(recipient=employee).order_by("pk").first()
        assert notice is not None, "the demo employee has a notice"
        keys = [f"pc:gen:org:{employee.organization_id}", f"pc:gen:org:{globex.pk}"]
        for key in keys:
            cache.set(key, "before", None)
        if how == "save":
            notice = Notice.objects.get(pk=notice.pk)
            notice.organization = globex
            notice.save()
        else:
            Notice.objects.filter(pk=notice.pk).update(organization=globex)
    assert [cache.get(key) != "before" for key in keys] == [True, True]
