"""Rendered pages kept per member, dropped whenever anything they could show may have changed.

The main read pages (home, my alliance, a checkpoint, the timeline, the HR dashboard, the alumni pages) run a
dozen or more queries and render a large template; a member reads them far more often than anyone writes in
their organization. A view opts in with `TenantView.page_cache = True`; `TenantView.dispatch` then calls
`page_key` and `kept_entry`, then `kept_response` after the member's access to the page was checked
(TenantMiddleware's membership lookup, the capability check and the view's `url_objects` checks, the
object-level checks, always run live, so a member who lost access never receives a kept page), or
`render_and_keep` when nothing is kept.

What a kept page is keyed by (`page_key`): the release (the code and templates that rendered it), the
organization's generation, the user's generation, the global generation, the membership with its role and
status, the language, the time zone, the local date (pages say "overdue", "in 3 days"), the host and the full
path with its query string. What changes at another time of day (a survey link that expires) is declared while
rendering (`changes_at`), and the page is kept no longer than until then.

A generation is a random token in the cache: "bumping" it replaces the token, so every page keyed by the old
one is never read again (and expires after `PAGE_CACHE_SECONDS`). Nothing is compared or counted, so a lost or
evicted token only costs a render.

What bumps a generation (each at once and again after the transaction commits, `on_commit`, so a page
rendered in between cannot stay kept under the new token with the old rows):

- `post_save` of any row (`_saved`): its organization's generation; a membership's user's too (the
  organization switcher); a user's, and the organizations they belong to (names are shown to others); an
  organization's change bumps the global generation (its name is in every member's switcher); a guardian
  object grant (no organization of its own): its user's, and the organization of the granted object;
- `post_delete` of the guardian grant models (`remove_perm` deletes by queryset) and `m2m_changed` of any
  relation: as for a save;
- `TenantModel.delete()` and the tenant querysets' `update()`, `delete()`, `bulk_create()` and `bulk_update()`
  (`alliance.scoping`), which send no `post_save`: the organizations of the rows they touch, and for
  memberships their users (the switcher of their other organizations);
- the notices recorded by raw SQL (`alliance.notices.record`): their organizations, after the insert;
- every request with an unsafe method (`InvalidateOnWriteMiddleware`): the organization of an `/<org>/` URL,
  else the user's generation, and the global one for the admin: whatever a view changed, also by a path the
  rules above miss.

A page is not kept when: the request is not a plain GET, it is an htmx request, messages are waiting to be
shown (they are part of the page once), the view read the session (a draft kept in it), the rendering asked for
the real CSRF token, or the response is not a 200 HTML page without cookies. The CSRF token of a kept page is a
placeholder, random for each rendering and kept with the page, replaced on each serve by a fresh masked token
of the reader's own secret (`get_token`). A member keeps at most `MAX_KEPT_PER_MEMBER` pages at a time; past
that, pages are rendered and not kept.

Off when `PAGE_CACHE_SECONDS` is 0: the default without `REDIS_URL`, where the cache is per process (the
embedded default) and one process's generations would not reach another.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from functools import cache as memoize
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

# The prefix of what `{% csrf_token %}` writes into a page being kept, replaced by a real token on every serve.
# Each rendering adds a random part of its own (`render_and_keep`), kept with the page: a fixed placeholder would
# also be replaced where a member wrote it (a post, a profile link), putting the reader's token in their text.
CSRF_PLACEHOLDER = "page-cache-csrf-3f9a1c0e5b7d4e2a"
GLOBAL = "pc:gen:all"
# The files whose change makes a new release (`release`).
RELEASE_SUFFIXES = frozenset({".py", ".html", ".mo", ".css", ".js"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Pages one member may have kept at a time (each for at most PAGE_CACHE_SECONDS): a member requesting one page
# with ever new query strings (`?x=<random>`) would otherwise fill the cache, which Redis shares with sessions
# and the task broker. A member reading the site keeps a handful; past the cap pages are rendered, not kept.
MAX_KEPT_PER_MEMBER = 40


def enabled() -> bool:
    """True when pages are kept (`settings.PAGE_CACHE_SECONDS` > 0)."""
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


def _organization_key(organization_id: int) -> str:
    return f"pc:gen:org:{organization_id}"


def _user_key(user_id: int) -> str:
    return f"pc:gen:user:{user_id}"


@memoize
def release() -> str:
    """A digest of the code, templates and static files this process runs (path, size and modification time of
    every .py, .html, .mo, .css and .js file of the project, or `ALLIANCE_RELEASE` when set): a deployment never
    serves a page the previous release rendered, nor one naming the previous hashed static files (whitenoise's
    manifest storage: a release that changes only a stylesheet renames it). Computed once per process."""
    import os

    given = os.environ.get("ALLIANCE_RELEASE")
    if given:
        return given
    root = Path(settings.BASE_DIR)
    skip = {".venv", "node_modules", "media", "staticfiles", ".git", "tests", "bench"}
    digest = hashlib.sha256()
    found = []
    for directory, subdirectories, files in os.walk(root):
        if Path(directory) == root:
            # Pruned, not walked and filtered: the virtual environment alone holds tens of thousands of files.
            subdirectories[:] = [name for name in subdirectories if name not in skip]
        found += [Path(directory, name) for name in files if Path(name).suffix in RELEASE_SUFFIXES]
    for path in sorted(found):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


# --- generations -----------------------------------------------------------------------------------------------


def _replace(keys: Iterable[str]) -> None:
    """Give each generation key a new random token now (never raises: a cache outage must not fail a write;
    the kept pages then expire by their timeout)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    try:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("could not bump page cache generations %s", keys)


