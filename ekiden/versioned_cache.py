"""Values computed once per version and shared by every process ("single flight").

Race day has thousands of readers and a few writers. What is slow to compute and changes with a
version the database keeps (the race's standings version, a page's state) is kept in the shared
cache with that version: the standings, the public pages, a station's keypad roster, the
officials' anomaly list. A reader reads the version it wants from the database first, then asks
here, and gets:

- the value kept under its key, if its version is at least the wanted one (for labels without
  an order, such as a page's digest: is the wanted one), or if it was computed less than
  `recent_seconds` ago: then a value may lag that long, and is computed at most once a period
  however fast the changes come;
- otherwise the value computed by one process at a time per key, under a lock. The others wait
  for its result (or, with `stale_while_computing`, take the value kept meanwhile); after
  `wait_seconds` they compute it themselves, so a process that died holding the lock delays
  no one for longer than that.

What is computed is kept under the wanted version, which the reader read before the computation
read its rows: a change committed meanwhile bumps the version past it, so newer rows under an
older label get computed again, never the reverse. A stale value never survives a change.

The lock is atomic. On Redis it is redis-py's `Lock`: its release is a Lua script that deletes
the key only while it still holds this holder's token, so a holder that overran its lock (which
expired, and another took) cannot release the other's. In local memory (the embedded mode, one
process) a lock in this process's memory keeps the same promise.
"""

import threading
import time
import uuid
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass, fields
from typing import Any, Generic, Protocol, TypeVar

from django.core.cache import cache, caches
from redis.exceptions import RedisError
from redis.lock import Lock as RedisLock

from ekiden.redis_cache import RedisCache

V = TypeVar("V")

#: How often a reader waiting for another process's result looks for it.
POLL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Kept(Generic[V]):
    """A value as kept: its version, when it was computed (epoch seconds), the value."""

    version: Any
    at: float
    value: V


class VersionedCache(Generic[V]):
    """The values of one kind (`name`), one per key, each with the version it was computed for.

    `kept_seconds`: how long a value stays in the cache (None: until replaced);
    `lock_seconds`: longer than any computation, as a computer that died frees the key after it;
    `wait_seconds`: how long a reader waits for another process's result before computing;
    `ordered`: versions are numbers that grow (a newer value will do), not labels;
    `large`: values too big to fetch only to find them stale: a small record of the version
    is kept beside the value and read first (one more cache read when the value is fresh).
    """

    def __init__(
        self,
        name: str,
        *,
        kept_seconds: float | None = None,
        lock_seconds: float = 30,
        wait_seconds: float = 30,
        ordered: bool = True,
        large: bool = False,
    ):
        self.name = name
        self.kept_seconds = kept_seconds
        self.lock_seconds = lock_seconds
        self.wait_seconds = wait_seconds
        self.ordered = ordered
        self.large = large

    def key(self, key: Hashable) -> str:
        """The cache key of `key` (a tuple's parts joined by colons)."""
        parts = key if isinstance(key, tuple) else (key,)
        return ":".join([self.name, *map(str, parts)])

    def kept(self, key: Hashable) -> Kept[V] | None:
        """The value kept under `key`, whatever its version."""
        found = cache.get(self.key(key))
        # Anything else under the key (an older release's entry, kept in Redis over an upgrade)
        # is taken for nothing kept: computed again and replaced, never a failed request.
        return Kept(*found) if isinstance(found, tuple) and len(found) == len(fields(Kept)) else None

    def version(self, key: Hashable) -> Any | None:
        """The version kept under `key`: a small read when the values are large."""
        if self.large:
            mark = self._mark(key)
            return None if mark is None else mark[0]
        kept = self.kept(key)
        return None if kept is None else kept.version

    def store(self, key: Hashable, version: Any, value: V) -> Kept[V]:
        kept = Kept(version, time.time(), value)
        cache.set(self.key(key), (kept.version, kept.at, kept.value), self.kept_seconds)
        if self.large:
            # After the value: a reader that finds this version finds its value, or a newer one.
            cache.set(f"{self.key(key)}:version", (kept.version, kept.at), self.kept_seconds)
        return kept

    def fetch(
        self,
        key: Hashable,
        *,
        wanted: Any,
        compute: Callable[[], V | None],
        recent_seconds: float = 0.0,
        stale_while_computing: bool = False,
    ) -> Kept[V] | None:
        """The value under `key` at least as new as version `wanted` (see the module's doc).

        `compute()` returns the value, read after `wanted` was; None: nothing to keep (then
        this returns None, and the next reader computes again).
        """
        good, kept = self._look(key, wanted, recent_seconds)
        if good is not None:
            return good
        lock = shared_lock(f"{self.key(key)}:lock", seconds=self.lock_seconds)
        give_up_at = time.monotonic() + self.wait_seconds
        while True:
            if lock.acquire():
                try:
                    # Another process may have stored it between the look above and the lock.
                    good, _kept = self._look(key, wanted, recent_seconds)
                    return good if good is not None else self._compute(key, wanted, compute)
                finally:
                    lock.release()
            if stale_while_computing and kept is not None:
                return kept
            if time.monotonic() >= give_up_at:
                return self._compute(key, wanted, compute)
            time.sleep(POLL_SECONDS)
            good, kept = self._look(key, wanted, recent_seconds)
            if good is not None:
                return good

    def _look(
        self, key: Hashable, wanted: Any, recent_seconds: float
    ) -> tuple[Kept[V] | None, Kept[V] | None]:
        """(the value kept if it will do, None otherwise; the value kept, whatever its version).

        With large values, one that will not do is not fetched: both are None then."""
        if self.large:
            mark = self._mark(key)
            if mark is None or not self._will_do(mark[0], mark[1], wanted, recent_seconds):
                return None, None
        kept = self.kept(key)
        if kept is None:
            return None, None
        return (kept if self._will_do(kept.version, kept.at, wanted, recent_seconds) else None), kept

    def _mark(self, key: Hashable) -> tuple[Any, float] | None:
        """(version, at) of a large value; None: nothing kept (or an older release's entry)."""
        mark = cache.get(f"{self.key(key)}:version")
        return mark if isinstance(mark, tuple) and len(mark) == 2 else None

    def _will_do(self, version: Any, at: float, wanted: Any, recent_seconds: float) -> bool:
        if version == wanted or (self.ordered and version > wanted):
            return True
        return recent_seconds > 0 and time.time() - at < recent_seconds

    def _compute(self, key: Hashable, wanted: Any, compute: Callable[[], V | None]) -> Kept[V] | None:
        value = compute()
        return None if value is None else self.store(key, wanted, value)


class SharedLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if it is free (never waits); True if taken."""

    def release(self) -> None:
        """Free the lock if this holder still holds it; another holder's lock stays."""


def shared_lock(name: str, *, seconds: float) -> SharedLock:
    """A lock on `name` shared by every process of the site, freed by itself after `seconds`."""
    backend = caches["default"]
    key = backend.make_and_validate_key(name)
    if isinstance(backend, RedisCache) and not backend.unreachable.is_down():
        return _RedisLock(backend, key, seconds)
    # Local memory is one process's cache: a lock in its memory is shared by all who use it.
    # Without Redis, each process computes for its own readers, one thread at a time.
    return _LocalLock(key, seconds)


class _RedisLock:
    def __init__(self, backend: RedisCache, name: str, seconds: float):
        self._backend = backend
        self._lock = RedisLock(backend.redis_client(), name, timeout=seconds, blocking=False)
        self._without_redis: _LocalLock | None = None

    def acquire(self) -> bool:
        try:
            return bool(self._lock.acquire())
        except RedisError as error:
            # Redis went away: this process's own lock keeps its threads from computing twice.
            self._backend.unreachable.failed(error)
            self._without_redis = _LocalLock(self._lock.name, self._lock.timeout)
            return self._without_redis.acquire()

    def release(self) -> None:
        if self._without_redis is not None:
            self._without_redis.release()
            return
        # LockNotOwnedError: the lock ran out while held, and the key is gone or another's;
        # another RedisError: Redis went away meanwhile, and the lock with it.
        with suppress(RedisError):
            self._lock.release()


_local_holders: dict[str, tuple[str, float]] = {}
_local_holders_guard = threading.Lock()


class _LocalLock:
    def __init__(self, name: str, seconds: float):
        self.name = name
        self.seconds = seconds
        self.token: str | None = None

    def acquire(self) -> bool:
        token = uuid.uuid4().hex
        now = time.monotonic()
        with _local_holders_guard:
            holder = _local_holders.get(self.name)
            if holder is not None and holder[1] > now:
                return False
            _local_holders[self.name] = (token, now + self.seconds)
        self.token = token
        return True

    def release(self) -> None:
        with _local_holders_guard:
            holder = _local_holders.get(self.name)
            if holder is not None and holder[0] == self.token:
                del _local_holders[self.name]
        self.token = None
