"""Agreement PDF export: Japanese rendering with the embedded fonts, the locked-down URL fetcher, and
the PAdES seal. Text and font checks go through poppler (pdftotext, pdffonts, pdfinfo), which reads
the PDF the way a viewer would: extracted Japanese proves real glyphs with a ToUnicode map, not tofu.
"""

import datetime as dt
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from agreements import sealing
from agreements.pdf import (
    ASSET_BASE_URL,
    PdfAssetRefused,
    PdfDocument,
    asset_url_fetcher,
    example_document,
    render_agreement_html,
    render_agreement_pdf,
    resolve_asset,
)


def _poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (apt-get install -y poppler-utils)")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def _label(text: str, language: str = "ja") -> str:
    # Labels are checked in whatever form the current catalogue gives them, so these tests hold both
    # before and after the Japanese translations are filled in.
    with translation.override(language):
        return translation.gettext(text)


@pytest.fixture(scope="module")
def sample() -> PdfDocument:
    return example_document("ja", kpi_count=10, value_count=9)


@pytest.fixture(scope="module")
def pdf_file(sample, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "agreement.pdf"
    path.write_bytes(render_agreement_pdf(sample))
    return path


@pytest.fixture(scope="module")
def pdf_bytes(pdf_file) -> bytes:
    return pdf_file.read_bytes()


def _page_count(path) -> int:
    info = _poppler("pdfinfo", str(path))
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


# --- Rendering --------------------------------------------------------------------------------------


def test_pdf_is_a4(pdf_file):
    info = _poppler("pdfinfo", str(pdf_file))
    assert "595.276 x 841.89 pts (A4)" in info


def test_japanese_text_is_extracted_not_tofu(pdf_file, sample):
    text = _poppler("pdftotext", "-enc", "UTF-8", str(pdf_file), "-")
    assert sample.organization_name in text  # 株式会社サンプル・テクノロジーズ
    assert "顧客の成功から逆算する" in text  # a value title
    assert "月次解約率" in text  # a KPI name
    assert "山田 花子" in text
    assert _label("Alliance agreement").replace(" ", "") in text.replace(" ", "")  # letter-spaced title
    assert "\ufffd" not in text


def test_document_contains_every_part(pdf_file, sample):
    text = _poppler("pdftotext", "-enc", "UTF-8", str(pdf_file), "-")
    for title, _description in sample.values:
        assert title in text
    for kpi in sample.kpis:
        assert kpi.name in text
    assert "120,000,000" in text  # baselines are grouped
    assert "2025年4月1日" in text  # the period, in the Japanese date format
    assert "2025-03-25 09:41:53 UTC+09:00" in text  # a signature time, to the second with its offset
    assert sample.verify_url in text
    for label in ("Organization values", "Commitments", "Alumni clause", "KPIs", "Signatures"):
        assert _label(label) in text


def test_full_hash_is_printed_on_one_line(pdf_file, sample):
    text = _poppler("pdftotext", "-enc", "UTF-8", str(pdf_file), "-")
    assert sample.content_hash in [line.strip() for line in text.splitlines()]


def test_pages_are_numbered_and_the_last_page_is_the_signing_record(pdf_file, sample):
    pages = _page_count(pdf_file)
    assert pages >= 2
    first = _poppler("pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(pdf_file), "-")
    last = _poppler("pdftotext", "-enc", "UTF-8", "-f", str(pages), "-l", str(pages), str(pdf_file), "-")
    assert re.search(rf"^1\s*/\s*{pages}$", first, re.MULTILINE)
    assert re.search(rf"^{pages}\s*/\s*{pages}$", last, re.MULTILINE)
    assert _label("Signing record") in last
    for event in sample.events:
        assert event.ip in last
    assert "2025-03-21 17:30:00 UTC+09:00" in last


def test_only_the_projects_own_fonts_are_embedded(pdf_file):
    rows = _poppler("pdffonts", str(pdf_file)).splitlines()[2:]
    assert rows, "no fonts in the PDF"
    names = set()
    for row in rows:
        columns = row.split()
        name, embedded = columns[0], columns[-5]
        assert embedded == "yes", row
        names.add(name.split("+", 1)[-1])
    # No system font stood in for a missing glyph: the PDF renders the same on a bare machine.
    assert names == {"Alliance-Gothic", "Alliance-Mono"}, names


def test_english_rendering_uses_english_labels(tmp_path):
    path = tmp_path / "en.pdf"
    path.write_bytes(render_agreement_pdf(example_document("en", kpi_count=2, value_count=2)))
    text = _poppler("pdftotext", "-enc", "UTF-8", str(path), "-")
    assert "Alliance agreement" in text
    assert "Signing record" in text
    assert "April 1, 2025" in text


def test_user_text_is_escaped_and_never_fetched(sample):
    doc = example_document("ja")
    doc.goal = '<img src="file:///etc/passwd"> <link rel=stylesheet href="http://example.com/x.css">'
    html = render_agreement_html(doc)
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert render_agreement_pdf(doc).startswith(b"%PDF")


def test_rejects_a_content_hash_that_is_not_a_full_sha256():
    doc = example_document("ja")
    doc.content_hash = doc.content_hash[:16]
    with pytest.raises(ValueError, match="content_hash"):
        render_agreement_pdf(doc)


def test_empty_sections_still_render(tmp_path):
    doc = example_document("en", kpi_count=0, value_count=0)
    doc.events = []
    doc.signatures = []
    path = tmp_path / "empty.pdf"
    path.write_bytes(render_agreement_pdf(doc))
    assert _page_count(path) >= 2


# --- URL fetcher ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/font.ttf",
        "https://example.com/static/fonts/ipaexg.ttf",
        "file:///etc/passwd",
        "data:text/css,body{}",
        ASSET_BASE_URL + "../../etc/passwd",
        ASSET_BASE_URL + "fonts/../fonts/ipaexg.ttf",
        ASSET_BASE_URL + "fonts/ipaexg.ttf?x=1",
        ASSET_BASE_URL + "fonts/IPA_Font_License_Agreement_v1.0.txt",
        "https://pdf-assets.invalid/etc/passwd",
    ],
)
def test_url_fetcher_refuses_anything_off_the_allow_list(url):
    with pytest.raises(PdfAssetRefused):
        asset_url_fetcher().fetch(url)


