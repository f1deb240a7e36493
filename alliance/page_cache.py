"""Rendered pages kept per member, dropped whenever anything they could show may have changed.

The main read pages (home, my alliance, a checkpoint, the timeline, the HR dashboard, the alumni pages) run a
dozen or more queries and render a large template; a member reads them far more often than anyone writes in
their organization. A view opts in with `TenantView.page_cache = True`; `TenantView.dispatch` then calls
`page_key` and `kept_entry`, then `kept_response` after the member's access to the page was checked
(TenantMiddleware's membership lookup, the capability check and the view's `url_objects` checks, the
object-level checks, always run live, so a member who lost access never receives a kept page), or
`render_and_keep` when nothing is kept.

What a kept page is keyed by (`page_key`): the release (the code and templates that rendered it), the
generation tokens of its topics (below), the membership with its role and status, the language, the time zone,
the local date (pages say "overdue", "in 3 days"), the host and the full path with its query string. What changes
at another time of day (a survey link that expires) is declared while rendering (`changes_at`), and the page is
kept no longer than until then.

A generation is a random token in the cache: "bumping" it replaces the token, so every page keyed by the old
one is never read again (and expires after `PAGE_CACHE_SECONDS`). Nothing is compared or counted, so a lost or
evicted token only costs a render.

Topics: what a page may show, and what a write drops. Every page is keyed by the global generation, its user's,
its organization's (the "structure": members, roles, names, departments, settings, everything not listed
below), and the person topic of its reader (their notices, their own records: the header's unread count is on
every page). Then, by what the page shows (`TenantView.page_topics`):

- `person:<membership>`: the records of one member (their alignments, tours, agreements, KPIs, checkpoints,
  endings, departure, surveys, notices, calendar feed): a checkpoint page or a timeline adds its subject's;
- `team:<manager membership>`: the records of the manager's direct reports, on every page a manager reads;
- `any:<organization>`: any member's records, on every page HR reads (HR reads everyone's);
- `community:<organization>`: the alumni community (profiles, posts, comments, opportunities, referrals), on
  the alumni pages and every page an alumnus reads;
- `settled:<organization>`: everyone's records as HR's figures (the HR dashboard) show them: in place of
  `any:`, it follows the writes of `any:` at most every PAGE_CACHE_SETTLE_SECONDS (`settled_token`), so in a
  large organization, where someone writes every few seconds, the dashboard is rendered about once a minute
  rather than at every read; the page says when its figures were taken. The reader's own requests (every
  POST bumps its writer's `own:` topic, which these pages carry) and the organization's changes show at once;
  a write a background task makes for them later lags like anyone else's.

A write of a member's record (`NARROWED`: the models whose rows belong to one member, by the path to that
member) bumps the person topic of that member and of every member the row names (a signer, an author, whoever
added or confirmed it), the team topic of that member's manager, `any:` of the organization, and for the
community's rows `community:`; every other write bumps the organization (every page of it), as before. So a
checkpoint recorded in a 10,000-member organization drops the pages of the two people in it, the manager's
and HR's, not those of the other 9,997.

What bumps (each at once and again after the transaction commits, `on_commit`, so a page rendered in between
cannot stay kept under the new token with the old rows):

- `post_save` of any row (`_saved`): a member's record as above (`row_topics`); any other tenant row, its
  organization; a membership's user's too (the organization switcher); a user's, and the organizations they
  belong to (names are shown to others); an organization's change bumps the global generation (its name is in
  every member's switcher); a guardian object grant (no organization of its own): its user's, and the
  organization of the granted object; the saves of a record shared by such grants also bump its grantees;
- `post_delete` of the guardian grant models (`remove_perm` deletes by queryset) and `m2m_changed` of any
  relation: as for a save of a row outside `NARROWED`;
- `TenantModel.delete()`, the tenant querysets' `delete()`: the organizations of the rows they touch, and for
  memberships their users; their `update()`, `bulk_create()` and `bulk_update()`, which send no `post_save`:
  as a save for a member's records (`objs_keys`, `queryset_keys`; the organization past `MAX_NARROW_PEOPLE`
  people, or when the write moves rows to other people), else the organizations and for memberships their users;
- the notices recorded by raw SQL (`alliance.notices.record`): their recipients' person topics, after the
  insert;
- every request with an unsafe method (`InvalidateOnWriteMiddleware`): the writer's `own:` topic; the user's
  generation outside an organization, and the global one for the admin; inside an organization, the
  organization, unless every
  statement that wrote during the request was one the rules above bumped for (`explained`): a save of a
  tenant row, user or organization, a tenant queryset's bulk write, the notices' insert, or a table no page
  shows (`UNSHOWN_TABLES`). A raw or bulk write a view makes by any other path, or to any other table, drops
  every page of the organization, whatever the view did.

A page is not kept when: the request is not a plain GET, it is an htmx request, messages are waiting to be
shown (they are part of the page once), the view read the session (a draft kept in it), the rendering asked for
the real CSRF token, or the response is not a 200 HTML page without cookies. The CSRF token of a kept page is a
placeholder, random for each rendering and kept with the page, replaced on each serve by a fresh masked token
of the reader's own secret (`get_token`). A member keeps the pages of at most `MAX_KEPT_PER_MEMBER` paths per
window of `PAGE_CACHE_SECONDS` (a page dropped by a write and rendered again counts once); past that, new
paths are rendered and not kept.

Off when `PAGE_CACHE_SECONDS` is 0: the default without `REDIS_URL`, where the cache is per process (the
embedded default) and one process's generations would not reach another.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
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
    values = {key: secrets.token_hex(8) for key in keys}
    try:
        cache.set_many(values, timeout=None)
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("could not bump page cache generations %s", keys)


class CacheUnavailable(Exception):
    """The cache could not be read: the page is rendered and not kept."""


def settled_token(organization_id: int, now: float) -> str:
    """The token of the `settled:` topic of an organization (HR's figures): "<renewal time> <the `any:` token
    seen then> <random>". A read renews it when the `any:` token changed since (a member's record was written)
    and the renewal is at least PAGE_CACHE_SETTLE_SECONDS old: a page keyed by it lags behind others' writes by
    less than that. The `any:` token is read before the page is rendered, so a write committed during a
    rendering changes it again and renews the token later; tokens are compared, not clocks, so the clocks of
    other processes only matter to the delay's length. A missing or unreadable token is renewed (a render); two
    reads renewing at once only cost a render. Raises CacheUnavailable when the cache cannot be read."""
    key, any_key = topic_key(SETTLED, organization_id), topic_key(ANY, organization_id)
    try:
        found = cache.get_many([key, any_key])
        seen_now = found.get(any_key)
        if seen_now is None:
            # No `any:` token yet (or evicted): start one, as page_key does for every generation.
            seen_now = secrets.token_hex(8)
            if not cache.add(any_key, seen_now, timeout=None):
                seen_now = cache.get(any_key)
        token = found.get(key)
        try:
            renewed_at, seen = str(token).split()[:2]
            renewed_at = float(renewed_at)
        except ValueError:  # none yet, or of another shape: renew it
            renewed_at, seen = None, None
        if renewed_at is None or (seen != str(seen_now) and now - renewed_at >= settle_seconds()):
            token = f"{now!r} {seen_now} {secrets.token_hex(4)}"
            cache.set(key, token, timeout=None)
    except Exception as error:  # pragma: no cover - depends on the cache server
        raise CacheUnavailable from error
    return str(token)


def settle_seconds() -> int:
    """PAGE_CACHE_SETTLE_SECONDS: how long a `settled:` page may lag behind others' writes."""
    return max(getattr(settings, "PAGE_CACHE_SETTLE_SECONDS", 0), 0)


class _Bump:
    """An on_commit callback that replaces the tokens of `keys` (each key once per transaction: see `_later`)."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[str, ...]):
        self.keys = keys

    def __call__(self):
        _replace(self.keys)


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
    if not keys:
        return
    connection = transaction.get_connection()
    _replace(keys)
    if not connection.in_atomic_block:
        return
    waiting = set()
    for _sids, func, _robust in connection.run_on_commit:
        waiting.update(getattr(func, "keys", ()))
    fresh = tuple(key for key in keys if key not in waiting)
    if fresh:
        transaction.on_commit(_Bump(fresh))


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


# --- topics: the writes of a member's records drop the pages that show them -----------------------------------

PERSON = "person"
TEAM = "team"
ANY = "any"
COMMUNITY = "community"
# HR's figures: follows `any:` at most every PAGE_CACHE_SETTLE_SECONDS (`settled_token`).
SETTLED = "settled"
# A member's own requests with an unsafe method (InvalidateOnWriteMiddleware), on the `settled:` pages.
OWN = "own"
# Past this many people of one organization in one write, the write bumps the organization instead: one key per
# person would cost more than the pages it spares (the reminder scan records notices for thousands at once).
MAX_NARROW_PEOPLE = 500
# Past this many rows read to find the people of a bulk write, it bumps the organizations instead.
MAX_NARROW_ROWS = 2000


def topic_key(kind: str, pk: int) -> str:
    """The generation key of one topic: `kind` is PERSON, TEAM or OWN (`pk` a membership), or ANY, COMMUNITY or
    SETTLED (`pk` an organization)."""
    return f"pc:gen:{kind}:{pk}"


@dataclass(frozen=True)
class Narrow:
    """How a member's record is told apart: `path` is the relation path from the row to the member it belongs
    to ("tour__employee"), None for the community's rows that belong to no one member; `team` also bumps the
    team topic of that member's manager (their pages show the report's record); `community` also bumps the alumni
    community of the organization."""

    path: str | None
    team: bool = True
    community: bool = False


_OF_VERSION = "version__agreement__tour__employee"
_OF_CHECKPOINT = "checkpoint__tour__employee"
# The models whose rows are one member's records (module docstring), by label. A model left out bumps its whole
# organization on every write: adding one here is a claim that no page shows its rows but to that member, to
# the members the row names, to that member's manager, to HR (and for `community`, on the alumni pages).
NARROWED: dict[str, Narrow] = {
    "agreements.CareerAlignment": Narrow("employee"),
    "agreements.Tour": Narrow("employee"),
    "agreements.Agreement": Narrow("tour__employee"),
    "agreements.AgreementVersion": Narrow("agreement__tour__employee"),
    "agreements.Kpi": Narrow(_OF_VERSION),
    "agreements.Signature": Narrow(_OF_VERSION),
    "agreements.SigningEvent": Narrow(_OF_VERSION),
    "agreements.AgreementPdf": Narrow(_OF_VERSION),
    "checkpoints.Checkpoint": Narrow("tour__employee"),
    "checkpoints.TourEnding": Narrow("tour__employee"),
    "checkpoints.TourOutcome": Narrow("tour__employee"),
    "checkpoints.KpiMeasurement": Narrow(_OF_CHECKPOINT),
    "checkpoints.AgendaTopic": Narrow(_OF_CHECKPOINT),
    "checkpoints.NextAction": Narrow(_OF_CHECKPOINT),
    "checkpoints.CorrectionNote": Narrow(_OF_CHECKPOINT),
    "checkpoints.CheckpointCancellation": Narrow(_OF_CHECKPOINT),
    "checkpoints.CalendarFeed": Narrow("membership", team=False),
    # A notice is shown to its recipient only (and counted on HR's undelivered list, an HR page).
    "alliance.Notice": Narrow("recipient", team=False),
    # Audit entries are read on HR's audit pages only; one naming no member still bumps `any:`.
    "alliance.AuditEntry": Narrow("subject", team=False),
    "alumni.Departure": Narrow("membership", community=True),
    "alumni.Comeback": Narrow("membership", community=True),
    "alumni.AlumniProfile": Narrow("membership", community=True),
    "alumni.DigestPreference": Narrow("membership", team=False),
    "alumni.SurveyInvitation": Narrow("membership"),
    "alumni.SurveyAnswer": Narrow("invitation__membership"),
    "alumni.Post": Narrow(None, community=True),
    "alumni.Comment": Narrow(None, community=True),
    "alumni.Opportunity": Narrow(None, community=True),
    "alumni.Interest": Narrow(None, community=True),
    "alumni.Referral": Narrow(None, community=True),
    "alumni.ReferralStatusChange": Narrow(None, community=True),
}


@memoize
def _membership_columns(model) -> tuple[str, ...]:
    """The columns (attnames) of `model`'s foreign keys to a membership: every member a row names."""
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is not None
        and field.related_model._meta.label == "alliance.Membership"
    )


