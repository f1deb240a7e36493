"""Platform security (issue 7): client address, sign-in limits, configuration, headers, body bounds, cookies."""

import functools
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client, RequestFactory
from django.urls import reverse

from alliance.demo import DEMO_PASSWORD
from alliance.security import client_ip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Rate-limit counters in a cache of this process alone: on a shared Redis, another test process's
    `cache.clear()` (tests/conftest.py) would wipe them mid-test. The limits' logic does not depend on the backend."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "security"}}
    from django.core.cache import cache

    cache.clear()


# --- one client address --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", None, "203.0.113.7"),
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # no proxy: the header is the client's own words
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged left part is never used
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # fewer entries than proxies: it skipped them
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "[2001:db8::1]", "2001:db8::1"),
        (0, "", None, None),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **extra)) == expected


def _signature_ip(request):
    from agreements.services import RequestInfo

    return RequestInfo.from_request(request).ip


def _ratelimit_ip(request):
    from django_ratelimit.core import _get_ip

    return _get_ip(request)


def _allauth_ip(request):
    from allauth.core.internal.ratelimit import get_ip

    return get_ip(request)


@pytest.mark.parametrize(
    "reader", [_signature_ip, _ratelimit_ip, _allauth_ip], ids=["signature", "ratelimit", "allauth"]
)
@pytest.mark.parametrize(
    ("proxies", "expected"), [(0, "203.0.113.7"), (1, "198.51.100.1")], ids=["no-proxy", "one-proxy"]
)
def test_every_reader_of_the_client_address_uses_the_one_helper(settings, reader, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")
    assert reader(request) == expected


# --- sign-in limits ------------------------------------------------------------------------------------------


def _fail_sign_in(client, email, times, ip):
    for _ in range(times):
        client.post(reverse("account_login"), {"login": email, "password": "wrong-guess"}, REMOTE_ADDR=ip)


def test_a_stranger_cannot_lock_the_owner_out_but_is_stopped_with_a_clear_message(employee):
    email = employee.user.email
    stranger = Client()
    _fail_sign_in(stranger, email, 5, "198.51.100.66")
    blocked = stranger.post(
        reverse("account_login"),
        {"login": email, "password": DEMO_PASSWORD},
        REMOTE_ADDR="198.51.100.66",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert blocked.status_code == 200 and "_auth_user_id" not in stranger.session
    assert "Too many failed sign-in attempts from this device" in blocked.content.decode()
    owner = Client()
    response = owner.post(
        reverse("account_login"), {"login": email, "password": DEMO_PASSWORD}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 302, "the owner, from their own device, must still get in"


@pytest.mark.parametrize(
    ("path", "method"),
    [("/admin/login/", "get"), ("/admin/login/", "post"), ("/admin/", "get")],
)
def test_every_sign_in_goes_through_the_rate_limited_login(client, db, path, method, employee):
    data = {"username": employee.user.email, "password": DEMO_PASSWORD} if method == "post" else None
    response = getattr(client, method)(path, data, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_failed_sign_ins_are_limited_per_client_address(employee, hr):
    client = Client()
    # Ten failures a minute from one address, spread over accounts, then even a right password waits.
    _fail_sign_in(client, employee.user.email, 4, "198.51.100.70")
    _fail_sign_in(client, hr.user.email, 4, "198.51.100.70")
    _fail_sign_in(client, "nobody@acme.example", 2, "198.51.100.70")
    response = client.post(
        reverse("account_login"), {"login": hr.user.email, "password": DEMO_PASSWORD}, REMOTE_ADDR="198.51.100.70"
    )
    assert response.status_code != 302


# --- configuration -------------------------------------------------------------------------------------------


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("ACCOUNT_EMAIL_VERIFICATION", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {"DJANGO_SECRET_KEY": "a-production-secret-" + "k3y" * 20, "DJANGO_ALLOWED_HOSTS": "alliance.example"}


@pytest.mark.parametrize(
    ("args", "env", "ok", "says"),
    [
        (["check"], {"DJANGO_DEBUG": "false"}, False, "DJANGO_SECRET_KEY"),
        (["check", "--deploy", "--fail-level", "WARNING"], {"DJANGO_DEBUG": "false"}, False, "DJANGO_SECRET_KEY"),
        (["check", "--deploy", "--fail-level", "DEBUG"], PRODUCTION, True, "no issues"),
        (["check", "--fail-level", "WARNING"], {}, True, "no issues"),  # the embedded default needs nothing
    ],
    ids=["no-key", "no-key-deploy", "production-deploy", "embedded-default"],
)
def test_production_configuration_is_checked(args, env, ok, says):
    result = _manage(*args, **env)
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    assert says in result.stdout + result.stderr
    if ok:
        assert "WARNINGS" not in result.stderr and "?: (" not in result.stderr


def test_gunicorn_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "false"
    result = subprocess.run(
        [sys.executable, "-c", "import alliance.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    ],
)
def test_production_settings_protect_every_cookie(name):
    assert _production_settings()[name] is True


@functools.cache
def _production_settings() -> dict:
    """The security settings as production loads them (a fresh interpreter: settings are read at import)."""
    code = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='alliance.settings'; django.setup();"
        "from django.conf import settings;"
        "print(json.dumps({k: getattr(settings, k) for k in dir(settings) if k.isupper() and "
        "isinstance(getattr(settings, k), bool)}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("proxies", "header"),
    [("0", None), ("1", ["HTTP_X_FORWARDED_PROTO", "https"]), ("2", ["HTTP_X_FORWARDED_PROTO", "https"])],
)
def test_only_a_trusted_proxy_may_say_the_connection_was_https(proxies, header):
    """With no proxy in front, X-Forwarded-Proto comes from the client itself and must not count."""
    code = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='alliance.settings'; django.setup();"
        "from django.conf import settings; print(json.dumps(settings.SECURE_PROXY_SSL_HEADER))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION, DJANGO_TRUSTED_PROXY_COUNT=proxies)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == header


@pytest.mark.parametrize(
    ("cookie", "make"),
    [
        (
            "sessionid",
            lambda c, m: c.post(reverse("account_login"), {"login": m.user.email, "password": DEMO_PASSWORD}),
        ),  # noqa: E501
        ("csrftoken", lambda c, m: c.get(reverse("account_login"))),
        (settings.LANGUAGE_COOKIE_NAME, lambda c, m: c.post(reverse("set_language"), {"language": "en", "next": "/"})),
    ],
)
def test_cookies_the_site_sets_are_http_only(employee, cookie, make):
    response = make(Client(), employee)
    assert cookie in response.cookies, f"{cookie} was not set"
    assert response.cookies[cookie]["httponly"] is True
    assert response.cookies[cookie]["samesite"] == "Lax"


@pytest.mark.parametrize("method", ["get", "head"])
def test_healthz_answers_monitors(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 200


# --- headers -------------------------------------------------------------------------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("a bug")


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        (None, "/", 200),  # alliance
        (None, "/accounts/login/", 200),  # accounts
        (None, "/verify/", 200),  # agreements, public
        ("hr", "/acme/", 200),  # alliance, tenant
        ("employee", "/acme/alliance/", 200),  # agreements, tenant
        ("staff", "/admin/", 200),  # admin
        (None, "/no-such-page/at-all/", 404),  # error pages
        ("hr", "/acme/members/999999/", 404),
        ("error", "/", 500),
    ],
)
def test_every_response_carries_the_security_headers(login, hr, employee, who, path, status):
    client = Client(raise_request_exception=False)
    if who == "hr":
        client = login(hr)
    elif who == "employee":
        client = login(employee)
    elif who == "staff":
        hr.user.is_staff = hr.user.is_superuser = True
        hr.user.save()
        client = login(hr)
    if who == "error":
        with mock.patch("alliance.views.render", side_effect=_boom):
            response = client.get(path)
    else:
        response = client.get(path, follow=status is None)
    if status is not None:
        assert response.status_code == status
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    for name in ("script-src", "style-src", "img-src", "font-src"):
        assert directives[name] == "'self'", policy
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def _template_files():
    apps = ("alliance", "agreements", "checkpoints", "alumni")
    dirs = [ROOT / "templates", *(ROOT / app / "templates" for app in apps)]
    return sorted(path for folder in dirs if folder.exists() for path in folder.rglob("*.html"))


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_relies_on_inline_script_or_style(path):
    import re

    text = path.read_text()
    relative = path.relative_to(ROOT).as_posix()
    assert not re.search(r"\sstyle\s*=", text), f"{relative}: a style attribute (blocked by the CSP)"
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag, f"{relative}: an inline <script> (blocked by the CSP)"
    if "<style" in text:
        # Not served pages: WeasyPrint's PDF layout and e-mail bodies (mail clients, no CSP there).
        assert relative.startswith(("templates/agreements/pdf/", "templates/emails/")), relative


# --- request body bounds -------------------------------------------------------------------------------------


class _RecordingHandler(FileUploadHandler):
    chunks: list = []

    def receive_data_chunk(self, raw_data, start):
        _RecordingHandler.chunks.append(len(raw_data))
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def upload_spy(settings):
    _RecordingHandler.chunks = []
    settings.FILE_UPLOAD_HANDLERS = [
        "tests.alliance.test_security._RecordingHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    return _RecordingHandler.chunks


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "BoUnDaRy"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


MB = 1024 * 1024


@pytest.mark.parametrize(
    ("path", "declared", "expected"),
    [
        ("/verify/", 26 * MB, 413),
        ("/verify/", 200 * MB, 413),
        ("/accounts/login/", 2 * MB, 413),
        ("/accounts/signup/", 5 * MB, 413),
        ("/i18n/setlang/", 2 * MB, 413),
        ("/acme/members/invite/", 2 * MB, 413),
    ],
)
def test_a_declared_body_over_the_bound_is_refused_unread(login, hr, upload_spy, path, declared, expected):
    body, content_type = _multipart(1000)
    client = login(hr)
    response = client.generic("POST", path, body, content_type=content_type, CONTENT_LENGTH=str(declared))
    assert response.status_code == expected
    assert upload_spy == [], "the body was parsed"
    if expected == 413:
        assert "MB" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "size", "refused"),
    [("/accounts/login/", 2 * MB, True), ("/accounts/login/", 100, False), ("/verify/", 30 * MB, True)],
)
def test_a_chunked_body_is_bounded_while_it_streams(client, db, path, size, refused):
    body = b"login=a%40b.example&password=" + b"x" * size
    response = client.generic(
        "POST",
        path,
        body,
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        # As a server passes a chunked body: a stream that simply ends, with no length.
        **{"wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body)},
    )
    assert (response.status_code == 413) is refused
    if not refused:
        # Read and parsed like any form: the sign-in form answers about the credentials it received.
        assert response.status_code == 200 and response.context["form"].data["login"] == "a@b.example"


def test_a_file_within_the_bound_is_still_checked(client, db, upload_spy):
    body, content_type = _multipart(MB)
    response = client.generic("POST", "/verify/", body, content_type=content_type)
    assert response.status_code == 200 and sum(upload_spy) == MB


def test_the_verify_rate_limit_is_checked_before_the_body_is_read(db, upload_spy, monkeypatch):
    # An hourly window, so the test never straddles the limiter's window boundary on a slow machine.
    monkeypatch.setattr("agreements.views.verify.VERIFY_RATES", ("3/h",))
    client = Client(enforce_csrf_checks=True)
    for _ in range(3):
        client.get("/verify/", {"hash": "0" * 64})
    body, content_type = _multipart(1000)
    response = client.generic("POST", "/verify/", body, content_type=content_type)
    assert response.status_code == 429
    assert upload_spy == [], "the body was parsed before the limit was checked"


# --- the embedded SQLite default under concurrent writes -----------------------------------------------------

_CONCURRENT_SAVES = """
import os, sys, threading, time
import django
django.setup()
from django.db import connection, transaction, close_old_connections

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER)")
    cursor.execute("INSERT OR REPLACE INTO counter VALUES (1, 0)")
threads, saves = int(sys.argv[1]), int(sys.argv[2])
errors, barrier = [], threading.Barrier(threads)

def person():
    barrier.wait()
    for _ in range(saves):
        try:
            # A save as Django makes it: read in a transaction, then write.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT n FROM counter WHERE id = 1")
                    n = cursor.fetchone()[0]
                    time.sleep(0.005)
                    cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        except Exception as error:
            errors.append(repr(error))
    close_old_connections()
    connection.close()

workers = [threading.Thread(target=person) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter WHERE id = 1")
    print(len(errors), cursor.fetchone()[0], errors[:1])
"""


@pytest.mark.parametrize(("threads", "saves"), [(8, 5), (12, 3)])
def test_parallel_saves_on_the_embedded_sqlite_default_all_succeed(tmp_path, threads, saves):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_SETTINGS_MODULE="alliance.settings")
    result = subprocess.run(
        [sys.executable, "-c", _CONCURRENT_SAVES, str(threads), str(saves)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    failures, total, sample = result.stdout.split(" ", 2)
    assert (int(failures), int(total)) == (0, threads * saves), sample


# --- manage.py start ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("addrport", "site_url_env", "expected"),
    [
        ("127.0.0.1:8123", None, "http://127.0.0.1:8123"),
        ("8124", None, "http://127.0.0.1:8124"),
        ("0.0.0.0:8000", None, "http://localhost:8000"),
        ("127.0.0.1:8125", "https://alliance.example", "https://alliance.example"),
    ],
)
def test_start_serves_the_sites_own_pages_and_links_to_its_own_address(
    monkeypatch, settings, addrport, site_url_env, expected
):
    from django.core.management import call_command

    from agreements.documents import verify_url

    settings.DEBUG = True  # as the embedded default configures it
    settings.SITE_URL = site_url_env or "http://localhost:8000"
    if site_url_env:
        monkeypatch.setenv("SITE_URL", site_url_env)
    else:
        monkeypatch.delenv("SITE_URL", raising=False)
    seen = {}

    def fake_call_command(name, *args, **kwargs):
        from django.conf import settings as live

        seen[name] = {"args": args, "kwargs": kwargs, "debug": live.DEBUG, "link": verify_url("ab" * 32)}

    monkeypatch.setattr("alliance.management.commands.start.call_command", fake_call_command)
    call_command("start", addrport, stdout=io.StringIO())
    # Demo PDFs and e-mails made while seeding, and everything after, link to where the server answers.
    assert seen["seed_demo"]["link"].startswith(expected + "/verify/")
    runserver = seen["runserver"]
    assert runserver["link"].startswith(expected + "/verify/")
    # Served without Django's debug pages (the site's own 404/500), static files still served.
    assert runserver["debug"] is False and runserver["kwargs"]["insecure_serving"] is True
    assert "check" in seen


@pytest.mark.parametrize(
    ("action", "path", "data"),
    [
        ("login", "/accounts/login/", {"login": "a@b.example", "password": "x"}),
        ("signup", "/accounts/signup/", {"email": "a@b.example"}),
        ("reset_password_from_key", "/accounts/password/reset/key/1-abc/", {"password1": "x"}),
    ],
)
def test_allauths_rate_limits_answer_with_the_sites_own_page(db, settings, action, path, data):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, action: "1/m/ip"}
    client = Client()
    client.post(path, data, REMOTE_ADDR="198.51.100.80")
    response = client.post(path, data, REMOTE_ADDR="198.51.100.80", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Wait a few minutes" in response.content.decode() and "Content-Security-Policy" in response
