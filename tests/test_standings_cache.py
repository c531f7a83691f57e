"""Cached standings: computed once per change, never stale, never computed twice at once."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from races.models import Race
from results.standings import cache as standings_cache
from results.standings import selectors
from results.timing.services import timing_record_create
from tests.commands import run
from tests.conftest import EXAMPLES


def load_hand_race() -> Race:
    folder = EXAMPLES / "hand-worked"
    assert run("import_race", str(folder / "race.json")).ok
    assert run("import_entries", "hand", str(folder / "entries.csv")).ok
    return Race.objects.get(slug="hand")


def r1_cumulative(results, bib: str) -> int | None:
    return results.team(bib).stations[0].cumulative_ms


@pytest.mark.django_db(transaction=True)
class TestFreshness:
    def test_each_committed_change_is_in_the_next_read(self):
        race = load_hand_race()
        assert r1_cumulative(selectors.standings_for_race(race), "101") is None
        timing_record_create(race=race, bib="101", station="R1", time="07:00:00")
        assert r1_cumulative(selectors.standings_for_race(race), "101") == 30 * 60_000

    def test_a_stale_cache_never_survives_a_change_even_if_the_refresh_was_lost(self, monkeypatch):
        race = load_hand_race()
        selectors.standings_for_race(race)
        # The worker that should refresh is down: nothing is scheduled after the change.
        monkeypatch.setattr("results.receivers.schedule_refresh", lambda race_id: None)
        timing_record_create(race=race, bib="101", station="R1", time="07:00:00")
        assert r1_cumulative(selectors.standings_for_race(race), "101") == 30 * 60_000

    def test_reads_without_changes_do_not_recompute(self):
        race = load_hand_race()
        selectors.standings_for_race(race)
        computed = standings_cache.computations(race.pk)
        for _ in range(5):
            selectors.standings_for_race(race)
        assert standings_cache.computations(race.pk) == computed

    @pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER, reason="tasks run by a worker")
    def test_in_the_embedded_mode_each_change_is_computed_at_once(self):
        # Tasks run in-process: no debounce, and the first change leaves nothing pending that
        # would make the next one ride along on a recompute that already ran.
        race = load_hand_race()
        for second in range(3):
            before = standings_cache.computations(race.pk)
            timing_record_create(race=race, bib="101", station="R1", time=f"07:00:0{second}")
            assert standings_cache.computations(race.pk) == before + 1
            assert standings_cache.cached_version(race.pk) == standings_cache.current_version(race.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_compute_once(monkeypatch):
    race = load_hand_race()
    timing_record_create(race=race, bib="101", station="R1", time="07:00:00")
    from django.core.cache import cache

    cache.clear()
    calls = []
    real = standings_cache.compute_results

    def slow_compute(race):
        calls.append(race.pk)
        time.sleep(0.3)
        return real(race)

    monkeypatch.setattr(standings_cache, "compute_results", slow_compute)
    answers, errors = [], []

    def reader():
        try:
            answers.append(r1_cumulative(standings_cache.fresh_results(race.pk), "101"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == [30 * 60_000] * 8
    assert calls == [race.pk]