class _Bump:
    """An on_commit callback that replaces the tokens of `key` (one per key and transaction: see `_later`)."""

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def __call__(self):
        _replace([self.key])


def _later(keys: Iterable[str]) -> None:
    """Bump `keys` now and again when the current transaction commits. The bump on commit is the one that
    counts: a page rendered between the write and the commit read the old rows, and may have been kept under
    the token bumped now. The bump now makes the write's own transaction (a test's, a service's next read)
    see fresh pages. A key already waiting in this transaction is not added to it twice: a callback still in
    `run_on_commit` runs if the current savepoint commits (one of a savepoint that was rolled back has been
    removed from the list, so the key is added again)."""
    if not enabled():
        return
    keys = list(dict.fromkeys(keys))
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _replace(keys)
        return
    _replace(keys)
    waiting = {getattr(func, "key", None) for _sids, func, _robust in connection.run_on_commit}
    for key in keys:
        if key not in waiting:
            transaction.on_commit(_Bump(key))


def bump_organizations(organization_ids: Iterable[int]) -> None:
    """Drop the kept pages of these organizations (after the current transaction commits)."""
    _later(_organization_key(pk) for pk in organization_ids if pk is not None)


def bump_users(user_ids: Iterable[int]) -> None:
    """Drop the kept pages of these users in every organization (after the current transaction commits)."""
    _later(_user_key(pk) for pk in user_ids if pk is not None)


def bump_everything() -> None:
    """Drop every kept page (after the current transaction commits): an organization's name changed, or the
    admin wrote."""
    _later([GLOBAL])


def organizations_of(queryset) -> list[int]:
    """The organizations of the rows `queryset` (of a model with `organization`) selects, for the bump of a
    bulk write: the active organization scope's when one is entered, else one query."""
    from django_scopes import get_scope

    current = get_scope()
    organization = current.get("organization") if current.get("_enabled", True) else None
    if organization is not None:
        values = organization if isinstance(organization, list | tuple | set) else [organization]
        return [getattr(value, "pk", value) for value in values]
    return list(queryset.order_by().values_list("organization_id", flat=True).distinct())


def users_of(queryset) -> list[int]:
    """The users of the memberships `queryset` selects, for the bump of a bulk write of memberships (their
    switcher in every other organization shows the status); none for any other model."""
    if queryset.model._meta.label != "alliance.Membership":
        return []
    return list(queryset.order_by().values_list("user_id", flat=True).distinct())


def bump_rows(objs) -> None:
    """The bump of `bulk_create` / `bulk_update` of tenant rows: their organizations, and for memberships their
    users."""
    objs = list(objs)
    bump_organizations({obj.organization_id for obj in objs})
    bump_users({obj.user_id for obj in objs if obj._meta.label == "alliance.Membership"})


# Columns no kept page shows, whose saves alone drop nothing: a sign-in stamps `last_login` (only the admin shows
# it), and dropping every page of each of the user's organizations at every sign-in would empty a large
# organization's cache all morning.
UNSHOWN_FIELDS = {settings.AUTH_USER_MODEL: frozenset({"last_login"})}


def _saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """post_save of any model: bump what a page could show of `instance` (see the module docstring). Models are
    told apart by label, so this module imports none (alliance.scoping imports it)."""
    if raw or not enabled():
        return
    if update_fields and set(update_fields) <= UNSHOWN_FIELDS.get(instance._meta.label, frozenset()):
        return
    _touched(instance)


def _deleted(sender, instance, **kwargs):
    """post_delete of the object-permission models (connected per model in AllianceConfig.ready, so that other
    models keep Django's fast delete): a grant taken back by guardian's `remove_perm`, a queryset delete that
    neither TenantQuerySet nor any post_save sees."""
    if not enabled():
        return
    _touched(instance)


