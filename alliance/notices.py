"""One notice machinery for every message the product sends: e-mail and in-app.

* An app registers each **kind** of message it sends (`register_kind`): how to build the e-mail's context and
  whether a queued notice still has something to say. E-mails are rendered from
  `templates/emails/<kind>-subject.txt`, `-body.txt` and `-body.html` in the recipient's language.
* An app registers a **provider** (`register_provider`): a function that, given an instant, yields batches of
  `Due` notices (set-based queries, a few per batch). The periodic scan (`scan`) asks every provider and records
  the notices under their unique key (organization, kind, object, recipient, sequence), so a notice is recorded
  once however many scans run, even at the same time.
* Services record the notices an action owes at once with `enqueue` (sent after the transaction commits).
* `deliver` sends one notice at most once, inside its organization's scope: the row is locked and stamped
  `sending` in its own transaction before the e-mail leaves, so a crash after sending (or a failed stamp) never
  sends it again; an error that proves nothing left (refused connection, refused recipient) marks it `failed`
  and it is retried with backoff.

Adding a kind (agreements/notices.py is the worked example): write `templates/emails/<kind>-subject.txt`,
`-body.txt` and `-body.html`; call `register_kind("<kind>", label=..., context=fn, relevant=fn)` from the app's
`AppConfig.ready()`; then either `enqueue([Due(...)])` from the service that owes the message (inside its
transaction), or `register_provider(fn)` where `fn(*, now, batch_size)` yields lists of `Due` for what is due
at `now` (reminders). The object a notice is about is any model row; `sequence` numbers repeats.

Scopes (django-scopes, alliance.scoping.tenant_manager): `enqueue` runs in the caller's organization scope (a
service serving a request); the scan is a system job across organizations, so it calls the providers with
scoping disabled (their queries are set-based over every organization and each `Due` names its own); every
delivery runs in its notice's organization scope, and so do the kinds' `context` and `relevant`.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from alliance import emails, page_cache
from alliance.models import Membership, Notice, NoticeState
from alliance.tenancy import organization_scope

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH_SIZE = 500


@dataclass(frozen=True)
class Ref:
    """A row named by its model and primary key, for a provider that reads ids rather than instances (a scan
    of a million checkpoints need not build a model instance for each): `Due(obj=Ref(Checkpoint, 7), ...)`."""

    model: type
    pk: int


@dataclass(frozen=True)
class Due:
    """One notice a provider says is owed: to `recipient_id` (a membership), about `obj` (a model instance or a
    `Ref`), `sequence` (0 or n)."""

    organization_id: int
    kind: str
    obj: object
    recipient_id: int
    sequence: int = 0
    label: str = ""
    url: str = ""


@dataclass
class Kind:
    """A registered kind of message. `context(notice)` returns the e-mail templates' context (the recipient's
    membership is `notice.recipient`, the object `notice.target`); `relevant(notice)` says whether a queued
    notice still has something to say (a signed agreement needs no reminder)."""

    name: str
    label: str
    context: Callable[[Notice], dict]
    relevant: Callable[[Notice], bool] = field(default=lambda notice: True)
    # The object is one HR may not know of (a career alignment not shared with them): HR's unsent-notices page
    # shows only whom it was for and the error, never its kind, label or link.
    private: bool = False
    # Sent to alumni recipients too (the community's messages); every other kind skips a recipient who left.
    reaches_alumni: bool = False


KINDS: dict[str, Kind] = {}
PROVIDERS: list[Callable[..., Iterable[list[Due]]]] = []
# Functions `resolver(membership) -> str | None` giving the address to mail a member at instead of their login's
# (an alumnus's personal address, alumni.receivers); the first that answers wins.
ADDRESS_RESOLVERS: list[Callable] = []


def register_kind(
    name: str, *, label, context, relevant=None, private: bool = False, reaches_alumni: bool = False
) -> None:
    """Declare a kind of message (its e-mail templates are `emails/<name>-*`); registering twice replaces it.
    `private`: what it is about is hidden from HR's unsent-notices page (see Kind.private). `reaches_alumni`: a
    recipient whose membership is alumni is still mailed (otherwise such a notice is skipped)."""
    KINDS[name] = Kind(
        name=name,
        label=label,
        context=context,
        relevant=relevant or (lambda notice: True),
        private=private,
        reaches_alumni=reaches_alumni,
    )


def register_address_resolver(resolver) -> None:
    """Add `resolver(membership) -> str | None`: the address to mail that member at instead of their login's
    e-mail, or None to let the next resolver (finally the login's address) answer. Called in the notice's
    organization scope, once per delivery."""
    if resolver not in ADDRESS_RESOLVERS:
        ADDRESS_RESOLVERS.append(resolver)


def address_of(membership) -> str:
    """Where a notice to `membership` is mailed: the first address a resolver gives, else the login's e-mail."""
    for resolver in ADDRESS_RESOLVERS:
        address = resolver(membership)
        if address:
            return address
    return membership.user.email


def is_private(name: str) -> bool:
    """Whether kind `name` was registered `private` (its object may be hidden from HR)."""
    kind = KINDS.get(name)
    return bool(kind and kind.private)


def register_provider(provider) -> None:
    """Add `provider(*, now, batch_size)`, a generator of lists of `Due`, to the periodic scan. It runs with
    django-scopes disabled (see `scan`): it must select by what is due, across organizations, and give each
    `Due` the organization of the row it is about."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def kind_label(name: str) -> str:
    """The translated label `register_kind` gave kind `name`; the name itself for a kind no app registers."""
    kind = KINDS.get(name)
    return str(kind.label) if kind else name


# --- recording -----------------------------------------------------------------------------------------------


def _key(due: Due) -> dict:
    """The fields of a notice's unique key (organization, kind, object, recipient, sequence) for `due`."""
    return {
        "organization_id": due.organization_id,
        "kind": due.kind,
        "content_type": ContentType.objects.get_for_model(_model_of(due.obj)),
        "object_id": due.obj.pk,
        "recipient_id": due.recipient_id,
        "sequence": due.sequence,
    }


def _model_of(obj) -> type:
    """The model of a Due's `obj`: a `Ref`'s model, or the instance's class."""
    return obj.model if isinstance(obj, Ref) else type(obj)


def _rows(dues: Iterable[Due]) -> list[Notice]:
    now = timezone.now()
    return [
        Notice(
            **_key(due),
            label=due.label[:300],
            url=due.url[:500],
            created_at=now,
        )
        for due in dues
    ]


def record(dues: Iterable[Due]) -> int:
    """Insert the notices that are not recorded yet (the unique key skips the others, also against a scan
    running at the same time); returns how many of `dues` were given. One INSERT per call.

    On PostgreSQL the rows are copied into a temporary table and inserted from it (`_insert_columns`): the scan
    records up to millions of notices, and building a model instance and a compiled VALUES row for each cost
    most of its time (bench/bench_reminder_scan.py). Other databases use `bulk_create`."""
    dues = list(dues)
    if not dues:
        return 0
    if connection.vendor == "postgresql":
        with page_cache.explained(page_cache.EVERY_TABLE):
            _insert_columns(dues)
        # Raw SQL sends no post_save: the header's unread count and the notice lists of the recipients change.
        # After the insert, not before: outside a transaction a page rendered between a bump and the insert
        # would be kept, with the old count, under the new token.
        page_cache.bump_notices((due.organization_id, due.recipient_id) for due in dues)
    else:
        # bulk_create bumps the recipients (TenantQuerySet, page_cache.objs_keys).
        Notice.objects.bulk_create(_rows(dues), ignore_conflicts=True)
    return len(dues)


def _insert_columns(dues: list[Due]) -> None:
    """Record `dues` on PostgreSQL: COPY them into a temporary table, then `INSERT ... SELECT ... ON CONFLICT DO
    NOTHING` from it into the notices, in one transaction (the temporary table is dropped when the outermost
    transaction commits, and emptied after each batch).

    COPY sends the rows in PostgreSQL's own format, written by psycopg's C code; binding the same rows as
    parameters made Python quote every value (it cost a third of the scan, bench/bench_reminder_scan.py). The
    INSERT goes through Django's cursor, so query logging, execute wrappers and pghistory's context (which
    prefixes the statement with a second one) apply to the write into the notices; the COPY only fills the
    session's own temporary table, which has no trigger. The defaults the model gives a new notice (queued, no
    attempt, no error) are written as constants."""
    now = timezone.now()
    content_types: dict[type, int] = {}
    rows = []
    for due in dues:
        model = _model_of(due.obj)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model).pk
        rows.append(
            (
                due.organization_id,
                due.kind,
                content_types[model],
                due.obj.pk,
                due.recipient_id,
                due.sequence,
                due.label[:300],
                due.url[:500],
            )
        )
    meta = Notice._meta
    names = ("organization", "kind", "content_type", "object_id", "recipient", "sequence", "label", "url")
    quoted = [connection.ops.quote_name(meta.get_field(name).column) for name in names]
    fixed = [connection.ops.quote_name(meta.get_field(name).column) for name in ("state", "attempts", "error")]
    created = connection.ops.quote_name(meta.get_field("created_at").column)
    key = ", ".join(quoted[:6])
    table = connection.ops.quote_name(meta.db_table)
    batch = connection.ops.quote_name("alliance_notice_batch")
    columns = ", ".join(quoted)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {batch} ("  # noqa: S608 - the model's own identifiers, quoted
            f"{quoted[0]} bigint, {quoted[1]} varchar(64), {quoted[2]} integer, {quoted[3]} bigint, "
            f"{quoted[4]} bigint, {quoted[5]} smallint, {quoted[6]} varchar(300), {quoted[7]} varchar(500)"
            ") ON COMMIT DROP"
        )
        with cursor.copy(f"COPY {batch} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Every value is bound or was copied; the identifiers are the model's own, quoted.
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {', '.join(fixed)}, {created}) "  # noqa: S608
            f"SELECT {columns}, %s, 0, '', %s FROM {batch} "
            f"ON CONFLICT ({key}) DO NOTHING",
            [NoticeState.QUEUED, now],
        )
        # Emptied for the next batch of the same transaction (an enclosing one keeps the table until it commits).
        cursor.execute(f"TRUNCATE {batch}")


