"""Queries compiled once per process, then only executed: for the lookups every request makes.

Building a queryset and compiling it to SQL costs more Python than the query's round trip to the database (about
0.8 ms to compile the tenant lookup, against 0.2 ms to run it, on the development machine); on a kept page
(alliance/page_cache.py) those lookups are most of the request. Here a queryset is built once with stand-in
values for its arguments, compiled by the ORM (never written by hand), and kept per process;
later calls bind their arguments to its parameters and execute it. `compiled_instance` builds the model
instances (with their `select_related` objects) from the row the way the ORM's own iterator does.

The rule that keeps this safe: every parameter of the compiled SQL must be one of the arguments, so no value of
the first call (a request's organization scope that django-scopes would add as a constant, a user) can stay in
the SQL of later calls. `build` must give the same SQL for any values of its arguments (no condition on their
value), and is compiled outside any organization scope: the organization, where there is one, is an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django_scopes import scopes_disabled

# (vendor of the default database, name) -> _Compiled. The project has one database, read and written.
_COMPILED: dict[tuple[str, str], _Compiled] = {}

_INT64 = range(-(2**63), 2**63)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...]  # the argument bound to each parameter, in order
    compiler: Any  # the SQLCompiler after as_sql()
    converters: dict  # SQLCompiler.get_converters of the selected columns (dates on SQLite, JSON, ...)
    # For model instances, as django.db.models.query.ModelIterable computes them for each query:
    model: type[Model] | None
    columns: slice  # the model's own columns in a row
    init_list: tuple[str, ...]  # their attribute names
    populators: tuple  # a RelatedPopulator per select_related object


def _stand_in(index: int, value: int | str) -> int | str:
    """A value no real argument takes, told apart from every other stand-in and from any constant of the SQL."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"compiled queries take int and str arguments, not {type(value).__name__}")
    return -(7_000_003 + index) if isinstance(value, int) else f"\x1ecompiled-stand-in-{index}\x1e"


def _compiled(name: str, build: Callable[..., QuerySet], arguments: dict[str, int | str]) -> _Compiled:
    """The compiled form of `build(**arguments)` under `name`, compiling it on first use (module docstring).
    Raises ValueError when the SQL has a parameter that is not an argument, or an argument it does not use."""
    key = (connections[DEFAULT_DB_ALIAS].vendor, name)
    compiled = _COMPILED.get(key)
    if compiled is not None:
        return compiled
    stand_ins = {argument: _stand_in(index, arguments[argument]) for index, argument in enumerate(sorted(arguments))}
    with scopes_disabled():
        queryset = build(**stand_ins).order_by()[:1]
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
    by_value = {value: argument for argument, value in stand_ins.items()}
    if any(param not in by_value for param in params) or set(by_value.values()) - {by_value[p] for p in params}:
        raise ValueError(f"{name}: the query's parameters must be exactly its arguments (no constant)")
    if queryset.db != DEFAULT_DB_ALIAS:
        raise ValueError(f"{name}: compiled queries run on the default database only")
    select, klass_info = compiler.select, compiler.klass_info
    fields = [column[0] for column in select[: compiler.col_count]]
    model, columns, init_list, populators = None, slice(0), (), ()
    if queryset._iterable_class is ModelIterable:  # a model queryset, not values()
        model = klass_info["model"]
        columns = slice(klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1)
        init_list = tuple(column[0].target.attname for column in select[columns])
        populators = tuple(get_related_populators(klass_info, select, DEFAULT_DB_ALIAS))
    compiled = _COMPILED[key] = _Compiled(
        sql=sql,
        order=tuple(by_value[param] for param in params),
        compiler=compiler,
        converters=compiler.get_converters(fields),
        model=model,
        columns=columns,
        init_list=init_list,
        populators=populators,
    )
    return compiled


def _fetch(compiled: _Compiled, arguments: dict[str, int | str]) -> tuple | None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(compiled.sql, [arguments[argument] for argument in compiled.order])
        return cursor.fetchone()


def compiled_row(name: str, build: Callable[..., QuerySet], **arguments: int | str) -> tuple | None:
    """The first row of `build(**arguments)` (a queryset of at most one row, usually `values_list`), or None,
    as the database returns it (no field conversion). `arguments` are ints (ids) and strs; an int past a 64-bit
    integer matches no row (None, as the ORM answers), since no id column holds one. Raises ValueError as
    `_compiled`, TypeError for an argument of another type."""
    if any(isinstance(value, int) and value not in _INT64 for value in arguments.values()):
        return None
    return _fetch(_compiled(name, build, arguments), arguments)


def compiled_instance(name: str, build: Callable[..., QuerySet], **arguments: int | str) -> Model | None:
    """The first instance of `build(**arguments)` (a model queryset of at most one row, `select_related` allowed;
    no annotations, no `only`/`defer` beyond what the ORM's iterator handles), or None: the same object the ORM
    would give, built from a row of SQL compiled once. Arguments and errors as `compiled_row`."""
    if any(isinstance(value, int) and value not in _INT64 for value in arguments.values()):
        return None
    compiled = _compiled(name, build, arguments)
    if compiled.model is None:
        raise ValueError(f"{name}: compiled_instance needs a model queryset, not values()")
    row = _fetch(compiled, arguments)
    if row is None:
        return None
    if compiled.converters:
        row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
    # As django.db.models.query.ModelIterable: the model's columns, then each select_related object's.
    instance = compiled.model.from_db(DEFAULT_DB_ALIAS, list(compiled.init_list), row[compiled.columns])
    for populator in compiled.populators:
        populator.populate(row, instance)
    return instance