def _m2m_changed(sender, instance, action, pk_set=None, model=None, **kwargs):
    """m2m_changed of any relation (`alignment.resonant_values.set(...)`): the through rows carry no
    organization and send no post_save; bump what the instance and the related rows belong to."""
    if not enabled() or not action.startswith("post_"):
        return
    _touched(instance)
    if model is not None and pk_set and hasattr(model, "organization_id"):
        from django_scopes import scopes_disabled

        # Across organizations on purpose: only the organization ids of the related rows leave this query.
        with scopes_disabled():
            bump_organizations(set(model._base_manager.filter(pk__in=pk_set).values_list("organization_id", flat=True)))


def _touched(instance) -> None:
    """Bump the generations of what a page could show of `instance`, saved or deleted."""
    label = instance._meta.label
    if label == "alliance.Organization":
        bump_everything()
        return
    if label == settings.AUTH_USER_MODEL:
        from django.apps import apps
        from django_scopes import scopes_disabled

        bump_users([instance.pk])
        # Across organizations on purpose: only the ids of the user's own organizations leave this query.
        with scopes_disabled():
            bump_organizations(
                list(
                    apps.get_model("alliance", "Membership")
                    .objects.filter(user_id=instance.pk)
                    .values_list("organization_id", flat=True)
                )
            )
        return
    organization_id = getattr(instance, "organization_id", None)
    if organization_id is not None:
        bump_organizations([organization_id])
    if label == "alliance.Membership":
        bump_users([instance.user_id])
        return
    if organization_id is None and is_object_permission(type(instance)):
        # A guardian grant (a colleague may read an alignment): no organization of its own. The grantee's pages,
        # in every organization, and the organization of the object (its sharing list, HR's pages).
        from django_scopes import scopes_disabled

        bump_users([getattr(instance, "user_id", None)])
        # Across organizations on purpose: only the organization id of the granted object is read.
        with scopes_disabled():
            try:
                target = instance.content_object
            except Exception:  # the object is gone (a cascade): its own delete bumped its organization
                target = None
        bump_organizations([getattr(target, "organization_id", None)])


def is_object_permission(model) -> bool:
    """Whether `model` holds django-guardian object grants (its own direct-foreign-key models or guardian's)."""
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    return issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase)


def connect() -> None:
    """Connect the receivers (AllianceConfig.ready): post_save and m2m_changed of every model, post_delete of
    the object-permission models only (a post_delete receiver turns Django's fast delete off for its model)."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    post_save.connect(_saved, dispatch_uid="alliance.page_cache.saved")
    m2m_changed.connect(_m2m_changed, dispatch_uid="alliance.page_cache.m2m_changed")
    for model in apps.get_models():
        if is_object_permission(model):
            post_delete.connect(_deleted, sender=model, dispatch_uid=f"alliance.page_cache.deleted.{model._meta.label}")


# --- serving ---------------------------------------------------------------------------------------------------


def page_key(request) -> str | None:
    """The cache key of the page `request` asks for, or None when the page must be rendered and not kept."""
    if request.method != "GET" or request.headers.get("HX-Request"):
        return None
    membership = getattr(request, "membership", None)
    if membership is None:
        return None
    storage = getattr(request, "_messages", None)
    if storage is not None and len(storage):
        return None
    keys = [_organization_key(membership.organization_id), _user_key(membership.user_id), GLOBAL]
    try:
        tokens = cache.get_many(keys)
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("page cache unavailable")
        return None
    missing = {key: secrets.token_hex(8) for key in keys if key not in tokens}
    if missing:
        # add(): two requests starting a generation at once keep the same token.
        for key, token in missing.items():
            if not cache.add(key, token, timeout=None):
                token = cache.get(key)
            tokens[key] = token
    parts = [
        release(),
        *(str(tokens.get(key)) for key in keys),
        str(membership.pk),
        membership.role,
        membership.status,
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    ]
    return "pc:page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def kept_entry(key: str) -> tuple | None:
    """The page kept under `key` as (headers, body, CSRF placeholder), or None: none kept, the cache down, or
    an entry of another shape (kept by an earlier release under an unchanged ALLIANCE_RELEASE)."""
    try:
        kept = cache.get(key)
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("page cache unavailable")
        return None
    if not isinstance(kept, tuple) or len(kept) != 3:
        return None
    return kept


def kept_response(request, kept: tuple) -> HttpResponse:
    """The response for a `kept_entry`, with the reader's own CSRF token in place of the placeholder. The caller
    has run the view's access checks first (TenantView.dispatch)."""
    headers, body, placeholder = kept
    if placeholder and placeholder in body:
        body = body.replace(placeholder, get_token(request))
    response = HttpResponse(body, headers=headers)
    response["X-Page-Cache"] = "hit"
    return response


