"""Where stored files live, read from the environment: Django's STORAGES for settings.py.

Two aliases hold files that the site writes and reads back: ``default`` (sealed agreement PDFs, any FileField) and
``sealing`` (the embedded-default seal certificate, agreements.sealing). Both are the local file system under
MEDIA_ROOT unless AWS_STORAGE_BUCKET_NAME names a bucket; then both are that bucket (django-storages' S3Storage,
which speaks to AWS S3 and to S3-compatible servers such as MinIO or Ceph through AWS_S3_ENDPOINT_URL), so that
every web process and worker of a site on several machines reads the same files and none keeps any on its disk.
Static files stay with whitenoise.

Objects are private (no ACL is set: the bucket's policy applies) and the site never hands out a bucket URL: the
views that check access stream a file from the storage. A URL that Django code asks the storage for anyway (none
does today) is presigned and lives SIGNED_URL_SECONDS.

Pure: takes the environment as a mapping, so tests pass a table of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
SIGNED_URL_SECONDS = 60
ADDRESSING_STYLES = ("auto", "path", "virtual")

# Environment variable -> S3Storage option (django-storages' names). Empty values count as unset.
S3_VARIABLES = {
    "AWS_STORAGE_BUCKET_NAME": "bucket_name",
    "AWS_S3_ENDPOINT_URL": "endpoint_url",
    "AWS_S3_REGION_NAME": "region_name",
    "AWS_S3_ADDRESSING_STYLE": "addressing_style",
    "AWS_LOCATION": "location",
    "AWS_ACCESS_KEY_ID": "access_key",
    "AWS_SECRET_ACCESS_KEY": "secret_key",
    "AWS_SESSION_TOKEN": "security_token",
}
# Variables that mean "put the files in a bucket" and so make no sense without one. The AWS_ credentials are not
# among them: a process may hold them for another AWS service.
_BUCKET_ONLY = ("AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_S3_ADDRESSING_STYLE", "AWS_LOCATION")


def _value(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def s3_options(environ: Mapping[str, str]) -> dict | None:
    """The S3Storage OPTIONS the environment asks for, or None for the local file system.

    None when AWS_STORAGE_BUCKET_NAME is unset or empty. Otherwise a dict with ``bucket_name``, each set variable of
    S3_VARIABLES under its option name, and the fixed choices: ``file_overwrite`` False (a name already taken gets
    another, as on the file system), ``default_acl`` None (private objects), ``querystring_auth`` True with
    ``querystring_expire`` SIGNED_URL_SECONDS. Without an access key boto3 finds credentials itself (its
    environment variables, shared files, the instance or container role).

    Raises ImproperlyConfigured for a bucket-only variable set without a bucket (the files would silently stay on
    this machine's disk), an access key without its secret or the reverse, an addressing style other than
    ADDRESSING_STYLES, and an endpoint URL that is not http(s).
    """
    bucket = _value(environ, "AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        stray = [name for name in _BUCKET_ONLY if _value(environ, name)]
        if stray:
            raise ImproperlyConfigured(
                f"{', '.join(stray)} set without AWS_STORAGE_BUCKET_NAME: stored files would stay on this machine."
            )
        return None
    options = {option: _value(environ, name) for name, option in S3_VARIABLES.items() if _value(environ, name)}
    if ("access_key" in options) != ("secret_key" in options):
        raise ImproperlyConfigured("Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither.")
    style = options.get("addressing_style")
    if style is not None and style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(f"AWS_S3_ADDRESSING_STYLE must be one of {', '.join(ADDRESSING_STYLES)}.")
    endpoint = options.get("endpoint_url")
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ImproperlyConfigured("AWS_S3_ENDPOINT_URL must start with http:// or https://.")
    if "location" in options:
        options["location"] = options["location"].strip("/")
    options.update(
        file_overwrite=False,
        default_acl=None,
        querystring_auth=True,
        querystring_expire=SIGNED_URL_SECONDS,
    )
    return options


def storages(environ: Mapping[str, str], *, debug: bool) -> dict:
    """Django's STORAGES: ``default`` and ``sealing`` from s3_options (same bucket) or the local file system,
    ``staticfiles`` whitenoise's compressed manifest storage (Django's plain one when ``debug``).

    On the file system ``sealing`` writes its files readable by their owner only (0600, folders 0700): it holds a
    private key. Raises what s3_options raises.
    """
    options = s3_options(environ)
    if options is None:
        default = {"BACKEND": FILE_SYSTEM_BACKEND}
        sealing = {
            "BACKEND": FILE_SYSTEM_BACKEND,
            "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
        }
    else:
        default = {"BACKEND": S3_BACKEND, "OPTIONS": dict(options)}
        sealing = {"BACKEND": S3_BACKEND, "OPTIONS": dict(options)}
    return {
        "default": default,
        "sealing": sealing,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            if debug
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