def _columns(model, narrow: Narrow) -> list[str]:
    """What `_keys_of_rows` reads of each row: organization, the member (and their manager), the members named."""
    columns = ["organization_id"]
    if narrow.path:
        columns.append(f"{narrow.path}_id")
        if narrow.team:
            columns.append(f"{narrow.path}__manager_id")
    return columns + list(_membership_columns(model))


def _keys_of_rows(model, narrow: Narrow, rows: Iterable[tuple]) -> list[str]:
    """The generation keys a write of `rows` (tuples in `_columns` order) bumps: per organization, `any:`, the
    people and teams, `community:`; the organization's own key instead when it has more than MAX_NARROW_PEOPLE
    people in the write."""
    people: dict[int, set[int]] = {}
    teams: dict[int, set[int]] = {}
    for row in rows:
        organization_id, *rest = row
        named = people.setdefault(organization_id, set())
        managers = teams.setdefault(organization_id, set())
        if narrow.path:
            named.add(rest.pop(0))
            if narrow.team:
                managers.add(rest.pop(0))
        named.update(rest)
    keys = []
    for organization_id, named in people.items():
        named.discard(None)
        managers = teams[organization_id] - {None}
        if len(named) + len(managers) > MAX_NARROW_PEOPLE:
            keys.append(_organization_key(organization_id))
            continue
        keys.append(topic_key(ANY, organization_id))
        if narrow.community:
            keys.append(topic_key(COMMUNITY, organization_id))
        keys += [topic_key(PERSON, pk) for pk in sorted(named)]
        keys += [topic_key(TEAM, pk) for pk in sorted(managers)]
    return keys


