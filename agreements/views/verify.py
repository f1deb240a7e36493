"""Public verification of a signed agreement by its printed hash or its PDF (no sign-in, rate-limited)."""

from __future__ import annotations

import hashlib

from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from agreements.forms import VerifyForm
from agreements.models import AgreementPdf, AgreementVersion, VersionStatus
from alliance.security import body_limit

VERIFY_RATES = ("30/m", "300/h")


# A sealed agreement PDF is far below this; the form refuses files over 20 MB with a clear message, and a body
# over this bound is refused before it is read (alliance.security.RequestBodyLimitMiddleware).
VERIFY_MAX_BODY = 25 * 1024 * 1024


def _verify_checking(request) -> bool:
    return request.method == "POST" or "hash" in request.GET


def _verify_limited(request) -> bool:
    """Count one check against the caller's address (alliance.security.client_ip, through RATELIMIT_IP_META_KEY)
    once per request, however often it is asked; the plain form page costs nothing."""
    if not hasattr(request, "_verify_limited"):
        # Every window counts the check (a list, not a short-circuiting any()), so the hourly one is not skipped
        # while the per-minute one is exceeded.
        request._verify_limited = _verify_checking(request) and any(
            [
                is_ratelimited(request, group="agreements.verify", key="ip", rate=rate, method=ALL, increment=True)
                for rate in VERIFY_RATES
            ]
        )
    return request._verify_limited


def _verify_limit_response(request):
    """Run by the body-limit middleware before the upload is read: a limited caller's body is never parsed."""
    if _verify_limited(request):
        return render(request, "agreements/verify.html", {"form": VerifyForm(), "limited": True}, status=429)
    return None


@body_limit(VERIFY_MAX_BODY, before_body=_verify_limit_response)
def verify(request):
    """Anyone holding the printed hash or the PDF learns whether it is a signed agreement of this service,
    which version and when it was signed, and nothing else of its content. Checks are rate-limited by IP."""
    result = None
    if not _verify_checking(request):
        return render(request, "agreements/verify.html", {"form": VerifyForm(), "result": None})
    limited = _verify_limit_response(request)
    if limited is not None:
        return limited
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm(request.GET)
    if form.is_valid():
        result = _verify(form.cleaned_data)
    return render(request, "agreements/verify.html", {"form": form, "result": result})


def _verify(data) -> dict:
    from agreements.sealing import verify_seal

    upload = data.get("file")
    if upload:
        content = upload.read()
        digest = hashlib.sha256(content).hexdigest()
        pdf = AgreementPdf.objects.select_related("version").filter(sha256=digest).first()
        if pdf is None:
            return {"ok": False, "not_found": True, "kind": "file"}
        seal = verify_seal(content)
        if not seal.valid:
            return {"ok": False, "kind": "file", "seal_invalid": True}
        return {"ok": True, "kind": "file", "version": pdf.version, "seal": seal}
    version = AgreementVersion.objects.filter(content_hash=data["hash"], status=VersionStatus.SIGNED).first()
    if version is None:
        return {"ok": False, "not_found": True, "kind": "hash"}
    return {"ok": True, "kind": "hash", "version": version}
