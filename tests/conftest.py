"""Shared personas: the demo data of two organizations, seeded once per test session.

In acme: `hr`, `manager`, `employee` (reports to manager), `alumni`, `other_manager`; in globex: `outsider`.
Each test runs in a transaction over that data; browser tests (transactional) seed their own copy.
"""

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled

from alliance import demo
from alliance.models import Membership, Role


def pytest_configure(config):
    from django.conf import settings

    # Hashing dozens of demo and factory passwords with PBKDF2 would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Signed PDFs and the embedded seal certificate go to a scratch folder, never into the work tree.
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="alliance-test-media-"))


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """A test that reaches the database only through `request.getfixturevalue` must name `db` among its arguments.
    pytest-django orders the run by the database use each test declares: one that declares none runs last, after
    the transactional tests have flushed the demo data, and finds the personas gone (CI on PostgreSQL, where the
    order differs from a single file's run). This fails such a test at once, whatever the order."""
    if fixturedef.argname not in ("db", "transactional_db"):
        return
    item = getattr(request, "_pyfuncitem", None)
    declared = set(getattr(getattr(item, "_fixtureinfo", None), "names_closure", ()))
    database_fixtures = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
    if item is not None and not declared & database_fixtures and not any(item.iter_markers("django_db")):
        pytest.fail(f"{item.nodeid} uses the database without declaring it: add `db` to its arguments")


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process():
    """Tasks run eagerly in tests even where CI configures the real Redis broker (no worker runs there)."""
    from alliance.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache (Redis in CI, which outlives a run): each test starts at zero."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _ratelimit_windows_stand_still(monkeypatch):
    """django-ratelimit counts in fixed windows aligned to the clock: a test whose requests straddle a window's
    edge (a slow CI machine, 35 requests across a minute boundary) would see its counter reset half-way. Its
    clock stands still during a test, so a limit test measures the limit, not the wall clock."""
    import types

    import django_ratelimit.core

    frozen = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: frozen))


@pytest.fixture(autouse=True)
def _test_code_reads_every_organization():
    """The test's own code (fixtures, factories, assertions reading the database directly) runs with django-scopes
    disabled: it builds and checks rows of both organizations at will. What it exercises is still scoped: every
    request through the test client starts a scope of its own (alliance.tenancy.TenantMiddleware), and tasks,
    commands and the notice scan enter theirs; a `scope()` nested in this one enforces scoping again
    (tests/alliance/test_scopes.py proves both)."""
    with scopes_disabled():
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        demo.seed()


def _membership(email: str, slug: str = "acme") -> Membership:
    return Membership.objects.select_related("user", "organization").get(user__email=email, organization__slug=slug)


@pytest.fixture
def acme(db):
    from alliance.models import Organization

    return Organization.objects.get(slug="acme")


@pytest.fixture
def globex(db):
    from alliance.models import Organization

    return Organization.objects.get(slug="globex")


@pytest.fixture
def hr(db):
    return _membership("hr@acme.example")


@pytest.fixture
def manager(db):
    return _membership("manager@acme.example")


@pytest.fixture
def employee(db):
    return _membership("employee@acme.example")


@pytest.fixture
def alumni(db):
    return _membership("alumni@acme.example")


@pytest.fixture
def other_manager(db):
    return (
        Membership.objects.select_related("user")
        .filter(organization__slug="acme", role=Role.MANAGER, status="active")
        .exclude(user__email="manager@acme.example")
        .first()
    )


@pytest.fixture
def outsider(db):
    return _membership("employee@globex.example", "globex")


@pytest.fixture
def login():
    """A client signed in as the given membership's user (or anonymous for None)."""

    def make(membership=None, *, language=None) -> Client:
        client = Client()
        if language:
            # The language cookie is what the header's switch sets; it beats the user's saved preference.
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if membership is not None:
            client.force_login(membership.user)
        return client

    return make


@pytest.fixture(autouse=True)
def _page_cache(settings):
    """Members' pages are kept (alliance.page_cache) in every test, as in production with Redis: a test that
    reads a page after a write proves the write drops it. ALLIANCE_TEST_PAGE_CACHE_SECONDS=0 turns it off."""
    settings.PAGE_CACHE_SECONDS = int(os.environ.get("ALLIANCE_TEST_PAGE_CACHE_SECONDS", "300"))
    # HR's figures follow others' writes at once in tests (the delay has its own tests).
    settings.PAGE_CACHE_SETTLE_SECONDS = 0


def _counting_rendered_pages(pytestconfig, settings, *, exact: bool):
    """pytest-django's query-count assertion with members' kept pages off while it counts: a bound on a page's
    queries is a bound on rendering it (served from the kept copy it makes two or three, which bounds nothing)."""
    from pytest_django.fixtures import _assert_num_queries

    @contextmanager
    def count(num, connection=None, info=None, *, using=None):
        previous = settings.PAGE_CACHE_SECONDS
        settings.PAGE_CACHE_SECONDS = 0
        try:
            with _assert_num_queries(
                pytestconfig, num, exact=exact, connection=connection, info=info, using=using
            ) as captured:
                yield captured
        finally:
            settings.PAGE_CACHE_SECONDS = previous

    return count


@pytest.fixture
def django_assert_num_queries(pytestconfig, settings):
    return _counting_rendered_pages(pytestconfig, settings, exact=True)


@pytest.fixture
def django_assert_max_num_queries(pytestconfig, settings):
    return _counting_rendered_pages(pytestconfig, settings, exact=False)
