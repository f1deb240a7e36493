"""Browser harness: Debian's headless Chromium, driven by Playwright, against pytest-django's live server.

One browser per test session (per xdist worker), a fresh context per test. Every page a test visits is checked by
`ui.check("slug")`: a full-page screenshot lands in test-artifacts/screenshots/<test>-<n>-<slug>.png, the page
answered the expected HTTP status (200 unless told), logged no JavaScript error (console error or uncaught
exception), and axe-core finds no "serious" or "critical" violation (moderate and minor ones become warnings).
A page that loaded but was never checked fails the test at teardown, so no visited page escapes the checks.

Pages are Japanese by default (the context's locale is ja-JP, as is every demo account's language); select elements
by structure, ids or data rather than by Japanese text, which the translators may still change.

The live server makes the tests transactional: the session's seeded data is flushed, so each test seeds its own
(see `seeded`).
"""

import os
import re
import sqlite3
import warnings
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django would otherwise refuse ORM calls in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with `apt-get install chromium` (never `playwright install`)."
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def seeded(live_server):
    """The demo data in this test's database: the live server's tests are transactional, so it starts empty.

    Seeding renders the demo's signed agreement PDFs, which takes seconds (about 40 on CI's PostgreSQL): the first
    seeded database is kept and later tests start from it (seed() then finds everything in place and returns at
    once). On SQLite the copy is a page copy; on PostgreSQL each table's rows, written back by COPY with the
    triggers off (`_pg_restore`).
    """
    from django.db import connection

    from alliance import demo

    global _sqlite_snapshot, _pg_snapshot
    _restore_sqlite_triggers()
    sqlite = connection.vendor == "sqlite"
    postgres = connection.vendor == "postgresql"
    if sqlite and _sqlite_snapshot is not None:
        connection.ensure_connection()
        _sqlite_snapshot.backup(connection.connection)
    if postgres and _pg_snapshot is not None:
        _pg_restore(_pg_snapshot)
    demo.seed()
    if sqlite and _sqlite_snapshot is None:
        _sqlite_snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(_sqlite_snapshot)
    if postgres and _pg_snapshot is None:
        _pg_snapshot = _pg_copy()
    yield live_server
    _let_the_flush_pass_sqlite_triggers()


_pg_snapshot: dict[str, bytes] | None = None


def _pg_tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _pg_copy() -> dict[str, bytes]:
    """Every Django table's rows as COPY data (the seeded demo)."""
    from django.db import connection

    snapshot = {}
    with connection.cursor() as cursor:
        for table in _pg_tables():
            data = bytearray()
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
                for block in copy:
                    data += block
            snapshot[table] = bytes(data)
    return snapshot


