"""A Celery worker killed in the middle of a standings refresh: another finishes it, once.

The worker (tests/slow_worker.py: the project's app, its computation made slow) runs on the test
database and a private Redis, whose broker hands an unacknowledged task to another worker after
two seconds (CELERY_VISIBILITY_TIMEOUT; tasks are acknowledged late). It is killed with SIGKILL
while it computes, as the kernel's OOM killer would; a second worker started afterwards gets
the same task and computes the standings, and nothing is lost or done twice.
(A print job killed halfway is tests/test_pdf_worker.py's.)
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from races.audit import Actor
from races.models import Race
from races.services import entries_import, race_import
from races.signals import standings_changed
from results.receivers import on_standings_changed
from results.standings import cache as standings_cache
from results.standings.feed import compute_results
from results.timing.services import timing_record_create
from tests.faults import ROOT, running_redis, site_environment
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql",
        reason="needs REDIS_URL and DATABASE_URL (PostgreSQL) for a real worker",
    ),
]
QUEUE = "tasuki"


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(env: dict, name: str, folder: Path, broker: Celery) -> subprocess.Popen:
    hostname = f"{name}-{os.getpid()}@tasuki-test"
    command = [
        sys.executable, "-m", "celery", "-A", "tests.slow_worker", "worker", "--pool", "solo",
        "--queues", QUEUE, "--hostname", hostname, "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--loglevel", "info",
    ]  # fmt: skip
    log = folder / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not broker.control.ping(destination=[hostname], timeout=0.5):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "worker did not start:\n" + log.read_text()
    return process


@pytest.fixture
def race(transactional_db) -> Race:
    standings_changed.disconnect(dispatch_uid="results.schedule_refresh")
    try:
        race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("test"))
        timing_record_create(race=race, bib="101", station="R1", time="06:55:00.250")
        timing_record_create(race=race, bib="102", station="R1", time="06:58:10.000")
    finally:
        standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
    race.refresh_from_db()
    return race


def test_a_worker_killed_mid_refresh_leaves_it_to_the_next_which_computes_it_once(race, tmp_path, settings):
    computing = tmp_path / "computing"
    processes: list[subprocess.Popen] = []
    with running_redis(tmp_path) as redis:
        # This test reads the workers' cache: the private Redis.
        settings.CACHES = {
            "default": {
                "BACKEND": "ekiden.redis_cache.RedisCache",
                "LOCATION": redis.url(),
                "KEY_PREFIX": "tasuki",
            }
        }
        broker = Celery("faults-test", broker=redis.url(), set_as_current=False)
        env = site_environment(
            database_url(),
            redis.url(),
            CELERY_VISIBILITY_TIMEOUT="2",
            # The broker looks for a dead worker's task at a worker's start, then this often: every
            # second, so the second worker finds it whether it started before the 2 s or after.
            CELERY_UNACKED_RESTORE_SECONDS="1",
            TASUKI_STANDINGS_RECOMPUTE_WAIT_SECONDS="3",  # the dead worker's lock frees after this
            TASUKI_TEST_COMPUTING=str(computing),
        )
        try:
            first = start_worker({**env, "TASUKI_TEST_SLOW_SECONDS": "120"}, "first", tmp_path, broker)
            processes.append(first)
            broker.send_task("results.tasks.refresh_standings", args=(race.pk,), queue=QUEUE)
            deadline = time.monotonic() + 30
            while not computing.exists():
                assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
                time.sleep(0.05)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            assert standings_cache.cached_version(race.pk) is None  # nothing computed, nothing kept

            second = start_worker({**env, "TASUKI_TEST_SLOW_SECONDS": "0"}, "second", tmp_path, broker)
            processes.append(second)
            deadline = time.monotonic() + 40
            while standings_cache.cached_version(race.pk) != race.standings_version:
                assert time.monotonic() < deadline, (tmp_path / "second.log").read_text()[-3000:]
                time.sleep(0.1)
            time.sleep(1)  # a second delivery, were there one, would show here
            log = (tmp_path / "second.log").read_text()
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=30)
            broker.close()

        # One refresh ran to its end (the announcement of passes to followers that follows it is
        # another task).
        refreshed = re.findall(r"refresh_standings\[[^]]+\] succeeded in", log)
        assert len(refreshed) == 1, log[-3000:]
        assert standings_cache.computations(race.pk) == 1  # the killed computation kept nothing
        kept = standings_cache.cached(race.pk).value
        fresh = compute_results(Race.objects.get(pk=race.pk))
        assert [(t.bib, t.stations[0].cumulative_ms) for t in kept.teams] == [
            (t.bib, t.stations[0].cumulative_ms) for t in fresh.teams
        ]
        assert kept.team("101").stations[0].cumulative_ms == 25 * 60_000 + 250
