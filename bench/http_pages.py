"""Pages over real HTTP: gunicorn on PostgreSQL with production settings, loaded by wrk.

    uv run python bench/http_pages.py --dataset demo --database-url postgres://postgres@127.0.0.1:5432/alliance_bench
    uv run python bench/http_pages.py --dataset bench --database-url postgres://... [--seed] [--duration 30]
    uv run python bench/http_pages.py --dataset bench --database-url postgres://... --redis-url redis://... \
        --writes-per-second 2 [--write-scope others|self]

What it does, in order:
1. Installs the load generator if it is missing (`apt-get install -y wrk`, the Debian package; on macOS
   `brew install wrk` first), then migrates the given PostgreSQL database and collects the static files.
   The data must be there: `demo` is the demo organization `acme` (`manage.py seed_demo`), `bench` the large
   organization `bench-large` (`manage.py seed_bench`); `--seed` runs that command first if the organization is
   missing, with `--seed-args` (e.g. `--seed-args "--large-org-members 500"` for a small trial).
2. Counts the queries of every page in-process (Django's test client, CaptureQueriesContext, same database and
   settings, not under load): once rendered (every kept page dropped first; the first request warms caches)
   and once served from the member's kept page (alliance/page_cache.py).
3. Starts gunicorn with 2 × cores + 1 sync workers and production settings: DEBUG off, a random secret key, and
   everything else as alliance/settings.py reads it, except the URLconf (bench/settings.py adds the bare view
   `/__bench__/bare/`, one query, the ceiling of this stack). Requests come as through one TLS-terminating
   proxy (DJANGO_TRUSTED_PROXY_COUNT=1, `X-Forwarded-Proto: https`), so the HTTPS redirect, secure cookies
   and CSRF origin checks of production stay on.
4. Signs each persona in with a real login POST (CSRF token and cookie), checks every page answers 200, warms
   each page up, then runs wrk for a fixed duration and concurrency on each page, with the persona's session
   cookie, and on the bare view before the first page and after every page: the machine's speed drifts during a
   run (the bare view moved by ±25% between runs on the development machine), so each page's ratio is to the mean
   of the two bare runs around it (`bare_requests_per_s`), and the bare view's row is its median run (each run's
   requests/s in `requests_per_s_each_run`). The default concurrency is one connection per worker: sync workers
   serve one request each, so more connections only queue (raising latency, not throughput). Any response that
   is not a 200 (a redirect to the sign-in page included), and any connection error or timeout, fails the run.
   With `--writes-per-second R`, a writer writes R times a second during each page's measured load (see below).
5. Writes `bench/results/http_pages-<dataset>.json` (machine, settings, per page p50/p95/p99 in ms,
   requests/s, ratio to the bare view's requests/s, queries) and prints a table; with writes,
   `http_pages-<dataset>-writes<R>.json` (`-writes<R>-self.json` with `--write-scope self`), whose pages also
   have `page_cache_hits`, `page_cache_misses`, `hit_rate` and `writes` (performed, seconds, achieved rate per
   second, rate asked), and whose table has a "hit %" column.

The members' kept pages are on by default, as in production with Redis (`--redis-url` is then required): the
load repeats one member's page, so after the warm-up each request is served from the kept page, which is what a
member reading a page again between writes gets. `--page-cache off` (PAGE_CACHE_SECONDS=0 for gunicorn)
renders every request, and writes `http_pages-<dataset>-rendered.json`: the cost of the first read after a
write. The target (issue 12): p95 under 150 ms at the benchmark size, at no less than a quarter of the bare
view's throughput.

Reads alone overstate production: a write drops kept pages (alliance/page_cache.py: today every kept page of its
organization). `--writes-per-second R` (default 0: no writes, the output above unchanged) measures the pages
under writes: while wrk loads a page (not during its warm-up, nor for the bare view), a thread of this process
(Django set up with the workers' environment: the same database and Redis, so its bumps reach them) adds R agenda
topics a second to the next 1on1 of members of the page's organization, each time a member chosen at random, as
that member, through `checkpoints.services.meeting.agenda_topic_add` (its post_save signals drop the kept pages,
as after a real POST). `--write-scope others` (default) chooses among members other than the page's persona and
their direct reports; `self` writes on the persona's own scheduled checkpoint (every write concerns the page
measured; the HR and alumnus personas have none, and the run says so). Every response says whether it was a kept
page (`X-Page-Cache: hit`) or rendered (`miss`); bench/wrk_report.lua counts both, and `hit_rate` is hits /
(hits + misses). A write that fails fails the run. The writes add rows (agenda topics, audit entries) to the
dataset.

Query counts must not grow with the data: when the other dataset's results file exists, the counts are compared
and any difference is printed (and recorded under "query_counts_differ_from").

The pure parts (parsing wrk's output, ratios, the bare runs around a page, the kept-page counts, the results
file's name, the writer's pace, resolving the pages of the personas and whom to write about, one write dropping
kept pages) are tested in tests/test_bench_http.py; the rest needs gunicorn, wrk and PostgreSQL and is not part
of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
BARE_PATH = "/__bench__/bare/"
WRK_MARKER = "WRK_JSON "
# Issue 12's target at the benchmark size.
TARGET_P95_MS = 150.0
TARGET_MIN_RATIO = 0.25


class BenchFailure(Exception):
    """The run cannot give a faithful figure (missing data, a page that is not a 200, a load-generator error)."""


@dataclass(frozen=True)
class Dataset:
    """Where a dataset's personas live: organization slug, their e-mail addresses by role, their password."""

    name: str
    slug: str
    personas: dict[str, str]
    password: str
    seed_command: str


