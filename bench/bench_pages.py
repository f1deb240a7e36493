"""Benchmark of the list pages as an organization grows: time and query count per request.

    uv run python bench/bench_pages.py [MEMBERS] [ROUNDS]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alliance_bench uv run python bench/bench_pages.py 2000

Builds a throwaway organization of MEMBERS people (a third with a career alignment) in the configured
database (a temporary SQLite file unless DATABASE_URL is set; that database must exist and be empty or
disposable), then requests the members page, the team page and the dashboard ROUNDS times each.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"


def main(members: int, rounds: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from agreements.models import CareerAlignment
    from alliance.models import Membership, Organization, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver"]
    setup_test_environment()
    call_command("migrate", verbosity=0)

    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "ベンチ株式会社"})
    hr_user, _ = User.objects.get_or_create(email="hr@bench.example", defaults={"name": "人事"})
    hr = Membership.objects.get_or_create(organization=org, user=hr_user, defaults={"role": "hr"})[0]
    existing = Membership.objects.filter(organization=org).count() - 1
    if existing < members:
        users = User.objects.bulk_create(
            User(email=f"p{i}@bench.example", name=f"社員 {i:05d}", password="!") for i in range(existing, members)
        )
        created = Membership.objects.bulk_create(
            Membership(organization=org, user=u, role="employee", manager=hr, job_title="エンジニア") for u in users
        )
        CareerAlignment.objects.bulk_create(
            CareerAlignment(organization=org, employee=m, manager=hr, ideal_self="…", core_values=[])
            for m in created[::3]
        )

    client = Client()
    client.force_login(hr_user)
    print(f"database: {connection.vendor}; organization of {members} members")
    for name, url in (("members", "/bench/members/"), ("team", "/bench/alliance/team/"), ("dashboard", "/bench/")):
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
            f"{name:10s} median {statistics.median(times):7.1f} ms  "
            f"(min {min(times):.1f}, max {max(times):.1f})  {queries} queries"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
