"""Database guards: a signed agreement version, its KPIs and signatures can never change, and the signing
record and sealed PDFs are append-only. The application refuses these writes too (agreements.services); the
triggers make the refusal hold for raw SQL, the admin, a shell or a bug alike."""

from django.db import migrations

MESSAGE = "signed agreement versions are immutable"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION agreements_refuse_signed_version() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION '{MESSAGE} (version %)', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER agreements_version_immutable BEFORE UPDATE OR DELETE ON agreements_agreementversion
    FOR EACH ROW EXECUTE FUNCTION agreements_refuse_signed_version();

CREATE OR REPLACE FUNCTION agreements_refuse_child_of_signed() RETURNS trigger AS $$
DECLARE
    vid bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN vid := NEW.version_id; ELSE vid := OLD.version_id; END IF;
    IF EXISTS (SELECT 1 FROM agreements_agreementversion WHERE id = vid AND status = 'signed') THEN
        RAISE EXCEPTION '{MESSAGE} (version %)', vid USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.version_id <> OLD.version_id AND EXISTS (
        SELECT 1 FROM agreements_agreementversion WHERE id = NEW.version_id AND status = 'signed'
    ) THEN
        RAISE EXCEPTION '{MESSAGE} (version %)', NEW.version_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER agreements_kpi_immutable BEFORE INSERT OR UPDATE OR DELETE ON agreements_kpi
    FOR EACH ROW EXECUTE FUNCTION agreements_refuse_child_of_signed();
CREATE TRIGGER agreements_signature_immutable BEFORE INSERT OR UPDATE OR DELETE ON agreements_signature
    FOR EACH ROW EXECUTE FUNCTION agreements_refuse_child_of_signed();

CREATE OR REPLACE FUNCTION agreements_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER agreements_event_append_only BEFORE UPDATE OR DELETE ON agreements_signingevent
    FOR EACH ROW EXECUTE FUNCTION agreements_append_only();
CREATE TRIGGER agreements_pdf_append_only BEFORE UPDATE OR DELETE ON agreements_agreementpdf
    FOR EACH ROW EXECUTE FUNCTION agreements_append_only();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS agreements_version_immutable ON agreements_agreementversion;
DROP TRIGGER IF EXISTS agreements_kpi_immutable ON agreements_kpi;
DROP TRIGGER IF EXISTS agreements_signature_immutable ON agreements_signature;
DROP TRIGGER IF EXISTS agreements_event_append_only ON agreements_signingevent;
DROP TRIGGER IF EXISTS agreements_pdf_append_only ON agreements_agreementpdf;
DROP FUNCTION IF EXISTS agreements_refuse_signed_version();
DROP FUNCTION IF EXISTS agreements_refuse_child_of_signed();
DROP FUNCTION IF EXISTS agreements_append_only();
"""

_SIGNED = "(SELECT status FROM agreements_agreementversion WHERE id = {ref}.version_id) = 'signed'"
SQLITE = [
    f"""CREATE TRIGGER agreements_version_no_update BEFORE UPDATE ON agreements_agreementversion
        WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER agreements_version_no_delete BEFORE DELETE ON agreements_agreementversion
        WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
for table in ("agreements_kpi", "agreements_signature"):
    SQLITE += [
        f"""CREATE TRIGGER {table}_no_insert BEFORE INSERT ON {table}
            WHEN {_SIGNED.format(ref="NEW")} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            WHEN {_SIGNED.format(ref="OLD")} OR {_SIGNED.format(ref="NEW")} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            WHEN {_SIGNED.format(ref="OLD")} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    ]
for table in ("agreements_signingevent", "agreements_agreementpdf"):
    SQLITE += [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END""",
    ]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Straight to the cursor: schema_editor.execute() would read the "%" of RAISE as a placeholder.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:  # pragma: no cover - only PostgreSQL and SQLite are supported
        raise RuntimeError(f"no immutability guard written for {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE:
            name = statement.split()[2]
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
