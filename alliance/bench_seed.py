"""A synthetic load for benchmarks (`manage.py seed_bench`): many organizations of realistic, consistent rows,
written in bulk (PostgreSQL: COPY; SQLite: executemany in batches), never one save per row.

The core writes the organizations (slug `bench-0001` …, and `bench-large`), their values and departments, the
users (one password hash for everyone, computed once), their verified e-mail addresses and the memberships.
Each feature app adds its own rows through `BENCH_PARTS` (registered from its AppConfig.ready(), in the order
agreements → checkpoints → alumni), reading and extending the shared `BenchContext`: the core never imports
a feature app (tests/test_architecture.py).

Bench organizations are recognisable by their slug prefix `bench-` and their users by the e-mail domain
`<slug>.bench.example`. Seeding refuses to run into a database that already holds bench organizations unless
`reset` is asked, which first removes every bench row (and only those) — see `reset_bench`.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from alliance.models import (
    CompanyValue,
    Department,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    User,
)

PREFIX = "bench-"
LARGE_SLUG = "bench-large"
PASSWORD = "alliance-bench"
PERSONAS = ("hr", "manager", "employee", "alumnus")
# Rows buffered per table before they are written (one COPY or one executemany each).
CHUNK = 5000

# Feature apps add (name, dotted path of function(context)) here from AppConfig.ready(), in the apps' order; the
# module is imported only when the bench is seeded.
BENCH_PARTS: list[tuple[str, str]] = []


def register_part(name: str, path: str) -> None:
    """Add one app's generator to the bench seed: `path` names a function(context: BenchContext) that writes
    its rows through `context.table`. Registering the same name again replaces it (a reloaded app)."""
    BENCH_PARTS[:] = [part for part in BENCH_PARTS if part[0] != name]
    BENCH_PARTS.append((name, path))


def email_domain(slug: str) -> str:
    """The e-mail domain of a bench organization's people: `<slug>.bench.example`."""
    return f"{slug}.bench.example"


def persona_email(persona: str, slug: str) -> str:
    """The login of a fixed persona (`hr`, `manager`, `employee`, `alumnus`) in bench organization `slug`."""
    return f"{persona}@{email_domain(slug)}"


# --- Progress --------------------------------------------------------------------------------------------------


class Progress:
    """A progress bar on a terminal, plain lines otherwise (a log, CI): `start(label, total)`, `advance(n)`,
    `finish()`. Writes to `stream`."""

    WIDTH = 30

    def __init__(self, stream, *, tty: bool | None = None):
        self.stream = stream
        self.tty = stream.isatty() if tty is None and hasattr(stream, "isatty") else bool(tty)
        self.label, self.total, self.done, self.started, self._shown = "", 0, 0, 0.0, -1

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.started, self._shown = label, max(total, 0), 0, time.perf_counter(), -1
        if not self.tty:
            self.stream.write(f"{label}: {total} to go\n")
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self) -> None:
        if not self.tty:
            return
        fraction = self.done / self.total if self.total else 1.0
        percent = int(fraction * 100)
        if percent == self._shown:
            return
        self._shown = percent
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label:<36} [{bar}] {percent:3d}% {self.done}/{self.total}")
        self.stream.flush()

    def finish(self) -> float:
        elapsed = time.perf_counter() - self.started
        if self.tty:
            self.done = self.total
            self._shown = -1
            self._draw()
            self.stream.write(f"  {elapsed:.1f} s\n")
        else:
            self.stream.write(f"{self.label}: done in {elapsed:.1f} s\n")
        self.stream.flush()
        return elapsed


# --- Bulk writing ----------------------------------------------------------------------------------------------


def _defaults(model: type[models.Model], now: datetime) -> dict[str, object]:
    """What each concrete column of `model` holds when a row does not say: auto_now(_add) fields `now`, else the
    field's default (a callable default is called once: a bench row need not differ there)."""
    values = {}
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values[f.attname] = now
        else:
            values[f.attname] = f.get_default()
    return values


