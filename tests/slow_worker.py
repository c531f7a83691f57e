"""The project's Celery app, with a standings computation slow on purpose: for killing a worker
in the middle of a refresh (tests/test_faults_worker.py). `celery -A tests.slow_worker worker`.

Before it computes, a refresh writes its process id to the file TASUKI_TEST_COMPUTING, then
sleeps TASUKI_TEST_SLOW_SECONDS: the test knows the task is under way, and has time to kill it.
"""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from ekiden.celery import app

__all__ = ["app"]


@task_prerun.connect
def slow_down_the_standings(**kwargs) -> None:
    from results.standings import cache

    if getattr(cache.compute_results, "slowed", False):
        return
    compute = cache.compute_results

    def slowly(race):
        Path(os.environ["TASUKI_TEST_COMPUTING"]).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("TASUKI_TEST_SLOW_SECONDS", "0")))
        return compute(race)

    slowly.slowed = True
    cache.compute_results = slowly
