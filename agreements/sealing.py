"""Electronic seal (PAdES) of exported agreement PDFs, and its verification.

The service seals each PDF under its own certificate so that anyone holding the PDF can show it came
from the service unaltered. Key material comes from configuration in production:

    PDF_SEAL_KEY_FILE         PEM (or DER) private key
    PDF_SEAL_CERT_FILE        PEM certificate; further certificates in the file are its chain
    PDF_SEAL_KEY_PASSPHRASE   optional passphrase of the key

The two files are read-only configuration (a mounted secret), not state: every process reads its own copy.

With neither file configured (the embedded default) a self-signed certificate and key are created on
first use as ``sealing/seal.pem`` in the ``sealing`` storage (alliance.storage_config: MEDIA_ROOT/sealing with
owner-only permissions, or the private bucket), through Django's storage API only, so that every process of a
site on several machines seals with the same one. That suits development and small installs: a lost bundle
means earlier PDFs no longer verify as "ours". Production should configure the two files.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages

logger = logging.getLogger(__name__)

SEAL_FIELD_NAME = "AllianceSeal"
DEFAULT_BUNDLE_NAME = "seal.pem"
SEAL_STORAGE = "sealing"  # the STORAGES alias of the embedded default's bundle
BUNDLE_KEY = f"sealing/{DEFAULT_BUNDLE_NAME}"  # its name in that storage
SELF_SIGNED_VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class SealCheck:
    # The bottom line: intact, signed by the service's certificate, trusted, nothing appended.
    valid: bool
    # The signed bytes are unchanged and the signature covers the whole file.
    intact: bool
    # The seal was made with the service's key (its certificate equals ours and the signature verifies),
    # whether or not the document was changed afterwards.
    signed_by_service: bool
    reason: str
    signed_at: dt.datetime | None = None
    signer: str = ""


@dataclass(frozen=True)
class _SealMaterial:
    signer: object  # pyhanko SimpleSigner
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]


_cache: dict[tuple, _SealMaterial] = {}
_cache_lock = threading.Lock()


def clear_seal_cache() -> None:
    """Forget loaded key material (after a rotation, or between tests)."""
    with _cache_lock:
        _cache.clear()


# ---------------------------------------------------------------------------------------------------
# Key material


def _configured_paths() -> tuple[Path, Path, bytes | None] | None:
    """The configured key and certificate files and passphrase, or None for the embedded default."""
    key_file = getattr(settings, "PDF_SEAL_KEY_FILE", None)
    cert_file = getattr(settings, "PDF_SEAL_CERT_FILE", None)
    passphrase = getattr(settings, "PDF_SEAL_KEY_PASSPHRASE", None) or None
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    if bool(key_file) != bool(cert_file):
        raise ImproperlyConfigured("Set both PDF_SEAL_KEY_FILE and PDF_SEAL_CERT_FILE, or neither.")
    if key_file:
        return Path(key_file), Path(cert_file), passphrase
    return None


def _make_self_signed_bundle() -> bytes:
    # ECDSA P-256: instant to generate, accepted by PAdES validators, small signatures.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alliance"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Alliance document seal (self-signed)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # Backdated a little so a host with a slightly slow clock accepts it at once.
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + SELF_SIGNED_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # "non-repudiation", which pyHanko requires of signers
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def _is_whole_bundle(data: bytes) -> bool:
    return b"-----END PRIVATE KEY-----" in data and b"-----END CERTIFICATE-----" in data


def _ensure_self_signed_bundle(storage) -> None:
    """Create the embedded-default key+certificate once in ``storage`` (as BUNDLE_KEY), safely under concurrency.

    Key and certificate share one object so a reader can never pair one process's key with another's
    certificate. The first process to publish the name wins: the file system creates a name exclusively and gives
    a second writer another name, and the sealing storage's S3 options never overwrite (file_overwrite False), so
    a loser finds its copy under another name, deletes it and uses the winner's; all PDFs carry the same seal. On
    S3 the check and the write are two requests: two processes starting within that instant could still both
    write (only the embedded default does this; production configures PDF_SEAL_KEY_FILE).
    """
    if storage.exists(BUNDLE_KEY):
        return
    saved = storage.save(BUNDLE_KEY, ContentFile(_make_self_signed_bundle()))
    if saved != BUNDLE_KEY:
        storage.delete(saved)  # another process published first: its bundle is the seal
    else:
        logger.warning("Created a self-signed PDF seal certificate as %s in the %r storage", BUNDLE_KEY, SEAL_STORAGE)


def _read_bundle(storage, attempts: int = 50) -> bytes:
    """The bundle's bytes, waiting (up to ``attempts`` x 20 ms) while its creator is still writing it."""
    for _attempt in range(attempts):
        with storage.open(BUNDLE_KEY, "rb") as handle:
            data = handle.read()
        if _is_whole_bundle(data):
            return data
        time.sleep(0.02)
    raise ImproperlyConfigured(f"The seal bundle {BUNDLE_KEY} in the {SEAL_STORAGE!r} storage is incomplete.")