def render_and_keep(request, key: str, respond) -> HttpResponse:
    """Run `respond()` (the view's handler, returning a response) with the CSRF placeholder in the template
    context, render it, and keep it under `key` when it is a 200 HTML page that read nothing of the session
    and set no cookie; the placeholder is then replaced for this reader."""
    session = getattr(request, "session", None)
    session_was_accessed = session.accessed if session is not None else False
    if session is not None:
        session.accessed = False
    # get_token() marks the CSRF cookie for an update: a mark made while rendering means the page embeds the
    # reader's real token somewhere else than `{% csrf_token %}`, and is not kept.
    token_marked = request.META.pop("CSRF_COOKIE_NEEDS_UPDATE", None)
    placeholder = f"{CSRF_PLACEHOLDER}-{secrets.token_hex(16)}"
    request._page_cache_rendering = placeholder
    request._page_cache_changes_at = None
    try:
        response = respond()
        if hasattr(response, "render") and callable(response.render):
            response.render()
    finally:
        request._page_cache_rendering = None
        session_read = session.accessed if session is not None else False
        if session is not None:
            session.accessed = session_was_accessed or session_read
        token_asked = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        if token_marked and not token_asked:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = token_marked
    seconds = _seconds_kept(request)
    if not seconds or not _keepable(response, session_read=session_read, token_asked=token_asked):
        if placeholder.encode() in getattr(response, "content", b""):
            response.content = response.content.replace(placeholder.encode(), get_token(request).encode())
        return response
    body = response.content.decode(response.charset)
    headers = {name: value for name, value in response.headers.items() if name.lower() != "content-length"}
    try:
        if _within_quota(request.membership.pk):
            cache.set(key, (headers, body, placeholder), timeout=seconds)
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("page cache unavailable")
    response.content = body.replace(placeholder, get_token(request)).encode(response.charset)
    response["X-Page-Cache"] = "miss"
    return response


def _within_quota(membership_id: int) -> bool:
    """Count one more kept page for the membership in the current window of PAGE_CACHE_SECONDS (the window
    starts with its first page); False past MAX_KEPT_PER_MEMBER."""
    counter = f"pc:count:{membership_id}"
    cache.add(counter, 0, timeout=settings.PAGE_CACHE_SECONDS)
    try:
        return cache.incr(counter) <= MAX_KEPT_PER_MEMBER
    except ValueError:  # expired between add() and incr(): this page opens a new window
        cache.add(counter, 1, timeout=settings.PAGE_CACHE_SECONDS)
        return True


def _keepable(response, *, session_read: bool, token_asked: bool) -> bool:
    if response.status_code != 200 or getattr(response, "streaming", False) or response.cookies:
        return False
    if session_read or token_asked:
        # The page depends on the session, or embeds the reader's real CSRF token (get_token was called).
        return False
    return response.get("Content-Type", "").startswith("text/html")


def changes_at(request, instant) -> None:
    """Say that the page being rendered for `request` changes by itself at `instant`, with no write (a survey
    link that expires at a time of day): it is kept no longer than until then. The local date in the key covers
    what changes at midnight; this covers the rest."""
    if request is None or instant is None or not getattr(request, "_page_cache_rendering", None):
        return
    current = getattr(request, "_page_cache_changes_at", None)
    if current is None or instant < current:
        request._page_cache_changes_at = instant


def _seconds_kept(request) -> int:
    """How long the page just rendered may be kept: PAGE_CACHE_SECONDS, or less when it changes by itself
    sooner (`changes_at`); 0 when it already has."""
    seconds = settings.PAGE_CACHE_SECONDS
    instant = getattr(request, "_page_cache_changes_at", None)
    if instant is not None:
        seconds = min(seconds, int((instant - timezone.now()).total_seconds()))
    return max(seconds, 0)


def context_csrf(request) -> dict:
    """What a view adds to its template context while its page is being kept: the CSRF placeholder in place
    of the real token (TenantView.get_context_data)."""
    placeholder = getattr(request, "_page_cache_rendering", None)
    if placeholder:
        return {"csrf_token": placeholder}
    return {}


class InvalidateOnWriteMiddleware:
    """After every request with an unsafe method: bump the organization of an `/<org>/` URL, else the user's
    generation (their profile, e-mail, two-factor, an invitation accepted), and for the admin the global one.
    The model-level bumps miss a raw or bulk write a view may make; this does not, whatever the view did."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and enabled():
            organization = getattr(request, "organization", None)
            if organization is not None:
                bump_organizations([organization.pk])
            else:
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    bump_users([user.pk])
                if request.path.startswith("/admin/"):
                    bump_everything()
        return response
