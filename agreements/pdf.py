"""PDF export of a signed alliance agreement version.

The input is a set of plain dataclasses rather than model instances: the PDF must be reproducible from
the frozen content of an agreement version (the same data that is hashed into ``content_hash``), so
whoever owns the models builds a ``PdfDocument`` from that snapshot and this module never queries.

Rendering is done by WeasyPrint with a URL fetcher that serves a fixed allow-list of the project's own
static files. User-supplied text reaches the HTML only through Django's autoescaping, and any other
resource reference (network, ``file:`` paths, ``data:``) aborts the rendering instead of being fetched.
"""

from __future__ import annotations

import mimetypes
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

TEMPLATE_NAME = "agreements/pdf/agreement.html"

# A base URL that can never resolve (RFC 2606 reserves ".invalid"): relative references in the template
# resolve against it, and the fetcher below answers for exactly these URLs without touching the network.
ASSET_BASE_URL = "https://pdf-assets.invalid/static/"

# The fonts the PDF may use, in the order of the body text's font stack (agreement.css): file below
# static/ -> the @font-face family. Pango takes each character from the first family that has it, and
# the renderer sees no other font (see bundled_fonts_only), so the union of these cmaps is exactly what
# can be printed. static/fonts/README.md says where each file comes from.
BODY_FONTS: dict[str, str] = {
    "fonts/NotoSansCJKjp-Regular.otf": "Alliance Gothic",
    "fonts/NotoSans-Regular.ttf": "Alliance Latin",
    "fonts/NotoSansArabic-Regular.ttf": "Alliance Arabic",
    "fonts/NotoSansHebrew-Regular.ttf": "Alliance Hebrew",
    "fonts/NotoSansSymbols2-Regular.ttf": "Alliance Symbols",
    "fonts/NotoEmoji-Regular.ttf": "Alliance Emoji",
}
# Fixed pitch for the content hash, falling back to the body stack for anything else.
MONO_FONT = "fonts/DejaVuSansMono.ttf"

# URL path below ASSET_BASE_URL -> file below the project's static/ directory. Nothing else is served.
ALLOWED_ASSETS: dict[str, str] = {path: path for path in (*BODY_FONTS, MONO_FONT)}

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PdfKpi:
    name: str
    definition: str = ""
    unit: str = ""
    baseline: Decimal | int | float | str | None = None
    target: Decimal | int | float | str | None = None
    # "increase" | "decrease" | "maintain" are translated; any other text is printed as given.
    direction: str = ""
    due_date: date | None = None
    weight: Decimal | int | float | str | None = None


@dataclass(frozen=True)
class PdfSignature:
    name: str
    # "manager" | "employee" are translated; any other text (e.g. a job title) is printed as given.
    role: str
    signed_at: datetime | None = None


@dataclass(frozen=True)
class PdfEvent:
    # "request" | "signature" | "decline" | "withdrawal" are translated; other text is printed as given.
    kind: str
    at: datetime
    actor: str
    ip: str = ""
    user_agent: str = ""


@dataclass
class PdfDocument:
    organization_name: str
    employee_name: str
    manager_name: str
    title: str
    goal: str
    period_start: date
    period_end: date
    content_hash: str
    verify_url: str
    version: int = 1
    language: str = "ja"
    # Ordered (title, description) pairs, as the organization lists its values.
    values: Sequence[tuple[str, str]] = ()
    company_offers: str = ""
    company_asks: str = ""
    employee_offers: str = ""
    employee_asks: str = ""
    alumni_clause: str = ""
    kpis: Sequence[PdfKpi] = ()
    signatures: Sequence[PdfSignature] = ()
    # Chronological order is the caller's; the record prints them as given.
    events: Sequence[PdfEvent] = ()
    # Shown as "issued at" on the signing record; defaults to the moment of rendering.
    issued_at: datetime | None = None
    # IANA zone for printed times; defaults to Django's current time zone.
    time_zone: str | None = None
    # The rest of what the signed snapshot holds (agreements.snapshot.build_snapshot): every field of
    # it is printed, since the parties sign all of it. The tour's kind comes as its display label.
    tour_kind: str = ""
    toward_ideal_self: str = ""
    value_to_company: str = ""
    employee_email: str = ""
    manager_email: str = ""
    employee_member_id: int | str = ""
    manager_member_id: int | str = ""
    organization_id: str = ""
    agreement_id: int | str = ""
    amendment: bool = False
    hr_countersign: bool = False
    requested_at: datetime | None = None
    # Which snapshot format and service produced the signed content.
    schema: int | str = ""
    service: str = ""
    # An amendment: why, the version it changes, and what changed (agreements.diff.Change, printed in order).
    amendment_reason: str = ""
    previous_version: int | None = None
    changes: Sequence = ()


class PdfAssetRefused(ValueError):
    """Raised for any resource the PDF renderer asks for that is not on the allow-list."""


