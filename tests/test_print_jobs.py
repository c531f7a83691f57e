"""Print jobs in the embedded mode (tasks run in-process): one job at a time, one file per job.

The real worker, killed halfway, is in test_pdf_worker.py.
"""

from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.test import TestCase
from django.utils import timezone

from races.audit import Actor
from races.models import Race
from races.services import team_status_set
from results.publishing import print_making
from results.publishing.models import PrintJob
from results.publishing.print_jobs import print_job_request
from results.publishing.print_making import MAX_ATTEMPTS, STALE_AFTER, print_job_run
from results.standings.closing import race_close_counting_dnf
from tests.printing import load_mini_ekiden, make_print_jobs_in_process, needs_pdf_tools, pdf_pages


@pytest.fixture(autouse=True)
def media_root_and_tasks(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_print_jobs_in_process(monkeypatch)
    return settings.MEDIA_ROOT


def stored_files(race: Race) -> list[Path]:
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "prints" / race.slug
    return sorted(folder.iterdir()) if folder.exists() else []


@needs_pdf_tools
class PrintJobTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()

    def ask(self, kind=PrintJob.Kind.BOOK, category=None) -> tuple[PrintJob, bool]:
        with self.captureOnCommitCallbacks(execute=True):
            job, created = print_job_request(race=self.race, kind=kind, category=category)
        job.refresh_from_db()
        return job, created

    def test_a_job_is_made_by_the_task_with_its_file_and_progress(self):
        job, created = self.ask()
        self.assertTrue(created)
        self.assertEqual((job.state, job.progress, job.attempts), (PrintJob.State.DONE, 100, 1))
        self.assertEqual(job.file.name, f"prints/mini-ekiden/{job.pk}-book.pdf")
        self.assertGreater(pdf_pages(Path(job.file.path)), 2)
        self.assertEqual(job.standings_version, Race.objects.get(pk=self.race.pk).standings_version)
        self.assertIsNotNone(job.finished_at)

    def test_asking_again_while_a_job_waits_returns_that_job(self):
        with self.captureOnCommitCallbacks(execute=False):  # no worker has taken it yet
            first, created = print_job_request(race=self.race, kind=PrintJob.Kind.BOOK)
            again, created_again = print_job_request(race=self.race, kind=PrintJob.Kind.BOOK)
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(PrintJob.objects.count(), 1)
        # Another kind, or another category, is another job.
        with self.captureOnCommitCallbacks(execute=False):
            _other, created_other = print_job_request(
                race=self.race, kind=PrintJob.Kind.CERTIFICATES, category=self.race.categories.get(code="MXS")
            )
        self.assertTrue(created_other)

    def test_a_job_without_news_for_too_long_is_replaced(self):
        with self.captureOnCommitCallbacks(execute=False):
            lost, _created = print_job_request(race=self.race, kind=PrintJob.Kind.BOOK)
        PrintJob.objects.filter(pk=lost.pk).update(
            state=PrintJob.State.RUNNING, updated_at=timezone.now() - STALE_AFTER - timedelta(seconds=1)
        )
        job, created = self.ask()
        self.assertTrue(created)
        self.assertEqual(job.state, PrintJob.State.DONE)
        lost.refresh_from_db()
        self.assertEqual(lost.state, PrintJob.State.FAILED)
        self.assertIn("taken for lost", lost.message)
        # Its task, delivered late, finds it failed and makes nothing.
        self.assertEqual(print_job_run(job_id=lost.pk).state, PrintJob.State.FAILED)
        self.assertEqual(len(stored_files(self.race)), 1)

    def test_a_job_made_again_after_a_lost_worker_replaces_its_file(self):
        job, _created = self.ask(PrintJob.Kind.CERTIFICATES)
        first_name = job.file.name
        # As if the worker had died after storing the file but before saying so.
        PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.RUNNING, progress=40)
        again = print_job_run(job_id=job.pk)
        self.assertEqual((again.state, again.attempts, again.file.name), (PrintJob.State.DONE, 2, first_name))
        self.assertEqual([f.name for f in stored_files(self.race)], [Path(first_name).name])

    def test_a_delivery_of_a_job_already_done_changes_nothing(self):
        job, _created = self.ask()
        finished_at = job.finished_at
        print_job_run(job_id=job.pk)
        job.refresh_from_db()
        self.assertEqual((job.attempts, job.finished_at), (1, finished_at))

    def test_a_job_that_keeps_losing_its_worker_fails_with_a_reason(self):
        with self.captureOnCommitCallbacks(execute=False):
            job, _created = print_job_request(race=self.race, kind=PrintJob.Kind.CERTIFICATES_ZIP)
        PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.RUNNING, attempts=MAX_ATTEMPTS)
        job = print_job_run(job_id=job.pk)
        self.assertEqual(job.state, PrintJob.State.FAILED)
        self.assertIn(f"lost {MAX_ATTEMPTS} times", job.message)
        self.assertFalse(job.file)

    def test_certificates_of_a_category_without_finishers_say_so_and_leave_no_file(self):
        self.race.teams.filter(category__code="MXS").update(official_status="DNF")
        self.race.bump_standings_version()
        job, _created = self.ask(PrintJob.Kind.CERTIFICATES, category=self.race.categories.get(code="MXS"))
        self.assertEqual(job.state, PrintJob.State.DONE)
        self.assertFalse(job.file)
        self.assertEqual(
            job.message,
            "No team of Mini Ekiden (worked example) in Mixed Senior has finished, so there are no certificates.",
        )

    def test_a_zip_and_the_team_pages(self):
        mxs = self.race.categories.get(code="MXS")
        zipped, _created = self.ask(PrintJob.Kind.CERTIFICATES_ZIP, category=mxs)
        self.assertEqual(zipped.file.name, f"prints/mini-ekiden/{zipped.pk}-certificates_zip-MXS.zip")
        self.assertEqual(zipped.download_name(), "mini-ekiden-certificates-MXS.zip")
        teams, _created = self.ask(PrintJob.Kind.TEAM_CERTIFICATES)
        self.assertEqual(pdf_pages(Path(teams.file.path)), 20)

    def test_closing_the_race_makes_the_results_book(self):
        with self.captureOnCommitCallbacks(execute=True):
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        book = PrintJob.objects.get(race=self.race, kind=PrintJob.Kind.BOOK)
        self.assertEqual(book.state, PrintJob.State.DONE)
        self.assertTrue(book.file)

    def test_closing_and_making_official_in_one_go_makes_one_book(self):
        with self.captureOnCommitCallbacks(execute=True):
            race_close_counting_dnf(race=self.race, official=True, actor=Actor("olivia"))
        book = PrintJob.objects.get(race=self.race, kind=PrintJob.Kind.BOOK)
        self.assertEqual(book.standings_version, Race.objects.get(pk=self.race.pk).standings_version)

    def test_a_correction_committed_while_the_book_is_made_makes_it_again(self):
        with self.captureOnCommitCallbacks(execute=False):  # the book waits for a worker
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        book = PrintJob.objects.get(race=self.race, kind=PrintJob.Kind.BOOK)
        made = print_making.results_book

        def made_while_the_desk_corrects(*args, **kwargs):
            # The desk's correction commits while the worker renders: asking for the book again,
            # it is answered with the running job, whose results are already read.
            with self.captureOnCommitCallbacks(execute=True):
                team_status_set(
                    race=self.race, bib="121", status="DQ", reason="cut the course", actor=Actor("rita")
                )
            self.assertEqual(PrintJob.objects.filter(race=self.race).count(), 1)
            return made(*args, **kwargs)

        with mock.patch.object(print_making, "results_book", made_while_the_desk_corrects):
            print_job_run(job_id=book.pk)
        book.refresh_from_db()
        latest = Race.objects.get(pk=self.race.pk).standings_version
        self.assertEqual(book.state, PrintJob.State.DONE)
        self.assertLess(book.standings_version, latest)
        again = PrintJob.objects.exclude(pk=book.pk).get(race=self.race, kind=PrintJob.Kind.BOOK)
        self.assertEqual(again.state, PrintJob.State.QUEUED)
        print_job_run(job_id=again.pk)
        again.refresh_from_db()
        self.assertEqual((again.state, again.standings_version), (PrintJob.State.DONE, latest))
        self.assertEqual(PrintJob.objects.filter(race=self.race).count(), 2, "told once, made once")

    def test_reopening_or_closing_again_makes_no_other_book(self):
        with self.captureOnCommitCallbacks(execute=True):
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))  # already closed: nothing changes
            race_close_counting_dnf(race=self.race, reopen=True, reason="a late split", actor=Actor("olivia"))
        self.assertEqual(PrintJob.objects.count(), 1)