DATASETS = {
    "demo": Dataset(
        name="demo",
        slug="acme",
        personas={
            "hr": "hr@acme.example",
            "manager": "manager@acme.example",
            "employee": "employee@acme.example",
            "alumnus": "alumni@acme.example",
        },
        password="alliance-demo",
        seed_command="seed_demo",
    ),
    "bench": Dataset(
        name="bench",
        slug="bench-large",
        personas={
            "hr": "hr@bench-large.bench.example",
            "manager": "manager@bench-large.bench.example",
            "employee": "employee@bench-large.bench.example",
            "alumnus": "alumnus@bench-large.bench.example",
        },
        password="alliance-bench",
        seed_command="seed_bench",
    ),
}


@dataclass(frozen=True)
class Page:
    """One page to measure: a short name, the persona (role key of Dataset.personas) who opens it, None for an
    anonymous visitor, and its path."""

    name: str
    persona: str | None
    path: str
    description: str = ""


BARE_PAGE = Page("bare", None, BARE_PATH, "one query, nothing rendered: the ceiling (anonymous)")


@dataclass
class PageResult:
    page: Page
    load: dict = field(default_factory=dict)
    queries: int | None = None


# --------------------------------------------------------------------------------------------------------------
# Pure parts (tests/test_bench_http.py)


def parse_wrk_output(text: str) -> dict:
    """The JSON line bench/wrk_report.lua prints (`WRK_JSON {...}`) in wrk's stdout, as a dict.

    Latencies stay in microseconds and duration_us is wrk's own measured duration. Raises BenchFailure when the
    line is missing or is not JSON (wrk failed before its `done` hook, e.g. it could not connect).
    """
    for line in reversed(text.splitlines()):
        if line.startswith(WRK_MARKER):
            try:
                return json.loads(line[len(WRK_MARKER) :])
            except json.JSONDecodeError as error:
                raise BenchFailure(f"wrk's report is not JSON: {line!r} ({error})") from error
    raise BenchFailure(f"wrk printed no {WRK_MARKER.strip()} line; its output was:\n{text}")


def check_clean(raw: dict, label: str, *, require_requests: bool = True) -> None:
    """Raise BenchFailure if a wrk run saw any response other than 200, or any socket error or timeout, or (with
    require_requests) completed no request at all.

    A page answering a redirect (to the sign-in page, to two-factor setup) or an error would otherwise be
    measured as if it were the page. A short warm-up of a slow page may complete nothing, which is no fault.
    """
    problems = []
    if raw.get("non200"):
        problems.append(f"{raw['non200']} responses were not 200 (last status {raw.get('non200_status')})")
    for kind, count in sorted(raw.get("errors", {}).items()):
        if count and kind != "status":  # "status" (>= 400) is already among non200
            problems.append(f"{count} {kind} errors")
    if require_requests and not raw.get("requests"):
        problems.append("no request completed")
    if problems:
        raise BenchFailure(f"{label}: " + "; ".join(problems))


def summarise(raw: dict) -> dict:
    """wrk's raw report as the figures we publish: p50/p95/p99/max in ms (1 decimal), requests/s, requests.

    requests_per_s is requests over wrk's measured duration (seconds), rounded to 1 decimal.
    """
    duration_s = raw["duration_us"] / 1_000_000
    return {
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "requests_per_s": round(raw["requests"] / duration_s, 1) if duration_s > 0 else 0.0,
        "requests": raw["requests"],
    }


def ratio_to_bare(page_rps: float, bare_rps: float) -> float:
    """A page's throughput as a fraction of the bare view's (3 decimals). Raises BenchFailure if bare_rps <= 0."""
    if bare_rps <= 0:
        raise BenchFailure("the bare view served nothing: no ceiling to compare with")
    return round(page_rps / bare_rps, 3)


def bare_around(bare_runs: list[dict], index: int) -> float:
    """The bare view's requests/s around the page measured `index`-th (0-based): the mean of the bare runs just
    before and just after it (`bare_runs[index]`, `bare_runs[index + 1]`; the run's order is bare, page 0, bare,
    page 1, ..., bare), 1 decimal. Raises BenchFailure when a run around it is missing."""
    if index < 0 or index + 1 >= len(bare_runs):
        raise BenchFailure(f"no bare view measured around page {index}")
    return round((bare_runs[index]["requests_per_s"] + bare_runs[index + 1]["requests_per_s"]) / 2, 1)


