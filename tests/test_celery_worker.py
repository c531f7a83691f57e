"""The production path: a real Celery worker on Redis recomputes the standings after commits."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ekiden.celery import app
from races.models import Race
from results.standings import cache as standings_cache
from results.standings.race_results import RaceResults
from results.timing.services import timing_record_create
from tests.commands import run
from tests.conftest import EXAMPLES

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql",
        reason="needs REDIS_URL and DATABASE_URL (PostgreSQL) for a real worker",
    ),
]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, tmp_path):
    """One real worker process on the test database, started and stopped for the test."""
    with running_worker(tmp_path, name="test") as log:
        yield log


@contextmanager
def running_worker(tmp_path: Path, *, name: str, **environment: str) -> Iterator[Path]:
    """A real worker on the test database and the default queue, its log in `tmp_path`; the
    environment given is added to this process's. Yields the log's path."""
    app.control.purge()  # tasks left by earlier tests name races that no longer exist
    log = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0", **environment}
    command = [
        sys.executable, "-m", "celery", "-A", "ekiden", "worker", "--pool", "solo",
        "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--hostname", f"{name}-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "info",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[1]
        )
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "worker did not start:\n" + log.read_text()
        yield log
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_for_cached_version(race: Race, timeout: float = 15) -> RaceResults:
    wanted = Race.objects.get(pk=race.pk).standings_version
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (standings_cache.cached_version(race.pk) or 0) >= wanted:
            return standings_cache.cached(race.pk).value
        time.sleep(0.05)
    raise AssertionError(f"the worker did not cache version {wanted}")


def test_a_burst_of_splits_is_recomputed_a_few_times_not_once_per_split(worker, settings):
    # A window long enough that the burst is many commits per window even on a loaded machine;
    # the bound below counts windows, so a slow machine never turns into a failed test.
    settings.TASUKI_STANDINGS_DEBOUNCE_SECONDS = 1.0
    folder = EXAMPLES / "hand-worked"
    assert run("import_race", str(folder / "race.json")).ok
    assert run("import_entries", "hand", str(folder / "entries.csv")).ok
    race = Race.objects.get(slug="hand")
    wait_for_cached_version(race)
    before = standings_cache.computations(race.pk)

    # 200 tablet taps, each its own commit; every tap is a little earlier than the one before,
    # so only a recompute that saw the very last commit shows the final time.
    started = time.monotonic()
    for i in range(200):
        timing_record_create(
            race=race, bib="101", station="R1", time=f"07:00:{59 - i // 4:02d}.{(3 - i % 4) * 100:03d}"
        )

    burst_seconds = time.monotonic() - started
    team = wait_for_cached_version(race).team("101")
    assert team.stations[0].cumulative_ms == 30 * 60_000 + 10_000  # 07:00:10.000
    recomputes = standings_cache.computations(race.pk) - before
    print(f"\n{recomputes} recomputes for 200 splits in {burst_seconds:.1f} s")  # `pytest -s`, for the notes
    # At most one recompute per debounce window the burst lasted (plus the one after the last).
    windows = int(burst_seconds / settings.TASUKI_STANDINGS_DEBOUNCE_SECONDS) + 2
    assert 1 <= recomputes <= min(windows, 100), f"{recomputes} recomputes for 200 splits"
    assert "refresh_standings" in worker.read_text()
