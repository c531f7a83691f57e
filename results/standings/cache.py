"""Standings computed once per change and shared by every reader.

Race day has thousands of phones refreshing the standings and a few tablets adding splits. The
results are computed after each committed change (debounced on a worker in production), kept
in the cache with the race's standings version, and served from there
(ekiden/versioned_cache.py):

- a reader compares the cached version with the race's current one, so a stale cache never
  survives a change, whatever happened to the task that should have refreshed it;
- the version is read before the rows, so newer rows under an older label get recomputed,
  never the reverse;
- one process computes at a time per race (a lock); the others wait for its result instead of
  piling the same work onto the database ("single flight").
"""

from contextlib import suppress

from django.conf import settings
from django.core.cache import cache

from ekiden.memo import Memo
from ekiden.versioned_cache import Kept, VersionedCache
from races.models import Race
from results.standings.feed import compute_results
from results.standings.race_results import RaceResults

#: Kept until a newer version replaces them. A 25,000-team race's results are large: the small
#: version is read first, so a stale entry is never fetched and unpickled.
STANDINGS: VersionedCache[RaceResults] = VersionedCache(
    "standings",
    large=True,
    lock_seconds=settings.TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS,
    wait_seconds=settings.TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS,
)

# The results this process last used, per race. A 25,000-team race's results take longer to
# fetch and unpickle than to check for freshness, and every page view needs them.
RECENT_RACES = 8
_recent = Memo("recent standings", size=RECENT_RACES)


def pending_key(race_id: int) -> str:
    return f"standings:pending:{race_id}"


def computations_key(race_id: int) -> str:
    return f"standings:computations:{race_id}"


def computations(race_id: int) -> int:
    """How many times this race's standings were computed: the debounce at work, for ops."""
    return cache.get(computations_key(race_id), 0)


def current_version(race_id: int) -> int:
    return Race.objects.values_list("standings_version", flat=True).get(pk=race_id)


def cached(race_id: int) -> Kept[RaceResults] | None:
    """The cached results with their version, whatever it is."""
    return STANDINGS.kept(race_id)


def cached_version(race_id: int) -> int | None:
    """The version of the cached results: a small read, for polling and freshness checks."""
    return STANDINGS.version(race_id)


def fresh_results(race_id: int) -> RaceResults:
    wanted = current_version(race_id)
    kept = _recent.get(race_id)
    if kept is None or kept.version < wanted:
        kept = _recent.remember(race_id, refresh(race_id, wanted))
    return kept.value


def refresh(race_id: int, wanted: int | None = None) -> Kept[RaceResults]:
    """Make the cache hold results at least as new as version `wanted` (default: current)."""
    if wanted is None:
        wanted = current_version(race_id)
    return STANDINGS.fetch(race_id, wanted=wanted, compute=lambda: _compute(race_id))


def _compute(race_id: int) -> RaceResults:
    results = compute_results(Race.objects.get(pk=race_id))
    if not cache.add(computations_key(race_id), 1, timeout=None):
        # A count for operators only: evicted meanwhile, or Redis gone, it is not worth a page.
        with suppress(ValueError):
            cache.incr(computations_key(race_id))
    return results