def _pg_restore(snapshot: dict[str, bytes]) -> None:
    """Replace every table's rows by the snapshot's: TRUNCATE (the flush left only what post_migrate writes back,
    content types and permissions, whose ids may differ), COPY with triggers and constraint checks off (history
    and immutability triggers would write or refuse rows), then move each sequence past its table's ids, and
    forget the content types cached with the flushed ids."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in snapshot) + " CASCADE")
        cursor.execute("SET session_replication_role = replica")
        try:
            for table, data in snapshot.items():
                if data:
                    with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                        copy.write(data)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        models = [model for model in apps.get_models(include_auto_created=True) if model._meta.db_table in snapshot]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    ContentType.objects.clear_cache()


_sqlite_snapshot: sqlite3.Connection | None = None


# SQLite flushes a transactional test's data with DELETE, which the agreements' immutability triggers refuse once
# anything is signed (PostgreSQL truncates, which row triggers do not see). For the flush that follows the test,
# the triggers are dropped, and restored as soon as it is done (the flush ends by sending post_migrate).
_dropped_triggers: list[str] = []


def _let_the_flush_pass_sqlite_triggers() -> None:
    from django.db import connection
    from django.db.models.signals import post_migrate

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        for name, sql in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')
            _dropped_triggers.append(sql)
    post_migrate.connect(_restore_sqlite_triggers, dispatch_uid="browser-tests-restore-triggers", weak=False)


def _restore_sqlite_triggers(**_signal) -> None:
    from django.db import connection
    from django.db.models.signals import post_migrate

    post_migrate.disconnect(dispatch_uid="browser-tests-restore-triggers")
    if _dropped_triggers:
        with connection.cursor() as cursor:
            while _dropped_triggers:
                # alliance.history's post_migrate handler may have written its history triggers back already.
                cursor.execute(_dropped_triggers.pop(0).replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))


class UI:
    """One browser tab of a test, with the per-page checks."""

    def __init__(self, page, *, axe, name: str):
        self.page = page
        self.axe = axe
        self.name = name
        self.shots = 0
        self.js_errors: list[str] = []
        self.loads: list[str] = []
        self.checked_loads = 0
        self.documents: dict[str, int] = {}  # main-frame document URL -> HTTP status
        self.last_status: int | None = None
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.js_errors.append(f"pageerror on {page.url}: {error}"))
        page.on("load", lambda p: self.loads.append(p.url))
        page.on("response", self._on_response)

    def _on_response(self, response):
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.documents[response.url] = response.status
            self.last_status = response.status

    def _on_console(self, message):
        if message.type != "error":
            return
        source = message.location.get("url", "")
        # A page's own HTTP status is asserted by check(); the site has no favicon yet (Chromium asks anyway).
        if message.text.startswith("Failed to load resource") and (
            source in self.documents or source.endswith("/favicon.ico")
        ):
            return
        self.js_errors.append(f"console error on {self.page.url}: {message.text} ({message.location})")

    # Navigation and actions ---------------------------------------------------------------------------------
    def goto(self, path: str, slug: str | None = None, *, status: int = 200):
        response = self.page.goto(path)
        if slug:
            self.check(slug, status=status)
        return response

    def sign_in(self, email: str, password: str | None = None, *, slug: str = "sign-in"):
        from alliance.demo import DEMO_PASSWORD

        if "/accounts/login/" not in self.page.url:
            self.goto("/accounts/login/")
        self.check(slug)
        form = self.page.locator("main form").filter(has=self.page.locator("input[name=password]"))
        form.locator("input[name=login]").fill(email)
        form.locator("input[name=password]").fill(password or DEMO_PASSWORD)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()

    def switch_language(self):
        """Press the header's language button (it names the other language) and wait for the page to reload."""
        with self.page.expect_navigation():
            self.page.locator("form.lang-form button[name=language]").click()

    def sign_out(self):
        with self.page.expect_navigation():
            self.page.locator(".site-header form[action='/accounts/logout/'] button[type=submit]").click()

    def lang(self) -> str:
        return self.page.locator("html").get_attribute("lang")

    # Checks -----------------------------------------------------------------------------------------------
    def check(self, slug: str, *, status: int = 200):
        """The page now shown: its HTTP status, no JavaScript errors, no serious axe violation; and a screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{self.name}-{self.shots}-{slug}.png", full_page=True)
        self.checked_loads = len(self.loads)
        assert self.last_status == status, f"{page.url} answered HTTP {self.last_status}, expected {status}"
        self.assert_no_js_errors()
        results = self.axe.run(page).response
        blocking, minor = [], []
        for violation in results["violations"]:
            (blocking if violation.get("impact") in BLOCKING_IMPACTS else minor).append(violation)
        if minor:
            warnings.warn(f"axe on {page.url}:\n{_describe(minor)}", AxeNotice, stacklevel=2)
        if blocking:
            summary = f"axe found {len(blocking)} serious/critical violation(s) on {page.url} ({slug}):"
            pytest.fail(f"{summary}\n{_describe(blocking)}", pytrace=False)

    def assert_no_js_errors(self):
        if self.js_errors:
            errors, self.js_errors = self.js_errors, []
            pytest.fail("JavaScript errors:\n" + "\n".join(errors), pytrace=False)

    def assert_all_pages_checked(self):
        unchecked = self.loads[self.checked_loads :]
        if unchecked:
            pytest.fail(f"page(s) loaded but never checked with ui.check(): {unchecked}", pytrace=False)

    def assert_fits_width(self):
        """No horizontal scrolling of the whole page (wide tables scroll inside their own wrapper)."""
        # Compare with the configured width: a mobile browser widens window.innerWidth to fit overflowing content.
        width = self.page.viewport_size["width"]
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{self.page.url} is {scroll_width}px wide on a {width}px-wide viewport"


class AxeNotice(UserWarning):
    """A moderate or minor axe finding: reported, not failing."""


def _describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            summary = node.get("failureSummary", "").strip().replace("\n", "\n        ")
            lines.append(f"    at {' '.join(map(str, node['target']))}:\n        {summary}")
    return "\n".join(lines)


def _test_name(node) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", node.name).strip("-")


def _forget_old_screenshots(name: str) -> None:
    if SCREENSHOTS.is_dir():
        pattern = re.compile(re.escape(name) + r"-\d+-[^/]*\.png")
        for path in SCREENSHOTS.iterdir():
            if pattern.fullmatch(path.name):
                path.unlink()


def _make_ui(browser, axe, live_server, request, **context_options):
    name = _test_name(request.node)
    _forget_old_screenshots(name)
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo", **context_options)
    context.set_default_timeout(10_000)
    ui = UI(context.new_page(), axe=axe, name=name)
    return context, ui


@pytest.fixture
def ui(browser, axe, seeded, request):
    """A fresh desktop browser context on the seeded live server."""
    context, ui = _make_ui(browser, axe, seeded, request, viewport=DESKTOP)
    yield ui
    _finish(context, ui, request)


@pytest.fixture
def phone_ui(browser, axe, seeded, request):
    """The same on a 390px-wide phone viewport."""
    context, ui = _make_ui(browser, axe, seeded, request, viewport=PHONE, is_mobile=True, has_touch=True)
    yield ui
    _finish(context, ui, request)


def _finish(context, ui, request) -> None:
    try:
        # After a failure the test stopped half-way: its unchecked last page is no news.
        if not getattr(request.node, "browser_call_failed", False):
            ui.assert_no_js_errors()
            ui.assert_all_pages_checked()
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report
