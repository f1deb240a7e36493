"""Stored files in object storage, end to end, against a real S3-compatible HTTP server on this machine.

The server is moto's `ThreadedMotoServer` (moto is installed from PyPI as a dev dependency, `moto[server]`): a
local S3-compatible server that speaks the S3 HTTP API on a free port of 127.0.0.1, so django-storages and boto3
run exactly as against AWS S3 or MinIO (signed requests, path-style addressing, real HTTP); only the server is
local. The storage is configured the way production configures it, from environment variables read by
alliance.storage_config, and the tests show that the web process then keeps no file on its own disk.
"""

import hashlib
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage, storages
from django.urls import reverse

from agreements import sealing
from agreements.models import AgreementPdf
from alliance import storage_config

ACCESS_KEY, SECRET_KEY, REGION = "moto-access", "moto-secret", "us-east-1"
APPS = ("alliance", "agreements", "checkpoints", "alumni")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3-compatible server on a free local port for the whole session; its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A fresh bucket, and the site's storages pointed at it from an environment as production sets it.

    MEDIA_ROOT points at a folder that does not exist: a file written there by mistake shows up in `local_files`.
    """
    name = f"alliance-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=name)
    environ = {
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = storage_config.storages(environ, debug=True)
    settings.PDF_SEAL_KEY_FILE = None
    settings.PDF_SEAL_CERT_FILE = None
    sealing.clear_seal_cache()  # the embedded seal certificate is made afresh, in this bucket

    class Bucket:
        def keys(self) -> list[str]:
            listed = client.list_objects_v2(Bucket=name)
            return sorted(item["Key"] for item in listed.get("Contents", []))

        def read(self, key: str) -> bytes:
            return client.get_object(Bucket=name, Key=key)["Body"].read()

        def local_files(self) -> list[Path]:
            return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*")) if settings.MEDIA_ROOT.exists() else []

    yield Bucket()
    sealing.clear_seal_cache()


def test_the_storages_are_the_bucket(bucket):
    from storages.backends.s3 import S3Storage

    assert isinstance(storages["default"], S3Storage)
    assert isinstance(storages["sealing"], S3Storage)
    assert AgreementPdf._meta.get_field("file").storage.bucket_name == storages["default"].bucket_name


def test_a_signed_agreement_is_sealed_stored_and_served_from_the_bucket(
    bucket, signed_version, login, employee, manager, hr, other_manager, outsider
):
    version = signed_version()  # both sides (and HR, as acme asks) sign; the PDF is rendered, sealed and stored
    record = AgreementPdf.objects.get(version=version)

    keys = bucket.keys()
    assert record.file.name in keys
    assert record.file.name.startswith("agreements/") and record.file.name.endswith(".pdf")
    assert sealing.BUNDLE_KEY in keys  # the embedded seal certificate is shared through the bucket too
    assert len(keys) == 2
    stored = bucket.read(record.file.name)
    assert hashlib.sha256(stored).hexdigest() == record.sha256 and len(stored) == record.size

    url = reverse("agreements:pdf", args=["acme", version.agreement_id, version.number])
    filename = f"alliance-agreement-{version.agreement_id}-v{version.number}.pdf"
    for who in (employee, manager, hr):
        response = login(who).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Length"] == str(record.size)
        assert response["Content-Disposition"] == f'inline; filename="{filename}"'
        assert response["Cache-Control"] == "private, no-store"
    download = login(employee).get(url, {"download": "1"})
    assert download["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert b"".join(download.streaming_content) == stored

    # Not a party, or another organization altogether: nothing, not even that the PDF exists.
    assert login(other_manager).get(url).status_code == 404
    assert login(outsider).get(url).status_code == 404
    assert login(outsider).get(reverse("agreements:pdf", args=["globex", version.agreement_id, 1])).status_code == 404

    assert bucket.local_files() == []


def test_an_uploaded_pdf_is_checked_against_the_bucket_and_not_kept(bucket, signed_version, client):
    """/verify/ reads the upload in memory and checks the seal with the certificate kept in the bucket; the upload
    itself is stored nowhere (uploads of this site are read, never kept)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = signed_version()
    keys = bucket.keys()
    content = bucket.read(AgreementPdf.objects.get(version=version).file.name)
    sealing.clear_seal_cache()  # as another process would: the certificate comes from the bucket
    ok = client.post(reverse("verify"), {"file": SimpleUploadedFile("a.pdf", content, "application/pdf")})
    assert ok.context["result"]["ok"] and ok.context["result"]["version"] == version
    assert bucket.keys() == keys
    assert bucket.local_files() == []