def _static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static"


def resolve_asset(url: str) -> Path:
    """Map an asset URL to a file of the allow-list, or raise PdfAssetRefused.

    The comparison is on the exact, unnormalised path, so "..", percent-encoding or a query string can
    never reach a file outside the list.
    """
    parts = urlsplit(url)
    base = urlsplit(ASSET_BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query or parts.fragment:
        raise PdfAssetRefused(f"PDF renderer may not fetch {url!r}")
    if not parts.path.startswith(base.path):
        raise PdfAssetRefused(f"PDF renderer may not fetch {url!r}")
    relative = ALLOWED_ASSETS.get(parts.path[len(base.path) :])
    if relative is None:
        raise PdfAssetRefused(f"PDF renderer may not fetch {url!r}")
    return _static_dir() / relative


def asset_url_fetcher():
    """A WeasyPrint URL fetcher that serves ALLOWED_ASSETS and raises PdfAssetRefused for anything else."""
    # Imported here so that importing this module (e.g. from models or views) stays cheap.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticAssetFetcher(URLFetcher):
        # fail_on_errors makes a refusal or a missing font abort the rendering: a PDF silently rendered
        # without its font would show tofu, and an unexpected URL in the template is a bug to surface.
        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            path = resolve_asset(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticAssetFetcher()


# ---------------------------------------------------------------------------------------------------
# Fonts: the renderer sees the bundled fonts and nothing else, and a draft's text is checked against them
# before anyone is asked to sign, so a sealed PDF never carries an empty box (.notdef) for a character.

_FONTCONFIG_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def fontconfig_file() -> Path:
    """A fontconfig configuration that lists only static/fonts, written once per process.

    It includes none of the system's configuration, so fontconfig (and Pango's fallback through it) can
    never pick a font the machine happens to have: the PDF comes out the same on every machine. The
    cache directory is a private temporary one, as the project directory may be read-only.
    """
    from xml.sax.saxutils import escape

    folder = Path(tempfile.mkdtemp(prefix="alliance-fontconfig-"))
    config = folder / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{escape(str(_static_dir() / 'fonts'))}</dir>\n"
        f"  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return config


@contextmanager
def bundled_fonts_only():
    """Point FONTCONFIG_FILE at fontconfig_file() while a fontconfig configuration is being loaded.

    WeasyPrint loads a fresh fontconfig configuration for each FontConfiguration, reading the variable
    at that moment; it is restored afterwards so other programs started by this process (a browser in
    the tests, for one) keep the machine's fonts. The lock keeps two threads from interleaving.
    """
    with _FONTCONFIG_LOCK:
        previous = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(fontconfig_file())
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = previous


@lru_cache(maxsize=1)
def printable_code_points() -> frozenset[int]:
    """Every code point some font of BODY_FONTS maps to a glyph (read from the fonts' cmap tables)."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for relative in BODY_FONTS:
        font = TTFont(_static_dir() / relative, lazy=True)
        try:
            points.update(font.getBestCmap())
        finally:
            font.close()
    return frozenset(points)


def _needs_no_glyph(char: str) -> bool:
    # Line breaks and tabs are layout, and format characters (zero-width joiners, bidi marks, variation
    # selectors choosing a glyph the base character's font has or falls back from) are never drawn as
    # glyphs: HarfBuzz hides default-ignorable code points.
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Zl", "Zp") or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF


def unprintable_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` that no bundled font can draw, in order of first appearance."""
    printable = printable_code_points()
    missing: dict[str, None] = {}
    for char in text:
        if ord(char) not in printable and not _needs_no_glyph(char):
            missing[char] = None
    return list(missing)


# ---------------------------------------------------------------------------------------------------
# Context building: everything is formatted here, inside the language override, so the template only
# places strings and translates labels.


def _zone(doc: PdfDocument) -> tzinfo:
    return ZoneInfo(doc.time_zone) if doc.time_zone else timezone.get_current_timezone()


def _format_datetime(value: datetime | None, zone: tzinfo) -> str:
    """Second precision with the UTC offset: the record is evidence, so it must be unambiguous."""
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, zone)
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} UTC{offset[:3]}:{offset[3:]}"