def narrow_of(model) -> Narrow | None:
    """The `Narrow` of `model` (a class), or None when its writes bump the whole organization."""
    return NARROWED.get(model._meta.label)


def queryset_keys(queryset) -> list[str] | None:
    """The keys a write of the rows `queryset` selects bumps (read before the write: `TenantQuerySet.update`),
    or None when its model is not narrowed. One query."""
    narrow = narrow_of(queryset.model)
    if narrow is None:
        return None
    rows = list(queryset.order_by().values_list(*_columns(queryset.model, narrow)).distinct()[: MAX_NARROW_ROWS + 1])
    if len(rows) > MAX_NARROW_ROWS:
        return None  # a write of that many records: the organizations (read without reading every row)
    return _keys_of_rows(queryset.model, narrow, rows)


def _on_the_row(model, columns) -> bool:
    """Whether every one of `columns` is a column of `model` itself (no relation to follow)."""
    own = {field.attname for field in model._meta.concrete_fields}
    return all(column in own for column in columns)


def objs_keys(model, objs: list) -> list[str] | None:
    """The keys a write of the instances `objs` of `model` bumps (after `bulk_create` / `bulk_update`), or None
    when the model is not narrowed, or when a pk is unknown and the row does not hold every column read. No
    query when the rows hold every column, else one, across organization scopes (only ids leave it)."""
    from django_scopes import scopes_disabled

    narrow = narrow_of(model)
    if narrow is None or not objs:
        return None
    columns = _columns(model, narrow)
    if _on_the_row(model, columns):
        return _keys_of_rows(model, narrow, [tuple(getattr(obj, column) for column in columns) for obj in objs])
    pks = [obj.pk for obj in objs]
    if len(pks) > MAX_NARROW_ROWS or any(pk is None for pk in pks):
        return None
    with scopes_disabled():
        rows = model._base_manager.filter(pk__in=pks).order_by().values_list(*_columns(model, narrow)).distinct()
        return _keys_of_rows(model, narrow, list(rows))