def test_a_member_import_upload_is_not_stored(bucket, login, hr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from alliance.member_import import HEADERS_JA

    csv = (",".join(HEADERS_JA) + "\r\nnew.person@acme.example,新井 一,アライ ハジメ,employee,,,,\r\n").encode()
    response = login(hr).post(
        reverse("member_import", args=["acme"]), {"file": SimpleUploadedFile("m.csv", csv, "text/csv")}
    )
    assert response.status_code == 302
    assert bucket.keys() == []
    assert bucket.local_files() == []


def test_two_processes_seal_with_the_certificate_in_the_bucket(bucket):
    """A second process (its own cache) finds the bundle the first one made instead of making its own."""
    from weasyprint import HTML

    pdf_bytes = HTML(string="<p>alliance</p>").write_pdf()
    first = sealing.seal_pdf(pdf_bytes)
    bundle = bucket.read(sealing.BUNDLE_KEY)
    sealing.clear_seal_cache()
    second = sealing.seal_pdf(pdf_bytes)
    assert bucket.read(sealing.BUNDLE_KEY) == bundle
    assert bucket.keys() == [sealing.BUNDLE_KEY]
    assert sealing.verify_seal(first).valid and sealing.verify_seal(second).valid


def test_the_losing_copy_of_a_raced_pdf_is_removed(bucket, signed_version, monkeypatch):
    """Two workers rendering the same version: the second finds the row taken and leaves no orphan in the bucket."""
    from agreements import documents

    version = signed_version()
    keys = bucket.keys()
    real = AgreementPdf.objects.filter

    class Missing:
        def first(self):
            return None

    # The second worker looked before the first one's row existed.
    monkeypatch.setattr(
        AgreementPdf.objects, "filter", lambda *a, **k: Missing() if k.get("version") == version else real(*a, **k)
    )
    kept = documents.store_signed_pdf(version_id=version.pk)
    monkeypatch.undo()
    assert kept == AgreementPdf.objects.get(version=version)
    assert bucket.keys() == keys


def test_every_file_field_uses_the_configured_storage():
    """A file field with a storage of its own (a local folder) would keep files off the bucket."""
    from django.apps import apps
    from django.db.models import FileField

    fields = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in APPS
        for field in model._meta.get_fields()
        if isinstance(field, FileField) and field.storage is not default_storage
    ]
    assert fields == []


@pytest.mark.parametrize(
    ("needle", "why"),
    [
        ("settings.MEDIA_ROOT", "a local folder: stored files live in a storage"),
        (".path(", "a storage's local path (S3 has none)"),
        (".file.path", "a stored file's local path"),
        ("FileSystemStorage(", "a storage fixed to the local disk"),
    ],
)
def test_the_apps_reach_stored_files_only_through_the_storage_api(needle, why):
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path.name not in {"settings.py", "storage_config.py"}
        and "migrations" not in path.parts
        and needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], why


def test_the_admin_opens_a_stored_pdf_through_the_page_that_checks_access(bucket, signed_version, login, hr):
    """The admin's read-only page of a PDF links to the agreement's PDF page, never to the bucket."""
    version = signed_version()
    record = AgreementPdf.objects.get(version=version)
    hr.user.is_staff = True
    hr.user.save(update_fields=["is_staff"])
    page = login(hr).get(reverse("admin:agreements_agreementpdf_change", args=[record.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("agreements:pdf", args=["acme", version.agreement_id, version.number]) in body
    assert "X-Amz-Signature" not in body and record.file.name not in body