class Table:
    """Rows of one model waiting to be written; `add(**values)` takes field attnames (`organization_id`), the
    primary key included (from `Writer.next_id`)."""

    def __init__(self, writer: Writer, model: type[models.Model]):
        self.writer, self.model = writer, model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.attname for f in self.fields]
        self.index = {name: i for i, name in enumerate(self.columns)}
        defaults = _defaults(model, writer.now)
        self.template = [defaults[name] for name in self.columns]
        self.rows: list[list] = []
        self.count = 0
        self.seconds = 0.0

    def add(self, **values) -> None:
        row = list(self.template)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        self.rows.append(row)
        if len(self.rows) >= CHUNK:
            self.writer.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        started = time.perf_counter()
        self.writer.write(self.model, self.fields, self.rows)
        self.seconds += time.perf_counter() - started
        self.count += len(self.rows)
        self.rows = []


class Writer:
    """Bulk writes for the bench seed. PostgreSQL: COPY (psycopg 3 `cursor.copy`); SQLite: executemany.

    Primary keys are given by the generator (`next_id`), so that children reference parents before anything is
    written: PostgreSQL hands out blocks of its own sequence, SQLite counts up from the largest id. Tables are
    flushed in the order they were first used, so a parent's rows reach the database before its children's."""

    BLOCK = 10000

    def __init__(self, now: datetime):
        self.now = now
        self.vendor = connection.vendor
        self.tables: dict[type[models.Model], Table] = {}
        self._ids: dict[type[models.Model], list[int]] = {}

    def table(self, model: type[models.Model]) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(self, model)
        return self.tables[model]

    def next_id(self, model: type[models.Model]) -> int:
        """A fresh primary key for a row of `model` (unique in the database, increasing)."""
        block = self._ids.get(model)
        if not block or block[0] > block[1]:
            block = self._ids[model] = list(self._reserve(model, self.BLOCK))
        value = block[0]
        block[0] += 1
        return value

    def _reserve(self, model, n: int) -> tuple[int, int]:
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), nextval(pg_get_serial_sequence(%s, %s)) + %s)",
                    [table, pk, table, pk, n - 1],
                )
                last = cursor.fetchone()[0]
                return last - n + 1, last
            # Table and column names come from the models' meta, never from input.
            cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608
            top = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            top = max(top, seq[0] if seq else 0, self._ids.get(model, [0, 0])[1])
            return top + 1, top + n

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def write(self, model, fields, rows: list[list]) -> None:
        table = model._meta.db_table
        names = ", ".join(f'"{f.column}"' for f in fields)
        json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for row in rows:
                    for i in json_columns:
                        if row[i] is not None:
                            row[i] = json.dumps(row[i], cls=DjangoJSONEncoder, ensure_ascii=False)
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                prepared = [
                    [f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)]
                    for row in rows
                ]
                marks = ", ".join(["%s"] * len(fields))
                # Table and column names come from the models' meta, never from input.
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', prepared)  # noqa: S608

    def report(self) -> list[tuple[str, int, float]]:
        """(table, rows written, seconds spent writing them) for every table, in the order first used."""
        return [(t.model._meta.db_table, t.count, t.seconds) for t in self.tables.values() if t.count]


# --- The plan --------------------------------------------------------------------------------------------------


@dataclass
class Person:
    """One bench membership as the generators know it (every id is the database's)."""

    id: int
    user_id: int
    org: OrgPlan
    role: str
    status: str
    name: str
    email: str
    manager_id: int | None
    joined_on: date
    left_on: date | None = None
    persona: str = ""
    former_manager_id: int | None = None