def enqueue(dues: Iterable[Due]) -> list[int]:
    """Record the notices an action owes and send each after the current transaction commits (nothing is
    sent for a change that rolled back). Returns the ids of the notices still waiting to be sent. Runs in the
    caller's organization scope: only notices of that organization are dispatched now (any other is left
    queued for the next scan)."""
    dues = list(dues)
    if not dues:
        return []
    record(dues)
    keys = Q()
    for due in dues:
        keys |= Q(**_key(due))
    waiting = list(
        Notice.objects.filter(keys, state=NoticeState.QUEUED).values_list("organization_id", "pk").order_by("pk")
    )
    transaction.on_commit(lambda: _dispatch(waiting))
    return [pk for _organization_id, pk in waiting]


# How recorded notices reach a worker: set once at start-up by `alliance.apps` to
# `alliance.tasks.dispatch_notices`, so that this module never imports the tasks that call it.
_dispatcher: Callable[[list[tuple[int, int]]], None] | None = None


def set_dispatcher(dispatcher: Callable[[list[tuple[int, int]]], None]) -> None:
    """Name the function that hands `[(organization_id, notice_id), ...]` to the workers (called by
    `AllianceConfig.ready`)."""
    global _dispatcher
    _dispatcher = dispatcher


def _dispatch(waiting: list[tuple[int, int]]) -> None:
    if _dispatcher is None:
        raise ImproperlyConfigured("alliance.notices has no dispatcher: is the alliance app installed?")
    _dispatcher(waiting)


