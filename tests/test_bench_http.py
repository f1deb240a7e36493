"""The pure parts of the HTTP benchmark (bench/http_pages.py), so CI guards the harness without gunicorn or wrk:
reading wrk's report, refusing a run that measured anything but 200s, the figures and ratios, and finding the
personas' pages in the demo data; and the mode with writes: counting kept pages served and rendered, its results
file, the writer's pace, whom it writes about, and that one of its writes drops kept pages."""

import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve
from django_scopes import scope

from alliance import page_cache
from alliance.models import Membership
from bench import http_pages
from bench.http_pages import BenchFailure
from checkpoints.models import Checkpoint

WRK_STDOUT = """Running 5s test @ http://127.0.0.1:40000/acme/
  2 threads and 5 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.12ms   10.01ms 120.00ms   70.00%
    Req/Sec    60.00     10.00    80.00     70.00%
  600 requests in 5.00s, 9.00MB read
Requests/sec:    120.00
Transfer/sec:      1.80MB
"""


def raw_report(**overrides):
    report = {
        "requests": 600,
        "duration_us": 5_000_000,
        "bytes": 9_000_000,
        "p50_us": 40_000,
        "p95_us": 95_400,
        "p99_us": 118_760,
        "max_us": 120_000,
        "mean_us": 40120.0,
        "non200": 0,
        "non200_status": 0,
        "page_cache_hits": 590,
        "page_cache_misses": 10,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
    }
    report.update(overrides)
    return report


def test_the_report_line_is_found_among_wrks_own_output():
    report = raw_report()
    text = WRK_STDOUT + http_pages.WRK_MARKER + json.dumps(report) + "\n"
    assert http_pages.parse_wrk_output(text) == report


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(WRK_STDOUT, id="no report line (wrk stopped before its done hook)"),
        pytest.param(WRK_STDOUT + http_pages.WRK_MARKER + '{"requests": 600,\n', id="a cut-off report"),
        pytest.param("unable to connect to 127.0.0.1:40000 Connection refused\n", id="wrk could not connect"),
    ],
)
def test_a_run_without_a_readable_report_fails(text):
    with pytest.raises(BenchFailure):
        http_pages.parse_wrk_output(text)


def test_the_lua_report_prints_every_field_the_harness_reads():
    script = http_pages.WRK_SCRIPT.read_text()
    printed = set(re.findall(r'"(\w+)": %', script))
    read = set(raw_report()) - {"errors"}
    assert read <= printed, read - printed
    assert set(raw_report()["errors"]) <= set(re.findall(r'"(\w+)": %d', script))
    # every response is looked at, so that a redirect counts against the run (wrk counts only >= 400)
    assert re.search(r"function response\(status", script)
    assert "status ~= 200" in script


@pytest.mark.parametrize(
    ("overrides", "fault"),
    [
        ({"non200": 600, "non200_status": 302}, "302"),  # redirected to the sign-in page
        ({"non200": 3, "non200_status": 500, "errors": {**raw_report()["errors"], "status": 3}}, "500"),
        ({"errors": {**raw_report()["errors"], "connect": 2}}, "connect"),
        ({"errors": {**raw_report()["errors"], "read": 1}}, "read"),
        ({"errors": {**raw_report()["errors"], "timeout": 4}}, "timeout"),
        ({"requests": 0}, "no request"),
    ],
    ids=["redirect", "server error", "connect error", "read error", "timeout", "nothing completed"],
)
def test_a_run_that_measured_anything_but_200s_fails_loudly(overrides, fault):
    with pytest.raises(BenchFailure, match=fault):
        http_pages.check_clean(raw_report(**overrides), "home-hr")


def test_a_clean_run_passes_and_a_warm_up_may_complete_nothing():
    http_pages.check_clean(raw_report(), "home-hr")
    http_pages.check_clean(raw_report(requests=0), "checkpoint", require_requests=False)
    with pytest.raises(BenchFailure, match="302"):
        http_pages.check_clean(raw_report(requests=0, non200=1, non200_status=302), "x", require_requests=False)


