"""Database guard: audit rows are append-only. The application never updates or deletes them (alliance.audit);
the triggers make that hold for raw SQL, the admin, a shell or a bug alike (as agreements 0002 does for signed
versions)."""

from django.db import migrations

TABLE = "alliance_auditentry"
MESSAGE = "audit rows are append-only"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION alliance_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER alliance_audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION alliance_audit_append_only();
"""

POSTGRES_REVERSE = f"""
DROP TRIGGER IF EXISTS alliance_audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS alliance_audit_append_only();
"""

SQLITE = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:  # pragma: no cover - only PostgreSQL and SQLite are supported
        raise RuntimeError(f"no append-only guard written for {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")


class Migration(migrations.Migration):
    dependencies = [("alliance", "0004_notices_audit_and_history")]
    operations = [migrations.RunPython(forwards, backwards)]