def instance_keys(instance) -> list[str] | None:
    """The keys a save of `instance` bumps, or None when its model is not narrowed. The members the row named
    before this save are bumped too (as read, or as this instance last saved them: `_before_save`); a row moved
    to another member's record (its path's first relation changed) or to another organization bumps the
    organizations. No query when the row holds every column, else one."""
    from django_scopes import scopes_disabled

    model = type(instance)
    narrow = narrow_of(model)
    if narrow is None:
        return None
    before = _before_save(instance)
    _remember_saved(instance, narrow)
    previous_organization = before.get("organization_id", instance.organization_id)
    if previous_organization != instance.organization_id:
        return [_organization_key(previous_organization), _organization_key(instance.organization_id)]
    first_hop = f"{narrow.path.split('__')[0]}_id" if narrow.path else None
    if first_hop and first_hop in before and before[first_hop] != getattr(instance, first_hop):
        return [_organization_key(instance.organization_id)]
    columns = _columns(model, narrow)
    if _on_the_row(model, columns):
        rows = [tuple(getattr(instance, column) for column in columns)]
    else:
        with scopes_disabled():
            rows = list(model._base_manager.filter(pk=instance.pk).values_list(*columns))
        if not rows:
            return [_organization_key(instance.organization_id)]
    named_before = tuple(before.get(column) for column in _membership_columns(model))
    rows.append((instance.organization_id, *([None] * (len(columns) - 1 - len(named_before))), *named_before))
    return _keys_of_rows(model, narrow, rows)