def test_the_figures_are_milliseconds_and_requests_per_second_of_the_measured_duration():
    raw = raw_report()
    figures = http_pages.summarise(raw)
    assert figures["p50_ms"] == raw["p50_us"] / 1000
    assert figures["p95_ms"] == round(raw["p95_us"] / 1000, 1)
    assert figures["p99_ms"] == round(raw["p99_us"] / 1000, 1)
    assert figures["requests_per_s"] == raw["requests"] / (raw["duration_us"] / 1_000_000)
    assert figures["requests"] == raw["requests"]


def test_a_page_is_compared_with_the_bare_views_throughput():
    assert http_pages.ratio_to_bare(150.0, 600.0) == 0.25
    assert http_pages.ratio_to_bare(1.0, 3.0) == 0.333
    with pytest.raises(BenchFailure):
        http_pages.ratio_to_bare(150.0, 0.0)


@pytest.mark.parametrize(
    ("p95_ms", "ratio", "met"),
    [
        (http_pages.TARGET_P95_MS - 0.1, http_pages.TARGET_MIN_RATIO, True),
        (http_pages.TARGET_P95_MS, http_pages.TARGET_MIN_RATIO, False),  # "under" 150 ms
        (http_pages.TARGET_P95_MS - 0.1, http_pages.TARGET_MIN_RATIO - 0.001, False),  # "no less than" a quarter
        (http_pages.TARGET_P95_MS + 50, 1.0, False),
    ],
)
def test_the_target_needs_both_latency_and_throughput(p95_ms, ratio, met):
    assert http_pages.meets_target({"p95_ms": p95_ms}, ratio) is met


def test_query_counts_that_differ_between_the_sizes_are_named():
    demo = {"home-hr": 22, "timeline": 20, "checkpoint": 20, "only-here": 3}
    bench = {"home-hr": 22, "timeline": 25, "checkpoint": 20, "hr-dashboard": 32}
    assert http_pages.query_count_differences(demo, bench) == {"timeline": [20, 25]}


def test_the_table_has_a_row_per_page_and_the_bare_view():
    bare = {"name": "bare", **http_pages.summarise(raw_report()), "ratio_to_bare": 1.0, "queries": 1}
    row = {**bare, "name": "home-hr", "ratio_to_bare": 0.3, "queries": 22, "meets_target": True}
    lines = http_pages.format_table([row], bare).splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["home-hr", "bare"]


def test_the_demo_personas_pages_are_found_and_open_for_them(db, client):
    dataset = http_pages.DATASETS["demo"]
    pages = http_pages.resolve_pages(dataset)
    assert [page.name for page in pages] == [
        "home-employee",
        "home-manager",
        "home-hr",
        "home-alumnus",
        "my-alliance",
        "checkpoint",
        "timeline",
        "hr-dashboard",
        "alumni-home",
        "alumni-directory",
        "alumni-feed",
    ]
    by_name = {page.name: page for page in pages}
    employee = Membership.objects.get(organization__slug="acme", user__email=dataset.personas["employee"])
    assert employee.manager.user.email == dataset.personas["manager"]
    checkpoint_match = resolve(by_name["checkpoint"].path)
    assert checkpoint_match.view_name == "checkpoints:checkpoint"
    checkpoint = Checkpoint.objects.get(pk=checkpoint_match.kwargs["pk"])
    assert checkpoint.tour.employee == employee
    assert checkpoint.tour.status == "active"
    timeline_match = resolve(by_name["timeline"].path)
    assert timeline_match.view_name == "checkpoints:timeline"
    assert timeline_match.kwargs["member_pk"] == employee.pk
    for page in pages:
        assert resolve(page.path).kwargs["org_slug"] == "acme"
        client.force_login(Membership.objects.get(pk=_member_pk(dataset, page.persona)).user)
        assert client.get(page.path).status_code == 200, page


