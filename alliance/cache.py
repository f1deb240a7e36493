"""The Redis cache backend: Django's own, keeping one redis-py client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation (`get_client`), and redis-py's
constructor copies its table of several hundred response callbacks each time: about a tenth of a millisecond per
operation, several per request (the session, the kept page's tokens, the kept page). The client is only a handle
on its connection pool, which Django already keeps per server, so one client per pool serves every operation.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _PooledClient(RedisCacheClient):
    """RedisCacheClient whose `get_client` returns the same redis-py client for the same pool (server)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        """The redis-py client of the server a `write` (or a read) goes to; Django picks the pool."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """django.core.cache.backends.redis.RedisCache with `_PooledClient`: same settings, same keys and values."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _PooledClient
