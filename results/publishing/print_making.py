"""Making a print job's file on a worker: the book or the certificates rendered from the cached
standings, with progress written to the job. The Celery task (results.publishing.tasks) calls
`print_job_run`; asking for a job is results.publishing.print_jobs.
"""

from collections.abc import Callable
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.models import Race
from races.signals import closed_results_changed
from results.publishing.models import PrintJob
from results.publishing.pdf.book import results_book
from results.publishing.pdf.certificates import (
    certificates_pdf,
    certificates_zip,
    finished_teams,
    no_finishers_message,
)
from results.publishing.pdf.printed_race import printed_race
from results.standings.selectors import standings_for_race

# The task's limits. A 1,200-runner race takes seconds; the DHL-size race's 125,000 certificates
# would take many minutes, so the limit is generous and the hard one follows the soft one.
SOFT_TIME_LIMIT = 900
TIME_LIMIT = SOFT_TIME_LIMIT + 60
# A job with no news for this long was lost (a worker gone, a broker flushed): asking again makes
# a new one instead of waiting for it forever.
STALE_AFTER = timedelta(seconds=TIME_LIMIT + 60)
# A job that kills its worker every time (out of memory) must not be redelivered for ever.
MAX_ATTEMPTS = 3

ACTIVE = (PrintJob.State.QUEUED, PrintJob.State.RUNNING)


class PrintJobFailed(Exception):
    """The job cannot be made, for a reason the organisers can read (stored on the job)."""


def print_job_run(*, job_id: int, report: Callable[[int], None] | None = None) -> PrintJob | None:
    """Make the job's file (the task's body). `report(percent)` hears of the progress.

    Returns the job, or None if it no longer exists. A job already done or failed is left as
    it is: the broker may deliver a task twice.
    """
    with transaction.atomic():
        # Only the job's row is locked (PostgreSQL refuses to lock the outer join to no category).
        jobs = PrintJob.objects.select_for_update(of=("self",)).select_related("race", "category")
        job = jobs.filter(pk=job_id).first()
        if job is None or not job.is_active:
            return job
        if job.attempts >= MAX_ATTEMPTS:
            return finish(
                job,
                PrintJob.State.FAILED,
                _("A worker was lost %d times while making this; see the worker's log.") % job.attempts,
            )
        job.state, job.progress, job.attempts = PrintJob.State.RUNNING, 0, job.attempts + 1
        job.save(update_fields=["state", "progress", "attempts", "updated_at"])

    progress = _Progress(job, report)
    progress(0, 1)
    try:
        content = _render(job, progress)
    except PrintJobFailed as exc:
        return finish(job, PrintJob.State.DONE, str(exc))
    except OperationalError:
        raise  # the database went away for a moment: the task tries again, the job stays running
    except SoftTimeLimitExceeded:
        finish(job, PrintJob.State.FAILED, _("Not made within %d minutes.") % (SOFT_TIME_LIMIT // 60))
        raise
    except Exception as exc:
        finish(job, PrintJob.State.FAILED, _("The file could not be made: %s") % exc)
        raise
    # Under the job's own name, replacing what a lost worker may have left there.
    job.file.save(job.stored_name(), ContentFile(content), save=False)
    finish(job, PrintJob.State.DONE)
    _book_outdated_told(job)
    return job


def _book_outdated_told(job: PrintJob) -> None:
    """A correction to closed results committed while this book was being made asked for the
    book again, and was answered with this very job: publishing hears that the results changed
    once more, and makes the book that tells them."""
    if job.kind != PrintJob.Kind.BOOK:
        return
    race = Race.objects.only("pk", "is_closed", "standings_version").get(pk=job.race_id)
    if race.is_closed and race.standings_version != job.standings_version:
        closed_results_changed.send(sender=Race, race_id=race.pk)


def _render(job: PrintJob, progress: "_Progress") -> bytes:
    race = job.race
    # Read the version first: the standings read next are at least this new.
    job.standings_version = Race.objects.values_list("standings_version", flat=True).get(pk=race.pk)
    results = standings_for_race(race)
    made_at = timezone.now()
    printed = printed_race(race, now=made_at)
    if job.kind == PrintJob.Kind.BOOK:
        return results_book(printed, results, made_at=made_at, progress=progress)
    teams = finished_teams(results, category=job.category.code if job.category_id else None)
    if not teams:
        raise PrintJobFailed(no_finishers_message(race.name, job.category.name if job.category_id else None))
    if job.kind == PrintJob.Kind.CERTIFICATES_ZIP:
        return certificates_zip(printed, results, teams, progress=progress, made_at=made_at).content
    team_pages = job.kind == PrintJob.Kind.TEAM_CERTIFICATES
    return certificates_pdf(
        printed,
        results,
        teams,
        runner_pages=not team_pages,
        team_pages=team_pages,
        progress=progress,
        made_at=made_at,
    )


class _Progress:
    """Render progress as a percentage, written to the job (and the task) when it moves on."""

    def __init__(self, job: PrintJob, report: Callable[[int], None] | None):
        self.job = job
        self.report = report
        self.percent = -1

    def __call__(self, done: int, total: int) -> None:
        # 99 at most: 100 means the file is stored.
        percent = min(99, done * 100 // max(total, 1))
        if percent <= self.percent:
            return
        self.percent = percent
        PrintJob.objects.filter(pk=self.job.pk).update(progress=percent, updated_at=timezone.now())
        if self.report:
            self.report(percent)


def finish(job: PrintJob, state: str, message: str = "") -> PrintJob:
    job.state, job.message, job.finished_at = state, message[:500], timezone.now()
    if state == PrintJob.State.DONE:
        job.progress = 100
    job.save()
    return job