def test_url_fetcher_serves_the_allow_listed_font():
    response = asset_url_fetcher().fetch(ASSET_BASE_URL + "fonts/ipaexg.ttf")
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    finally:
        response.close()
    assert resolve_asset(ASSET_BASE_URL + "fonts/DejaVuSansMono.ttf").is_file()


def test_a_template_reference_off_the_allow_list_aborts_rendering():
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    html = HTML(
        string='<img src="file:///etc/passwd"><p>x</p>', base_url=ASSET_BASE_URL, url_fetcher=asset_url_fetcher()
    )
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


# --- Sealing ----------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PDF_SEAL_KEY_FILE = None
    settings.PDF_SEAL_CERT_FILE = None
    settings.PDF_SEAL_KEY_PASSPHRASE = None
    sealing.clear_seal_cache()
    yield settings.MEDIA_ROOT
    sealing.clear_seal_cache()


def test_seal_then_verify(media, pdf_bytes):
    sealed = sealing.seal_pdf(pdf_bytes)
    assert sealed.startswith(pdf_bytes)  # an incremental update: the rendered bytes stay as they were
    check = sealing.verify_seal(sealed)
    assert check == sealing.SealCheck(
        valid=True, intact=True, signed_by_service=True, reason="ok", signed_at=check.signed_at, signer=check.signer
    )
    assert check.signed_at is not None
    bundle = media / "sealing" / sealing.DEFAULT_BUNDLE_NAME
    assert bundle.stat().st_mode & 0o077 == 0  # the private key is readable by its owner only
    assert b"BEGIN CERTIFICATE" in sealing.service_certificate_pem()


def test_unsealed_and_garbage_input_is_invalid(media, pdf_bytes):
    assert not sealing.verify_seal(pdf_bytes).valid
    check = sealing.verify_seal(b"not a pdf at all")
    assert not check.valid and not check.intact and not check.signed_by_service


