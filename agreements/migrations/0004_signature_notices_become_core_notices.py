"""Move every SignatureNotice row into the core notice table (alliance.Notice) under the key the new scan uses,
so that no notice already sent is sent again after the upgrade, and unsent ones are sent by the next scan.

requested/reminder notices are about the request of their round (the round-th REQUESTED signing event of the
version); completed notices are about the version. Sent rows become `sent`; unsent ones `queued`.
"""

from collections import defaultdict

from django.db import migrations

KINDS = {"requested": "signature-requested", "reminder": "signature-reminder", "completed": "signature-completed"}


def forwards(apps, schema_editor):
    SignatureNotice = apps.get_model("agreements", "SignatureNotice")
    SigningEvent = apps.get_model("agreements", "SigningEvent")
    AgreementVersion = apps.get_model("agreements", "AgreementVersion")
    Notice = apps.get_model("alliance", "Notice")
    ContentType = apps.get_model("contenttypes", "ContentType")
    event_type, _ = ContentType.objects.get_or_create(app_label="agreements", model="signingevent")
    version_type, _ = ContentType.objects.get_or_create(app_label="agreements", model="agreementversion")
    requests = defaultdict(list)
    for event in SigningEvent.objects.filter(kind="requested").order_by("version_id", "at", "id"):
        requests[event.version_id].append(event.pk)
    versions = {
        v.pk: v for v in AgreementVersion.objects.select_related("agreement__tour", "organization")
    }
    rows = []
    for old in SignatureNotice.objects.order_by("pk").iterator():
        version = versions[old.version_id]
        if old.kind == "completed":
            content_type, object_id = version_type, version.pk
        else:
            rounds = requests.get(version.pk, [])
            if not rounds:
                continue  # a request with no signing record: nothing a later scan could match
            content_type, object_id = event_type, rounds[min(old.round, len(rounds)) - 1]
        rows.append(
            Notice(
                organization_id=old.organization_id,
                kind=KINDS[old.kind],
                content_type=content_type,
                object_id=object_id,
                recipient_id=old.recipient_id,
                sequence=old.sequence,
                state="sent" if old.sent_at else "queued",
                label=f"{version.agreement.tour.title} v{version.number}",
                url=f"/{version.organization.slug}/agreements/{version.agreement_id}/v{version.number}/",
                created_at=old.created_at,
                sent_at=old.sent_at,
                read_at=old.sent_at,
            )
        )
    Notice.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0003_history"),
        ("alliance", "0005_audit_trail_is_append_only"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    # Backwards keeps the core rows: migrating forward again skips them (ignore_conflicts), so a round trip
    # never forgets what was sent.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
