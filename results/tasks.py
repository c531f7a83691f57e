"""Celery tasks: thin, they take ids and call a service."""

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError, OperationalError
from redis.exceptions import RedisError

from races.models import Race
from results.print_jobs import SOFT_TIME_LIMIT, TIME_LIMIT, print_job_run
from results.standings_cache import pending_key, refresh


@shared_task(
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    # A database or Redis hiccup on race day: try again shortly; readers recompute meanwhile.
    autoretry_for=(DatabaseError, RedisError),
    max_retries=3,
    default_retry_delay=1,
)
def refresh_standings(race_id: int) -> int | None:
    """Recompute a race's cached standings; returns the version now cached."""
    # Cleared before computing: a change that lands during the computation schedules another.
    cache.delete(pending_key(race_id))
    if not Race.objects.filter(pk=race_id).exists():
        return None  # deleted since the change was made: nothing to show
    return refresh(race_id)["version"]


@shared_task(
    bind=True,
    # Acknowledged only once the file is stored: a worker lost halfway (killed, out of memory,
    # a machine restarted) leaves the task to another worker, which makes the file again.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    # The database gone for a moment (a failover, a restart): try again, a little later each time.
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=2,
)
def make_print_file(self, job_id: int) -> str | None:
    """Make a print job's PDF or ZIP; returns the stored file's name."""

    def report(percent: int) -> None:
        self.update_state(state="PROGRESS", meta={"progress": percent})

    job = print_job_run(job_id=job_id, report=report)
    return job.file.name if job is not None and job.file else None
