"""Where a page's time goes, in-process: the main pages of each role with production-like settings, no HTTP.

    uv run python bench/page_profile.py --database-url postgres://postgres@127.0.0.1:5432/alliance_bench
    uv run python bench/page_profile.py --database-url ... --requests 50 --pages home-employee,hr-dashboard
    uv run python bench/page_profile.py --database-url ... --profile hr-dashboard [--profile-sort tottime]

Same settings as bench/http_pages.py (bench.settings: DEBUG off, so Django's cached template loader, a random
secret key, one emulated TLS proxy) and the same pages for the same personas (its `resolve_pages`), signed in
with Django's test client (`force_login`). The data must be there: `manage.py seed_demo` (dataset `demo`) or
`manage.py seed_bench` (dataset `bench`). Add `--redis-url` to use the Redis cache as production does.

For each page it prints the median and 95th percentile of N requests in ms, the queries of one request, and the
median split of a request into: time in the database (every query, wherever it runs), template rendering (the
top-level render, context processors and queries made while rendering included), context processors alone,
and the rest (middlewares, view code, resolving). It also times the bare view (`/__bench__/bare/`, one query)
anonymous and signed in, the same with no middleware at all, and the bare view with the middleware stack grown
one middleware at a time, which splits the fixed per-request cost of the stack by middleware.

`--profile PAGE` runs cProfile over N requests of that page and prints the top functions (cumulative, or
--profile-sort). Timings on a shared machine are noisy: compare runs made under the same load, and read ratios.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_pages import BARE_PAGE, DATASETS, PROXY_HEADERS, Page, resolve_pages  # noqa: E402


def configure(database_url: str, redis_url: str) -> None:
    """Production-like settings in this process (as bench/http_pages.py gives gunicorn), then django.setup()."""
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
        }
    )
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()


class Probe:
    """Accumulates, per request, the seconds spent in queries, in top-level template renders and in context
    processors, by wrapping them (installed for the measured requests only)."""

    def __init__(self):
        self.db = self.render = self.processors = 0.0
        self.queries = 0
        self._depth = 0

    def reset(self):
        self.db = self.render = self.processors = 0.0
        self.queries = 0

    def _execute(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.db += time.perf_counter() - start
            self.queries += 1

    @contextmanager
    def installed(self):
        from django.db import connection
        from django.template import engines
        from django.template.backends.django import Template as BackendTemplate

        probe = self
        original_render = BackendTemplate.render

        def render(template, context=None, request=None):
            probe._depth += 1
            start = time.perf_counter()
            try:
                return original_render(template, context, request)
            finally:
                probe._depth -= 1
                if probe._depth == 0:
                    probe.render += time.perf_counter() - start

        engine = engines["django"].engine
        original_processors = engine.template_context_processors

        def timed(processor):
            def wrapper(request):
                start = time.perf_counter()
                try:
                    return processor(request)
                finally:
                    probe.processors += time.perf_counter() - start

            return wrapper

        BackendTemplate.render = render
        engine.__dict__["template_context_processors"] = tuple(timed(p) for p in original_processors)
        try:
            with connection.execute_wrapper(self._execute):
                yield self
        finally:
            BackendTemplate.render = original_render
            engine.__dict__["template_context_processors"] = original_processors


def make_client(dataset, persona):
    from django.test import Client

    from alliance.models import User

    client = Client(headers=PROXY_HEADERS)
    if persona is not None:
        client.force_login(User.objects.get(email=dataset.personas[persona]))
    return client


def measure(client, page: Page, n: int, probe: Probe | None = None) -> dict:
    """n requests of the page (after two warm-up requests): median and p95 ms, and with a probe the median
    split of one request (ms). Raises SystemExit when the page is not a 200."""
    for _ in range(2):
        response = client.get(page.path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{page.name}: GET {page.path} answered {response.status_code}")
    totals, splits = [], {"db": [], "render": [], "processors": [], "queries": []}
    for _ in range(n):
        if probe is not None:
            probe.reset()
        start = time.perf_counter()
        client.get(page.path, secure=True)
        totals.append((time.perf_counter() - start) * 1000)
        if probe is not None:
            splits["db"].append(probe.db * 1000)
            splits["render"].append(probe.render * 1000)
            splits["processors"].append(probe.processors * 1000)
            splits["queries"].append(probe.queries)
    result = {"median_ms": statistics.median(totals), "p95_ms": sorted(totals)[max(0, int(len(totals) * 0.95) - 1)]}
    if probe is not None:
        result.update({key: statistics.median(values) for key, values in splits.items()})
    return result


def count_queries(client, page: Page) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(page.path, secure=True)
    with CaptureQueriesContext(connection) as captured:
        client.get(page.path, secure=True)
    return len(captured.captured_queries)


def middleware_split(dataset, n: int) -> list[tuple[str, float, float]]:
    """The signed-in bare view's median ms with the first k middlewares of settings.MIDDLEWARE, for every k:
    [(last middleware added, median ms, increase over the previous row)]."""
    from django.conf import settings
    from django.test import override_settings

    stack = list(settings.MIDDLEWARE)
    rows, previous = [], None
    for k in range(len(stack) + 1):
        with override_settings(MIDDLEWARE=stack[:k]):
            client = make_client(dataset, "employee")
            median = measure(client, BARE_PAGE, n)["median_ms"]
        name = stack[k - 1].rsplit(".", 1)[-1] if k else "(no middleware)"
        rows.append((name, median, 0.0 if previous is None else median - previous))
        previous = median
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="demo")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="postgres://...")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="cache, as production (optional)")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page (default 30)")
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument("--profile", default="", help="a page name: print a cProfile summary of its requests")
    parser.add_argument("--profile-sort", default="cumulative", help="pstats sort key (cumulative, tottime...)")
    parser.add_argument("--profile-lines", type=int, default=45)
    parser.add_argument("--no-middleware-split", action="store_true", help="skip the per-middleware split")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url postgres://... is required (or DATABASE_URL)")

    dataset = DATASETS[args.dataset]
    configure(args.database_url, args.redis_url)
    from django.conf import settings
    from django.core.management import call_command

    from bench.http_pages import static_files_stale

    if static_files_stale():  # DEBUG off: pages name the hashed files of the manifest
        print("Collecting static files...")
        call_command("collectstatic", verbosity=0, interactive=False)
    pages = resolve_pages(dataset)
    if args.pages or args.profile:
        wanted = {name.strip() for name in (args.pages or args.profile).split(",") if name.strip()}
        pages = [page for page in pages if page.name in wanted]
        if not pages:
            parser.error(f"no such page: {sorted(wanted)}")
    clients = {}

    def client_of(persona):
        if persona not in clients:
            clients[persona] = make_client(dataset, persona)
        return clients[persona]

    if args.profile:
        page = pages[0]
        client = client_of(page.persona)
        measure(client, page, 3)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(page.path, secure=True)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.profile_sort)
        stats.print_stats(args.profile_lines)
        print(f"cProfile of {args.requests} requests of {page.name} ({page.path}), sorted by {args.profile_sort}")
        print(out.getvalue())
        return 0

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"{dataset.name} ({dataset.slug}); DEBUG={settings.DEBUG}; session engine {settings.SESSION_ENGINE}; "
        f"cache {cache}; {args.requests} requests a page; load average {os.getloadavg()}"
    )
    probe = Probe()
    header = (
        f"{'page':18s} {'median':>7s} {'p95':>7s} {'queries':>7s} {'db':>6s} {'render':>6s} {'ctxproc':>7s} "
        f"{'rest':>6s}"
    )
    print(header)
    print("-" * len(header))
    bare_rows = [("bare-anonymous", None), ("bare-signed-in", "employee")]
    for label, persona in bare_rows:
        client = make_client(dataset, persona)
        with probe.installed():
            figures = measure(client, BARE_PAGE, args.requests, probe)
        print(f"{label:18s} {figures['median_ms']:7.1f} {figures['p95_ms']:7.1f} {count_queries(client, BARE_PAGE):7d}")
    from django.test import override_settings

    with override_settings(MIDDLEWARE=[]):
        client = make_client(dataset, None)
        figures = measure(client, BARE_PAGE, args.requests)
    print(f"{'bare-no-middleware':18s} {figures['median_ms']:7.1f} {figures['p95_ms']:7.1f}")
    for page in pages:
        client = client_of(page.persona)
        queries = count_queries(client, page)
        with probe.installed():
            f = measure(client, page, args.requests, probe)
        rest = f["median_ms"] - f["db"] - (f["render"] - 0)  # render includes the queries it makes
        print(
            f"{page.name:18s} {f['median_ms']:7.1f} {f['p95_ms']:7.1f} {queries:7d} {f['db']:6.1f} "
            f"{f['render']:6.1f} {f['processors']:7.1f} {max(rest, 0):6.1f}"
        )
    print(
        "db: all queries; render: top-level template render (context processors and the queries it runs "
        "included); rest: total - db - render (middlewares, view code), roughly: render's queries are counted twice"
    )
    if not args.no_middleware_split:
        print("\nSigned-in bare view, middleware stack grown one at a time (median ms, increase):")
        for name, median, increase in middleware_split(dataset, max(10, args.requests // 2)):
            print(f"  {name:32s} {median:7.2f} {increase:+7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
