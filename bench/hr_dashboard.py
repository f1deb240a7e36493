"""Benchmark of the HR dashboard (`/<org>/hr/`) in a large organization: time and query count per request.

    uv run python bench/hr_dashboard.py [MEMBERS] [ROUNDS]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench uv run python bench/hr_dashboard.py 10000

Builds a throwaway organization of MEMBERS people (bulk_create) in the configured database (a temporary SQLite
file unless DATABASE_URL is set; that database must exist and be empty or disposable), in realistic proportions:
20 departments, a manager for every 10 people, 80 % with a confirmed career alignment, 60 % on an active tour
(3 % of them waiting for signatures), four checkpoints a tour (the past ones held with answers and confidence,
some overdue), 10 % with an ended tour and what followed. Then requests the dashboard ROUNDS times and prints
the median.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"


def build(members: int) -> None:
    from django.utils import timezone

    from agreements.models import Agreement, AgreementVersion, CareerAlignment, Tour
    from alliance.models import Department, Membership, Organization, User
    from checkpoints.models import Checkpoint, TourEnding, TourOutcome

    random.seed(11)
    today = timezone.localdate()
    now = timezone.now()
    org = Organization.objects.create(slug="bench", name="ベンチ株式会社")
    departments = Department.objects.bulk_create(
        Department(organization=org, name=f"部署 {i:02d}", position=i) for i in range(20)
    )
    hr_user = User.objects.create(email="hr@bench.example", name="人事", password="!")
    hr = Membership.objects.create(organization=org, user=hr_user, role="hr")
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.example", name=f"社員 {i:05d}", password="!") for i in range(members)
    )
    n_managers = max(1, members // 10)
    managers = Membership.objects.bulk_create(
        Membership(organization=org, user=u, role="manager", manager=hr, department=departments[i % 20])
        for i, u in enumerate(users[:n_managers])
    )
    people = Membership.objects.bulk_create(
        Membership(
            organization=org,
            user=u,
            role="employee",
            manager=managers[i % n_managers],
            department=departments[i % 20],
            joined_on=today - timedelta(days=random.randint(0, 3000)),
        )
        for i, u in enumerate(users[n_managers:])
    )
    everyone = managers + people
    alignments = CareerAlignment.objects.bulk_create(
        CareerAlignment(
            organization=org,
            employee=m,
            manager=m.manager,
            held_on=today - timedelta(days=random.randint(0, 500)),
            status="confirmed",
            confirmed_at=now,
            shared_with_hr=random.random() < 0.2,
        )
        for m in everyone
        if random.random() < 0.8
    )
    tours, ended = [], []
    for i, alignment in enumerate(alignments):
        if i % 4 == 3:
            continue  # 75 % of the aligned (60 % of everyone) are on an active tour
        start = today - timedelta(days=random.randint(0, 500))
        tours.append(
            Tour(
                organization=org,
                employee=alignment.employee,
                alignment=alignment,
                title="ツアー",
                goal="g",
                toward_ideal_self="t",
                value_to_company="v",
                start_date=start,
                end_date=start + timedelta(days=365),
                status="active",
            )
        )
        if i % 8 == 0:
            ended.append(
                Tour(
                    organization=org,
                    employee=alignment.employee,
                    alignment=alignment,
                    title="前のツアー",
                    goal="g",
                    toward_ideal_self="t",
                    value_to_company="v",
                    start_date=start - timedelta(days=400),
                    end_date=start - timedelta(days=1),
                    status="completed" if i % 3 else "ended_early",
                )
            )
    tours = Tour.objects.bulk_create(tours)
    ended = Tour.objects.bulk_create(ended)
    agreements = Agreement.objects.bulk_create(Agreement(organization=org, tour=t) for t in tours)
    AgreementVersion.objects.bulk_create(
        AgreementVersion(
            organization=org,
            agreement=a,
            number=1,
            status="pending" if i % 33 == 0 else "signed",
            requested_at=now - timedelta(days=random.randint(0, 60)),
            signed_at=None if i % 33 == 0 else now,
        )
        for i, a in enumerate(agreements)
    )
    answers = ("on_track", "on_track", "on_track", "drifting", "off_track")
    checkpoints = []
    for tour in tours:
        for sequence in range(1, 5):
            due = tour.start_date + timedelta(days=91 * sequence)
            held = due < today and random.random() < 0.85
            checkpoints.append(
                Checkpoint(
                    organization=org,
                    tour=tour,
                    sequence=sequence,
                    due_date=due,
                    kind="closing" if sequence == 4 else "regular",
                    status="confirmed" if held else "scheduled",
                    held_on=due if held else None,
                    confidence=random.randint(3, 10) if held else None,
                    employee_alignment=random.choice(answers) if held else "",
                    manager_alignment=random.choice(answers) if held else "",
                )
            )
    Checkpoint.objects.bulk_create(checkpoints, batch_size=2000)
    TourEnding.objects.bulk_create(
        TourEnding(
            organization=org,
            tour=t,
            kind=t.status,
            reason="" if t.status == "completed" else "理由",
            status="confirmed",
            proposed_side="manager",
            confirmed_at=now - timedelta(days=random.randint(0, 400)),
        )
        for t in ended
    )
    kinds = ("next_tour", "moved_inside", "moved_outside")
    TourOutcome.objects.bulk_create(
        TourOutcome(organization=org, tour=t, kind=kinds[i % 3], destination="企画部" if i % 3 == 1 else "")
        for i, t in enumerate(ended)
        if i % 4
    )


def main(members: int, rounds: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django_scopes import scopes_disabled

    from alliance.models import Membership, Organization, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver"]
    setup_test_environment()
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        if not Organization.objects.filter(slug="bench").exists():
            started = time.perf_counter()
            build(members)
            print(f"built in {time.perf_counter() - started:.1f} s")
        # Statistics as a running database keeps them (autovacuum), so the plans are the ones production gets.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        size = Membership.objects.filter(organization__slug="bench").count()
        hr_user = User.objects.get(email="hr@bench.example")

    client = Client()
    client.force_login(hr_user)
    print(f"database: {connection.vendor}; organization of {size} members")
    for name, url in (("hr dashboard", "/bench/hr/"), ("hr list", "/bench/hr/lists/checkpoints/?state=overdue")):
        client.get(url)  # warm up templates and caches
        times, queries = [], 0
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured.captured_queries)
        print(
            f"{name:12s} median {statistics.median(times):7.1f} ms  "
            f"(min {min(times):.1f}, max {max(times):.1f})  {queries} queries"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000, int(sys.argv[2]) if len(sys.argv) > 2 else 9)
