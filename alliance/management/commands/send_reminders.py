"""`manage.py send_reminders [--now ISO-8601]`: one notice scan, run here and now, every e-mail sent through
the configured backend; prints one summary line. Run twice at the same instant, the second sends nothing.

It starts outside any organization scope: the scan reads across organizations on purpose and each notice is
delivered in its own organization's scope (alliance.notices.scan_and_send)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alliance.notices import scan_and_send


def parse_instant(value: str) -> datetime:
    """An ISO-8601 date-time; without a zone it is read in the project's time zone (settings.TIME_ZONE)."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now: not an ISO-8601 date-time: {value!r} (e.g. 2026-05-01T09:00+09:00)") from exc
    return timezone.make_aware(instant) if timezone.is_naive(instant) else instant


class Command(BaseCommand):
    help = "Run one notice scan synchronously and send what is due (e-mail and in-app)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the instant to scan as of (ISO-8601); default: now")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, now=None, batch_size=500, **options):
        instant = parse_instant(now) if now else timezone.now()
        result = scan_and_send(now=instant, batch_size=batch_size)
        self.stdout.write(result.line())
