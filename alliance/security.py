"""Request-level protections: the client's real address, and bounds on request bodies.

Every place that reads a client address (signatures, django-ratelimit, allauth, /verify/) goes through
`client_ip`; every URL that accepts a body is bounded by `RequestBodyLimitMiddleware`, before anything reads it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render

# --- client address ------------------------------------------------------------------------------------------


def _clean_ip(value: str | None) -> str | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443", as some proxies write IPv6
        value = value[1 : value.index("]")]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address of the client that sent `request`, as a normalised IPv4/IPv6 string, or None if unknown.

    With `settings.TRUSTED_PROXY_COUNT` = 0 (the default) it is REMOTE_ADDR: X-Forwarded-For is ignored, since any
    client can write it. With N > 0 reverse proxies in front of the site, each of which appends the address it
    saw to X-Forwarded-For, the client is the N-th entry from the right; entries further left were written by
    the client and are never used. A request with fewer entries than proxies did not come through them all, so
    REMOTE_ADDR (its real peer) is used.
    """
    remote = _clean_ip(request.META.get("REMOTE_ADDR"))
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = header.split(",") if header else []
    if len(forwarded) < count:
        return remote
    return _clean_ip(forwarded[-count]) or remote


def ratelimit_ip(request) -> str:
    """`client_ip` for django-ratelimit (its RATELIMIT_IP_META_KEY), which needs a string.

    Raises ImproperlyConfigured when no address is known (e.g. a proxy connecting over a Unix socket without
    TRUSTED_PROXY_COUNT): counting every client under one empty key would lock everyone out together.
    """
    ip = client_ip(request)
    if not ip:
        raise ImproperlyConfigured("No client address: set DJANGO_TRUSTED_PROXY_COUNT for the reverse proxy.")
    return ip


# --- request body bounds -------------------------------------------------------------------------------------


def body_limit(max_bytes: int, *, before_body: Callable | None = None):
    """Decorate a view to accept a request body of up to `max_bytes` bytes instead of the default
    (`settings.REQUEST_BODY_MAX_BYTES`). `before_body(request)` runs before the body is read or the size is
    checked (e.g. a rate limit); a response it returns is sent instead of calling the view."""

    def decorate(view):
        view.max_request_body = max_bytes
        view.before_body = before_body
        return view

    return decorate


def _read_bounded(stream, limit: int) -> bytes | None:
    """Read `stream` to its end in chunks; None as soon as more than `limit` bytes arrived (the rest is unread)."""
    chunks, seen = [], 0
    while True:
        chunk = stream.read(min(64 * 1024, limit + 1 - seen))
        if not chunk:
            return b"".join(chunks)
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)


def too_large(request, limit: int):
    """The 413 page: says how large a request may be, in megabytes."""
    megabytes = max(1, round(limit / (1024 * 1024)))
    return render(request, "413.html", {"limit_mb": megabytes}, status=413)


class RequestBodyLimitMiddleware:
    """Refuse a request body over its view's bound before anything reads or spools it.

    Placed before CsrfViewMiddleware (whose process_view reads POST data). The bound is the view's
    `max_request_body` (see `body_limit`) or `settings.REQUEST_BODY_MAX_BYTES`. A declared Content-Length over
    the bound is refused at once, unread; a chunked body with no length (where the server passes one, marking
    `wsgi.input_terminated`) is read up to one byte past the bound, and refused there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view = getattr(view_func, "view_class", view_func)
        limit = getattr(view_func, "max_request_body", None) or getattr(view, "max_request_body", None)
        limit = limit or settings.REQUEST_BODY_MAX_BYTES
        request.body_limit = limit
        before = getattr(view_func, "before_body", None)
        if before is not None:
            response = before(request)
            if response is not None:
                return response
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large(request, limit)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared == 0 and chunked and request.META.get("wsgi.input_terminated"):
            # No length to check up front: read at most limit + 1 bytes, then let Django parse what was read
            # as if its length had been declared. (With a declared length, Django's own LimitedStream already
            # stops at it, and it was checked above.)
            body = _read_bounded(request.META["wsgi.input"], limit)
            if body is None:
                return too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = BytesIO(body)
        return None
