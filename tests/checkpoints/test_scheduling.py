"""A signed agreement schedules its tour's checkpoints: every interval strictly before the end, and the closing
review on the last day; once only, whatever signs or re-sends later."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from agreements import services as agreement_services
from agreements.models import AgreementVersion
from agreements.signals import version_signed
from alliance.models import AuditEntry
from alliance.periods import period_end
from checkpoints import rules, services
from checkpoints.models import Checkpoint, CheckpointKind
from tests.agreements.conftest import PASSWORD

R, C = "regular", "closing"


@pytest.mark.parametrize(
    "start, months, interval, expected",
    [
        (date(2031, 4, 1), 6, 3, [(date(2031, 6, 30), R), (date(2031, 9, 30), C)]),
        (
            date(2031, 4, 1),
            12,
            3,
            [(date(2031, 6, 30), R), (date(2031, 9, 30), R), (date(2031, 12, 31), R), (date(2032, 3, 31), C)],
        ),
        (date(2031, 4, 1), 2, 3, [(date(2031, 5, 31), C)]),
        (date(2031, 4, 1), 3, 3, [(date(2031, 6, 30), C)]),  # the last interval ends on the last day: closing only
        (date(2031, 4, 1), 12, 6, [(date(2031, 9, 30), R), (date(2032, 3, 31), C)]),
        # Month ends (Civil Code art. 143): no 31 April, so the 3-month interval from 31 January ends on 30 April.
        (
            date(2031, 1, 31),
            12,
            3,
            [(date(2031, 4, 30), R), (date(2031, 7, 30), R), (date(2031, 10, 30), R), (date(2032, 1, 30), C)],
        ),
        (date(2032, 1, 31), 3, 1, [(date(2032, 2, 29), R), (date(2032, 3, 30), R), (date(2032, 4, 30), C)]),
        (date(2031, 1, 31), 3, 1, [(date(2031, 2, 28), R), (date(2031, 3, 30), R), (date(2031, 4, 30), C)]),
    ],
    ids=["6-months", "12-months", "2-months", "one-interval", "interval-6", "jan-31", "jan-31-leap", "jan-31-monthly"],
)
def test_checkpoints_fall_at_each_interval_end_before_the_last_day_then_the_closing_review(
    start, months, interval, expected
):
    assert rules.schedule_dates(start, period_end(start, months), interval) == expected


@pytest.mark.parametrize(
    "start, end, interval",
    [(date(2031, 4, 1), date(2031, 9, 30), 0), (date(2031, 4, 1), date(2031, 4, 1), 3)],
    ids=["no-interval", "no-period"],
)
def test_a_schedule_needs_an_interval_and_a_period(start, end, interval):
    with pytest.raises(ValueError):
        rules.schedule_dates(start, end, interval)


def _dates(tour):
    return list(Checkpoint.objects.filter(tour=tour).order_by("sequence").values_list("sequence", "due_date", "kind"))


@pytest.mark.parametrize("interval, regular", [(3, 3), (6, 1), (12, 0)])
def test_signing_schedules_the_tour_at_its_organizations_interval(
    acme, make_tour, draft_version, signed_version, interval, regular
):
    acme.checkpoint_interval_months = interval
    acme.save(update_fields=["checkpoint_interval_months"])
    tour = make_tour(start_date=date(2031, 5, 1), end_date=date(2032, 4, 30))
    assert _dates(tour) == []
    signed_version(draft_version(tour=tour))
    kinds = [kind for _n, _due, kind in _dates(tour)]
    assert kinds == [CheckpointKind.REGULAR] * regular + [CheckpointKind.CLOSING]
    assert [n for n, _due, _kind in _dates(tour)] == list(range(1, regular + 2))
    assert _dates(tour)[-1][1] == tour.end_date


def test_nothing_is_scheduled_before_the_last_signature(make_tour, draft_version, manager, employee):
    tour = make_tour()
    version = agreement_services.agreement_request_signatures(version=draft_version(tour=tour), actor=manager)
    agreement_services.agreement_sign(
        version=version, actor=employee, password=PASSWORD, content_hash=version.content_hash
    )
    assert _dates(tour) == []


def test_scheduling_again_creates_nothing_twice(
    make_tour, draft_version, signed_version, manager, employee, hr, django_capture_on_commit_callbacks
):
    tour = make_tour(start_date=date(2031, 5, 1), end_date=date(2032, 4, 30))
    version = signed_version(draft_version(tour=tour))
    first = _dates(tour)
    assert len(first) == 4
    before = AuditEntry.objects.filter(action="checkpoint.schedule").count()
    # The signal re-sent, the service re-run, and an amendment signed: the schedule stays as it was.
    version_signed.send(sender=AgreementVersion, version=version)
    assert services.checkpoints_schedule(tour=tour) == []
    amendment = agreement_services.agreement_amend(agreement=version.agreement, actor=manager)
    amendment.refresh_from_db()
    signed_version(amendment)
    assert _dates(tour) == first
    assert AuditEntry.objects.filter(action="checkpoint.schedule").count() == before


def test_the_database_refuses_a_second_checkpoint_of_one_number(make_tour, draft_version, signed_version):
    tour = make_tour()
    signed_version(draft_version(tour=tour))
    first = Checkpoint.objects.filter(tour=tour).order_by("sequence").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Checkpoint.objects.create(
            organization=tour.organization, tour=tour, sequence=first.sequence, due_date=first.due_date
        )


def test_the_demo_employees_signed_tour_has_its_checkpoints(employee):
    tour = employee.tours.get(status="active")
    assert [kind for _n, _due, kind in _dates(tour)] == [R, R, R, C]


def test_the_demo_holds_the_first_checkpoint_and_seeding_again_changes_nothing(employee, manager):
    from alliance import demo

    first = Checkpoint.objects.filter(tour__employee=employee).order_by("sequence").first()
    assert first.status == "held" and first.held_on is not None and first.measurements.count() == 2
    assert first.employee_confirmed_at is not None and first.manager_confirmed_at is None
    assert (first.employee_alignment, first.manager_alignment) == ("on_track", "drifting")
    before = (Checkpoint.objects.count(), AuditEntry.objects.filter(action__startswith="checkpoint.").count())
    demo.seed()
    after = (Checkpoint.objects.count(), AuditEntry.objects.filter(action__startswith="checkpoint.").count())
    assert after == before
