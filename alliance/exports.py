"""Downloads of personal data (CSV, .xlsx): streamed, safe to open in a spreadsheet, and audited.

Every export of people's data goes through here:
- `csv_download(...)` streams a CSV file (UTF-8 with a BOM so that Excel reads Japanese, every cell neutralised
  against formulas, `alliance.text.spreadsheet_safe`) from rows produced while the body is sent, so memory stays
  flat however large the organization. The rows are produced after the view has returned, when the request's
  organization scope, language and time zone are gone: the generator enters them again.
- `alliance.services.export_recorded(...)` writes the audit row each export leaves (what was exported, in which
  format, with which filters, how many rows; never the exported data itself).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence

from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from alliance.tenancy import organization_scope
from alliance.text import spreadsheet_safe

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


class _Echo:
    """A file-like object whose write returns the line, so that csv.writer feeds a generator."""

    def write(self, value):
        return value


def attachment(response, filename: str):
    """Mark `response` as a download named `filename` (ASCII), never kept by a shared cache: it holds personal
    data. Returns the response."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_lines(header: Sequence, rows: Iterable[Sequence]):
    """The lines of a CSV file as text: the BOM and the header row first, then each of `rows`; every cell (the
    header's too) as `spreadsheet_safe` text. A generator: nothing is read from `rows` before it is asked for."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_download(
    *, filename: str, organization, header: Callable[[], Sequence], rows: Callable[[], Iterable[Sequence]]
) -> StreamingHttpResponse:
    """A streamed CSV download named `filename`. `header()` returns the header row and `rows()` an iterable of
    rows (sequences of cell values; None is an empty cell); both are called only when the body is produced,
    inside `organization`'s scope and the language and time zone active now, so `rows()` should read its
    queryset with `.iterator(chunk_size=...)` to keep memory flat."""
    language = translation.get_language()
    zone = timezone.get_current_timezone()

    def body():
        with organization_scope(organization), translation.override(language), timezone.override(zone):
            yield from csv_lines(header(), rows())

    return attachment(StreamingHttpResponse(body(), content_type=CSV_CONTENT_TYPE), filename)
