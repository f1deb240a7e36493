"""Demo data for reminders and calendars (called by `seed_demo` through alliance.demo.DEMO_EXTENSIONS, after
checkpoints.demo).

What the existing demo already gives the reminders: member04's tour (agreements.demo) starts on the first day of
the month two months back, so its first checkpoint is due on the last day of the current month, always within
the coming weeks (the scan's "upcoming", "agenda open" and "due" reminders, then "overdue" a week later); the
demo employee's second checkpoint falls three months later, so `send_reminders --now <100 days on>` finds it.
This module adds what a fresh start would otherwise lack:

* one reminder that could not be sent (member04's manager's "upcoming" reminder, refused by the mail server),
  so HR finds it with its error at `/<org>/notifications/failed/`;
* a private calendar feed for the demo employee (its address was shown only when made: the page offers to make
  a new one).

Idempotent: running `seed_demo` again finds both and adds nothing.
"""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from agreements.models import TourStatus
from alliance import notices
from alliance.models import Membership, Notice, NoticeState, Organization
from checkpoints import notices as reminders
from checkpoints import services
from checkpoints.models import CalendarFeed, Checkpoint, CheckpointStatus


def seed(organization: Organization, *, today: date | None = None) -> None:
    """Add the failed reminder and the employee's calendar feed to `organization`'s demo (see the module).
    `today` (the seeding day) is not read: this story goes through services that check the real clock (a 1on1 is
    not held after today, a signature is stamped now), so its dates count from the real local date."""
    slug = organization.slug
    checkpoint = (
        Checkpoint.objects.filter(
            organization=organization,
            tour__employee__user__email=f"member04@{slug}.example",
            tour__status=TourStatus.ACTIVE,
            status=CheckpointStatus.SCHEDULED,
        )
        .select_related("tour__employee__manager__user")
        .order_by("due_date")
        .first()
    )
    if checkpoint is not None and checkpoint.tour.employee.manager is not None:
        manager = checkpoint.tour.employee.manager
        Notice.objects.get_or_create(
            organization=organization,
            kind=reminders.UPCOMING,
            content_type=ContentType.objects.get_for_model(Checkpoint),
            object_id=checkpoint.pk,
            recipient=manager,
            sequence=checkpoint.revision,
            defaults={
                "state": NoticeState.FAILED,
                # Every attempt used: the scan leaves it alone, and HR reads why.
                "attempts": notices.MAX_ATTEMPTS,
                "error": (
                    f"SMTPRecipientsRefused: {{'{manager.user.email}': "
                    "(550, b'5.1.1 The email account that you tried to reach does not exist')}"
                ),
                "label": reminders._label(checkpoint),
                "url": reminders.checkpoint_path(checkpoint, slug),
                "created_at": timezone.now(),
            },
        )
    employee = Membership.objects.filter(organization=organization, user__email=f"employee@{slug}.example").first()
    if employee is not None and not CalendarFeed.objects.filter(membership=employee).exists():
        services.calendar_feed_create(membership=employee)
