"""Standings computed once per change and shared by every reader.

Race day has thousands of phones refreshing the standings and a few tablets adding splits. The
results are computed after each committed change (debounced on a worker in production), kept
in the cache with the race's standings version, and served from there:

- a reader compares the cached version with the race's current one, so a stale cache never
  survives a change, whatever happened to the task that should have refreshed it;
- one process computes at a time per race (a cache lock); the others wait for its result
  instead of piling the same work onto the database ("single flight").
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache

from races.models import Race
from results.standings.feed import compute_results

POLL_SECONDS = 0.02


def results_key(race_id: int) -> str:
    return f"standings:results:{race_id}"


def version_key(race_id: int) -> str:
    return f"standings:version:{race_id}"


def lock_key(race_id: int) -> str:
    return f"standings:lock:{race_id}"


def pending_key(race_id: int) -> str:
    return f"standings:pending:{race_id}"


def computations_key(race_id: int) -> str:
    return f"standings:computations:{race_id}"


def computations(race_id: int) -> int:
    """How many times this race's standings were computed: the debounce at work, for ops."""
    return cache.get(computations_key(race_id), 0)


def current_version(race_id: int) -> int:
    return Race.objects.values_list("standings_version", flat=True).get(pk=race_id)


def cached_entry(race_id: int) -> dict | None:
    return cache.get(results_key(race_id))


def cached_version(race_id: int) -> int | None:
    """The version of the cached results: a small read, for polling and freshness checks."""
    return cache.get(version_key(race_id))


def _cached_at_least(race_id: int, wanted: int) -> dict | None:
    """The cached entry if it is at least version `wanted`; the small version key is read first
    so a stale entry is never fetched and unpickled."""
    version = cached_version(race_id)
    if version is None or version < wanted:
        return None
    entry = cached_entry(race_id)
    return entry if entry is not None and entry["version"] >= wanted else None


# The results this process last used, per race. A 25,000-team race's results take longer to
# fetch and unpickle than to check for freshness, and every page view needs them.
_recent: dict[int, dict] = {}
RECENT_RACES = 8


def fresh_results(race_id: int) -> dict:
    wanted = current_version(race_id)
    entry = _recent.get(race_id)
    if entry is None or entry["version"] < wanted:
        entry = _cached_at_least(race_id, wanted) or refresh(race_id, wanted)
        _remember(race_id, entry)
    return entry["results"]


def _remember(race_id: int, entry: dict) -> None:
    _recent.pop(race_id, None)
    _recent[race_id] = entry
    while len(_recent) > RECENT_RACES:
        del _recent[next(iter(_recent))]


def forget_recent() -> None:
    _recent.clear()


def refresh(race_id: int, wanted: int | None = None) -> dict:
    """Make the cache hold results at least as new as version `wanted` (default: current)."""
    if wanted is None:
        wanted = current_version(race_id)
    token = uuid.uuid4().hex
    wait = settings.TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS
    while True:
        if cache.add(lock_key(race_id), token, timeout=wait):
            try:
                return _cached_at_least(race_id, wanted) or _compute_and_store(race_id)
            finally:
                if cache.get(lock_key(race_id)) == token:
                    cache.delete(lock_key(race_id))
        # Another process is computing: its result will do. The lock expires by itself if
        # that process dies, and then this one takes over.
        time.sleep(POLL_SECONDS)
        entry = _cached_at_least(race_id, wanted)
        if entry is not None:
            return entry


def _compute_and_store(race_id: int) -> dict:
    # Read the version before the rows: a change committed meanwhile bumps the version past
    # this one, so newer rows under an older label get recomputed, never the reverse.
    version = current_version(race_id)
    race = Race.objects.get(pk=race_id)
    entry = {"version": version, "results": compute_results(race)}
    cache.set(results_key(race_id), entry, timeout=None)
    cache.set(version_key(race_id), version, timeout=None)
    if not cache.add(computations_key(race_id), 1, timeout=None):
        cache.incr(computations_key(race_id))
    return entry
