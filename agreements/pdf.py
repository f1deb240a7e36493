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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

TEMPLATE_NAME = "agreements/pdf/agreement.html"

# A base URL that can never resolve (RFC 2606 reserves ".invalid"): relative references in the template
# resolve against it, and the fetcher below answers for exactly these URLs without touching the network.
ASSET_BASE_URL = "https://pdf-assets.invalid/static/"

# URL path below ASSET_BASE_URL -> file below the project's static/ directory. Nothing else is served.
ALLOWED_ASSETS: dict[str, str] = {
    "fonts/ipaexg.ttf": "fonts/ipaexg.ttf",
    "fonts/DejaVuSansMono.ttf": "fonts/DejaVuSansMono.ttf",
}

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


def _make_fetcher():
    # Imported here so that importing this module (e.g. from models or views) stays cheap.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticAssetFetcher(URLFetcher):
        """Serves only ALLOWED_ASSETS; everything else raises.

        fail_on_errors makes a refusal or a missing font abort the rendering: a PDF silently rendered
        without its font would show tofu, and an unexpected URL in the template is a bug to surface.
        """

        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            path = resolve_asset(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticAssetFetcher()


def asset_url_fetcher():
    """A WeasyPrint URL fetcher restricted to the allow-listed static files."""
    return _make_fetcher()


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
        "decline": _("Decline"),
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
    numeric_weights = [
        Decimal(str(kpi.weight)) for kpi in doc.kpis if isinstance(kpi.weight, int | float | Decimal)
    ]
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
        "time_zone": str(zone),
        "short_hash": doc.content_hash[:12],
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
    font_config = FontConfiguration()
    return HTML(string=html, base_url=ASSET_BASE_URL, url_fetcher=asset_url_fetcher()).write_pdf(
        font_config=font_config
    )