def _format_date(value: date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _format_number(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        # Drop trailing zeros without ever switching to exponent notation (Decimal("1E+2")).
        value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value, force_grouping=True)


def _choice(value: str, labels: dict[str, str]) -> str:
    return labels.get(value, value)


def _validate(doc: PdfDocument) -> None:
    if not _HASH_RE.match(doc.content_hash or ""):
        raise ValueError("content_hash must be the 64-character lowercase hex SHA-256 of the version")
    if doc.language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported language {doc.language!r}")


def build_context(doc: PdfDocument) -> dict:
    """Template context for ``doc``; call inside ``translation.override(doc.language)``."""
    zone = _zone(doc)
    directions = {
        "increase": _("Increase"),
        "decrease": _("Decrease"),
        "maintain": _("Maintain"),
    }
    roles = {"manager": _("Manager"), "employee": _("Employee")}
    kinds = {
        "request": _("Signature request"),
        "signature": _("Signature"),
        "decline": pgettext("signing event", "Decline"),
        "withdrawal": _("Withdrawal"),
    }
    kpis = [
        {
            "name": kpi.name,
            "definition": kpi.definition,
            "unit": kpi.unit,
            "baseline": _format_number(kpi.baseline),
            "target": _format_number(kpi.target),
            "direction": _choice(kpi.direction, directions),
            "due_date": _format_date(kpi.due_date),
            "weight": _format_number(kpi.weight),
        }
        for kpi in doc.kpis
    ]
    numeric_weights = [Decimal(str(kpi.weight)) for kpi in doc.kpis if isinstance(kpi.weight, int | float | Decimal)]
    return {
        "doc": doc,
        "language": doc.language,
        "values": [{"title": title, "description": description} for title, description in doc.values],
        "kpis": kpis,
        "weight_total": _format_number(sum(numeric_weights)) if numeric_weights else "",
        "signatures": [
            {"name": s.name, "role": _choice(s.role, roles), "signed_at": _format_datetime(s.signed_at, zone)}
            for s in doc.signatures
        ],
        "events": [
            {
                "kind": _choice(e.kind, kinds),
                "at": _format_datetime(e.at, zone),
                "actor": e.actor,
                "ip": e.ip,
                "user_agent": e.user_agent,
            }
            for e in doc.events
        ],
        "period_start": _format_date(doc.period_start),
        "period_end": _format_date(doc.period_end),
        "issued_at": _format_datetime(doc.issued_at or timezone.now(), zone),
        "requested_at": _format_datetime(doc.requested_at, zone),
        "time_zone": str(zone),
        "short_hash": doc.content_hash[:12],
        "changes": [
            {
                "label": c.label,
                "kpi": c.kpi or "",
                "kind": c.kind,
                "before": c.before_text,
                "after": c.after_text,
            }
            for c in doc.changes
        ],
    }


def render_agreement_html(doc: PdfDocument) -> str:
    _validate(doc)
    with translation.override(doc.language):
        return render_to_string(TEMPLATE_NAME, build_context(doc))


def render_agreement_pdf(doc: PdfDocument) -> bytes:
    """Render ``doc`` to PDF bytes (A4, fonts embedded). Seal the result with ``agreements.sealing``."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_agreement_html(doc)
    # A fresh FontConfiguration per document: it owns temporary font files and is not shared across
    # threads, and it is cheap next to layout.
    with bundled_fonts_only():
        font_config = FontConfiguration()
    return HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=asset_url_fetcher()).write_pdf(
        font_config=font_config
    )


def example_document(language: str = "ja", *, kpi_count: int = 4, value_count: int = 3) -> PdfDocument:
    """A realistic Japanese sample, for previews, tests and the benchmark (no database needed)."""
    jst = ZoneInfo("Asia/Tokyo")
    value_pool = [
        ("顧客の成功から逆算する", "機能の数ではなく、顧客が得た成果で仕事を評価します。"),
        ("率直に、敬意をもって", "意見の違いは早く、具体的に、相手への敬意とともに伝えます。"),
        ("小さく出して早く学ぶ", "完璧さより学習の速さを優先し、毎週なにかを届けます。"),
        ("全員がオーナー", "役割の境界で止まらず、結果に責任を持ちます。"),
        ("データで語る", "判断の根拠を数字と事実で示し、仮説を検証します。"),
        ("多様性は強さ", "異なる背景と視点を歓迎し、チームの力に変えます。"),
        ("誠実であること", "約束を守り、守れないときは早く正直に伝えます。"),
        ("学び続ける", "業務時間の一部を学習と共有に充てることを奨励します。"),
        ("長く付き合う", "在籍中も卒業後も、互いに価値を生む関係を目指します。"),
    ]
    kpi_pool = [
        PdfKpi(
            "月次解約率",
            "当月に解約した契約数 ÷ 月初の有効契約数",
            "%",
            Decimal("2.40"),
            Decimal("1.50"),
            "decrease",
            date(2026, 3, 31),
            20,
        ),
        PdfKpi(
            "オンボーディング完了率",
            "登録後14日以内に初期設定を完了した組織の割合",
            "%",
            58,
            75,
            "increase",
            date(2026, 3, 31),
            15,
        ),
        PdfKpi("p95 応答時間", "主要APIの95パーセンタイル応答時間", "ms", 820, 400, "decrease", date(2025, 12, 31), 10),
        PdfKpi(
            "年間経常収益",
            "期末時点の年間経常収益 (ARR)",
            "円",
            120000000,
            180000000,
            "increase",
            date(2026, 3, 31),
            15,
        ),
        PdfKpi("障害件数", "重大度1・2のインシデント件数 (四半期)", "件", 6, 2, "decrease", date(2026, 3, 31), 10),
        PdfKpi("NPS", "四半期ごとの顧客推奨度調査", "pt", 12, 30, "increase", date(2026, 3, 31), 10),
        PdfKpi("デプロイ頻度", "本番環境への週あたりデプロイ回数", "回/週", 3, 10, "increase", date(2025, 12, 31), 5),
        PdfKpi(
            "テストカバレッジ",
            "主要サービスの行カバレッジ",
            "%",
            Decimal("61.5"),
            80,
            "increase",
            date(2025, 12, 31),
            5,
        ),
        PdfKpi("採用面接の参加", "エンジニア採用面接への参加回数", "回", 0, 24, "increase", date(2026, 3, 31), 5),
        PdfKpi("社外発表", "カンファレンス・技術ブログでの発表本数", "本", 1, 4, "maintain", date(2026, 3, 31), 5),
    ]
    chrome = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36"
    )
    safari = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1"
    )
    return PdfDocument(
        language=language,
        version=3,
        organization_name="株式会社サンプル・テクノロジーズ",
        employee_name="山田 花子",
        manager_name="佐藤 健一",
        title="決済基盤刷新ツアー",
        goal=(
            "2026年3月末までに旧決済基盤から新基盤への移行を完了し、決済失敗率を半減させる。\n"
            "移行の知見を社内に共有し、次の基盤刷新を担えるメンバーを2名育成する。"
        ),
        period_start=date(2025, 4, 1),
        period_end=date(2026, 3, 31),
        values=value_pool[:value_count],
        company_offers=(
            "決済領域のテックリードとしての裁量と、月20時間の学習時間。\n海外カンファレンス1件への参加費用の負担。"
        ),
        company_asks="移行計画の策定と実行の主導、ならびに四半期ごとの進捗報告。",
        employee_offers="大規模移行の経験と、決済ドメインの知識の社内への共有。",
        employee_asks="週1回の1on1と、移行完了後のキャリアの相談の場。",
        alumni_clause=("ツアー終了後に退職する場合も、会社は推薦状の提供とアルムナイ・ネットワークへの招待を行う。"),
        kpis=(kpi_pool * 2)[:kpi_count],
        signatures=[
            PdfSignature("佐藤 健一", "manager", datetime(2025, 3, 24, 10, 2, 11, tzinfo=jst)),
            PdfSignature("山田 花子", "employee", datetime(2025, 3, 25, 9, 41, 53, tzinfo=jst)),
        ],
        events=[
            PdfEvent("request", datetime(2025, 3, 21, 17, 30, 0, tzinfo=jst), "佐藤 健一", "203.0.113.24", chrome),
            PdfEvent("withdrawal", datetime(2025, 3, 21, 17, 45, 12, tzinfo=jst), "佐藤 健一", "203.0.113.24", chrome),
            PdfEvent("request", datetime(2025, 3, 21, 18, 5, 40, tzinfo=jst), "佐藤 健一", "203.0.113.24", chrome),
            PdfEvent("decline", datetime(2025, 3, 22, 11, 12, 3, tzinfo=jst), "山田 花子", "2001:db8::7", safari),
            PdfEvent("signature", datetime(2025, 3, 24, 10, 2, 11, tzinfo=jst), "佐藤 健一", "203.0.113.24", chrome),
            PdfEvent("signature", datetime(2025, 3, 25, 9, 41, 53, tzinfo=jst), "山田 花子", "2001:db8::7", safari),
        ],
        content_hash="9f2c4e1b7a5d3c8e0f6a2b4d9c1e7f3a5b8d0c2e4f6a8b1d3c5e7f9a0b2c4d6e",
        verify_url="https://alliance.example/verify/3f9c2a7e-1b4d-4c8e-9a6f-2d5b7e1c0a93/",
        issued_at=datetime(2025, 3, 25, 9, 42, 0, tzinfo=jst),
        time_zone="Asia/Tokyo",
        tour_kind="変革型",
        toward_ideal_self="大規模なシステム移行を率いた経験が、将来の CTO 候補としての土台になる。",
        value_to_company="決済失敗による機会損失を年間 3,000 万円削減し、基盤の保守費用を下げる。",
        employee_email="hanako.yamada@example.com",
        manager_email="kenichi.sato@example.com",
        employee_member_id=42,
        manager_member_id=7,
        organization_id="sample-tech",
        agreement_id=18,
        amendment=False,
        hr_countersign=True,
        requested_at=datetime(2025, 3, 21, 18, 5, 40, tzinfo=jst),
        schema=1,
        service="alliance",
    )
