"""Django's Redis cache, with one redis-py client per connection pool, that outlives Redis.

Django builds a new `redis.Redis` for every cache call, and building one sets up its table of
170 reply handlers: on a polled page served from the cache that was a sixth of the request's
time. The client is thread-safe and holds nothing but its pool, so one per pool will do.

Redis is a cache here, never the only copy of anything: every value in it can be computed
again from the database. So a Redis that stopped (or a network that lost it) makes the cache
empty, not the site broken: a read finds nothing, a write keeps nothing, and the pages are
computed from the database, slower. After one failed call the process leaves Redis alone for
TASUKI_REDIS_RETRY_SECONDS, so that a Redis that hangs costs one timeout, not one per call;
then it tries again, and the caches fill up again by themselves.
"""

import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache.backends import redis as django_redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: What each call answers while Redis cannot be reached: what an empty cache would answer.
_WHEN_DOWN = {
    "add": False,
    "get": None,  # the caller's default, below
    "set": None,
    "touch": False,
    "delete": False,
    "get_many": {},
    "has_key": False,
    "set_many": None,
    "delete_many": None,
    "clear": False,
}


class RedisUnreachable:
    """When this process last failed to reach Redis, and whether to try again yet."""

    def __init__(self):
        self.since: float | None = None  # monotonic time of the last failure; None: reachable

    def is_down(self) -> bool:
        return self.since is not None and time.monotonic() - self.since < settings.TASUKI_REDIS_RETRY_SECONDS

    def failed(self, error: RedisError) -> None:
        if self.since is None:
            logger.warning("Redis cannot be reached (%s): serving from the database meanwhile.", error)
        self.since = time.monotonic()

    def reached(self) -> None:
        if self.since is not None:
            logger.warning("Redis is back: the caches fill up again.")
        self.since = None


def _outliving_redis(name: str, method):
    @wraps(method)
    def call(self, *args, **kwargs):
        if self.unreachable.is_down():
            return self._when_down(name, args)
        try:
            result = method(self, *args, **kwargs)
        except RedisError as error:
            self.unreachable.failed(error)
            return self._when_down(name, args)
        self.unreachable.reached()
        return result

    return call


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.unreachable = RedisUnreachable()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client

    @staticmethod
    def _when_down(name: str, args: tuple):
        if name == "get":
            return args[1]  # get(key, default)
        if name == "incr":
            raise ValueError("Redis cannot be reached: no count is kept.")  # as for a missing key
        return _WHEN_DOWN[name]


for _name in (*_WHEN_DOWN, "incr"):
    setattr(RedisCacheClient, _name, _outliving_redis(_name, getattr(django_redis.RedisCacheClient, _name)))


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def redis_client(self):
        """The redis-py client the cache writes with: for what Django's cache API lacks (a `Lock`)."""
        return self._cache.get_client(write=True)

    @property
    def unreachable(self) -> RedisUnreachable:
        """Whether this process found Redis unreachable a moment ago (shared with the locks)."""
        return self._cache.unreachable
