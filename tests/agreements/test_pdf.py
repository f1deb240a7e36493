"""Agreement PDF export: Japanese rendering with the embedded fonts, the locked-down URL fetcher, and
the PAdES seal. Text and font checks go through poppler (pdftotext, pdffonts, pdfinfo), which reads
the PDF the way a viewer would: extracted Japanese proves real glyphs with a ToUnicode map, not tofu.
"""

import datetime as dt
import re
import shutil
import subprocess
import threading
import unicodedata
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
    BODY_FONTS,
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


BUNDLED_FONT_NAMES = {"Alliance-" + family.split()[-1] for family in (*BODY_FONTS.values(), "Alliance Mono")}


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
    assert {"Alliance-Gothic", "Alliance-Mono"} <= names <= BUNDLED_FONT_NAMES, names


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
        "https://example.com/static/fonts/NotoSans-Regular.ttf",
        "file:///etc/passwd",
        "data:text/css,body{}",
        ASSET_BASE_URL + "../../etc/passwd",
        ASSET_BASE_URL + "fonts/../fonts/NotoSans-Regular.ttf",
        ASSET_BASE_URL + "fonts/NotoSans-Regular.ttf?x=1",
        ASSET_BASE_URL + "fonts/LICENSE-OFL-1.1.txt",
        "https://pdf-assets.invalid/etc/passwd",
    ],
)
def test_url_fetcher_refuses_anything_off_the_allow_list(url):
    with pytest.raises(PdfAssetRefused):
        asset_url_fetcher().fetch(url)


def test_url_fetcher_serves_the_allow_listed_font():
    response = asset_url_fetcher().fetch(ASSET_BASE_URL + "fonts/NotoSans-Regular.ttf")
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    finally:
        response.close()
    assert resolve_asset(ASSET_BASE_URL + "fonts/DejaVuSansMono.ttf").is_file()
    assert resolve_asset(ASSET_BASE_URL + "fonts/NotoSansCJKjp-Regular.otf").read_bytes()[:4] == b"OTTO"


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
    from django.core.files.storage import storages

    bundle = media / "sealing" / sealing.DEFAULT_BUNDLE_NAME
    start = threading.Barrier(6)

    def create():
        start.wait()
        storage = storages[sealing.SEAL_STORAGE]
        sealing._ensure_self_signed_bundle(storage)
        return sealing._read_bundle(storage)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: create(), range(6)))
    assert len(set(results)) == 1
    assert results[0].count(b"BEGIN CERTIFICATE") == 1
    assert [p.name for p in bundle.parent.iterdir()] == [bundle.name]  # no temporary file left behind


# --- Everything signed is printed -------------------------------------------------------------------


def _squash(text: str) -> str:
    """Text with all whitespace removed: a run split at the edge of its box still reads as one."""
    return re.sub(r"\s+", "", text)


def _raw_text(path, first: int | None = None, last: int | None = None) -> str:
    # -raw keeps the content stream's order, in which each box's lines follow one another, so a value
    # wrapped over several lines of a narrow table cell comes out in one piece.
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return _poppler("pdftotext", "-raw", "-enc", "UTF-8", *pages, str(path), "-")


def _body_text(path) -> str:
    """The pages' body text in content order, without the running header and page number between pages."""
    top, bottom = 22 * 72 / 25.4, 20 * 72 / 25.4  # agreement.css: @page margins
    crop = ["-x", "0", "-y", f"{top - 2:.0f}", "-W", "596", "-H", f"{841.89 - top - bottom + 4:.0f}"]
    return "".join(
        _poppler("pdftotext", "-raw", "-enc", "UTF-8", "-f", str(page), "-l", str(page), *crop, str(path), "-")
        for page in range(1, _page_count(path) + 1)
    )


def _snapshot_leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _snapshot_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _snapshot_leaves(item, (*path, index))
    else:
        yield path, value


def _printed_form(path: tuple, value, doc) -> str | None:
    """How the PDF prints one snapshot leaf: coded values by their label or local format, text as is."""
    from decimal import Decimal

    from django.utils import formats

    from agreements.models import KpiDirection, TourKind
    from agreements.pdf import _format_datetime, _format_number

    key = path[-1]
    if value is None:
        return None
    if key in ("start_date", "end_date", "due_date"):
        return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    if key == "requested_at":
        return _format_datetime(dt.datetime.fromisoformat(value), sealing_zone(doc))
    if path == ("tour", "kind"):
        return str(TourKind(value).label)
    if key == "direction":
        return str(KpiDirection(value).label)
    if key == "amendment":
        return translation.gettext("Amendment" if value else "Original agreement")
    if key == "hr_countersign":
        return translation.gettext("Required" if value else "Not required")
    if key in ("baseline", "target"):
        return _format_number(Decimal(value))
    if key == "weight":
        return _format_number(value)
    return str(value)


