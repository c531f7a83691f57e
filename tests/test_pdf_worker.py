"""Print jobs on real Celery workers (Redis broker, PostgreSQL): the file appears, the progress
goes from 0 to 100, and a worker killed halfway leaves the job to another, with one file.

Like test_celery_worker.py it needs REDIS_URL and DATABASE_URL (PostgreSQL). Its workers use a
Redis database and a queue of their own, and redeliver after 3 seconds instead of an hour: the
suite's cache.clear() flushes the suite's Redis database, and a short visibility timeout on a
shared one would redeliver other people's tasks.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from races.models import Race
from races.signals import standings_changed
from results.publishing.models import PrintJob
from results.publishing.print_jobs import request_book_after_closing
from results.receivers import on_standings_changed
from results.standings.signals import race_closed
from tests.printing import needs_pdf_tools, pdf_pages

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER or connection.vendor != "postgresql",
        reason="needs REDIS_URL and DATABASE_URL (PostgreSQL) for a real worker",
    ),
    needs_pdf_tools,
]

REDIS_DB = 11
QUEUE = f"tasuki-pdf-test-{os.getpid()}"
VISIBILITY_TIMEOUT = 3


def worker_redis_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def broker() -> Celery:
    """A client of the workers' Redis database: to ping them, send them tasks, read task states."""
    redis.Redis.from_url(worker_redis_url()).flushdb()
    client = Celery("pdf-test", broker=worker_redis_url(), backend=worker_redis_url(), set_as_current=False)
    yield client
    client.close()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def workers(transactional_db, broker, media, tmp_path):
    """Starts a worker when asked; stops (or has already killed) them all at the end."""
    started: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        """A worker process; its log is <tmp_path>/<name>.log."""
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": worker_redis_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            # A dead worker's job is looked for at a worker's start and then every second (by
            # default every 100 s): the other worker finds it however long the kill took.
            "CELERY_UNACKED_RESTORE_SECONDS": "1",
            "TASUKI_CACHE_KEY_PREFIX": f"tasuki-pdf-test-{os.getpid()}",
            "MEDIA_ROOT": str(media),
        }
        hostname = f"{name}-{os.getpid()}@tasuki-test"
        command = [
            sys.executable, "-m", "celery", "-A", "ekiden", "worker", "--pool", "solo",
            "--queues", QUEUE, "--hostname", hostname, "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel", "info",
        ]  # fmt: skip
        log = tmp_path / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[1]
            )
        started.append(process)
        # Ready by its own log, not by a ping: a solo worker answers no ping while it makes a
        # file, and the second worker takes the dead one's job the moment it is ready.
        deadline = time.monotonic() + 60
        while f"{hostname} ready." not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "worker did not start:\n" + log.read_text()
            time.sleep(0.2)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def demo_race(transactional_db) -> Race:
    """The demo race (DEMO_TEAMS teams): enough certificates for a job that takes seconds.

    Loaded without scheduling standings refreshes nor the book that closing asks for: those
    would go to the suite's own queue, and the workers here compute the standings themselves.
    """
    standings_changed.disconnect(dispatch_uid="results.schedule_refresh")
    race_closed.disconnect(dispatch_uid="results.book_after_closing")  # its book: a job of its own
    try:
        # Finished (the live demo has no team home yet): every finisher gets certificates.
        call_command("load_demo", "--finished", "--no-user", verbosity=0)
    finally:
        standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
        race_closed.connect(request_book_after_closing, dispatch_uid="results.book_after_closing")
    return Race.objects.get(slug="aleps-demo")


def enqueue(job: PrintJob, broker: Celery) -> None:
    broker.send_task("results.tasks.make_print_file", args=(job.pk,), task_id=job.task_id, queue=QUEUE)


def watch(job: PrintJob, broker: Celery, until, timeout: float = 120) -> tuple[list[int], list[int]]:
    """Poll the job and its task until `until(job)`; returns the progress seen in each."""
    backend = broker.backend
    in_job: list[int] = []
    in_task: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not in_job or in_job[-1] != job.progress:
            in_job.append(job.progress)
        meta = backend.get_task_meta(job.task_id)
        if meta["status"] == "PROGRESS" and (not in_task or in_task[-1] != meta["result"]["progress"]):
            in_task.append(meta["result"]["progress"])
        if until(job):
            return in_job, in_task
        time.sleep(0.05)
    logs = "\n".join(
        log.read_text()[-3000:] for log in sorted(Path(settings.MEDIA_ROOT).parent.glob("*.log"))
    )
    raise AssertionError(f"job {job.pk} is still {job.state} at {job.progress} %; the workers said:\n{logs}")


def stored_files(media: Path, race: Race) -> list[str]:
    folder = media / "prints" / race.slug
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def new_job(race: Race, kind: str) -> PrintJob:
    return PrintJob.objects.create(race=race, kind=kind, task_id=f"pdf-test-{os.getpid()}-{time.time_ns()}")


def test_a_worker_makes_the_file_and_reports_its_progress_from_0_to_100(workers, demo_race, broker, media):
    workers("pdf1")
    job = new_job(demo_race, PrintJob.Kind.CERTIFICATES)
    enqueue(job, broker)

    in_job, in_task = watch(job, broker, until=lambda j: j.state == PrintJob.State.DONE)

    assert in_job[0] == 0 and in_job[-1] == 100, in_job
    assert in_job == sorted(in_job) and len(in_job) > 4, in_job  # moving on, never back
    assert in_task and in_task == sorted(in_task), in_task  # the task's own PROGRESS state
    assert stored_files(media, demo_race) == [f"{job.pk}-certificates.pdf"]
    finished_runners = 4 * len(job_results(demo_race).finishers)
    assert pdf_pages(media / job.file.name) == finished_runners


def test_a_worker_killed_halfway_leaves_the_job_to_another_and_one_file(workers, demo_race, broker, media):
    first = workers("pdf1")
    job = new_job(demo_race, PrintJob.Kind.CERTIFICATES_ZIP)
    enqueue(job, broker)
    watch(job, broker, until=lambda j: j.state == PrintJob.State.RUNNING and j.progress >= 10)

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (PrintJob.State.RUNNING, 1)
    assert 10 <= job.progress < 100

    # The broker hands the unacknowledged task to the next worker after the visibility timeout.
    second = workers("pdf2")
    watch(job, broker, until=lambda j: j.state == PrintJob.State.DONE)
    assert job.attempts == 2
    assert stored_files(media, demo_race) == [f"{job.pk}-certificates_zip.zip"]
    assert second.poll() is None
    assert "make_print_file" in (media.parent / "pdf2.log").read_text()


def job_results(race: Race):
    from results.standings.selectors import standings_for_race

    return standings_for_race(race)
