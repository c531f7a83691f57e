"""The versioned, single-flight cache (ekiden/versioned_cache.py), in local memory and, with
REDIS_URL, on Redis.

The standings, the pages, the keypad rosters and the anomaly list are kept with it; their own
tests (test_standings_cache, test_live_pages, test_keypad, test_anomalies) say what they promise.
Here: a value is computed once however many readers want it at once, a newer version will do
for an older one, and a lock that ran out is never released by its old holder.
"""

import threading
import time
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from ekiden.versioned_cache import VersionedCache, shared_lock

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kept"}}


def on_redis() -> dict:
    return {
        "default": {
            "BACKEND": "ekiden.redis_cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-kept-{uuid.uuid4().hex[:8]}",
        }
    }


@pytest.fixture(
    params=[
        "local memory",
        pytest.param(
            "redis",
            marks=[
                pytest.mark.redis,
                pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL"),
            ],
        ),
    ]
)
def backend(request):
    with override_settings(CACHES=LOCAL_MEMORY if request.param == "local memory" else on_redis()):
        cache.clear()
        yield request.param
        cache.clear()


class Computations:
    """A computation that counts its calls and takes `seconds`."""

    def __init__(self, value="standings", seconds: float = 0.0):
        self.value = value
        self.seconds = seconds
        self.calls = 0
        self._guard = threading.Lock()

    def __call__(self):
        with self._guard:
            self.calls += 1
        time.sleep(self.seconds)
        return self.value


def test_a_kept_value_does_for_its_version_and_every_older_one(backend):
    standings = VersionedCache("standings")
    standings.store(7, version=5, value="after five splits")
    compute = Computations("after six splits")
    for wanted in (3, 5):
        assert standings.fetch(7, wanted=wanted, compute=compute).value == "after five splits"
    assert compute.calls == 0
    kept = standings.fetch(7, wanted=6, compute=compute)
    assert (kept.version, kept.value, compute.calls) == (6, "after six splits", 1)
    assert standings.version(7) == 6


def test_a_label_does_only_for_itself(backend):
    pages = VersionedCache("page", ordered=False)
    pages.store("/standings", version="b7", value="page b7")
    compute = Computations("page 3c")
    assert pages.fetch("/standings", wanted="3c", compute=compute).version == "3c"
    assert compute.calls == 1


def test_within_the_recent_period_an_older_version_does(backend):
    rosters = VersionedCache("roster")
    rosters.store((1, 2), version=4, value="roster 4")
    compute = Computations("roster 5")
    assert rosters.fetch((1, 2), wanted=5, compute=compute, recent_seconds=30).value == "roster 4"
    assert rosters.fetch((1, 2), wanted=5, compute=compute).value == "roster 5"
    assert compute.calls == 1


def test_large_values_are_found_by_their_small_version_first(backend):
    standings = VersionedCache("standings", large=True)
    standings.store(7, version=5, value="a 25,000-team race")
    # A stale value is never fetched: only its version is read.
    cache.set(standings.key(7), "not to be read")
    assert standings.fetch(7, wanted=6, compute=Computations("six")).value == "six"
    assert standings.version(7) == 6


def test_nothing_is_kept_when_the_computation_returns_none(backend):
    pages = VersionedCache("page", ordered=False)
    assert pages.fetch("/missing", wanted="a1", compute=Computations(None)) is None
    assert pages.kept("/missing") is None


def test_eight_readers_at_once_compute_once(backend):
    standings = VersionedCache("standings", large=True)
    compute = Computations("computed once", seconds=0.3)
    answers, errors = [], []

    def reader():
        try:
            answers.append(standings.fetch(7, wanted=1, compute=compute).value)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == ["computed once"] * 8
    assert compute.calls == 1


def test_while_another_computes_a_reader_may_take_the_value_kept(backend):
    pages = VersionedCache("page", ordered=False)
    pages.store("/standings", version="a1", value="page a1")
    rendering = shared_lock(f"{pages.key('/standings')}:lock", seconds=10)
    assert rendering.acquire()
    try:
        compute = Computations("page b2")
        kept = pages.fetch("/standings", wanted="b2", compute=compute, stale_while_computing=True)
        assert (kept.value, compute.calls) == ("page a1", 0)
    finally:
        rendering.release()


def test_a_reader_waits_for_another_computation_only_so_long(backend):
    standings = VersionedCache("standings", wait_seconds=0.2)
    # A process took the lock and died: its lock has not expired yet.
    dead = shared_lock(f"{standings.key(7)}:lock", seconds=10)
    assert dead.acquire()
    try:
        started = time.monotonic()
        kept = standings.fetch(7, wanted=1, compute=Computations("computed anyway"))
        assert kept.value == "computed anyway"
        assert 0.2 <= time.monotonic() - started < 5
    finally:
        dead.release()  # in local memory a lock is the process's, not the cache's


def test_a_holder_whose_lock_ran_out_does_not_release_the_next_holder_s(backend):
    slow = shared_lock("standings:7:lock", seconds=0.1)
    assert slow.acquire()
    time.sleep(0.2)  # the slow holder overran: its lock expired
    next_holder = shared_lock("standings:7:lock", seconds=10)
    assert next_holder.acquire()
    slow.release()  # late, and no longer its lock
    assert not shared_lock("standings:7:lock", seconds=10).acquire()
    next_holder.release()
    assert shared_lock("standings:7:lock", seconds=10).acquire()


def test_a_held_lock_is_not_taken_twice(backend):
    first = shared_lock("roster:1:2:lock", seconds=10)
    assert first.acquire()
    assert not shared_lock("roster:1:2:lock", seconds=10).acquire()
    first.release()
    first.release()  # twice: nothing happens
    assert shared_lock("roster:1:2:lock", seconds=10).acquire()


@pytest.mark.parametrize("large", [False, True])
def test_an_older_release_s_entry_under_the_key_is_computed_again_not_a_failed_request(backend, large):
    # Redis keeps its keys over an upgrade: the keypad roster's key held a dict before.
    roster = VersionedCache("roster", large=large)
    cache.set(roster.key((3, "R1")), {"version": 9, "at": 1.0, "json": b"{}", "etag": "x"})
    cache.set(f"{roster.key((3, 'R1'))}:version", {"version": 9})
    compute = Computations("the roster now")
    kept = roster.fetch((3, "R1"), wanted=9, compute=compute)
    assert (kept.value, compute.calls) == ("the roster now", 1)