def sealing_zone(doc):
    from agreements.pdf import _zone

    return _zone(doc)


@pytest.mark.django_db
def test_every_field_of_the_signed_snapshot_is_printed(signed_version, tmp_path):
    """Walks the snapshot generically: a field added to it later and not printed fails here."""
    from agreements.documents import build_document
    from agreements.models import AgreementPdf

    version = signed_version()
    path = tmp_path / "signed.pdf"
    path.write_bytes(AgreementPdf.objects.get(version=version).file.read())
    printed = _squash(_body_text(path))
    doc = build_document(version)
    leaves = list(_snapshot_leaves(version.snapshot))
    assert {p[0] for p, _value in leaves} >= {"tour", "clauses", "kpis", "employee", "manager", "organization"}
    with translation.override(doc.language):
        missing = [
            (".".join(map(str, p)), expected)
            for p, value in leaves
            if (expected := _printed_form(p, value, doc)) is not None and _squash(expected) not in printed
        ]
    assert missing == []


# --- Nothing is cut off or pushed off the page ------------------------------------------------------

A4_WIDTH, A4_HEIGHT = 595.276, 841.89
MARGIN_X = 20 * 72 / 25.4  # agreement.css: @page margin 20 mm left and right

LONG_URL = "https://tickets.example.com/browse/" + "/".join(f"segment{i:03d}" for i in range(40)) + "?q=" + "x" * 120
COMMA_LIST = ",".join(f"item{i:03d}" for i in range(120))
TICKETS = "".join(f"PAY-{n:06d}" for n in range(100000, 100060))
LATIN_NAME = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewarenwohlgepflege"
IPV6 = "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
EMAIL_NAME = "yamada.hanako.platform-engineering.payments-division@subsidiary-holdings.example.co.jp"
DIGITS = "9" * 30


def _kpi(**changes):
    from agreements.pdf import PdfKpi

    base = {
        "name": "月次解約率",
        "definition": "定義",
        "unit": "%",
        "baseline": 1,
        "target": 2,
        "direction": "increase",
        "due_date": dt.date(2026, 3, 31),
        "weight": 10,
    }
    return PdfKpi(**{**base, **changes})


def _event(**changes):
    from agreements.pdf import PdfEvent

    base = {
        "kind": "signature",
        "at": dt.datetime(2025, 3, 24, 10, 2, 11, tzinfo=dt.UTC),
        "actor": "佐藤 健一",
        "ip": "203.0.113.24",
        "user_agent": "Mozilla/5.0",
    }
    return PdfEvent(**{**base, **changes})


def _signature(name):
    from agreements.pdf import PdfSignature

    return PdfSignature(name, "employee", dt.datetime(2025, 3, 25, 9, 41, 53, tzinfo=dt.UTC))