def _tracked_columns(model, narrow: Narrow) -> list[str]:
    """The columns whose value before a save matters to its bump: the organization, the path's first relation,
    the members named."""
    columns = ["organization_id", *_membership_columns(model)]
    if narrow.path:
        columns.append(f"{narrow.path.split('__')[0]}_id")
    return columns


def _before_save(instance) -> dict:
    """The tracked columns' values before this save: as this instance last saved them (`_remember_saved`), else
    as it was read (`_loaded_values`, RemembersLoadedValues), else nothing (a new row)."""
    saved = getattr(instance, "_page_cache_saved", None)
    if saved is not None:
        return saved
    return getattr(instance, "_loaded_values", None) or {}


def _remember_saved(instance, narrow: Narrow) -> None:
    """Keep the tracked columns' values this save wrote, for the instance's next save (its `_loaded_values`
    stay as read: alliance.audit.diff compares with them)."""
    columns = _tracked_columns(type(instance), narrow)
    instance._page_cache_saved = {column: getattr(instance, column) for column in columns}


def grantees_of(instance) -> list[int]:
    """The users holding a guardian object grant on `instance` (its direct grant model's rows): a record shared
    with a colleague is shown on the colleague's pages. One query where the model has such grants, else none."""
    from django_scopes import scopes_disabled

    grants = _grant_models().get(type(instance)._meta.label)
    if grants is None or instance.pk is None:
        return []
    with scopes_disabled():
        return list(grants.objects.filter(content_object_id=instance.pk).values_list("user_id", flat=True))


@memoize
def _grant_models() -> dict:
    """label of a model -> its direct guardian user-grant model (e.g. CareerAlignmentUserPermission)."""
    from django.apps import apps

    found = {}
    for model in apps.get_models():
        if is_object_permission(model):
            names = {field.name for field in model._meta.fields}
            # Guardian's generic models (content_type, object_pk) have no direct relation to follow.
            if "content_object" in names and "user" in names:
                found[model._meta.get_field("content_object").related_model._meta.label] = model
    return found


def bump_keys(keys: Iterable[str]) -> None:
    """Bump these generation keys (from `instance_keys`, `objs_keys`, `queryset_keys`, `topic_key`), now and
    after the current transaction commits."""
    _later(keys)


def bump_notices(recipients: Iterable[tuple[int, int]]) -> None:
    """The bump of notices recorded without a save (`alliance.notices.record`): `recipients` are
    (organization id, recipient membership id) pairs."""
    narrow = NARROWED["alliance.Notice"]
    from django.apps import apps

    model = apps.get_model("alliance", "Notice")
    named = [None] * len(_membership_columns(model))
    _later(_keys_of_rows(model, narrow, [(organization_id, person, *named) for organization_id, person in recipients]))


# --- writes the bumps account for ------------------------------------------------------------------------------

