"""Settings for every runtime mode, driven by the environment.

With no environment at all this is the embedded default: a SQLite file, Celery running tasks in-process,
e-mail to the console. Production sets DJANGO_SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL and friends.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from alliance import storage_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", default=not env("DJANGO_SECRET_KEY"))
# The embedded default needs no configuration; production must bring its own key: with DEBUG off and no
# DJANGO_SECRET_KEY, the system check alliance.E001 refuses to start (alliance/checks.py, alliance/wsgi.py).
SECRET_KEY = env("DJANGO_SECRET_KEY") or "embedded-default-only-" + "x" * 40
SECRET_KEY_MISSING = not DEBUG and not env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://localhost:8000")
# How many reverse proxies in front of the site append to X-Forwarded-For (alliance.security.client_ip).
# 0: the client is REMOTE_ADDR and the header, which any client can write, is ignored.
TRUSTED_PROXY_COUNT = int(env("DJANGO_TRUSTED_PROXY_COUNT", "0"))
# Request bodies: every view accepts this much unless it declares more (alliance.security.body_limit).
REQUEST_BODY_MAX_BYTES = int(env("DJANGO_REQUEST_BODY_MAX_BYTES", str(1024 * 1024)))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "django_htmx",
    "csp",
    "pgtrigger",
    "pghistory",
    "alliance.apps.AllianceConfig",
    "agreements.apps.AgreementsConfig",
    "checkpoints.apps.CheckpointsConfig",
    "alumni.apps.AlumniConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CsrfViewMiddleware, whose process_view reads the body: oversized bodies are refused unread.
    "alliance.security.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "alliance.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Refreshes the session's expiry as the member uses the site, so it ends after SESSION_IDLE_MINUTES idle.
    "alliance.account_security.IdleSessionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "alliance.tenancy.TenantMiddleware",
    # After every unsafe request, drops the kept pages its write may have changed (alliance/page_cache.py).
    "alliance.page_cache.InvalidateOnWriteMiddleware",
    # After TenantMiddleware (it reads request.membership): HR pages of an organization that requires
    # two-factor authentication, and the admin, send an HR member without it to set it up first.
    "alliance.account_security.HrMfaRequiredMiddleware",
    "alliance.audit.AuditContextMiddleware",
]

if not DEBUG:
    # Production serves its collected static files itself; in DEBUG, runserver and the test server do.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "alliance.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent saves: IMMEDIATE transactions take the write lock when they start,
    # so writers queue (up to `timeout` seconds) instead of failing with "database is locked" when a read
    # transaction tries to upgrade; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": int(env("SQLITE_TIMEOUT", "20")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "alliance.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "landing"

# django-allauth: e-mail is the login; verification is mandatory unless the embedded default runs.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "alliance.forms.SignupNameForm"
ACCOUNT_ADAPTER = "alliance.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Alliance] "
# Sign-in limits (allauth counts per client address from alliance.security.client_ip, through the adapter).
# Failed sign-ins: 10 a minute from one address, and 5 in 5 minutes for one account from one address (the
# adapter keys "key" by account and address, so a stranger cannot lock the owner out). The admin's login is
# allauth's too (alliance/urls.py), so these limits cover every sign-in.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes, and security keys
# (WebAuthn) as a second factor. Passkey sign-in without a password stays off: sign-in is always e-mail and
# password first. Turned on from the profile page; an organization may require it of its HR members
# (Organization.hr_requires_mfa, enforced by alliance.account_security.HrMfaRequiredMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Alliance")
MFA_FORMS = {
    "add_webauthn": "alliance.mfa_forms.AddSecurityKeyForm",
    "edit_webauthn": "alliance.mfa_forms.RenameSecurityKeyForm",
    "authenticate_webauthn": "alliance.mfa_forms.AuthenticateWithSecurityKeyForm",
    "reauthenticate_webauthn": "alliance.mfa_forms.ReauthenticateWithSecurityKeyForm",
}
# Security keys (WebAuthn): allauth takes the relying party id from the request's host (checked against
# ALLOWED_HOSTS), so a key works on the host name it was registered on, and fido2 accepts only an https origin on
# that host or a subdomain, or http://localhost (the embedded default and the browser tests' live server;
# browsers refuse WebAuthn on an IP address such as http://127.0.0.1:8000). Turning the origin check off is never
# needed, in development either.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# Accounts that never confirmed their address may turn MFA on only where verification is not mandatory (the
# embedded default); in production allauth's rule holds (an unverified address could lock its owner out).
MFA_ALLOW_UNVERIFIED_EMAIL = ACCOUNT_EMAIL_VERIFICATION != "mandatory"

# Sessions end after this many minutes without a request (alliance.account_security.IdleSessionMiddleware
# moves the expiry forward as the member uses the site). allauth.usersessions lists a user's sessions on
# /accounts/sessions/ and signs the others out.
SESSION_IDLE_MINUTES = int(env("ALLIANCE_SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# How stale the recorded activity may get before a request saves the session again: saving on every request
# would write the session row on every page view.
SESSION_IDLE_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)

# django-ratelimit's key="ip" reads the same address.
RATELIMIT_IP_META_KEY = "alliance.security.ratelimit_ip"

# django-guardian: no anonymous user row; object grants are reached only through alliance.permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Stored files (sealed PDFs, the embedded seal certificate): MEDIA_ROOT, or the S3 (or S3-compatible) bucket that
# AWS_STORAGE_BUCKET_NAME names, so that a site on several machines keeps no file on any of them
# (alliance/storage_config.py). Code reaches them only through Django's storage API.
STORAGES = storage_config.storages(os.environ, debug=DEBUG)

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": (
        # CACHE_KEY_PREFIX: one Redis database may serve several sites (staging beside production): each
        # prefixes its keys (sessions, rate limits, kept pages and their tokens) and never reads another's.
        {"BACKEND": "alliance.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": env("CACHE_KEY_PREFIX", "")}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# With Redis, sessions are read from the cache and written through to the database (django_session stays the
# record allauth.usersessions lists and ends): a page view reads no session row. The local-memory cache is per
# process, so without Redis sessions stay in the database only.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Seconds a member's rendered main page is kept in the cache (alliance/page_cache.py; 0 turns it off). Off
# without Redis: the local-memory cache is per process, and one process's invalidations would not reach another.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "300" if REDIS_URL else "0"))
# How long HR's figures (the HR dashboard) may lag behind other members' writes: kept that long at most after a
# write, then rendered again on the next read; HR's own writes and changes to the organization show at once.
PAGE_CACHE_SETTLE_SECONDS = int(env("PAGE_CACHE_SETTLE_SECONDS", "60"))

# Celery: with no broker configured, tasks run in-process (the embedded default) and errors surface at once.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # An eager task still takes a (never connected) producer from the pool; without a URL kombu assumes an AMQP
    # host and prints "No hostname was supplied" on the console of `manage.py start`. An in-memory one, named only
    # for writing, keeps it quiet; CELERY_BROKER_URL stays empty, which is what /healthz and eager mode read.
    CELERY_BROKER_WRITE_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The one notice scan (alliance.notices): asks every app what is due and enqueues one send task per notice.
NOTICE_SCAN_MINUTES = float(env("NOTICE_SCAN_MINUTES", "15"))
CELERY_BEAT_SCHEDULE: dict = {
    "alliance-notice-scan": {"task": "alliance.tasks.scan_notices", "schedule": NOTICE_SCAN_MINUTES * 60},
    # Hourly: renders any signed version's PDF that a dead worker left missing.
    "agreements-missing-pdfs": {"task": "agreements.tasks.render_missing_pdfs", "schedule": 3600.0},
}

# The service's certificate for sealing agreement PDFs (PEM files). Unset, the embedded default makes a
# self-signed one in the "sealing" storage (MEDIA_ROOT/sealing, or the bucket) on first use.
PDF_SEAL_KEY_FILE = env("PDF_SEAL_KEY_FILE") or None
PDF_SEAL_CERT_FILE = env("PDF_SEAL_CERT_FILE") or None
PDF_SEAL_KEY_PASSPHRASE = env("PDF_SEAL_KEY_PASSPHRASE") or None

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Alliance <no-reply@alliance.example>")

INVITATION_VALID_DAYS = int(env("INVITATION_VALID_DAYS", "14"))

# Security headers (Django's deployment checklist); the TLS-only ones apply when DEBUG is off (production
# behind HTTPS).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only our own static scripts, styles, fonts and images; no inline
# script or style, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}
# Cookies the site sets: none is read by JavaScript (no script of ours reads the CSRF token; forms carry it),
# so all are HttpOnly, and Secure in production.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    if TRUSTED_PROXY_COUNT:
        # Only a proxy we trust may say the client's connection was HTTPS; with none, a client could claim it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # security.W021 asks for HSTS preload. Being on the browsers' preload list is the operator's decision:
        # it binds every subdomain to HTTPS for months and is slow to undo, so it is opt-in
        # (DJANGO_HSTS_PRELOAD=true) and its absence is not a deployment fault.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every layout step at INFO; only their problems matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}