def median_run(runs: list[dict]) -> dict:
    """The figures of the run with the median requests/s (the lower middle one of an even count): the bare
    view's row of the table. Raises BenchFailure on no run."""
    if not runs:
        raise BenchFailure("the bare view was not measured")
    ordered = sorted(runs, key=lambda figures: figures["requests_per_s"])
    return ordered[(len(ordered) - 1) // 2]


def meets_target(summary: dict, ratio: float) -> bool:
    """Issue 12's target for one page: p95 under TARGET_P95_MS at no less than TARGET_MIN_RATIO of the bare view."""
    return summary["p95_ms"] < TARGET_P95_MS and ratio >= TARGET_MIN_RATIO


def query_count_differences(mine: dict[str, int | None], other: dict[str, int | None]) -> dict[str, list]:
    """Pages measured in both runs whose query counts differ: {page name: [mine, other]}."""
    return {
        name: [count, other[name]]
        for name, count in mine.items()
        if name in other and count is not None and other[name] is not None and count != other[name]
    }


def page_table(dataset: Dataset, *, employee_pk: int, checkpoint_pk: int) -> list[Page]:
    """The pages measured for a dataset, given its employee persona's membership and a checkpoint of theirs."""
    org = f"/{dataset.slug}"
    return [
        Page("home-employee", "employee", f"{org}/", "home (dashboard), employee"),
        Page("home-manager", "manager", f"{org}/", "home (dashboard), manager"),
        Page("home-hr", "hr", f"{org}/", "home (dashboard), HR"),
        Page("home-alumnus", "alumnus", f"{org}/", "home (dashboard), alumnus"),
        Page("my-alliance", "employee", f"{org}/alliance/", "my alliance, employee"),
        Page("checkpoint", "manager", f"{org}/checkpoints/{checkpoint_pk}/", "a report's checkpoint, manager"),
        Page("timeline", "manager", f"{org}/people/{employee_pk}/timeline/", "a report's timeline, manager"),
        Page("hr-dashboard", "hr", f"{org}/hr/", "HR dashboard"),
        Page("alumni-home", "alumnus", f"{org}/alumni/", "home of the alumni community, alumnus"),
        Page("alumni-directory", "alumnus", f"{org}/alumni/directory/", "alumni directory, alumnus"),
        Page("alumni-feed", "alumnus", f"{org}/alumni/posts/", "alumni feed, alumnus"),
    ]


def resolve_pages(dataset: Dataset) -> list[Page]:
    """The dataset's pages, from its data: the employee persona's membership and the checkpoint their manager
    opens (the next one still to hold on the employee's active tour, else the latest held one).

    Needs Django set up. Raises BenchFailure, saying which command loads the data, when the organization or a
    persona is missing, when the employee's manager is not the manager persona, or when the employee has no
    checkpoint on an active tour.
    """
    from agreements.models import TourStatus
    from alliance.models import Membership, Organization
    from alliance.tenancy import organization_scope
    from checkpoints.models import Checkpoint, CheckpointStatus

    hint = f"load it with `uv run python manage.py {dataset.seed_command}` (or pass --seed)"
    organization = Organization.objects.filter(slug=dataset.slug).first()
    if organization is None:
        raise BenchFailure(f"organization {dataset.slug!r} ({dataset.name} dataset) is not in this database: {hint}")
    with organization_scope(organization.pk):
        members = {
            role: Membership.objects.filter(organization=organization, user__email=email).first()
            for role, email in dataset.personas.items()
        }
        missing = sorted(dataset.personas[role] for role, member in members.items() if member is None)
        if missing:
            raise BenchFailure(f"{', '.join(missing)} not members of {dataset.slug!r}: {hint}")
        employee, manager = members["employee"], members["manager"]
        if employee.manager_id != manager.pk:
            raise BenchFailure(f"{dataset.personas['employee']} does not report to {dataset.personas['manager']}")
        checkpoints = Checkpoint.objects.filter(
            organization=organization, tour__employee=employee, tour__status=TourStatus.ACTIVE
        ).exclude(status=CheckpointStatus.CANCELLED)
        checkpoint = (
            checkpoints.filter(status=CheckpointStatus.SCHEDULED).order_by("due_date", "pk").first()
            or checkpoints.order_by("-due_date", "-pk").first()
        )
        if checkpoint is None:
            raise BenchFailure(f"{dataset.personas['employee']} has no checkpoint on an active tour: {hint}")
        return page_table(dataset, employee_pk=employee.pk, checkpoint_pk=checkpoint.pk)


def format_table(results: list[dict], bare: dict) -> str:
    """The printed table: one row per page then the bare view; ms, requests/s, ratio, queries, target met, and,
    when any row has a `hit_rate` (a run with writes), the kept-page hit rate in percent (blank where a row has
    none: the bare view keeps nothing)."""
    with_hits = any("hit_rate" in row for row in results)
    header = (
        f"{'page':18s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'req/s':>8s} {'ratio':>6s} {'queries':>7s}"
        + (f" {'hit %':>6s}" if with_hits else "")
        + "  ok"
    )
    lines = [header, "-" * len(header)]
    for row in [*results, bare]:
        target = row.get("meets_target")
        hits = ""
        if with_hits:
            rate = row.get("hit_rate")
            hits = f" {'' if rate is None else format(rate * 100, '.1f'):>6s}"
        lines.append(
            f"{row['name']:18s} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f} "
            f"{row['requests_per_s']:8.1f} {row['ratio_to_bare']:6.3f} {str(row.get('queries', '')):>7s}{hits}  "
            f"{'' if target is None else ('yes' if target else 'NO')}"
        )
    return "\n".join(lines)


def page_cache_counts(raw: dict) -> dict:
    """The kept-page figures of a wrk run (bench/wrk_report.lua counts the `X-Page-Cache` header of every
    response): {"page_cache_hits": n, "page_cache_misses": n, "hit_rate": hits / (hits + misses), 3 decimals,
    or None when no response carried the header}. A report without the counts (an older script) counts zero."""
    hits = int(raw.get("page_cache_hits", 0))
    misses = int(raw.get("page_cache_misses", 0))
    total = hits + misses
    return {
        "page_cache_hits": hits,
        "page_cache_misses": misses,
        "hit_rate": round(hits / total, 3) if total else None,
    }


def results_path(dataset_name: str, *, page_cache: str = "on", writes_per_second: float = 0, write_scope="others"):
    """The default results file: bench/results/http_pages-<dataset>.json, `-rendered` with the page cache off,
    `-writes<R>` with R writes a second (R as written, `2` not `2.0`), and `-writes<R>-self` when the writes
    concern the measured persona. The read-only runs keep their files: a run with writes never overwrites them.
    """
    suffix = "" if page_cache == "on" else "-rendered"
    if writes_per_second > 0:
        suffix += f"-writes{writes_per_second:g}" + ("-self" if write_scope == "self" else "")
    return RESULTS_DIR / f"http_pages-{dataset_name}{suffix}.json"


def seconds_until_next_write(started: float, done: int, rate: float, now: float) -> float:
    """How long the writer waits before its next write: write n (from 0) is due at `started + n / rate`, so a
    late write (a slow one, a busy machine) shortens the next waits instead of shifting every later write; 0
    when it is due already."""
    return max(0.0, started + done / rate - now)


def write_figures(writes: int, seconds: float, rate: float) -> dict:
    """What the writer did during one page's measured load: writes performed, over how many seconds, the
    achieved rate (writes / seconds, 2 decimals; 0.0 for no time) and the rate asked for."""
    return {
        "performed": writes,
        "seconds": round(seconds, 2),
        "per_s": round(writes / seconds, 2) if seconds > 0 else 0.0,
        "per_s_asked": rate,
    }


# --------------------------------------------------------------------------------------------------------------
# Machine, database, processes


def machine_description() -> dict:
    """CPU model, logical cores and RAM (GiB) of this machine, from /proc where it exists."""
    cpu_model = platform.processor() or platform.machine()
    ram_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {"cpu_model": cpu_model, "cores": os.cpu_count(), "ram_gib": ram_gib, "os": platform.platform()}


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package when it is missing. Raises BenchFailure if it cannot."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        raise BenchFailure("wrk is not installed and there is no apt-get: install wrk (e.g. `brew install wrk`)")
    print("Installing the load generator: apt-get install -y wrk")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = subprocess.run([*prefix, apt, "install", "-y", "-q", "wrk"], env=env)  # noqa: S603
    if install.returncode != 0:
        subprocess.run([*prefix, apt, "update", "-q"], env=env)  # noqa: S603
        subprocess.run([*prefix, apt, "install", "-y", "-q", "wrk"], env=env)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise BenchFailure("could not install wrk (apt-get install -y wrk); install it and run again")
    return found


def wrk_version(wrk: str) -> str:
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True)  # noqa: S603
    return (output.stdout or output.stderr).strip().splitlines()[0] if (output.stdout or output.stderr) else "wrk"