# Tables no kept page shows: a write to one needs no bump (the session, allauth's record of signed-in sessions).
UNSHOWN_TABLES = frozenset({"django_session", "usersessions_usersession"})
EVERY_TABLE = "*"
_READ_VERBS = frozenset({"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "SHOW", "BEGIN", "COMMIT", "PRAGMA"})
# SQLite writes `INSERT OR IGNORE INTO` for bulk_create(ignore_conflicts=True).
_WRITE_TARGET = re.compile(
    r'^(?:INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_.]+)"?', re.IGNORECASE
)
_windows = threading.local()


@contextmanager
def explained(*tables: str):
    """Within this block, the statements that write into `tables` (names, or EVERY_TABLE) are accounted for: the
    code around them bumps what they change. Used around a model's save of one table (`ExplainedSaves`), a
    tenant queryset's bulk write and the notices' insert. Only the innermost block counts."""
    stack = _windows.__dict__.setdefault("stack", [])
    stack.append(frozenset(tables))
    try:
        yield
    finally:
        stack.pop()


def written_tables(sql) -> list[str | None]:
    """The tables the statements of `sql` write into, in order: None for a statement that writes where this cannot
    tell (`WITH`, `CREATE`, `COPY`, ...). Statements that only read are left out; `;` separates statements
    (pghistory prefixes a SELECT to the statement it tracks)."""
    if isinstance(sql, bytes):
        sql = sql.decode(errors="replace")
    found: list[str | None] = []
    for statement in str(sql).split(";"):
        statement = statement.strip()
        if not statement:
            continue
        verb = statement.split(None, 1)[0].upper()
        if verb in _READ_VERBS:
            continue
        match = _WRITE_TARGET.match(statement)
        found.append(match.group(1).split(".")[-1] if match else None)
    return found


class WriteWatch:
    """An execute wrapper (`connection.execute_wrapper`) that notes every statement writing where no `explained`
    block accounts for it: `unexplained` holds those tables (or a statement's start when no table is told)."""

    def __init__(self):
        self.unexplained: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        stack = getattr(_windows, "stack", None)
        window = stack[-1] if stack else frozenset()
        for table in written_tables(sql):
            if table in UNSHOWN_TABLES or EVERY_TABLE in window or (table is not None and table in window):
                continue
            self.unexplained.add(table or str(sql)[:80])
        return execute(sql, params, many, context)


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


def bump_rows(objs, *, deleted: bool = False) -> None:
    """The bump of `bulk_create` / `bulk_update` of tenant rows (one model's): a member's records as their saves
    would (`objs_keys`, at most one query); any other rows, or `deleted` ones (`TenantModel.delete`), their
    organizations, and for memberships their users."""
    objs = list(objs)
    if not objs:
        return
    keys = None if deleted else objs_keys(type(objs[0]), objs)
    if keys is not None:
        bump_keys(keys)
        return
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
    keys = instance_keys(instance) if organization_id is not None else None
    if keys is not None:
        # A member's record: the pages of the people it concerns (module docstring), and of those it is shared with.
        bump_keys(keys)
        bump_users(grantees_of(instance))
        return
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


def keepable_request(request) -> bool:
    """Whether the page `request` asks for may be served kept or kept: a plain GET (not htmx) of a member with no
    message waiting to be shown."""
    if request.method != "GET" or request.headers.get("HX-Request"):
        return False
    if getattr(request, "membership", None) is None:
        return False
    storage = getattr(request, "_messages", None)
    return storage is None or not len(storage)


def reader_topics(membership) -> list[str]:
    """The topics of every page `membership` reads (module docstring): their own records and their reports';
    everyone's for HR (active, in the HR role); the community's for an alumnus."""
    # The values of MembershipStatus and Role: this module imports no model (alliance.scoping imports it).
    keys = [topic_key(PERSON, membership.pk), topic_key(TEAM, membership.pk)]
    if membership.status == "active" and membership.role == "hr":
        keys.append(topic_key(ANY, membership.organization_id))
    if membership.status == "alumni":
        keys.append(topic_key(COMMUNITY, membership.organization_id))
    return keys


def page_key(request, topics: Iterable[str] = ()) -> str | None:
    """The cache key of the page `request` asks for, or None when the page must be rendered and not kept.
    `topics` are the generation keys (`topic_key`) of what the page shows besides its reader's own
    (`reader_topics`, always added). A page with the `settled:` topic (HR's figures) is not keyed by `any:`:
    it follows others' writes through `settled_token`, within PAGE_CACHE_SETTLE_SECONDS."""
    if not keepable_request(request):
        return None
    now = time.time()
    membership = request.membership
    keys = [_organization_key(membership.organization_id), _user_key(membership.user_id), GLOBAL]
    keys += [key for key in dict.fromkeys([*reader_topics(membership), *topics]) if key not in keys]
    settled = topic_key(SETTLED, membership.organization_id)
    if settled in keys:
        # Not keyed by `any:` (settled_token follows it), but by the reader's own writes, which show at once.
        keys = [key for key in keys if key != topic_key(ANY, membership.organization_id)]
        keys.append(topic_key(OWN, membership.pk))
    try:
        tokens = cache.get_many([key for key in keys if key != settled])
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("page cache unavailable")
        return None
    missing = {key: secrets.token_hex(8) for key in keys if key not in tokens and key != settled}
    if missing:
        # add(): two requests starting a generation at once keep the same token.
        for key, token in missing.items():
            if not cache.add(key, token, timeout=None):
                token = cache.get(key)
            tokens[key] = token
    if settled in keys:
        try:
            tokens[settled] = settled_token(membership.organization_id, now)
        except CacheUnavailable:  # pragma: no cover - depends on the cache server
            logger.exception("page cache unavailable")
            return None
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
    """The page kept under `key` as (headers, body bytes, CSRF placeholder), or None: none kept, the cache down, or
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
    if isinstance(body, str):  # kept as text by an earlier release under an unchanged ALLIANCE_RELEASE
        body = body.encode(HttpResponse(headers=headers).charset)
    marker = placeholder.encode() if placeholder else b""
    if marker and marker in body:
        body = body.replace(marker, get_token(request).encode())
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
    # Kept as the bytes sent (the placeholder is ASCII): a kept page is neither decoded nor encoded again.
    body = response.content
    headers = {name: value for name, value in response.headers.items() if name.lower() != "content-length"}
    try:
        if _within_quota(request.membership.pk, request.get_full_path()):
            cache.set(key, (headers, body, placeholder), timeout=seconds)
    except Exception:  # pragma: no cover - depends on the cache server
        logger.exception("page cache unavailable")
    response.content = body.replace(placeholder.encode(), get_token(request).encode())
    response["X-Page-Cache"] = "miss"
    return response


def _within_quota(membership_id: int, path: str) -> bool:
    """Whether a page of `path` may be kept for the membership: the paths it keeps in the current window of
    PAGE_CACHE_SECONDS (which starts with its first page) are at most MAX_KEPT_PER_MEMBER. A path already counted
    in the window is kept again at no cost (a page dropped by a write and rendered anew), so a member whose pages
    are often dropped keeps them; new paths past the cap are rendered and not kept, and not even noted."""
    window = settings.PAGE_CACHE_SECONDS
    counter = f"pc:count:{membership_id}"
    seen = f"pc:seen:{membership_id}:{hashlib.sha256(path.encode()).hexdigest()[:32]}"
    if cache.get(seen):
        return True
    cache.add(counter, 0, timeout=window)
    try:
        allowed = cache.incr(counter) <= MAX_KEPT_PER_MEMBER
    except ValueError:  # expired between add() and incr(): this page opens a new window
        cache.add(counter, 1, timeout=window)
        allowed = True
    if allowed:
        cache.set(seen, 1, timeout=window)
    return allowed


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
    """Around every request with an unsafe method: bump the writer's `own:` topic (the `settled:` pages show their
    own writes at once); outside an organization, bump the user's generation (their
    profile, e-mail, two-factor, an invitation accepted), and for the admin the global one. Inside an
    organization (`/<org>/`), watch every statement the request runs (`WriteWatch`) and bump the organization
    when one wrote where the model-level bumps do not account for it (`explained`): a raw or bulk write a view
    makes by another path drops every page of the organization, whatever the view did."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS or not enabled():
            return self.get_response(request)
        from django.db import connection

        watch = WriteWatch()
        with connection.execute_wrapper(watch):
            response = self.get_response(request)
        organization = getattr(request, "organization", None)
        membership = getattr(request, "membership", None)
        if membership is not None:
            # The writer sees their own writes at once on the `settled:` pages (HR's figures) too.
            bump_keys([topic_key(OWN, membership.pk)])
        if organization is not None:
            if watch.unexplained:
                logger.debug("unexplained writes %s: organization %s", sorted(watch.unexplained), organization.pk)
                bump_organizations([organization.pk])
        else:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                bump_users([user.pk])
            if request.path.startswith("/admin/"):
                bump_everything()
        return response
