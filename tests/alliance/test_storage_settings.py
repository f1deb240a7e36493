"""Where stored files live, as the environment says (alliance.storage_config): a table of environments."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from alliance import storage_config

FS = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
FIXED = {"file_overwrite": False, "default_acl": None, "querystring_auth": True, "querystring_expire": 60}


@pytest.mark.parametrize(
    ("environ", "options"),
    [
        pytest.param({}, None, id="nothing set: the file system"),
        pytest.param({"AWS_STORAGE_BUCKET_NAME": ""}, None, id="an empty bucket name is unset"),
        pytest.param(
            {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}, None, id="credentials alone (another service)"
        ),
        pytest.param({"AWS_STORAGE_BUCKET_NAME": "alliance"}, {"bucket_name": "alliance"}, id="a bucket on AWS"),
        pytest.param(
            {
                "AWS_STORAGE_BUCKET_NAME": " alliance ",
                "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                "AWS_S3_REGION_NAME": "ap-northeast-1",
                "AWS_S3_ADDRESSING_STYLE": "path",
                "AWS_LOCATION": "/prod/files/",
                "AWS_ACCESS_KEY_ID": "minio",
                "AWS_SECRET_ACCESS_KEY": "minio-secret",
                "AWS_SESSION_TOKEN": "token",
                "DJANGO_DEBUG": "false",
            },
            {
                "bucket_name": "alliance",
                "endpoint_url": "http://127.0.0.1:9000",
                "region_name": "ap-northeast-1",
                "addressing_style": "path",
                "location": "prod/files",
                "access_key": "minio",
                "secret_key": "minio-secret",
                "security_token": "token",
            },
            id="an S3-compatible server, every variable",
        ),
    ],
)
def test_the_environment_chooses_the_storage(environ, options):
    configured = storage_config.storages(environ, debug=False)
    assert configured["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if options is None:
        assert configured["default"] == {"BACKEND": FS}
        assert configured["sealing"] == {
            "BACKEND": FS,
            "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
        }
    else:
        # PDFs and the embedded seal certificate go to the same private bucket; nothing is left on the disk.
        for alias in ("default", "sealing"):
            assert configured[alias] == {"BACKEND": S3, "OPTIONS": {**options, **FIXED}}


def test_debug_keeps_static_files_unhashed():
    assert storage_config.storages({}, debug=True)["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        pytest.param({"AWS_S3_ENDPOINT_URL": "http://minio:9000"}, "AWS_S3_ENDPOINT_URL", id="endpoint, no bucket"),
        pytest.param(
            {"AWS_S3_REGION_NAME": "ap-northeast-1", "AWS_LOCATION": "x"},
            "AWS_S3_REGION_NAME, AWS_LOCATION",
            id="region and prefix, no bucket",
        ),
        pytest.param(
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": "k"}, "AWS_SECRET_ACCESS_KEY", id="no secret"
        ),
        pytest.param({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_SECRET_ACCESS_KEY": "s"}, "AWS_ACCESS_KEY_ID", id="no key"),
        pytest.param(
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ADDRESSING_STYLE": "subdomain"},
            "AWS_S3_ADDRESSING_STYLE",
            id="unknown addressing style",
        ),
        pytest.param(
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "minio:9000"},
            "AWS_S3_ENDPOINT_URL",
            id="endpoint without a scheme",
        ),
    ],
)
def test_a_configuration_that_cannot_be_meant_refuses_to_start(environ, names):
    with pytest.raises(ImproperlyConfigured) as error:
        storage_config.storages(environ, debug=False)
    assert names in str(error.value)


def test_the_settings_module_reads_the_process_environment(monkeypatch):
    """settings.py builds STORAGES from os.environ with this module (imported afresh, as a process starts)."""
    import importlib

    import alliance.settings as settings_module

    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "from-env")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    try:
        fresh = importlib.reload(settings_module)
        assert fresh.STORAGES["default"]["BACKEND"] == S3
        assert fresh.STORAGES["default"]["OPTIONS"]["bucket_name"] == "from-env"
        assert fresh.STORAGES["default"]["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9"
    finally:
        monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME")
        monkeypatch.delenv("AWS_S3_ENDPOINT_URL")
        importlib.reload(settings_module)
