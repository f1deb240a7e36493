"""The demo a new user meets (`seed_demo`, run by the README's first command): every checkpoints page has data on a
fresh start, in both organizations (issue 9, "Pages and data")."""

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementVersion, Tour, TourStatus, VersionStatus
from alliance.models import Notice, NoticeState
from checkpoints import selectors
from checkpoints.models import Checkpoint, CheckpointStatus


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_the_demo_has_every_state_a_checkpoints_page_shows(db, slug):
    today = timezone.localdate()
    checkpoints = Checkpoint.objects.filter(organization__slug=slug)
    held = checkpoints.filter(status__in=[CheckpointStatus.HELD, CheckpointStatus.CONFIRMED])
    assert held.filter(manager_alignment="drifting").exists(), "a drifting tour"
    assert held.filter(manager_alignment="off_track", employee_alignment="off_track").exists(), "an off-track one"
    assert AgreementVersion.objects.filter(
        organization__slug=slug, is_amendment=True, status=VersionStatus.SIGNED
    ).exists(), "an amendment all signed"
    # member06@'s (checkpoints/demo_complete.py); alumni@'s tour before leaving is completed too
    # (alumni/demo_access.py).
    completed = Tour.objects.get(
        organization__slug=slug, status=TourStatus.COMPLETED, employee__user__email=f"member06@{slug}.example"
    )
    assert completed.outcome.next_tour.status == TourStatus.ACTIVE, "a completed tour followed by the next"
    assert Tour.objects.filter(organization__slug=slug, status=TourStatus.ENDED_EARLY).exists(), "an early end"
    # Checkpoints still to hold, with agenda topics on the next one (checkpoints/demo_meeting.py).
    upcoming = checkpoints.filter(status=CheckpointStatus.SCHEDULED, due_date__gte=today)
    assert upcoming.filter(agenda_topics__isnull=False).exists(), "a checkpoint ahead, with its agenda"
    organization = checkpoints.first().organization
    assert selectors.overdue_checkpoints(organization=organization, today=today).exists(), "one overdue"
    assert Notice.objects.filter(organization__slug=slug, state=NoticeState.FAILED).exists(), "one unsent"


def test_hr_finds_the_overdue_checkpoint_on_a_fresh_start(login, hr, manager):
    page = login(hr, language="en").get(reverse("checkpoints:overdue", args=["acme"])).content.decode()
    overdue = selectors.overdue_checkpoints(organization=hr.organization, today=timezone.localdate()).first()
    assert reverse("checkpoints:checkpoint", args=["acme", overdue.pk]) in page
    home = login(manager, language="en").get(reverse("dashboard", args=["acme"])).content.decode()
    assert reverse("checkpoints:checkpoint", args=["acme", overdue.pk]) in home