# (case, changes to the sample document, values that must all be printed whole and on the page)
ADVERSARIAL = [
    ("url in the goal", {"goal": LONG_URL}, [LONG_URL]),
    ("url in a kpi definition", {"kpis": [_kpi(definition=LONG_URL)]}, [LONG_URL]),
    ("comma-joined list in a clause", {"company_asks": COMMA_LIST}, [COMMA_LIST]),
    ("comma-joined list as a kpi name", {"kpis": [_kpi(name=COMMA_LIST)]}, [COMMA_LIST]),
    ("ticket numbers as the title", {"title": TICKETS}, [TICKETS]),
    ("ticket numbers as a value", {"values": [(TICKETS, TICKETS)]}, [TICKETS]),
    (
        "long latin name as the employee",
        {"employee_name": LATIN_NAME, "signatures": [_signature(LATIN_NAME)]},
        [LATIN_NAME],
    ),
    ("long latin organization name", {"organization_name": LATIN_NAME}, [LATIN_NAME]),
    ("full ipv6 addresses", {"events": [_event(ip=IPV6, actor=EMAIL_NAME)] * 3}, [IPV6, EMAIL_NAME]),
    (
        "e-mail address as names",
        {
            "manager_name": EMAIL_NAME,
            "employee_email": EMAIL_NAME,
            "signatures": [_signature(EMAIL_NAME), _signature(EMAIL_NAME)],
        },
        [EMAIL_NAME],
    ),
    (
        "long kpi unit and numbers",
        {"kpis": [_kpi(unit="回/週/人/チーム/四半期あたり/拠点", baseline=DIGITS, target=DIGITS, weight=DIGITS)]},
        [DIGITS, "回/週/人/チーム/四半期あたり/拠点"],
    ),
    ("a clause longer than a page", {"company_offers": "条項を確認した。" * 1500}, ["条項を確認した。" * 1500]),
    (
        "a clause of many short lines",
        {"employee_asks": "\n".join(f"第{i}項 確認" for i in range(200))},
        [f"第{i}項確認" for i in range(200)],
    ),
    ("a long value description", {"values": [("長い価値観", "説明の文。" * 1200)]}, ["説明の文。" * 1200]),
    # The row's other cells are empty: text extraction would otherwise put their text where the row splits.
    (
        "a kpi definition longer than a page",
        {
            "kpis": [
                _kpi(
                    definition="定義の文。" * 1500,
                    unit="",
                    baseline=None,
                    target=None,
                    direction="",
                    due_date=None,
                    weight=None,
                )
            ]
        },
        ["定義の文。" * 1500],
    ),
    ("a user agent without spaces", {"events": [_event(user_agent="A" * 600)]}, ["A" * 600]),
]


def _render_changed(tmp_path, changes, name="case.pdf"):
    doc = example_document("ja", kpi_count=4, value_count=3)
    for field, value in changes.items():
        setattr(doc, field, value)
    path = tmp_path / name
    path.write_bytes(render_agreement_pdf(doc))
    return path


def _words(path):
    """(page number, xMin, yMin, xMax, yMax, text) for every word poppler finds, page sizes checked."""
    html = _poppler("pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-")
    words = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.DOTALL), start=1):
        assert re.match(r'width="595\.2\d*" height="841\.8\d*"', page), page[:60]
        for x_min, y_min, x_max, y_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
        ):
            words.append((number, float(x_min), float(y_min), float(x_max), float(y_max), text))
    return words


@pytest.mark.parametrize("changes, expected", [case[1:] for case in ADVERSARIAL], ids=[case[0] for case in ADVERSARIAL])
def test_long_runs_wrap_inside_the_page(tmp_path, changes, expected):
    path = _render_changed(tmp_path, changes)
    # A row split over pages has the repeated header row drawn between its two parts.
    printed = _squash(_body_text(path)).replace(_table_header("kpis"), "").replace(_table_header("events"), "")
    for value in expected:
        assert _squash(value) in printed
    _assert_all_words_on_the_page(path)


def _table_header(table: str) -> str:
    """The squashed text of a table's header row, as agreement.html prints it."""
    if table == "kpis":
        labels = ["#", f"{_label('KPI')} / {_label('Definition')}", *map(_label, ("Unit", "Baseline", "Target"))]
        labels += map(_label, ("Direction", "Due date", "Weight"))
    else:
        labels = map(_label, ("Time", "Event", "Actor", "IP address", "User agent"))
    return _squash("".join(labels))


def _assert_all_words_on_the_page(path):
    off_page = [
        word
        for word in _words(path)
        if word[1] < MARGIN_X - 1 or word[3] > A4_WIDTH - MARGIN_X + 1 or word[2] < 0 or word[4] > A4_HEIGHT
    ]
    assert off_page == []


def _heading_labels(language="ja"):
    labels = [
        "Organization values",
        "Tour",
        "Commitments",
        "KPIs",
        "Signatures",
        "Verification",
        "Goal",
        "How it moves the person toward their ideal self",
        "What it brings the company",
        "What the company offers",
        "What the company asks",
        "What the employee offers",
        "What the employee asks",
        "Alumni clause",
    ]
    return {_squash(_label(label, language)) for label in labels}