def gunicorn_version() -> str:
    from importlib.metadata import version

    return version("gunicorn")


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The CSRF token in allauth's sign-in form, as Django renders {% csrf_token %}.
CSRF_FIELD = rb'name="csrfmiddlewaretoken" value="([^"]+)"'
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def http_request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None):
    """One request to the local server, as through the proxy: (status, response headers as list, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def cookies_from(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def login(port: int, email: str, password: str) -> str:
    """Signs `email` in through allauth's form (GET for the CSRF token, POST) and returns the Cookie header.

    Raises BenchFailure when the sign-in does not end in a redirect with a session cookie.
    """
    status, headers, body = http_request(port, "GET", "/accounts/login/")
    if status != 200:
        raise BenchFailure(f"GET /accounts/login/ answered {status}")
    cookies = cookies_from(headers)
    match = re.search(CSRF_FIELD, body)
    if not match or "csrftoken" not in cookies:
        raise BenchFailure("the sign-in page has no CSRF token")
    origin = f"https://127.0.0.1:{port}"
    status, headers, body = http_request(
        port,
        "POST",
        "/accounts/login/",
        headers={
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
        body=urlencode({"login": email, "password": password, "csrfmiddlewaretoken": match.group(1).decode()}),
    )
    cookies.update(cookies_from(headers))
    if status not in (301, 302, 303) or "sessionid" not in cookies:
        location = dict((k.lower(), v) for k, v in headers).get("location", "")
        raise BenchFailure(
            f"signing {email} in answered {status} {location} (wrong password, unverified e-mail, rate limit "
            "or two-factor authentication?)"
        )
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


def check_page(port: int, path: str, cookie: str | None, label: str) -> None:
    status, headers, _ = http_request(port, "GET", path, headers={"Cookie": cookie} if cookie else None)
    if status != 200:
        location = dict((k.lower(), v) for k, v in headers).get("location", "")
        raise BenchFailure(f"{label}: GET {path} answered {status} {location}".rstrip())


def start_gunicorn(port: int, workers: int, env: dict, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "alliance.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    log = log_path.open("w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603


def wait_until_up(port: int, process: subprocess.Popen, log_path: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchFailure(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()[-4000:]}")
        try:
            if http_request(port, "GET", BARE_PATH)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise BenchFailure(f"gunicorn did not answer within {timeout_s:.0f} s:\n{log_path.read_text()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Writer(threading.Thread):
    """Calls `write(number)` `rate` times a second (write n due at start + n / rate, see
    `seconds_until_next_write`) from its own thread until `stop_writing()`, then closes the thread's database
    connections. A write that raises stops the writer: `error` keeps the exception (the run must then fail, its
    figures were not measured under the writes asked for). `figures()` gives what it did (`write_figures`).

    In a thread of this process (Django set up with the gunicorn workers' environment, `configure_environment`):
    the same database and the same Redis, so the generations the writes bump are those the workers read.
    """

    def __init__(self, rate: float, write: Callable[[int], None], *, close_connections: bool = True):
        super().__init__(name="bench-writer", daemon=True)
        if rate <= 0:
            raise ValueError("the writer needs a rate above 0")
        self.rate = rate
        self.write = write
        self.close_connections = close_connections
        self.writes = 0
        self.error: BaseException | None = None
        self.started_at: float | None = None
        self.stopped_at: float | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        self.started_at = time.monotonic()
        try:
            while not self._stop_event.wait(
                seconds_until_next_write(self.started_at, self.writes, self.rate, time.monotonic())
            ):
                try:
                    self.write(self.writes)
                except BaseException as error:  # noqa: BLE001 - reported by the main thread
                    self.error = error
                    return
                self.writes += 1
        finally:
            self.stopped_at = time.monotonic()
            if self.close_connections:
                from django.db import connections

                connections.close_all()

    def stop_writing(self) -> None:
        """Stop after the write in progress, and wait for the thread to end."""
        self._stop_event.set()
        self.join()

    def figures(self) -> dict:
        return write_figures(self.writes, (self.stopped_at or time.monotonic()) - (self.started_at or 0), self.rate)


def run_wrk(
    wrk: str, port: int, path: str, cookie: str | None, *, duration: float, concurrency: int, label: str, warmup=False
):
    """Runs wrk on one path and returns its raw report; raises BenchFailure if anything was not a clean 200."""
    command = [
        wrk,
        f"--threads={min(2, concurrency)}",
        f"--connections={concurrency}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=30s",
        f"--script={WRK_SCRIPT}",
    ]
    for name, value in {**PROXY_HEADERS, **({"Cookie": cookie} if cookie else {})}.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    if output.returncode != 0:
        raise BenchFailure(f"{label}: wrk failed ({output.returncode}): {output.stderr or output.stdout}")
    raw = parse_wrk_output(output.stdout)
    check_clean(raw, label, require_requests=not warmup)
    return raw


# --------------------------------------------------------------------------------------------------------------
# Django in this process


def configure_environment(args) -> dict:
    """The environment of both this process and gunicorn: production settings plus the bench URLconf."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            # Requests arrive as through one TLS-terminating proxy (nginx): X-Forwarded-Proto says https.
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        }
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    if getattr(args, "page_cache", "on") == "off":
        env["PAGE_CACHE_SECONDS"] = "0"
    os.environ.update(env)
    return env


