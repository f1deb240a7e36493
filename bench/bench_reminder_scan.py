"""Benchmark of the checkpoint reminder scan: wall time and peak memory for 100,000 due checkpoints.

    uv run python bench/bench_reminder_scan.py [CHECKPOINTS]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench uv run python bench/bench_reminder_scan.py

Builds, once, a throwaway organization ("bench-reminders") in the configured database (a temporary SQLite file
unless DATABASE_URL is set; that database must exist and be empty or disposable): CHECKPOINTS scheduled
checkpoints of active tours (bulk_create), four per tour, due so that each falls in one reminder window at the
scan's instant (upcoming, agenda open, due, overdue: the overdue ones tell HR too). Then it runs the core scan
(`alliance.notices.scan`: the providers and the recording, no e-mail) twice at the same instant: the first
records every reminder, the second finds nothing to record. For each it prints the wall time, the queries, the
notices recorded, the peak of Python allocations (tracemalloc) and the process's peak resident set
(getrusage, which only grows). The bench organization's notices are removed before the first scan, so a rerun
measures the same thing.
"""

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

PER_TOUR = 4
TOURS_PER_MEMBER = 5
# Days from the scan's day to each checkpoint's due date, one per reminder window of checkpoints.notices.
DUE_IN_DAYS = (7, 3, 0, -7)


def build(count: int, today) -> None:
    from django.db import transaction
    from django_scopes import scopes_disabled

    from agreements.models import CareerAlignment, Tour
    from alliance.models import Membership, Organization, User
    from checkpoints.models import Checkpoint

    with scopes_disabled(), transaction.atomic():
        org, _ = Organization.objects.get_or_create(
            slug="bench-reminders", defaults={"name": "リマインダー検証株式会社"}
        )
        if Checkpoint.objects.filter(organization=org).count() >= count:
            return
        hr_user, _ = User.objects.get_or_create(email="hr@bench-reminders.example", defaults={"name": "人事"})
        hr = Membership.objects.get_or_create(organization=org, user=hr_user, defaults={"role": "hr"})[0]
        tours_needed = -(-count // PER_TOUR)
        members_needed = -(-tours_needed // TOURS_PER_MEMBER)
        users = User.objects.bulk_create(
            User(email=f"r{i}@bench-reminders.example", name=f"社員 {i:05d}", password="!")
            for i in range(members_needed)
        )
        members = Membership.objects.bulk_create(
            Membership(organization=org, user=u, role="employee", manager=hr) for u in users
        )
        alignment = CareerAlignment.objects.create(
            organization=org, employee=members[0], manager=hr, ideal_self="…", core_values=[]
        )
        tours = Tour.objects.bulk_create(
            Tour(
                organization=org,
                employee=members[i // TOURS_PER_MEMBER],
                alignment=alignment,
                title=f"ツアー {i:06d}",
                goal="…",
                toward_ideal_self="…",
                value_to_company="…",
                start_date=today - timedelta(days=300),
                end_date=today + timedelta(days=400),
                status="active",
            )
            for i in range(tours_needed)
        )
        Checkpoint.objects.bulk_create(
            (
                Checkpoint(
                    organization=org,
                    tour=tour,
                    sequence=n + 1,
                    due_date=today + timedelta(days=DUE_IN_DAYS[n]),
                )
                for tour in tours
                for n in range(PER_TOUR)
            ),
            batch_size=5000,
        )


def measure(label: str, instant) -> None:
    from django.db import connection
    from django_scopes import scopes_disabled

    from alliance import notices
    from alliance.models import Notice

    with scopes_disabled():
        before = Notice.objects.count()
    queries = []

    def count(execute, sql, params, many, context):
        # Counts without keeping the SQL (CaptureQueriesContext would hold every INSERT's text in memory).
        queries.append(None)
        return execute(sql, params, many, context)

    tracemalloc.start()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = notices.scan(now=instant)
        elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with scopes_disabled():
        recorded = Notice.objects.count() - before
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{label:12s} {elapsed:8.2f} s  {len(queries):5d} queries  {recorded:7d} notices recorded  "
        f"peak Python allocations {peak / 2**20:7.1f} MiB  peak RSS {rss:7.1f} MiB  (waiting {len(result.waiting)})"
    )


def main(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from alliance.models import Notice

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    started = time.perf_counter()
    build(count, today)
    print(f"database: {connection.vendor}; {count} due checkpoints ready in {time.perf_counter() - started:.1f} s")
    with scopes_disabled():
        Notice.objects.filter(organization__slug="bench-reminders").delete()
    instant = datetime.combine(today, clock(9), timezone.get_current_timezone())
    measure("first scan", instant)
    measure("second scan", instant)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