def _load_private_key(data: bytes, passphrase: bytes | None):
    if b"-----BEGIN" in data:
        return serialization.load_pem_private_key(data, password=passphrase)
    return serialization.load_der_private_key(data, password=passphrase)


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        # Only CERTIFICATE blocks: the embedded bundle also holds the key.
        return [
            x509.load_der_x509_certificate(der)
            for kind, _headers, der in asn1_pem.unarmor(data, multiple=True)
            if kind == "CERTIFICATE"
        ]
    return [x509.load_der_x509_certificate(data)]


def _build_material(key_data: bytes, cert_data: bytes, passphrase: bytes | None, source: str) -> _SealMaterial:
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = _load_private_key(key_data, passphrase)
    certs = _load_certificates(cert_data)
    if not certs:
        raise ImproperlyConfigured(f"No certificate found in {source}")
    if certs[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise ImproperlyConfigured("The PDF seal key does not match its certificate.")

    asn1_certs = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs]
    signing_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = SimpleSigner(
        signing_cert=asn1_certs[0],
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs(asn1_certs),
    )
    return _SealMaterial(signer=signer, certificate=asn1_certs[0], chain=tuple(asn1_certs))


def _material() -> _SealMaterial:
    configured = _configured_paths()
    if configured is not None:
        key_path, cert_path, passphrase = configured
        # The modification times are part of the key so that replacing the files on disk takes effect
        # without a restart; parsing the key on every call would cost more than the signature itself.
        cache_key = (
            "files",
            str(key_path),
            str(cert_path),
            key_path.stat().st_mtime_ns,
            cert_path.stat().st_mtime_ns,
            passphrase,
        )

        def load() -> _SealMaterial:
            return _build_material(key_path.read_bytes(), cert_path.read_bytes(), passphrase, str(cert_path))

    else:
        storage = storages[SEAL_STORAGE]
        _ensure_self_signed_bundle(storage)
        # The storage (and its folder: tests move MEDIA_ROOT) and the bundle's time name the bundle in use.
        cache_key = (
            "storage",
            id(storage),
            str(getattr(storage, "base_location", "")),
            storage.get_modified_time(BUNDLE_KEY),
        )

        def load() -> _SealMaterial:
            bundle = _read_bundle(storage)
            return _build_material(bundle, bundle, None, f"{SEAL_STORAGE}:{BUNDLE_KEY}")

    with _cache_lock:
        material = _cache.get(cache_key)
        if material is None:
            material = load()
            _cache.clear()
            _cache[cache_key] = material
        return material


def service_certificate_pem() -> bytes:
    """The service's sealing certificate, e.g. to publish next to the verification page."""
    return asn1_pem.armor("CERTIFICATE", _material().certificate.dump())


# ---------------------------------------------------------------------------------------------------
# Seal and verify


