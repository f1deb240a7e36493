"""The Redis cache backend (alliance.cache): Django's, with one redis-py client per connection pool."""

import os

import pytest
from django.core.cache import caches

from alliance.cache import RedisCache

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL); CI always sets it"
)


@pytest.fixture
def redis_cache():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"test-cache-backend-{os.getpid()}"})
    yield cache
    # Only this test's keys: clear() would empty the Redis database every test worker shares.
    cache.delete_many(["a", "b", "c", "d", "e", "f", "g", "n"])


def test_the_settings_use_it(settings):
    assert settings.CACHES["default"]["BACKEND"] == "alliance.cache.RedisCache"
    assert isinstance(caches["default"], RedisCache)


def test_one_client_serves_every_operation_of_a_pool(redis_cache):
    client = redis_cache._cache.get_client("k", write=True)
    assert redis_cache._cache.get_client("other") is client
    assert redis_cache._cache.get_client("k", write=True) is client


OPERATIONS = [
    ("set then get", lambda c: (c.set("a", {"x": [1, "二"]}), c.get("a"))[1], {"x": [1, "二"]}),
    ("get of nothing", lambda c: c.get("missing", "default"), "default"),
    ("add twice", lambda c: (c.add("b", 1), c.add("b", 2), c.get("b"))[1:], (False, 1)),
    (
        "get_many",
        lambda c: (c.set_many({"c": 1, "d": b"\x00"}), c.get_many(["c", "d", "e"]))[1],
        {"c": 1, "d": b"\x00"},
    ),
    ("incr", lambda c: (c.set("n", 1), c.incr("n"), c.incr("n", 5))[1:], (2, 7)),
    ("delete", lambda c: (c.set("f", 1), c.delete("f"), c.get("f"))[1:], (True, None)),
    ("timeout 0 keeps nothing", lambda c: (c.set("g", 1, timeout=0), c.get("g"))[1], None),
]


@pytest.mark.parametrize("name", [name for name, *_ in OPERATIONS])
def test_operations_answer_as_djangos_backend(redis_cache, name):
    _, operation, expected = next(entry for entry in OPERATIONS if entry[0] == name)
    assert operation(redis_cache) == expected


def test_sites_sharing_a_redis_database_keep_apart_by_their_key_prefix():
    production = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"prod-{os.getpid()}"})
    staging = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"staging-{os.getpid()}"})
    try:
        production.set("pc:org:1", "production's token")
        assert staging.get("pc:org:1") is None
        staging.set("pc:org:1", "staging's token")
        assert production.get("pc:org:1") == "production's token"
    finally:
        production.delete("pc:org:1")
        staging.delete("pc:org:1")


@pytest.mark.parametrize(("prefix", "expected"), [(None, ""), ("staging", "staging")])
def test_the_key_prefix_comes_from_cache_key_prefix(prefix, expected):
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='alliance.settings'; django.setup();"
        "from django.conf import settings as s; print(repr(s.CACHES['default']['KEY_PREFIX']))"
    )
    env = {key: value for key, value in os.environ.items() if key != "CACHE_KEY_PREFIX"}
    if prefix is not None:
        env["CACHE_KEY_PREFIX"] = prefix
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == repr(expected)