@pytest.mark.parametrize("length", [300, 700, 1100, 1500, 1900, 2300, 2700])
def test_a_long_clause_flows_on_without_a_heading_left_at_the_foot_of_a_page(tmp_path, length):
    clause = "条項を確認した。" * (length // 8)
    path = _render_changed(tmp_path, {"goal": clause, "company_offers": clause, "alumni_clause": clause})
    assert _squash(clause) in _squash(_body_text(path))
    _assert_all_words_on_the_page(path)
    words = _words(path)
    headings = _heading_labels()
    for page in sorted({word[0] for word in words}):
        # Body words only: the running header and the page number live in the page margins.
        body = [w for w in words if w[0] == page and 22 * 72 / 25.4 < w[2] < A4_HEIGHT - 20 * 72 / 25.4]
        bottom = max(w[2] for w in body)
        last_line = _squash("".join(w[5] for w in body if abs(w[2] - bottom) < 2))
        last_line = re.sub(r"^\d+\.", "", last_line)  # the section number printed before an h2
        assert last_line not in headings, (page, last_line)


# (table, a column header, rows with the long runs such a table meets; every row carries a marker)
LONG_TABLES = [
    (
        "kpis",
        "Baseline",
        [
            _kpi(name=f"指標{i:03d}", definition=LONG_URL, unit="回/週/人/チーム/四半期", target=DIGITS)
            for i in range(40)
        ],
    ),
    (
        "events",
        "IP address",
        [_event(actor=f"担当者{i:03d}{EMAIL_NAME}", ip=IPV6, user_agent="Mozilla/5.0 " * 12) for i in range(70)],
    ),
]


@pytest.mark.parametrize("changes, header, rows", LONG_TABLES, ids=[case[0] for case in LONG_TABLES])
def test_long_tables_split_across_pages_and_repeat_their_header(tmp_path, changes, header, rows):
    markers = [re.match(r"\D+\d{3}", row.name if changes == "kpis" else row.actor).group() for row in rows]
    path = _render_changed(tmp_path, {changes: rows})
    label = _squash(_label(header))
    pages_with_rows = set()
    for page in range(1, _page_count(path) + 1):
        text = _squash(_raw_text(path, page, page))
        if any(marker in text for marker in markers):
            pages_with_rows.add(page)
            assert label in text, f"page {page} continues the table without its header"
    assert len(pages_with_rows) >= 2
    everything = _squash(_body_text(path))
    assert all(marker in everything for marker in markers)
    _assert_all_words_on_the_page(path)


# --- Glyphs: whatever a person can type prints as itself, with the bundled fonts only ----------------

# (case, text typed in a name and a clause)
TYPED_TEXT = [
    ("kanji outside the BMP", "𠮷田 𩸽子 𠀋 𡈽 𣘺"),
    ("JIS level 3-4 and compatibility ideographs", "髙橋 﨑山 塚本 塚 﨏 德"),
    ("ideographic variation sequences", "葛\U000e0100城 辻\U000e0100本 邊\U000e0103"),
    ("half-width kana and symbols", "ﾔﾏﾀﾞ ﾊﾅｺ ①②③ ㈱ ℡ №"),
    ("emoji", "😀 👍🏽 👨\u200d👩\u200d👧 🎉 ❤️"),
    ("arabic", "محمد عبد الله"),
    ("hebrew", "דוד לוי"),
    ("latin with diacritics", "Łukasz Żółć, Nguyễn Thị Minh Khai, Ørsted Ås"),
    ("greek and cyrillic", "Αλέξανδρος Παπαδόπουλος, Наталья Кузнецова"),
]


def _is_selector(char):
    return 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF


def _bundled_real_names():
    from django.conf import settings
    from fontTools.ttLib import TTFont

    names = set()
    for file in (settings.BASE_DIR / "static" / "fonts").glob("*.[ot]tf"):
        font = TTFont(file, lazy=True)
        names.add(font["name"].getDebugName(1).replace(" ", "-"))
        font.close()
    return names


@pytest.mark.parametrize("text", [case[1] for case in TYPED_TEXT], ids=[case[0] for case in TYPED_TEXT])
def test_typed_characters_print_as_themselves_with_the_bundled_fonts_only(tmp_path, caplog, text):
    from agreements.pdf import unprintable_characters

    assert unprintable_characters(text) == []
    with caplog.at_level("WARNING", logger="weasyprint"):
        path = _render_changed(
            tmp_path, {"employee_name": text, "goal": text, "signatures": [_signature(text)]}, name="glyphs.pdf"
        )
    assert [r.getMessage() for r in caplog.records if "notdef" in r.getMessage()] == []
    rows = _poppler("pdffonts", str(path)).splitlines()[2:]
    # Pango may reach a bundled font by its own name (emoji presentation does): still one of ours.
    assert {row.split()[0].split("+", 1)[-1] for row in rows} <= BUNDLED_FONT_NAMES | _bundled_real_names()
    if not any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        # Right-to-left runs come out of pdftotext in visual order; for them the log check above is the proof.
        # A variant glyph maps back to its base character and selector; compare the base characters.
        def base(value):
            return "".join(c for c in _squash(value) if unicodedata.category(c) != "Cf" and not _is_selector(c))

        assert base(text) in base(_body_text(path))


@pytest.mark.parametrize(
    "text, missing",
    [
        ("山田 花子", []),
        ("𠮷野 𩸽", []),
        ("\ue000社長", ["\ue000"]),  # a private-use character from some vendor's input method
        ("𤚩の件", ["𤚩"]),  # an extension-B kanji no bundled font has
        ("a\U0010fffdb\ue000\ue000", ["\U0010fffd", "\ue000"]),
        ("改行\nタブ\tゼロ幅\u200b\u200d結合", []),
    ],
)
def test_unprintable_characters_are_those_no_bundled_font_has(text, missing):
    from agreements.pdf import unprintable_characters

    assert unprintable_characters(text) == missing


def test_the_renderer_sees_only_the_bundled_fonts():
    """The fontconfig configuration WeasyPrint loads lists the files of static/fonts and nothing else."""
    from django.conf import settings
    from weasyprint.text.ffi import ffi, fontconfig
    from weasyprint.text.fonts import FontConfiguration

    from agreements.pdf import bundled_fonts_only

    with bundled_fonts_only():
        font_config = FontConfiguration()
    fonts = fontconfig.FcConfigGetFonts(font_config._config, fontconfig.FcSetSystem)
    files = set()
    for index in range(fonts.nfont):
        name = ffi.new("FcChar8 **")
        fontconfig.FcPatternGetString(fonts.fonts[index], b"file", 0, name)
        files.add(ffi.string(name[0]).decode())
    bundled = settings.BASE_DIR / "static" / "fonts"
    assert files and {str(bundled / relative.split("/", 1)[1]) for relative in BODY_FONTS} <= files
    assert all(file.startswith(str(bundled) + "/") for file in files), files


# --- A draft whose text cannot be printed is named and not sent for signatures -----------------------

# (where the character is typed, how to type it there, the field label the warning names)
UNPRINTABLE_INPUTS = [
    ("clause", lambda version, tour, employee: _set_clause(version, "alumni_clause", "退職後も\ue000連絡"), "alumni"),
    ("tour goal", lambda version, tour, employee: _set(tour, "goal", "𤚩の刷新"), "goal"),
    ("kpi name", lambda version, tour, employee: _set_kpi(version, "name", "決済\U0010fffd率"), "KPI 1"),
    ("employee name", lambda version, tour, employee: _set(employee.user, "name", "山\ue001"), "Employee"),
]


def _set(obj, field, value):
    setattr(obj, field, value)
    obj.save()


def _set_clause(version, field, value):
    _set(version, field, value)


def _set_kpi(version, field, value):
    _set(version.kpis.order_by("position").first(), field, value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed, label", [case[1:] for case in UNPRINTABLE_INPUTS], ids=[case[0] for case in UNPRINTABLE_INPUTS]
)
def test_unprintable_characters_are_named_on_the_version_page_and_block_the_request(
    draft_version, manager, employee, login, typed, label
):
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from agreements import services
    from agreements.models import VersionStatus

    version = draft_version()
    typed(version, version.agreement.tour, employee)
    version.refresh_from_db()
    page = login(manager, language="en").get(
        reverse("agreements:version", args=["acme", version.agreement_id, version.number])
    )
    assert page.status_code == 200
    warning = page.content.decode().split('id="unprintable-characters"', 1)
    assert len(warning) == 2, "no warning on the version page"
    assert label.lower() in warning[1].split("</div>", 1)[0].lower()
    assert "U+" in warning[1]
    with pytest.raises(ValidationError) as refused:
        services.agreement_request_signatures(version=version, actor=manager)
    assert any("U+" in message for message in refused.value.messages)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


@pytest.mark.django_db
def test_a_printable_draft_shows_no_warning(draft_version, manager, login):
    from django.urls import reverse

    version = draft_version()
    page = login(manager, language="en").get(
        reverse("agreements:version", args=["acme", version.agreement_id, version.number])
    )
    assert page.status_code == 200
    assert b"unprintable-characters" not in page.content