def _member_pk(dataset, persona):
    return Membership.objects.get(organization__slug=dataset.slug, user__email=dataset.personas[persona]).pk


def test_a_dataset_not_loaded_says_which_command_loads_it(db):
    with pytest.raises(BenchFailure, match="seed_bench"):
        http_pages.resolve_pages(http_pages.DATASETS["bench"])


def test_the_bare_view_is_only_in_the_bench_urlconf_and_makes_one_query(db):
    with pytest.raises(Resolver404):  # the production URLconf
        resolve(http_pages.BARE_PATH)
    dataset = http_pages.DATASETS["demo"]
    feed = next(page for page in http_pages.resolve_pages(dataset) if page.name == "alumni-feed")
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert resolve(http_pages.BARE_PATH).url_name == "bench_bare"
        counts, kept = http_pages.count_queries(dataset, [http_pages.BARE_PAGE, feed])
    assert counts["bare"] == 1
    # the persona's session is read, the member resolved: a page costs more than the ceiling
    assert counts["alumni-feed"] > counts["bare"]
    # served again from the member's kept page: the session (in the database without Redis), the user and the
    # membership only
    assert kept["bare"] is None
    assert kept["alumni-feed"] <= 3 < counts["alumni-feed"]


def test_the_sign_in_form_gives_the_token_the_harness_posts_back(db, client):
    response = client.get("/accounts/login/")
    assert re.search(http_pages.CSRF_FIELD, response.content)
    cookies = http_pages.cookies_from([("Set-Cookie", response.cookies["csrftoken"].OutputString())])
    assert cookies["csrftoken"] == response.cookies["csrftoken"].value


# --------------------------------------------------------------------------------------------------------------
# Kept pages under writes (--writes-per-second)


def test_the_lua_report_counts_kept_pages_by_their_header():
    script = http_pages.WRK_SCRIPT.read_text()
    assert re.search(r'headers\["X-Page-Cache"\]', script)
    assert '"hit"' in script and '"miss"' in script
    for name in ("page_cache_hits", "page_cache_misses"):
        assert f'thread:get("{name}")' in script  # summed over wrk's threads, not one thread's count


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_counts_the_kept_and_rendered_responses_it_received():
    """The real script in real wrk, against a server that answers kept and rendered pages in turn (the header's
    name in two spellings: wrk passes it as the server wrote it) and a few with no such header."""
    sent = {"hit": 0, "miss": 0, "none": 0}
    lock = threading.Lock()

    class Pages(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - http.server's name
            with lock:
                number = sum(sent.values())
                kind = "none" if number % 5 == 4 else ("hit" if number % 2 else "miss")
                sent[kind] += 1
            body = b"<html>page</html>"
            self.send_response(200)
            if kind == "hit":
                self.send_header("X-Page-Cache", "hit")
            elif kind == "miss":
                self.send_header("x-page-cache", "miss")
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        raw = http_pages.run_wrk(
            shutil.which("wrk"), server.server_address[1], "/", None, duration=1, concurrency=1, label="fake"
        )
    finally:
        server.shutdown()
        server.server_close()
    counted = http_pages.page_cache_counts(raw)
    assert counted["page_cache_hits"] > 0 and counted["page_cache_misses"] > 0
    # one connection: wrk counted every response but, at most, the last one in flight when it stopped
    assert sent["hit"] - 1 <= counted["page_cache_hits"] <= sent["hit"]
    assert sent["miss"] - 1 <= counted["page_cache_misses"] <= sent["miss"]
    assert counted["page_cache_hits"] + counted["page_cache_misses"] < raw["requests"]  # headerless: neither


@pytest.mark.parametrize(
    ("hits", "misses", "rate"),
    [(590, 10, 0.983), (1, 2, 0.333), (0, 40, 0.0), (40, 0, 1.0), (0, 0, None)],
    ids=["mostly kept", "rounded", "all rendered", "all kept", "no page cache header (bare view)"],
)
def test_the_hit_rate_is_kept_pages_over_pages_that_said_which(hits, misses, rate):
    counted = http_pages.page_cache_counts(raw_report(page_cache_hits=hits, page_cache_misses=misses))
    assert counted == {"page_cache_hits": hits, "page_cache_misses": misses, "hit_rate": rate}


def test_a_report_without_the_counts_has_no_hit_rate():
    raw = raw_report()
    del raw["page_cache_hits"], raw["page_cache_misses"]
    assert http_pages.page_cache_counts(raw)["hit_rate"] is None


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({}, "http_pages-bench.json"),
        ({"page_cache": "off"}, "http_pages-bench-rendered.json"),
        ({"writes_per_second": 0, "write_scope": "self"}, "http_pages-bench.json"),
        ({"writes_per_second": 2.0}, "http_pages-bench-writes2.json"),
        ({"writes_per_second": 0.5}, "http_pages-bench-writes0.5.json"),
        ({"writes_per_second": 10, "write_scope": "self"}, "http_pages-bench-writes10-self.json"),
    ],
)
def test_a_run_with_writes_has_its_own_results_file(options, name):
    assert http_pages.results_path("bench", **options) == http_pages.RESULTS_DIR / name


