"""The pure parts of the HTTP benchmark (bench/http_pages.py), so CI guards the harness without gunicorn or wrk:
reading wrk's report, refusing a run that measured anything but 200s, the figures and ratios, and finding the
personas' pages in the demo data."""

import json
import re

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

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