@dataclass
class OrgPlan:
    id: int
    slug: str
    name: str
    size: int
    values: list[tuple[str, str]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    personas: dict[str, Person] = field(default_factory=dict)


@dataclass
class BenchOptions:
    """What to seed: `orgs` organizations sharing `members` memberships, plus `bench-large` of
    `large_org_members` (0: none); `seed` makes the data reproducible."""

    orgs: int = 1000
    members: int = 100_000
    large_org_members: int = 10_000
    seed: int = 1


@dataclass
class BenchContext:
    """What every part reads and extends: the options, a seeded random generator, today's date, the writer, the
    progress display and the organizations planned; parts leave what later parts need in `shared`."""

    options: BenchOptions
    rng: random.Random
    today: date
    now: datetime
    writer: Writer
    progress: Progress
    orgs: list[OrgPlan]
    people: dict[int, Person] = field(default_factory=dict)
    shared: dict = field(default_factory=dict)

    def table(self, model) -> Table:
        return self.writer.table(model)

    def next_id(self, model) -> int:
        return self.writer.next_id(model)

    @property
    def org_ids(self) -> list[int]:
        return [o.id for o in self.orgs]

    def each(self, label: str, items: Iterable, total: int):
        """Iterate `items` under a progress bar named `label`, flushing the writer at the end."""
        self.progress.start(label, total)
        step = max(1, total // 200)
        count = 0
        for item in items:
            yield item
            count += 1
            if count % step == 0:
                self.progress.advance(step)
        self.progress.advance(count % step)
        self.writer.flush()
        self.progress.finish()


SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
]  # fmt: skip
GIVEN = [
    ("健", "ケン"), ("彩", "アヤ"), ("翔", "ショウ"), ("結衣", "ユイ"), ("大輔", "ダイスケ"), ("真央", "マオ"),
    ("蓮", "レン"), ("さくら", "サクラ"), ("陽斗", "ハルト"), ("美月", "ミツキ"), ("悠真", "ユウマ"), ("葵", "アオイ"),
    ("花子", "ハナコ"), ("太郎", "タロウ"), ("一郎", "イチロウ"), ("美咲", "ミサキ"),
]  # fmt: skip
DEPARTMENTS = ["開発部", "営業部", "企画部", "人事部", "マーケティング部", "カスタマーサクセス部", "経理部", "法務部"]
VALUES = [
    ("当事者であれ", "誰かがやるのを待たず、自分ごととして動く。"),
    ("顧客の成功から考える", "判断に迷ったら、顧客にとっての成果を基準にする。"),
    ("誠実であれ", "都合の悪い事実ほど早く、正直に共有する。"),
    ("相互に投資する", "会社は成長の機会に、社員は成果と献身に投資する。"),
    ("学び続ける", "昨日の自分を超えるために、学びに時間を使う。"),
]
JOB_TITLES = {
    Role.HR: "人事",
    Role.MANAGER: "マネージャー",
    Role.EMPLOYEE: "メンバー",
}


def _org_sizes(options: BenchOptions) -> list[tuple[str, int]]:
    """(slug, members) of each bench organization: the members shared evenly (the first ones take the rest),
    then `bench-large`."""
    sizes = []
    if options.orgs:
        base, extra = divmod(options.members, options.orgs)
        sizes = [(f"{PREFIX}{i + 1:04d}", base + (1 if i < extra else 0)) for i in range(options.orgs)]
    if options.large_org_members:
        sizes.append((LARGE_SLUG, options.large_org_members))
    return sizes


MIN_MEMBERS = len(PERSONAS) + 2


def _roles(size: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(role, status, persona) of each member of an organization of `size`: the four personas first, then a
    manager for about every eight people, 1 % HR, 8 % alumni, the rest employees."""
    plan = [
        (Role.HR, MembershipStatus.ACTIVE, "hr"),
        (Role.MANAGER, MembershipStatus.ACTIVE, "manager"),
        (Role.EMPLOYEE, MembershipStatus.ACTIVE, "employee"),
        (Role.EMPLOYEE, MembershipStatus.ALUMNI, "alumnus"),
    ]
    for i in range(len(plan), size):
        if i % 8 == 0:
            plan.append((Role.MANAGER, MembershipStatus.ACTIVE, ""))
        elif i % 100 == 1:
            plan.append((Role.HR, MembershipStatus.ACTIVE, ""))
        elif rng.random() < 0.08:
            plan.append((Role.EMPLOYEE, MembershipStatus.ALUMNI, ""))
        else:
            plan.append((Role.EMPLOYEE, MembershipStatus.ACTIVE, ""))
    return plan[:size]


def _seed_core(ctx: BenchContext) -> None:
    rng, today = ctx.rng, ctx.today
    password = make_password(PASSWORD)  # hashed once: every bench user shares it
    # Parents first: tables are flushed in the order they are first named here.
    orgs, values, departments = ctx.table(Organization), ctx.table(CompanyValue), ctx.table(Department)
    users, addresses = ctx.table(User), ctx.table(apps.get_model("account", "EmailAddress"))
    members = ctx.table(Membership)
    for plan in ctx.each("organizations and people", ctx.orgs, len(ctx.orgs)):
        orgs.add(
            id=plan.id,
            name=plan.name,
            slug=plan.slug,
            mission="会社と社員が互いに投資し合う。",
            vision="一人ひとりが自分のキャリアの主役になる。",
            checkpoint_interval_months=3,
        )
        for position, (title, description) in enumerate(plan.values):
            values.add(
                id=ctx.next_id(CompanyValue),
                organization_id=plan.id,
                position=position,
                title=title,
                description=description,
            )
        dept_ids = []
        for position in range(min(len(DEPARTMENTS) * 4, max(2, plan.size // 150))):
            dept_ids.append(ctx.next_id(Department))
            suffix = "" if position < len(DEPARTMENTS) else f" 第{position // len(DEPARTMENTS) + 1}課"
            departments.add(
                id=dept_ids[-1],
                organization_id=plan.id,
                name=DEPARTMENTS[position % len(DEPARTMENTS)] + suffix,
                position=position,
            )
        managers: list[Person] = []
        for i, (role, status, persona) in enumerate(_roles(plan.size, rng)):
            surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
            email = persona_email(persona, plan.slug) if persona else f"m{i:05d}@{email_domain(plan.slug)}"
            user = User(
                email=email,
                name=f"{surname[0]} {given[0]}",
                reading=f"{surname[1]} {given[1]}",
                password=password,
                language="ja",
                date_joined=ctx.now,
            )
            user.refresh_search_fields()
            user_id = ctx.next_id(User)
            users.add(
                id=user_id,
                email=email,
                name=user.name,
                reading=user.reading,
                search_text=user.search_text,
                reading_key=user.reading_key,
                password=password,
                language="ja",
                is_active=True,
                date_joined=ctx.now,
            )
            addresses.add(id=ctx.next_id(addresses.model), user_id=user_id, email=email, verified=True, primary=True)
            if role in (Role.HR, Role.MANAGER):
                # Nobody above HR and the managers: the HR persona with reports would show a team card the
                # demo's HR has not, and the benchmark compares each page's queries across the two.
                manager_id = None
            elif not managers:
                manager_id = None
            elif persona == "employee":
                manager_id = managers[0].id
            else:
                manager_id = managers[i % len(managers)].id
            joined = today - timedelta(days=rng.randint(1000, 4000))
            left = None
            if status == MembershipStatus.ALUMNI:
                left = today - timedelta(days=rng.randint(20, 360))
            person = Person(
                id=ctx.next_id(Membership),
                user_id=user_id,
                org=plan,
                role=role,
                status=status,
                name=user.name,
                email=email,
                # An alumnus's manager link is cleared on the last day; the departure keeps who it was.
                manager_id=None if left else manager_id,
                former_manager_id=manager_id,
                joined_on=joined,
                left_on=left,
                persona=persona,
            )
            members.add(
                id=person.id,
                organization_id=plan.id,
                user_id=user_id,
                role=role,
                status=status,
                job_title=JOB_TITLES[role] if not left else "元 " + JOB_TITLES[role],
                manager_id=person.manager_id,
                department_id=dept_ids[i % len(dept_ids)],
                joined_on=joined,
                left_on=left,
            )
            plan.people.append(person)
            ctx.people[person.id] = person
            if persona:
                plan.personas[persona] = person
            if role == Role.MANAGER and status == MembershipStatus.ACTIVE:
                managers.append(person)


# --- Running it ------------------------------------------------------------------------------------------------


def bench_organization_ids() -> list[int]:
    """The ids of the bench organizations in the database (slug prefix `bench-`)."""
    return list(Organization.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", flat=True))


@dataclass
class SeedReport:
    """What `seed_bench` did: organizations and memberships made, per-table (name, rows, write seconds), the
    time each phase took and the total."""

    organizations: int
    memberships: int
    tables: list[tuple[str, int, float]]
    phases: list[tuple[str, float]]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(count for _, count, _ in self.tables)


class BenchExists(Exception):
    """The database holds bench organizations already and no reset was asked."""


def seed_bench(options: BenchOptions, *, stream=None, reset: bool = False, tty: bool | None = None) -> SeedReport:
    """Write the bench organizations described by `options` and return what was written.

    Raises BenchExists when bench organizations exist and `reset` is False; with `reset`, removes them first
    (`reset_bench`). Raises ValueError when an organization would have fewer than MIN_MEMBERS members. Each
    part runs in its own transaction; a failure leaves partial bench rows that `reset` removes."""
    stream = stream or sys.stdout
    sizes = _org_sizes(options)
    if any(size < MIN_MEMBERS for _, size in sizes):
        raise ValueError(f"every bench organization needs at least {MIN_MEMBERS} members")
    started = time.perf_counter()
    phases = []
    if bench_organization_ids():
        if not reset:
            raise BenchExists("bench organizations exist already: run with --reset to replace them")
        t0 = time.perf_counter()
        reset_bench(stream=stream)
        phases.append(("reset", time.perf_counter() - t0))
    now = timezone.now().replace(microsecond=0)
    writer = Writer(now)
    ctx = BenchContext(
        options=options,
        rng=random.Random(options.seed),
        today=timezone.localdate(),
        now=now,
        writer=writer,
        progress=Progress(stream, tty=tty),
        orgs=[],
    )
    for i, (slug, size) in enumerate(sizes):
        name = "ベンチ大企業株式会社" if slug == LARGE_SLUG else f"ベンチ株式会社 {i + 1:04d}"
        ctx.orgs.append(
            OrgPlan(id=writer.next_id(Organization), slug=slug, name=name, size=size, values=VALUES[: 3 + i % 3])
        )
    parts = [("core", _seed_core), *((name, import_string(path)) for name, path in BENCH_PARTS)]
    for name, function in parts:
        t0 = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Checked row by row (parents are flushed first), not queued until commit: the queue of millions
                # of deferred checks would hold them all in memory.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            function(ctx)
            writer.flush()
        phases.append((name, time.perf_counter() - t0))
    if connection.vendor == "postgresql":
        t0 = time.perf_counter()
        # VACUUM as well as ANALYZE where it can run (outside a transaction): it sets the visibility map, which
        # production's autovacuum keeps and index-only scans need; a server with autovacuum off (some
        # development machines) would otherwise be measured without it.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        phases.append(("analyze", time.perf_counter() - t0))
    return SeedReport(
        organizations=len(ctx.orgs),
        memberships=sum(o.size for o in ctx.orgs),
        tables=writer.report(),
        phases=phases,
        seconds=time.perf_counter() - started,
    )


# --- Removing it -----------------------------------------------------------------------------------------------


def _doomed_predicates(org_ids: list[int]) -> tuple[list[tuple[type, str, list]], list[tuple[type, str, list]]]:
    """(table-level deletes of rows reached through other bench rows, deepest first; deletes by organization).

    Each entry is (model, SQL condition, params). A model with an `organization` column loses the rows of the
    bench organizations; Organization its bench rows; User the bench users (e-mail domain `.bench.example`,
    no membership outside the bench); any other model the rows whose foreign key points at such a row."""
    marks = ", ".join(["%s"] * len(org_ids))
    existing = set(connection.introspection.table_names())
    # Real tables only (not pghistory's aggregate view, not proxies).
    tables = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.db_table in existing
    ]
    by_org: dict[type, tuple[str, list]] = {}
    for model in tables:
        if model is Organization:
            by_org[model] = (f'"{model._meta.pk.column}" IN ({marks})', list(org_ids))
            continue
        column = next((f.column for f in model._meta.concrete_fields if f.name == "organization"), None)
        if column is not None:
            by_org[model] = (f'"{column}" IN ({marks})', list(org_ids))
    membership_table = Membership._meta.db_table
    user_table = User._meta.db_table
    # Table and column names come from the models' meta; the values are parameters.
    user_condition = (
        '"email" LIKE %s AND NOT EXISTS (SELECT 1 FROM '  # noqa: S608
        f'"{membership_table}" m WHERE m."user_id" = "{user_table}"."id" AND m."organization_id" NOT IN ({marks}))'
    )
    by_org[User] = (user_condition, ["%.bench.example", *org_ids])
    reached: dict[type, tuple[str, list, int]] = {}
    changed, rounds = True, 0
    while changed and rounds < 10:  # a cycle of references outside the organizations would not settle
        changed, rounds = False, rounds + 1
        for model in tables:
            if model in by_org:
                continue
            parts, params, depth = [], [], 0
            for f in model._meta.concrete_fields:
                target = f.related_model if f.is_relation and f.many_to_one or f.one_to_one else None
                if target is None or target is model:
                    continue
                known = by_org.get(target) or reached.get(target)
                if known is None:
                    continue
                condition, condition_params = known[0], known[1]
                # Names from the models' meta, values as parameters.
                select = f'SELECT "{target._meta.pk.column}" FROM "{target._meta.db_table}" WHERE {condition}'  # noqa: S608
                parts.append(f'"{f.column}" IN ({select})')
                params.extend(condition_params)
                depth = max(depth, reached[target][2] + 1 if target in reached else 1)
            if parts and (model not in reached or reached[model][2] < depth):
                if model not in reached:
                    changed = True
                reached[model] = (" OR ".join(parts), params, depth)
    through = sorted(reached.items(), key=lambda item: -item[1][2])
    return [(m, c, p) for m, (c, p, _) in through], [(m, c, p) for m, (c, p) in by_org.items()]


def _user_triggers_off(tables: list[str]) -> Callable[[], None]:
    """Turn off the tables' own triggers (append-only and signed-version guards, history) for this transaction's
    deletes; return the function that turns them back on. PostgreSQL: ALTER TABLE … DISABLE TRIGGER USER (the
    foreign keys stay checked); SQLite: the triggers are dropped and written again, as they were."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')

            def restore():
                with connection.cursor() as again:
                    for table in tables:
                        again.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')

            return restore
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')

    def restore():
        with connection.cursor() as again:
            for _name, sql in triggers:
                again.execute(sql)

    return restore


def reset_bench(*, stream=None) -> dict[str, int]:
    """Remove every bench row, and only those: the rows of the bench organizations (whatever table, history and
    audit included), the rows reached through them, the organizations and their users. Returns rows deleted per
    table. Bench data is synthetic, so the append-only guards are lifted for this transaction only (they hold for
    every other organization; a real organization's rows are never touched)."""
    stream = stream or sys.stdout
    org_ids = bench_organization_ids()
    if not org_ids:
        return {}
    reached, by_org = _doomed_predicates(org_ids)
    # Organization and User last: everything else still finds them through its subqueries.
    last = [entry for entry in by_org if entry[0] in (Organization, User)]
    ordered = reached + [entry for entry in by_org if entry[0] not in (Organization, User)] + last
    deleted = {}
    with transaction.atomic():
        restore = _user_triggers_off([model._meta.db_table for model, _, _ in ordered])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model, condition, params in ordered:
                # Names come from the models' meta; the values are parameters.
                cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE {condition}', params)  # noqa: S608
                if cursor.rowcount:
                    deleted[model._meta.db_table] = cursor.rowcount
            if connection.vendor == "postgresql":
                # The foreign keys are checked now (nothing may point at a removed row), and no check is left
                # pending on a table whose triggers are turned back on.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        restore()
    stream.write(f"removed {sum(deleted.values())} bench rows from {len(deleted)} tables\n")
    return deleted