def _flip(data: bytes, position: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[position] ^= mask
    return bytes(changed)


def test_one_changed_byte_in_the_middle_invalidates_the_seal(media, pdf_bytes):
    sealed = sealing.seal_pdf(pdf_bytes)
    check = sealing.verify_seal(_flip(sealed, len(sealed) // 2))
    assert not check.valid
    assert not check.intact


def test_changed_bytes_anywhere_invalidate_the_seal(media, pdf_bytes):
    sealed = sealing.seal_pdf(pdf_bytes)
    gap_start = sealed.rindex(b"/Contents <") + len(b"/Contents <")
    gap_end = sealed.index(b">", gap_start)
    positions = [
        0,  # the header
        len(pdf_bytes) // 3,  # page content
        gap_start + 40,  # the CMS digest algorithm list and certificate bag
        gap_start + 400,
        gap_end - 10,  # the zero padding after the signature
        len(sealed) - 20,  # the final trailer
    ]
    for position in positions:
        for mask in (0x01, 0x20):  # 0x20 turns an uppercase hex digit lowercase: same value, other byte
            assert not sealing.verify_seal(_flip(sealed, position, mask)).valid, (position, mask)


def test_appended_update_invalidates_the_seal(media, pdf_bytes):
    from io import BytesIO

    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    sealed = sealing.seal_pdf(pdf_bytes)
    # A well-formed incremental update, as an editing tool would append it.
    writer = IncrementalPdfFileWriter(BytesIO(sealed))
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed != sealed
    check = sealing.verify_seal(changed)
    assert not check.valid
    assert check.signed_by_service  # still our seal, but the file no longer ends where it did


def test_a_seal_by_another_certificate_is_not_ours(settings, tmp_path, pdf_bytes):
    settings.PDF_SEAL_KEY_FILE = None
    settings.PDF_SEAL_CERT_FILE = None
    settings.MEDIA_ROOT = tmp_path / "other-service"
    sealed_elsewhere = sealing.seal_pdf(pdf_bytes)
    settings.MEDIA_ROOT = tmp_path / "this-service"
    check = sealing.verify_seal(sealed_elsewhere)
    assert check.intact  # a perfectly good signature...
    assert not check.signed_by_service  # ...by someone else
    assert not check.valid
    sealing.clear_seal_cache()


def _write_key_and_cert(tmp_path, passphrase: bytes):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Configured seal")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file = tmp_path / "seal-key.pem"
    cert_file = tmp_path / "seal-cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file, cert


def test_configured_key_and_certificate_with_passphrase(media, tmp_path, settings, pdf_bytes):
    key_file, cert_file, cert = _write_key_and_cert(tmp_path, b"s3cret")
    settings.PDF_SEAL_KEY_FILE = str(key_file)
    settings.PDF_SEAL_CERT_FILE = str(cert_file)
    settings.PDF_SEAL_KEY_PASSPHRASE = "s3cret"
    check = sealing.verify_seal(sealing.seal_pdf(pdf_bytes))
    assert check.valid, check.reason
    assert "Configured seal" in check.signer
    assert not (media / "sealing").exists()  # no embedded default was created


def test_half_configured_sealing_is_an_error(media, tmp_path, settings):
    settings.PDF_SEAL_KEY_FILE = str(tmp_path / "key.pem")
    with pytest.raises(ImproperlyConfigured):
        sealing.seal_pdf(b"%PDF-1.7")


def test_concurrent_first_use_creates_one_certificate(media):
    bundle = media / "sealing" / sealing.DEFAULT_BUNDLE_NAME
    start = threading.Barrier(6)

    def create():
        start.wait()
        sealing._ensure_self_signed_bundle(bundle)
        return bundle.read_bytes()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: create(), range(6)))
    assert len(set(results)) == 1
    assert results[0].count(b"BEGIN CERTIFICATE") == 1
    assert [p.name for p in bundle.parent.iterdir()] == [bundle.name]  # no temporary file left behind