# --- sending -------------------------------------------------------------------------------------------------

# Errors that prove the message did not leave: the server was not reached or refused it before DATA.
NOT_SENT_ERRORS = (
    ConnectionRefusedError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPNotSupportedError,
)


class NotSent(Exception):  # noqa: N818 - reads as "raise NotSent(...)"
    """Raised by a mail backend (or a test) to say plainly that the message did not leave."""


def backoff(attempts: int) -> timedelta:
    """Wait before attempt n+1: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(notice_id: int) -> tuple[Notice | None, str]:
    # Called by `deliver` inside the notice's organization scope: the lookup below is filtered to it.
    """Lock the row and stamp it `sending` in a transaction of its own. Returns the notice to send, or None and
    what became of it: `skipped` (nothing left to say), or `""` when it is not waiting (sent, or claimed by
    another sender)."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("recipient__user", "organization", "content_type")
            .filter(pk=notice_id)
            .filter(Q(state=NoticeState.QUEUED) | Q(state=NoticeState.FAILED, attempts__lt=MAX_ATTEMPTS))
            .first()
        )
        if notice is None:
            return None, ""
        kind = KINDS.get(notice.kind)
        reachable = notice.recipient.is_active or (
            kind is not None and kind.reaches_alumni and notice.recipient.is_alumni
        )
        if kind is None or not reachable or not kind.relevant(notice):
            notice.state = NoticeState.SKIPPED
            notice.save(update_fields=["state"])
            return None, NoticeState.SKIPPED
        notice.state = NoticeState.SENDING
        notice.attempts += 1
        notice.save(update_fields=["state", "attempts"])
    return notice, ""


