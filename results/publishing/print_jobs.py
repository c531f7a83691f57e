"""Print jobs: asking for a results book or certificates, making the file on a worker, finding it.

The file is made by a Celery task (results.tasks.make_print_file) from the cached standings,
with the same render functions as the commands. A job is made at most once at a time: asking
again while it waits or runs returns it. A worker killed halfway leaves the job running; the
broker hands the task to another worker, which makes the file again under the same name.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.models import Category, Race
from results.publishing.models import PrintJob
from results.publishing.print_making import ACTIVE, STALE_AFTER, finish
from results.publishing.tasks import make_print_file

# --- services -----------------------------------------------------------------------------


@transaction.atomic
def print_job_request(
    *, race: Race, kind: str, category: Category | None = None, requested_by=None
) -> tuple[PrintJob, bool]:
    """The job making this file: the one already waiting or running, or a new one, enqueued
    after the commit. Returns (job, created)."""
    if kind == PrintJob.Kind.BOOK:
        category = None  # the book always covers the whole race
    # One request at a time per race, so two clicks never start two jobs.
    Race.objects.select_for_update().filter(pk=race.pk).first()
    running = PrintJob.objects.filter(race=race, kind=kind, category=category, state__in=ACTIVE).first()
    if running is not None:
        if timezone.now() - running.updated_at < STALE_AFTER:
            return running, False
        finish(
            running,
            PrintJob.State.FAILED,
            _("No news from a worker for %d minutes: taken for lost and replaced by a new job.")
            % (STALE_AFTER.total_seconds() // 60),
        )
    job = PrintJob.objects.create(
        race=race, kind=kind, category=category, requested_by=requested_by, task_id=uuid.uuid4().hex
    )
    # In embedded mode (Celery eager) the file is made here, in the request: a file that cannot
    # be made is marked failed with its reason, which the print page then shows, instead of the
    # task's exception becoming the page's 500. A worker's failure never reaches the request.
    transaction.on_commit(lambda: _enqueue(job), robust=settings.CELERY_TASK_ALWAYS_EAGER)
    return job, True


def _enqueue(job: PrintJob) -> None:
    make_print_file.apply_async(args=(job.pk,), task_id=job.task_id)


def request_book_after_closing(sender, *, race: Race, user=None, **kwargs) -> None:
    """On `race_closed`: the final results get their book, made by a worker after the commit."""
    print_job_request(race=race, kind=PrintJob.Kind.BOOK, requested_by=user)


def request_book_again(sender, *, race_id: int, **kwargs) -> None:
    """On `closed_results_changed` (a correction while provisional, the results made official, a
    book finished from results that changed while it was made): a results book made before no
    longer tells the results, so it is made again. A race with no book yet gets none here (the
    print page makes one when asked), and one whose newest book was made from these very results
    gets no second copy (`close_race --official` closes and makes official in one commit)."""
    race = Race.objects.filter(pk=race_id).first()
    if race is None:
        return
    newest = latest_book(race)
    if newest is not None and newest.standings_version == race.standings_version:
        return
    if race.print_jobs.filter(kind=PrintJob.Kind.BOOK).exists():
        print_job_request(race=race, kind=PrintJob.Kind.BOOK)


# --- selectors ----------------------------------------------------------------------------


def print_jobs_of(race: Race, limit: int = 30) -> list[PrintJob]:
    """The race's latest jobs, newest first, for the print page."""
    return list(race.print_jobs.select_related("race", "category")[:limit])


def latest_book(race: Race) -> PrintJob | None:
    """The newest results book with a file, for the public standings page."""
    return (
        race.print_jobs.select_related("race")
        .filter(kind=PrintJob.Kind.BOOK, state=PrintJob.State.DONE)
        .exclude(file="")
        .order_by("-finished_at", "-pk")
        .first()
    )
