"""Celery tasks of publishing: thin, they take ids and call a service."""

from celery import shared_task
from django.db import OperationalError

from results.publishing.print_making import SOFT_TIME_LIMIT, TIME_LIMIT, print_job_run


@shared_task(
    # The name the broker knows, kept from before the task moved here: a print job queued by the
    # old code while a site upgrades is still made by the new workers.
    name="results.tasks.make_print_file",
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