def static_files_stale() -> bool:
    """Whether collectstatic must run: no manifest yet, or a source static file newer than it.

    Collecting (hashing and compressing every file, the Japanese font included) takes minutes on a busy machine,
    so an up-to-date STATIC_ROOT is reused.
    """
    from django.conf import settings
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return True
    collected_at = manifest.stat().st_mtime
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > collected_at:
                return True
    return False


def prepare_database(dataset: Dataset, *, seed: bool, seed_args: list[str]) -> str:
    """Migrates, collects static files, loads the dataset when asked and missing; returns PostgreSQL's version.

    With `seed`, runs `manage.py <dataset.seed_command> <seed_args>` unless the dataset's organization is there
    already (seed_bench refuses to write over its own data). Raises BenchFailure on another database or when
    the seed command does not exist.
    """
    from django.core.management import call_command, get_commands
    from django.db import connection

    from alliance.models import Organization

    if connection.vendor != "postgresql":
        raise BenchFailure(f"--database-url must be PostgreSQL, not {connection.vendor}")
    print("Migrating and collecting static files...")
    call_command("migrate", verbosity=0, interactive=False)
    if static_files_stale():
        call_command("collectstatic", verbosity=0, interactive=False)
    if seed and not Organization.objects.filter(slug=dataset.slug).exists():
        if dataset.seed_command not in get_commands():
            raise BenchFailure(f"`manage.py {dataset.seed_command}` does not exist in this checkout")
        print(f"Loading the {dataset.name} dataset: manage.py {dataset.seed_command} {' '.join(seed_args)}")
        call_command(dataset.seed_command, *seed_args)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def count_queries(dataset: Dataset, pages: list[Page]) -> tuple[dict[str, int], dict[str, int | None]]:
    """Queries of each page for its persona (anonymous where it has none), in-process (test client, same
    database and settings), not under load: ({page name: count when rendered}, {page name: count when served
    from the member's kept page, or None when the page is not kept}).

    The first request of a page warms caches (content types, the session's refresh); then every kept page is
    dropped (alliance.page_cache's global generation) and the second request, rendered, is counted; the third,
    served from the kept page when the page cache is on, is counted apart. Raises BenchFailure if a page is not
    a 200.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from alliance import page_cache
    from alliance.models import User

    clients = {}
    rendered = {}
    kept = {}
    for page in pages:
        if page.persona not in clients:
            client = Client(headers=PROXY_HEADERS)
            if page.persona is not None:
                client.force_login(User.objects.get(email=dataset.personas[page.persona]))
            clients[page.persona] = client
        client = clients[page.persona]
        client.get(page.path, secure=True)
        page_cache.bump_everything()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path, secure=True)
        if response.status_code != 200:
            raise BenchFailure(f"{page.name}: in-process GET {page.path} answered {response.status_code}")
        rendered[page.name] = len(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path, secure=True)
        kept[page.name] = len(captured.captured_queries) if response.get("X-Page-Cache") == "hit" else None
    return rendered, kept


# The write the writer repeats: an agenda topic added to a member's next 1on1 by that member, through the
# service a POST of the checkpoint page calls. Cheap (a locked read, one insert, one audit row), repeatable
# (each text is new, so none is a double POST that writes nothing), and it drops kept pages by the normal path:
# the post_save of the topic and of the audit row bump the organization's generation (alliance/page_cache.py).
WRITE_DESCRIPTION = (
    "checkpoints.services.meeting.agenda_topic_add: a member adds a topic to the agenda of their next 1on1 "
    "(scheduled checkpoint of their active tour)"
)
MAX_WRITE_TARGETS = 500


def write_targets(dataset: Dataset, persona: str, scope: str = "others", *, limit: int = MAX_WRITE_TARGETS) -> list:
    """The checkpoints the writer may add agenda topics to while `persona`'s page is measured: scheduled
    checkpoints of active tours of active members of the dataset's organization, with their employee loaded
    (`tour.employee`, the member who writes). `scope` "others": members other than the persona and their direct
    reports (whose changes the persona's pages may show); "self": the persona's own. At most `limit`, chosen at
    random among the first 20 × `limit` by id, one per member.

    Needs Django set up. Raises BenchFailure when there is none (a persona without a scheduled checkpoint of
    their own for "self", or an organization without other members' checkpoints).
    """
    from agreements.models import TourStatus
    from alliance.models import Membership, MembershipStatus, Organization
    from alliance.tenancy import organization_scope
    from checkpoints.models import Checkpoint, CheckpointStatus

    if scope not in ("others", "self"):
        raise ValueError(f"unknown write scope {scope!r}")
    organization = Organization.objects.filter(slug=dataset.slug).first()
    if organization is None:
        raise BenchFailure(f"organization {dataset.slug!r} ({dataset.name} dataset) is not in this database")
    with organization_scope(organization.pk):
        member = Membership.objects.filter(organization=organization, user__email=dataset.personas[persona]).first()
        if member is None:
            raise BenchFailure(f"{dataset.personas[persona]} is not a member of {dataset.slug!r}")
        checkpoints = Checkpoint.objects.filter(
            organization_id=member.organization_id,
            status=CheckpointStatus.SCHEDULED,
            tour__status=TourStatus.ACTIVE,
            tour__employee__status=MembershipStatus.ACTIVE,
        )
        if scope == "self":
            checkpoints = checkpoints.filter(tour__employee=member)
        else:
            checkpoints = checkpoints.exclude(tour__employee=member).exclude(tour__employee__manager=member)
        found = list(checkpoints.select_related("tour__employee").order_by("pk")[: 20 * limit])
    one_each = list({checkpoint.tour.employee_id: checkpoint for checkpoint in found}.values())
    if not one_each:
        email = dataset.personas[persona]
        whose = f"{email}'s own" if scope == "self" else f"those of members other than {email} and their reports"
        raise BenchFailure(f"no scheduled checkpoint of an active tour in {dataset.slug!r} among {whose}")
    return random.sample(one_each, min(limit, len(one_each)))


def agenda_write(targets: list, *, rng: random.Random | None = None) -> Callable[[int], None]:
    """`write(number)` for the Writer: adds one agenda topic, new text each time, to a checkpoint of `targets`
    (`write_targets`) chosen at random, as its employee, in the organization's scope, through
    `agenda_topic_add` (its own transaction: the bumps run on commit, as after a request)."""
    from alliance.tenancy import organization_scope
    from checkpoints.services.meeting import agenda_topic_add

    rng = rng or random.Random()  # noqa: S311 - choosing whom to write about, not a secret
    run = secrets.token_hex(3)

    def write(number: int) -> None:
        checkpoint = rng.choice(targets)
        with organization_scope(checkpoint.organization_id):
            agenda_topic_add(
                checkpoint=checkpoint,
                actor=checkpoint.tour.employee,
                text=f"Benchmark topic {run}-{number}: where the next milestone stands",
            )

    return write


# --------------------------------------------------------------------------------------------------------------


def git_commit() -> str | None:
    output = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    return output.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="demo")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="postgres://...")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="cache, as production (optional)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load per page (default 30)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured load per page first")
    parser.add_argument("--concurrency", type=int, default=0, help="open connections (default: the workers)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 × cores + 1)")
    parser.add_argument("--pages", default="", help="comma-separated page names to measure (default all)")
    parser.add_argument(
        "--seed", action="store_true", help="load the dataset first if it is missing (seed_demo / seed_bench)"
    )
    parser.add_argument("--seed-args", default="", help='arguments of the seed command, e.g. "--large-org-members 500"')
    parser.add_argument(
        "--page-cache",
        choices=["on", "off"],
        default="on",
        help="members' kept pages (alliance/page_cache.py; on needs --redis-url, as production): 'off' measures "
        "every request rendered (default on)",
    )
    parser.add_argument(
        "--writes-per-second",
        type=float,
        default=0,
        help="while each page is loaded, write this many times a second in its organization (an agenda topic "
        "added by another member, through the service) and report the kept-page hit rate (default 0: no writes)",
    )
    parser.add_argument(
        "--write-scope",
        choices=["others", "self"],
        default="others",
        help="whom the writes concern: 'others' (members other than the page's persona and their reports, "
        "default) or 'self' (the persona: every write drops the page measured; needs a scheduled checkpoint of "
        "their own)",
    )
    parser.add_argument(
        "--output",
        default="",
        help="results file (default bench/results/http_pages-<dataset>.json, -<dataset>-rendered.json with "
        "--page-cache off, -<dataset>-writes<R>.json with --writes-per-second R, -writes<R>-self.json with "
        "--write-scope self)",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url postgres://... is required (or DATABASE_URL)")
    if args.page_cache == "on" and not args.redis_url:
        parser.error("--page-cache on needs --redis-url (the kept pages live in the shared cache)")
    if args.writes_per_second < 0:
        parser.error("--writes-per-second cannot be negative")
    if args.writes_per_second > 0 and args.page_cache == "off":
        parser.error("--writes-per-second measures the kept pages under writes: it needs --page-cache on")
    writing = args.writes_per_second > 0

    dataset = DATASETS[args.dataset]
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores + 1
    concurrency = args.concurrency or workers

    def default_output(name: str) -> Path:
        return results_path(
            name, page_cache=args.page_cache, writes_per_second=args.writes_per_second, write_scope=args.write_scope
        )

    output = Path(args.output) if args.output else default_output(dataset.name)

    load_before = load_average()
    try:
        wrk = ensure_wrk()
        env = configure_environment(args)
        import django

        django.setup()
        from django.db import connections

        postgres_version = prepare_database(dataset, seed=args.seed, seed_args=shlex.split(args.seed_args))
        pages = resolve_pages(dataset)
        if args.pages:
            wanted = {name.strip() for name in args.pages.split(",") if name.strip()}
            unknown = wanted - {page.name for page in pages}
            if unknown:
                raise BenchFailure(f"unknown pages {sorted(unknown)}; known: {[page.name for page in pages]}")
            pages = [page for page in pages if page.name in wanted]
        print("Counting queries per page (in-process, not under load)...")
        queries, queries_kept = count_queries(dataset, [BARE_PAGE, *pages])
        targets_by_page = {}
        if writing:
            print(f"Choosing whom to write about ({args.write_scope})...")
            targets_by_page = {page.name: write_targets(dataset, page.persona, args.write_scope) for page in pages}
        connections.close_all()

        port = free_port()
        log_path = Path(tempfile.mkdtemp(prefix="http_pages-")) / "gunicorn.log"
        print(f"Starting gunicorn ({workers} workers) on 127.0.0.1:{port}; log {log_path}")
        server = start_gunicorn(port, workers, env, log_path)
        try:
            wait_until_up(port, server, log_path)
            cookies = {
                persona: login(port, dataset.personas[persona], dataset.password)
                for persona in sorted({page.persona for page in pages})
            }
            for page in pages:
                check_page(port, page.path, cookies[page.persona], page.name)
            measured = []
            bare_runs = []
            writes_by_page = {}
            # The bare view before the first page and after each one: the machine's speed drifts during a run
            # (±25% seen on this machine), so each page is compared with the bare view measured around it.
            targets = [("bare", BARE_PATH, None)]
            for page in pages:
                targets += [(page.name, page.path, cookies[page.persona]), ("bare", BARE_PATH, None)]
            for label, path, cookie in targets:
                print(f"  {label:18s} {path}", flush=True)
                if args.warmup > 0 and not (label == "bare" and bare_runs):
                    run_wrk(
                        wrk, port, path, cookie, duration=args.warmup, concurrency=concurrency, label=label, warmup=True
                    )
                # The writes run during the measured load of each page (not the bare view's: the ceiling).
                writer = None
                if label in targets_by_page:
                    writer = Writer(args.writes_per_second, agenda_write(targets_by_page[label]))
                    writer.start()
                try:
                    raw = run_wrk(wrk, port, path, cookie, duration=args.duration, concurrency=concurrency, label=label)
                finally:
                    if writer is not None:
                        writer.stop_writing()
                if writer is not None:
                    if writer.error is not None:
                        raise BenchFailure(f"{label}: a write failed: {writer.error!r}") from writer.error
                    writes_by_page[label] = writer.figures()
                if label == "bare":
                    bare_runs.append(raw)
                else:
                    measured.append((label, path, raw))
        finally:
            stop(server)
    except BenchFailure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1

    bare_figures = [summarise(raw) for raw in bare_runs]
    bare = {
        "name": "bare",
        "description": BARE_PAGE.description,
        "path": BARE_PATH,
        **median_run(bare_figures),
        "ratio_to_bare": 1.0,
        "queries": queries["bare"],
        "requests_per_s_each_run": [figures["requests_per_s"] for figures in bare_figures],
    }
    by_name = {page.name: page for page in pages}
    rows = []
    for index, (label, path, raw) in enumerate(measured):
        figures = summarise(raw)
        around = bare_around(bare_figures, index)
        ratio = ratio_to_bare(figures["requests_per_s"], around)
        page = by_name[label]
        rows.append(
            {
                "name": label,
                "description": page.description,
                "persona": dataset.personas[page.persona],
                "path": path,
                **figures,
                "ratio_to_bare": ratio,
                "bare_requests_per_s": around,
                "queries": queries[label],
                "queries_when_kept": queries_kept[label],
                "meets_target": meets_target(figures, ratio),
            }
        )
        if writing:
            rows[-1].update({**page_cache_counts(raw), "writes": writes_by_page[label]})

    import django as django_module

    report = {
        "benchmark": "http_pages",
        "dataset": dataset.name,
        "organization": dataset.slug,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": {
            **machine_description(),
            "postgresql": postgres_version,
            "python": platform.python_version(),
            "django": django_module.get_version(),
            "load_generator": wrk_version(wrk),
            "cache": "redis" if args.redis_url else "local memory",
            "gunicorn": gunicorn_version(),
            # The machine may be shared: its load before and after the run says how far to trust the figures.
            "load_average_before": load_before,
            "load_average_after": load_average(),
        },
        "run": {
            "server": "gunicorn, sync workers",
            "gunicorn_workers": workers,
            "settings": "bench.settings: alliance.settings in production (DEBUG off) + the bare view's URLconf, "
            "behind one emulated TLS proxy",
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": concurrency,
            "wrk_threads": min(2, concurrency),
            "page_cache": args.page_cache,
            **(
                {
                    "writes_per_second": args.writes_per_second,
                    "write_scope": args.write_scope,
                    "write": WRITE_DESCRIPTION,
                    "writer": "a thread of the harness (Django in-process, the workers' settings, database and "
                    "Redis), during each page's measured load only",
                }
                if writing
                else {}
            ),
        },
        "target": {"p95_ms_below": TARGET_P95_MS, "min_ratio_to_bare": TARGET_MIN_RATIO},
        "bare": bare,
        "pages": rows,
    }
    other_name = "bench" if dataset.name == "demo" else "demo"
    other_file = output.with_name(default_output(other_name).name)
    if other_file.exists():
        other = {row["name"]: row.get("queries") for row in json.loads(other_file.read_text()).get("pages", [])}
        differences = query_count_differences(queries, other)
        report["query_counts_differ_from"] = {other_name: differences}
        for name, (mine, theirs) in differences.items():
            print(f"WARNING: {name} makes {mine} queries here and {theirs} on the {other_name} dataset")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    print()
    print(
        f"{dataset.name} ({dataset.slug}), {workers} workers, {concurrency} connections, {args.duration:g} s a page; "
        f"{report['machine']['cpu_model']}, PostgreSQL {postgres_version}; load average "
        f"{report['machine']['load_average_before']} before, {report['machine']['load_average_after']} after"
    )
    print(format_table(rows, bare))
    if writing:
        for row in rows:
            writes = row["writes"]
            print(
                f"{row['name']}: {row['page_cache_hits']} kept, {row['page_cache_misses']} rendered; "
                f"{writes['performed']} writes in {writes['seconds']:g} s ({writes['per_s']:g}/s, "
                f"{writes['per_s_asked']:g}/s asked, {args.write_scope})"
            )
    print(f"\nWritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