def _call_blocking(function, *args, **kwargs):
    # pyHanko's synchronous entry points call asyncio.run(), which refuses to run inside an event loop
    # (an async view or consumer); there, run them on a worker thread instead.
    try:
        asyncio.get_running_loop()
        in_event_loop = True
    except RuntimeError:
        in_event_loop = False
    # Called outside the except block so that errors raised by pyHanko carry no misleading context.
    if not in_event_loop:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def seal_pdf(pdf_bytes: bytes) -> bytes:
    """Return ``pdf_bytes`` with the service's PAdES seal appended as an incremental update.

    The seal is a certification signature allowing no further changes, so any later edit, even a
    well-formed incremental update, invalidates it.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    material = _material()
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason="Alliance agreement export",
    )
    output = _call_blocking(signers.sign_pdf, writer, metadata, signer=material.signer)
    return output.getvalue()


def _invalid(reason: str, **fields) -> SealCheck:
    # Parser messages on garbage input can be huge (they quote the bogus lengths they read).
    reason = reason if len(reason) <= 200 else reason[:197] + "..."
    return SealCheck(
        valid=False,
        intact=fields.pop("intact", False),
        signed_by_service=fields.pop("signed_by_service", False),
        reason=reason,
        **fields,
    )


def _der_length(data: bytes) -> int:
    """Total length of the DER SEQUENCE at the start of ``data`` (the CMS ContentInfo)."""
    if len(data) < 2 or data[0] != 0x30:
        raise ValueError("not a DER sequence")
    if data[1] < 0x80:
        return 2 + data[1]
    count = data[1] & 0x7F
    if not 0 < count <= 4 or len(data) < 2 + count:
        raise ValueError("bad DER length")
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def _signature_gap_is_canonical(pdf_bytes: bytes, byte_range) -> bool:
    """Whether the bytes excluded from the digest are exactly the signature and its zero padding.

    The /Contents hex string is the one region a signature cannot cover. Parsers ignore what follows
    the CMS structure and hex digits are case-insensitive, so without this check a changed byte there
    would go unnoticed; requiring the canonical encoding makes every byte of the file count.
    """
    try:
        _start, gap_start, gap_end, _length = (int(x) for x in byte_range)
        gap = pdf_bytes[gap_start:gap_end]
        if len(gap) < 2 or gap[:1] != b"<" or gap[-1:] != b">":
            return False
        inner = gap[1:-1]
        raw = bytes.fromhex(inner.decode("ascii"))
        signature = raw[: _der_length(raw)]
    except (ValueError, TypeError, UnicodeDecodeError):
        return False
    padding = b"0" * (len(inner) - 2 * len(signature))
    return inner in (signature.hex().upper().encode() + padding, signature.hex().encode() + padding)


def _container_problem(embedded, material: _SealMaterial, same_cert: bool) -> str | None:
    """Why the unsigned parts of the CMS container differ from what seal_pdf writes, or None.

    Besides the signed attributes, a CMS SignedData carries fields that no signature covers (the
    certificate bag, the digest algorithm list, the version, unsigned attributes), and validators
    ignore or look past most of them: pyHanko, for one, takes the signer certificate from its trust
    roots. Pinning each of them to the one value our seal can have means that no byte of the file can
    change without the verification noticing.
    """
    from asn1crypto import cms

    signed_data = embedded.signed_data
    signer_info = signed_data["signer_infos"][0]
    ours = {cert.dump() for cert in material.chain}
    embedded_certs = [choice.chosen for choice in signed_data["certificates"] or []]
    if len(signed_data["signer_infos"]) != 1:
        return "more than one signer"
    if same_cert:
        # Only for our own seal do we know the exact certificate bag; another signer's may differ.
        if any(not isinstance(cert, asn1_x509.Certificate) or cert.dump() not in ours for cert in embedded_certs):
            return "unexpected certificate in the seal"
        if material.certificate.dump() not in {cert.dump() for cert in embedded_certs}:
            return "the seal does not carry its certificate"
    if [alg.dump() for alg in signed_data["digest_algorithms"]] != [signer_info["digest_algorithm"].dump()]:
        return "unexpected digest algorithm list"
    if signed_data["crls"]:
        return "unexpected revocation data in the seal"
    if signer_info["unsigned_attrs"]:
        return "unexpected unsigned attributes"
    content_type = signed_data["encap_content_info"]["content_type"].native
    expected_version = "v1" if content_type == "data" else "v3"  # RFC 5652 section 5.1
    if signed_data["version"].native != expected_version or signer_info["version"].native != "v1":
        return "unexpected CMS version"
    # Encoding games (e.g. a non-minimal length) leave values intact; DER has one encoding per value.
    contents = bytes(embedded.pkcs7_content)
    contents = contents[: _der_length(contents)]  # the rest is zero padding, checked separately
    if cms.ContentInfo.load(contents).dump(force=True) != contents:
        return "the seal is not DER encoded"
    return None


def verify_seal(pdf_bytes: bytes) -> SealCheck:
    """Check that ``pdf_bytes`` carries the service's seal over every byte of the file.

    Never raises for a malformed or tampered file: that is reported as an invalid SealCheck.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    material = _material()
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes))
        signatures = reader.embedded_signatures
    except Exception as exc:
        return _invalid(f"unreadable PDF: {exc}")
    if len(signatures) != 1:
        return _invalid(f"expected exactly one seal, found {len(signatures)}")
    embedded = signatures[0]
    try:
        signer_cert = embedded.signer_cert
        same_cert = signer_cert.dump() == material.certificate.dump()
        signer = signer_cert.subject.human_friendly
    except Exception as exc:
        return _invalid(f"unreadable signature: {exc}")

    # Our own certificate is the only trust root, and nothing is fetched from the network.
    context = ValidationContext(trust_roots=[material.certificate], allow_fetching=False)
    try:
        status = _call_blocking(validate_pdf_signature, embedded, context)
    except Exception as exc:
        return _invalid(f"signature check failed: {exc}", signer=signer)

    signed_at = status.signer_reported_dt
    signed_by_service = same_cert and status.valid
    canonical = _signature_gap_is_canonical(pdf_bytes, embedded.byte_range)
    try:
        container_problem = _container_problem(embedded, material, same_cert)
    except Exception as exc:
        container_problem = f"unreadable seal container: {exc}"
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = status.intact and status.valid and whole_file and canonical and container_problem is None
    if not (status.intact and status.valid):
        reason = "the document was altered after sealing"
    elif not whole_file:
        reason = "content was added after sealing"
    elif not canonical:
        reason = "the signature container was altered"
    elif container_problem:
        reason = container_problem
    elif not same_cert:
        reason = "sealed by another certificate"
    elif not status.bottom_line:
        reason = "the seal certificate is not trusted at this time"
    else:
        reason = "ok"
    return SealCheck(
        valid=reason == "ok",
        intact=intact,
        signed_by_service=signed_by_service,
        reason=reason,
        signed_at=signed_at,
        signer=signer,
    )