def test_the_writer_keeps_its_pace_without_drifting():
    assert http_pages.seconds_until_next_write(100.0, 0, 2.0, 100.0) == 0.0  # the first write at once
    assert http_pages.seconds_until_next_write(100.0, 1, 2.0, 100.1) == pytest.approx(0.4)
    assert http_pages.seconds_until_next_write(100.0, 4, 2.0, 101.0) == pytest.approx(1.0)
    assert http_pages.seconds_until_next_write(100.0, 1, 2.0, 101.3) == 0.0  # late: the next one at once


def test_the_writes_figures_are_the_achieved_rate():
    assert http_pages.write_figures(9, 4.5, 2.0) == {"performed": 9, "seconds": 4.5, "per_s": 2.0, "per_s_asked": 2.0}
    assert http_pages.write_figures(10, 5.004, 2) == {"performed": 10, "seconds": 5.0, "per_s": 2.0, "per_s_asked": 2}
    assert http_pages.write_figures(0, 0.0, 2)["per_s"] == 0.0


def test_a_failed_write_stops_the_writer_and_is_reported():
    done = []

    def write(number):
        if number == 3:
            raise RuntimeError("deadlock detected")
        done.append(number)

    writer = http_pages.Writer(1000, write, close_connections=False)
    writer.start()
    writer.join(timeout=5)
    assert not writer.is_alive()
    assert done == [0, 1, 2]
    assert writer.writes == 3
    assert isinstance(writer.error, RuntimeError)
    writer.stop_writing()  # stopping a writer that stopped is harmless
    assert writer.figures()["performed"] == 3


def test_the_table_shows_the_hit_rate_only_for_runs_with_writes():
    bare = {"name": "bare", **http_pages.summarise(raw_report()), "ratio_to_bare": 1.0, "queries": 1}
    row = {**bare, "name": "home-employee", "ratio_to_bare": 0.3, "queries": 22, "meets_target": True}
    read_only = http_pages.format_table([row], bare).splitlines()
    assert "hit" not in read_only[0]
    with_writes = http_pages.format_table([{**row, "hit_rate": 0.125}], bare).splitlines()
    assert with_writes[0].split()[-3:] == ["hit", "%", "ok"]
    assert with_writes[2].split()[-2:] == ["12.5", "yes"]
    assert with_writes[3].split()[-1] == "1"  # the bare view: queries, then no hit rate and no target