def _finish(notice: Notice, **values) -> None:
    Notice.objects.filter(pk=notice.pk, state=NoticeState.SENDING).update(**values)
    for name, value in values.items():
        setattr(notice, name, value)


def deliver(notice_id: int, *, organization_id: int) -> str:
    """Send one notice of `organization_id` at most once, inside that organization's scope, and return what this
    call did: `sent`, `failed`, `skipped`, `unknown`, or `""` when the notice was not waiting (sent already,
    claimed by another sender, or not a notice of that organization)."""
    with organization_scope(organization_id):
        return _deliver(notice_id)


def _deliver(notice_id: int) -> str:
    notice, outcome = _claim(notice_id)
    if notice is None:
        return outcome
    kind = KINDS[notice.kind]
    user = notice.recipient.user
    try:
        emails.send(
            notice.kind,
            to=address_of(notice.recipient),
            context={**kind.context(notice), "notice": notice, "recipient": user, "organization": notice.organization},
            language=user.language,
            headers={"Message-ID": message_id(notice)},
        )
    except (*NOT_SENT_ERRORS, NotSent) as exc:
        _finish(
            notice,
            state=NoticeState.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + backoff(notice.attempts),
        )
        return NoticeState.FAILED
    except Exception as exc:
        # It may have left before the error (a timeout after DATA): never again, the person is not mailed twice.
        _finish(notice, state=NoticeState.UNKNOWN, error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("notice %s: outcome unknown, not sent again", notice.pk, exc_info=True)
        return NoticeState.UNKNOWN
    try:
        _finish(notice, state=NoticeState.SENT, sent_at=timezone.now(), error="")
    except Exception:
        # The e-mail left; the row stays `sending` and is never sent again.
        logger.exception("notice %s was sent but its stamp failed; it stays 'sending'", notice.pk)
        return NoticeState.SENT
    return NoticeState.SENT


def message_id(notice: Notice) -> str:
    """A Message-ID unique to the notice's key, so a mail server or client can drop a duplicate."""
    domain = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "alliance"
    return f"<notice-{notice.pk}-{notice.sequence}@{domain}>"


def target_of(notice: Notice):
    """The object a notice is about (one query), fetched through the notice's organization: every object a notice
    can be about is tenant-owned."""
    return notice.content_type.get_object_for_this_type(pk=notice.object_id, organization_id=notice.organization_id)


# --- the periodic scan ---------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    found: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    # (organization id, notice id) of every notice waiting to be sent: a delivery enters that organization.
    waiting: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [pk for _organization_id, pk in self.waiting]

    def line(self) -> str:
        return f"found={self.found} sent={self.sent} skipped={self.skipped} failed={self.failed}" + (
            f" unknown={self.unknown}" if self.unknown else ""
        )


def scan(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> ScanResult:
    """Ask every provider what is due at `now`, record it (once per key), and return the ids of every notice
    now waiting to be sent: new ones, ones whose send task was lost, failed ones whose backoff has passed."""
    now = now or timezone.now()
    result = ScanResult()
    # Across organizations on purpose: the scan is the system's own job, not a person's request. The providers'
    # queries and the one below are set-based over every organization (by what is due, a few per batch, not one
    # query per organization); they return ids and what is due, each naming its organization, and nothing of a
    # row leaves this function but those. Each delivery then runs in its own organization's scope.
    with scopes_disabled():
        for provider in PROVIDERS:
            for batch in provider(now=now, batch_size=batch_size):
                try:
                    result.found += record(batch)
                except IntegrityError:  # pragma: no cover - ignore_conflicts: a backend without ON CONFLICT
                    logger.exception("could not record a batch of notices")
        waiting = Notice.objects.filter(
            Q(state=NoticeState.QUEUED)
            | Q(state=NoticeState.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        ).order_by("pk")
        result.waiting = list(waiting.values_list("organization_id", "pk")[:10_000])
    return result


def scan_and_send(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> ScanResult:
    """One scan, every waiting notice delivered in this process (the `send_reminders` command)."""
    result = scan(now=now, batch_size=batch_size)
    for organization_id, pk in result.waiting:
        state = deliver(pk, organization_id=organization_id)
        if state == NoticeState.SENT:
            result.sent += 1
        elif state == NoticeState.SKIPPED:
            result.skipped += 1
        elif state == NoticeState.FAILED:
            result.failed += 1
        elif state == NoticeState.UNKNOWN:
            result.unknown += 1
    return result


# --- in-app --------------------------------------------------------------------------------------------------

INBOX_STATES = (NoticeState.QUEUED, NoticeState.SENDING, NoticeState.SENT, NoticeState.FAILED, NoticeState.UNKNOWN)


def inbox(*, membership: Membership):
    """The in-app notifications of one membership, newest first (a skipped notice had nothing left to say)."""
    return Notice.objects.filter(
        organization_id=membership.organization_id, recipient=membership, state__in=INBOX_STATES
    ).order_by("-created_at", "-id")


UNDELIVERED_STATES = (NoticeState.FAILED, NoticeState.UNKNOWN)


def undelivered(*, organization_id: int):
    """The notices of one organization whose e-mail could not be sent (`failed`: retried with backoff until
    MAX_ATTEMPTS) or may not have left (`unknown`: never sent again), newest first, with their recipients: what
    HR reads at `/<org>/notifications/failed/`."""
    return (
        Notice.objects.filter(organization_id=organization_id, state__in=UNDELIVERED_STATES)
        .select_related("recipient__user")
        .order_by("-created_at", "-id")
    )


def unread_count(*, membership: Membership) -> int:
    """How many notices of `membership`'s inbox (`inbox`) were never opened: the number in the header."""
    return inbox(membership=membership).filter(read_at__isnull=True).count()


def mark_read(*, notice: Notice) -> None:
    """Stamp `notice` read now, once (a second call keeps the first time); writes no audit row: reading one's
    own notification changes nothing anyone audits."""
    if notice.read_at is None:
        Notice.objects.for_organization(notice.organization_id).filter(pk=notice.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
