"""Benchmark of the checkpoint reminder scan: wall time, queries and peak memory.

    uv run python bench/bench_reminder_scan.py [CHECKPOINTS]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench uv run python bench/bench_reminder_scan.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench uv run python bench/bench_reminder_scan.py --existing

With `--existing` nothing is built: the scan runs over what the database holds (`manage.py seed_bench`'s
million checkpoints, of which those in a reminder window on the day are due). Otherwise:

Builds, once, a throwaway organization ("bench-reminders") in the configured database (a temporary SQLite file
unless DATABASE_URL is set; that database must exist and be empty or disposable): CHECKPOINTS scheduled
checkpoints of active tours (bulk_create), four per tour, due so that each falls in one reminder window at the
scan's instant (upcoming, agenda open, due, overdue: the overdue ones tell HR too). Then it runs the core scan
(`alliance.notices.scan`: the providers and the recording, no e-mail) twice at the same instant: the first
records every reminder, the second finds nothing to record. For each it prints the wall time, the queries, the
notices recorded, the peak of Python allocations (tracemalloc) and the process's peak resident set
(getrusage, which only grows). A third scan runs after half of what the first recorded is marked sent and the
other half removed ("half sent"). Every notice the run recorded is removed at the end, so a rerun measures the
same thing. The figures are also written to `bench/results/reminder_scan-<database>-<checkpoints>.json`.
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

RESULTS: list[dict] = []
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
        # In slices: bulk_create lists what it is given, and a million instances at once is the build's memory.
        for start in range(0, len(tours), 10_000):
            Checkpoint.objects.bulk_create(
                [
                    Checkpoint(
                        organization=org,
                        tour=tour,
                        sequence=n + 1,
                        due_date=today + timedelta(days=DUE_IN_DAYS[n]),
                    )
                    for tour in tours[start : start + 10_000]
                    for n in range(PER_TOUR)
                ],
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
    RESULTS.append(
        {
            "scan": label,
            "seconds": round(elapsed, 3),
            "queries": len(queries),
            "notices_recorded": recorded,
            "peak_python_allocations_mib": round(peak / 2**20, 1),
            "peak_rss_mib": round(rss, 1),
        }
    )
    print(
        f"{label:12s} {elapsed:8.2f} s  {len(queries):5d} queries  {recorded:7d} notices recorded  "
        f"peak Python allocations {peak / 2**20:7.1f} MiB  peak RSS {rss:7.1f} MiB  (waiting {len(result.waiting)})"
    )


def halve(after_id: int, instant) -> int:
    """Make it as if half of what the first scan recorded had been sent already: every notice recorded since
    `after_id` is marked sent and those about checkpoints or tours of odd id are removed, so the next scan
    records those again. Returns how many notices were removed."""
    from django.db.models.functions import Mod
    from django_scopes import scopes_disabled

    from alliance.models import Notice, NoticeState

    with scopes_disabled():
        recorded = Notice.objects.filter(pk__gt=after_id)
        recorded.update(state=NoticeState.SENT, sent_at=instant)
        removed, _ = recorded.alias(parity=Mod("object_id", 2)).filter(parity=1).delete()
    return removed


def write_results(vendor: str, total: int, due: int | None) -> None:
    """Write RESULTS with the machine's description to bench/results/ (created if missing)."""
    import json
    import platform

    from django.db import connection

    server = connection.cursor().connection.info.server_version if vendor == "postgresql" else "embedded"
    out = ROOT / "bench" / "results" / f"reminder_scan-{vendor}-{total}.json"
    out.parent.mkdir(exist_ok=True)
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if "model name" in line
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    out.write_text(
        json.dumps(
            {
                "benchmark": "reminder_scan",
                "machine": {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()},
                "database": f"{vendor} {connection.Database.__name__} server {server}",
                "checkpoints": total,
                "built_due": due,
                "scans": RESULTS,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written: {out.relative_to(ROOT)}")


def main(count: int, existing: bool) -> None:
    import django

    django.setup()
    from django.conf import settings

    # As in production: with DEBUG on, Django keeps the SQL of the last 9,000 queries (connection.queries), which
    # is the benchmark's memory, not the scan's.
    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from alliance.models import Notice
    from checkpoints.models import Checkpoint

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    started = time.perf_counter()
    if not existing:
        build(count, today)
    with scopes_disabled():
        total = Checkpoint.objects.count()
        Notice.objects.filter(organization__slug="bench-reminders").delete()
        last_id = Notice.objects.aggregate(last=Max("pk"))["last"] or 0
    print(
        f"database: {connection.vendor}; {total} checkpoints in the database"
        + ("" if existing else f", {count} of them due (ready in {time.perf_counter() - started:.1f} s)")
    )
    instant = datetime.combine(today, clock(9), timezone.get_current_timezone())
    try:
        measure("first scan", instant)
        measure("second scan", instant)
        print(f"half sent: {halve(last_id, instant)} notices removed, the others marked sent")
        measure("half sent", instant)
        write_results(connection.vendor, total, None if existing else count)
    finally:
        # What this run recorded goes, so a rerun (or a run over seed_bench's data, which has notices of its
        # own) measures the same thing.
        with scopes_disabled():
            Notice.objects.filter(pk__gt=last_id).delete()


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 100_000, existing="--existing" in sys.argv)