def test_the_writes_concern_other_members_than_the_persona_and_their_reports(db, employee, manager):
    dataset = http_pages.DATASETS["demo"]
    with scope():  # as in the harness: scoping on, no organization entered
        targets = http_pages.write_targets(dataset, "employee")
        some = http_pages.write_targets(dataset, "employee", limit=1)
        with pytest.raises(BenchFailure, match="other than manager@acme.example and their reports"):
            http_pages.write_targets(dataset, "manager")
    assert targets
    employees = [checkpoint.tour.employee for checkpoint in targets]
    assert len({member.pk for member in employees}) == len(employees)  # one checkpoint per member
    for checkpoint in targets:
        assert checkpoint.tour.employee.pk != employee.pk
        assert checkpoint.tour.employee.organization.slug == "acme"
        assert checkpoint.status == "scheduled" and checkpoint.tour.status == "active"
    assert some[0] in targets
    # In the demo every member on a tour reports to the manager persona: none is left to write about (above).
    assert all(member.manager_id == manager.pk for member in employees)


def test_the_writes_about_the_persona_are_on_their_own_checkpoint(db, employee):
    dataset = http_pages.DATASETS["demo"]
    with scope():
        targets = http_pages.write_targets(dataset, "employee", "self")
        with pytest.raises(BenchFailure, match="alumni@acme.example"):
            http_pages.write_targets(dataset, "alumnus", "self")
    assert [checkpoint.tour.employee.pk for checkpoint in targets] == [employee.pk]


@override_settings(PAGE_CACHE_SECONDS=300)
def test_a_write_adds_an_agenda_topic_through_the_service_and_drops_the_writers_kept_pages(db, acme):
    from alliance.models import AuditEntry
    from checkpoints.models import AgendaTopic

    with scope():
        targets = http_pages.write_targets(http_pages.DATASETS["demo"], "employee", limit=1)
    write = http_pages.agenda_write(targets)
    # The member's own pages (their person topic) are dropped, not the organization's (alliance.page_cache).
    key = page_cache.topic_key(page_cache.PERSON, targets[0].tour.employee_id)
    page_cache.cache.set(key, "before", None)
    organization_key = page_cache._organization_key(acme.pk)
    page_cache.cache.set(organization_key, "before", None)
    before = "before"
    topics, audits = AgendaTopic.objects.count(), AuditEntry.objects.count()
    with scope():  # the writer's thread has no scope of its own
        write(0)
        write(1)  # a new text each time: never a double POST that writes nothing
    assert AgendaTopic.objects.count() == topics + 2
    assert AuditEntry.objects.count() == audits + 2
    topic = AgendaTopic.objects.latest("pk")
    assert topic.checkpoint == targets[0] and topic.added_by == targets[0].tour.employee
    assert page_cache.cache.get(key) not in (None, before)
    assert page_cache.cache.get(organization_key) == "before"


def _bare(rps):
    return {"requests_per_s": rps, "p95_ms": 1.0}


def test_each_page_is_compared_with_the_bare_runs_around_it():
    # Run order: bare 0, page 0, bare 1, page 1, bare 2.
    runs = [_bare(800.0), _bare(1200.0), _bare(1001.0)]
    assert http_pages.bare_around(runs, 0) == 1000.0
    assert http_pages.bare_around(runs, 1) == 1100.5
    for index in (-1, 2):
        with pytest.raises(http_pages.BenchFailure):
            http_pages.bare_around(runs, index)


@pytest.mark.parametrize(
    ("rates", "median"),
    [([5.0], 5.0), ([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 3.0, 2.0], 2.0), ([7.0, 7.0], 7.0)],
)
def test_the_bare_views_row_is_its_median_run(rates, median):
    assert http_pages.median_run([_bare(rate) for rate in rates])["requests_per_s"] == median


def test_no_bare_run_fails():
    with pytest.raises(http_pages.BenchFailure):
        http_pages.median_run([])
