"""Database history of the sensitive tables: every INSERT, UPDATE and DELETE, whoever issues it (a service,
the admin, a bulk update, raw SQL), is copied by a trigger into an append-only event table.

On PostgreSQL the triggers are django-pghistory's (installed by pgtrigger through the migrations); pgtrigger does
nothing on SQLite, so `install_sqlite_triggers` writes the equivalent triggers itself after every `migrate`,
from the event models' current fields (a field added later is picked up by the next migrate).
"""

from __future__ import annotations

import pghistory
from django.apps import apps

from alliance.scoping import tenant_manager

# The event models `track` made, as (app label, class name): `event_models` lists these, whichever app tracks.
_TRACKED: set[tuple[str, str]] = set()


def track(model, name: str):
    """Record every insert, update and delete of `model` in an append-only `<name>` event model. The event rows
    copy the tracked row's `organization`, so their default manager is scoped by it as the tracked model's is
    (`alliance.scoping.tenant_manager`)."""
    from pghistory.models import EventQuerySet

    attrs = {"objects": tenant_manager(EventQuerySet)} if hasattr(model, "organization") else None
    # pghistory creates the event model in the tracked model's app.
    _TRACKED.add((model._meta.app_label, name))
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=name,
        append_only=True,
        # `<model>.history`, not pghistory's default `events` (AgreementVersion.events is the signing record).
        obj_field=pghistory.ObjForeignKey(related_name="history"),
        attrs=attrs,
    )(model)


MESSAGE = "history rows are append-only"


def event_models():
    """The event models `track` made, in any app, with the model each one tracks."""
    for model in apps.get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is not None and (model._meta.app_label, model.__name__) in _TRACKED:
            yield model, tracked


def _sqlite_statements(event_model, tracked) -> list[str]:
    table, source = event_model._meta.db_table, tracked._meta.db_table
    columns = [
        f.column
        for f in event_model._meta.local_fields
        if not f.name.startswith("pgh_") and f.column in {g.column for g in tracked._meta.local_fields}
    ]
    pk = tracked._meta.pk.column
    statements = []
    for label, operation, row in (
        ("insert", "INSERT", "NEW"),
        ("update", "UPDATE", "NEW"),
        ("delete", "DELETE", "OLD"),
    ):
        names = ", ".join(['"pgh_created_at"', '"pgh_label"', '"pgh_obj_id"', *(f'"{c}"' for c in columns)])
        values = ", ".join(
            ["strftime('%Y-%m-%d %H:%M:%f', 'now')", f"'{label}'", f'{row}."{pk}"', *(f'{row}."{c}"' for c in columns)]
        )
        statements.append(f'DROP TRIGGER IF EXISTS "{table}_{label}"')
        # Table and column names come from the models' meta, never from input.
        insert = f'INSERT INTO "{table}" ({names}) VALUES ({values})'  # noqa: S608
        statements.append(f'CREATE TRIGGER "{table}_{label}" AFTER {operation} ON "{source}" BEGIN {insert}; END')
    for operation in ("UPDATE", "DELETE"):
        name = f"{table}_no_{operation.lower()}"
        statements.append(f'DROP TRIGGER IF EXISTS "{name}"')
        statements.append(
            f'CREATE TRIGGER "{name}" BEFORE {operation} ON "{table}" BEGIN SELECT RAISE(ABORT, \'{MESSAGE}\'); END'
        )
    return statements


def install_sqlite_triggers(*, using: str = "default", **kwargs) -> None:
    """post_migrate: (re)write the history triggers on SQLite; PostgreSQL has pghistory's own."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for event_model, tracked in event_models():
            if event_model._meta.db_table in existing and tracked._meta.db_table in existing:
                for statement in _sqlite_statements(event_model, tracked):
                    cursor.execute(statement)
