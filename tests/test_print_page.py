"""The organisers' print page and the printed results on the public pages.

Personas: olivia, an organiser (the Organiser group); oscar, named organiser of this race only;
root, a superuser; sam, a station official at R1; rita, a runner with an account but no role;
and an anonymous spectator.
"""

import zipfile
from io import BytesIO
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import TestCase
from django.urls import reverse

from races.audit import Actor
from races.models import OfficialRole, RaceOfficial
from results.publishing import print_jobs
from results.publishing.models import PrintJob
from results.publishing.pdf.certificates import certificates_pdf
from results.publishing.print_jobs import print_job_request
from results.publishing.print_making import PrintJobFailed
from results.standings.closing import race_close_counting_dnf
from tests.printing import load_mini_ekiden, make_print_jobs_in_process, needs_pdf_tools


@pytest.fixture(autouse=True)
def media_root_and_tasks(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_print_jobs_in_process(monkeypatch)


class PrintPageTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()
        cls.olivia = User.objects.create_user("olivia", password="x", is_staff=True)
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        cls.root = User.objects.create_superuser("root", password="x")
        cls.rita = User.objects.create_user("rita", password="x")
        cls.oscar = User.objects.create_user("oscar", password="x")
        RaceOfficial.objects.create(race=cls.race, user=cls.oscar, role=OfficialRole.ORGANISER)
        cls.sam = User.objects.create_user("sam", password="x")
        station = RaceOfficial.objects.create(race=cls.race, user=cls.sam, role=OfficialRole.STATION)
        station.stations.add(cls.race.stations.get(code="R1"))
        cls.url = reverse("officials:print", kwargs={"slug": "mini-ekiden"})

    def post(self, kind: str, category: str = ""):
        """Press a button, let the task run (in-process, as in the embedded mode), show the page."""
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, {"kind": kind, "category": category})
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        return self.client.get(self.url)


class WhoMayPrintTest(PrintPageTestCase):
    def test_an_anonymous_visitor_is_sent_to_the_login_page(self):
        response = self.client.get(self.url)
        login = reverse("officials:login")
        self.assertRedirects(response, f"{login}?next={self.url}", fetch_redirect_response=False)

    def test_a_runner_or_a_station_official_is_refused_and_told_why(self):
        for user in (self.rita, self.sam):
            self.client.force_login(user)
            response = self.client.get(self.url)
            self.assertContains(
                response,
                "Printing the results and the certificates is for the race&#x27;s organisers and results desk.",
                status_code=403,
            )
            self.assertEqual(self.client.post(self.url, {"kind": "book"}).status_code, 403)
        self.assertFalse(PrintJob.objects.exists())

    def test_organisers_and_a_superuser_may_print(self):
        for user in (self.olivia, self.oscar, self.root):
            self.client.force_login(user)
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Make the results book")
            self.assertContains(response, "One file per team (ZIP)")

    def test_downloads_are_for_organisers_too(self):
        with self.captureOnCommitCallbacks(execute=True):
            job, _created = print_job_request(race=self.race, kind=PrintJob.Kind.BOOK)
        url = reverse("officials:print_download", kwargs={"slug": "mini-ekiden", "job_id": job.pk})
        self.assertEqual(self.client.get(url).status_code, 302)
        self.client.force_login(self.rita)
        self.assertEqual(self.client.get(url).status_code, 403)


@needs_pdf_tools
class PrintingTest(PrintPageTestCase):
    def setUp(self):
        self.client.force_login(self.olivia)

    def test_the_results_book_is_made_and_can_be_downloaded(self):
        response = self.post("book")
        self.assertContains(response, "Results book: asked for")
        job = PrintJob.objects.get()
        self.assertEqual((job.state, job.requested_by), (PrintJob.State.DONE, self.olivia))
        download = reverse("officials:print_download", kwargs={"slug": "mini-ekiden", "job_id": job.pk})
        self.assertContains(response, download)
        self.assertContains(response, "mini-ekiden-results.pdf")
        file = self.client.get(download)
        self.assertEqual(file["Content-Disposition"], 'attachment; filename="mini-ekiden-results.pdf"')
        self.assertTrue(b"".join(file.streaming_content).startswith(b"%PDF"))

    def test_certificates_of_one_category_as_a_zip(self):
        mxs = self.race.categories.get(code="MXS")
        self.post("certificates_zip", str(mxs.pk))
        job = PrintJob.objects.get()
        self.assertEqual((job.category, job.state), (mxs, PrintJob.State.DONE))
        download = reverse("officials:print_download", kwargs={"slug": "mini-ekiden", "job_id": job.pk})
        content = b"".join(self.client.get(download).streaming_content)
        with zipfile.ZipFile(BytesIO(content)) as archive:
            self.assertEqual(len(archive.namelist()), 2)

    def test_asking_while_a_job_runs_shows_that_job(self):
        with self.captureOnCommitCallbacks(execute=False):  # the worker has not started it yet
            print_job_request(race=self.race, kind=PrintJob.Kind.BOOK)
        response = self.client.post(self.url, {"kind": "book"}, follow=True)
        self.assertContains(response, "Results book is already being made")
        self.assertEqual(PrintJob.objects.count(), 1)
        self.assertContains(response, '<progress max="100" value="0"')

    def test_the_list_polls_itself_only_while_a_job_is_being_made(self):
        with self.captureOnCommitCallbacks(execute=False):
            job, _created = print_job_request(race=self.race, kind=PrintJob.Kind.BOOK)
        self.assertContains(self.client.get(self.url), f'hx-get="{self.url}"')
        PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.RUNNING, progress=40)
        poll = self.client.get(self.url, headers={"HX-Request": "true"})
        self.assertContains(poll, '<progress max="100" value="40"')
        self.assertNotContains(poll, "<form")  # the list alone
        PrintJob.objects.filter(pk=job.pk).update(state=PrintJob.State.FAILED, message="disk full")
        poll = self.client.get(self.url, headers={"HX-Request": "true"})
        self.assertNotContains(poll, "hx-get")
        self.assertContains(poll, "disk full")

    def test_the_officials_home_links_the_print_page_for_organisers(self):
        self.assertContains(self.client.get(reverse("officials:index")), self.url)

    def test_a_button_that_is_not_one_of_ours_is_refused(self):
        response = self.client.post(self.url, {"kind": "everything"})
        self.assertContains(response, "Choose what to print with one of the buttons.")
        self.assertFalse(PrintJob.objects.exists())

    def test_a_file_made_before_the_latest_change_says_so(self):
        self.post("book")
        self.race.bump_standings_version()
        self.assertContains(self.client.get(self.url), "The results have changed since: make it again.")


@needs_pdf_tools
class PublicLinksTest(PrintPageTestCase):
    def test_an_open_race_links_neither_book_nor_certificates(self):
        standings = self.client.get(reverse("results:standings", kwargs={"slug": "mini-ekiden"}))
        self.assertNotContains(standings, "Results book (PDF)")
        team = self.client.get(reverse("results:team", kwargs={"slug": "mini-ekiden", "bib": "124"}))
        self.assertNotContains(team, "certificate.pdf")
        certificate = reverse("results:team-certificate", kwargs={"slug": "mini-ekiden", "bib": "124"})
        self.assertEqual(self.client.get(certificate).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("results:book", kwargs={"slug": "mini-ekiden"})).status_code, 404
        )

    def test_a_closed_race_links_its_book_and_each_finished_teams_certificates(self):
        with self.captureOnCommitCallbacks(execute=True):
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        book_url = reverse("results:book", kwargs={"slug": "mini-ekiden"})
        standings = self.client.get(reverse("results:standings", kwargs={"slug": "mini-ekiden"}))
        self.assertContains(standings, book_url)
        book = self.client.get(book_url)
        self.assertEqual(book["Content-Type"], "application/pdf")
        self.assertTrue(b"".join(book.streaming_content).startswith(b"%PDF"))

        certificate = reverse("results:team-certificate", kwargs={"slug": "mini-ekiden", "bib": "124"})
        self.assertContains(
            self.client.get(reverse("results:team", kwargs={"slug": "mini-ekiden", "bib": "124"})),
            certificate,
        )
        response = self.client.get(certificate)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("mini-ekiden-124-", response["Content-Disposition"])
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_the_books_link_appears_on_a_page_seen_before_the_book_was_made(self):
        with self.captureOnCommitCallbacks(execute=False) as waiting:  # no worker has run yet
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        url = reverse("results:standings", kwargs={"slug": "mini-ekiden"})
        before = self.client.get(url)
        self.assertContains(before, "Provisional results: protests until")
        self.assertNotContains(before, "Results book (PDF)")

        for callback in waiting:
            callback()  # the worker makes the book; the standings version stays as it was
        after = self.client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
        self.assertEqual(after.status_code, 200)  # not a 304: the page has changed
        self.assertContains(after, "Results book (PDF)")

    def test_a_team_that_did_not_finish_has_no_certificate(self):
        with self.captureOnCommitCallbacks(execute=True):
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        team = self.client.get(reverse("results:team", kwargs={"slug": "mini-ekiden", "bib": "111"}))
        self.assertNotContains(team, "certificate.pdf")
        certificate = reverse("results:team-certificate", kwargs={"slug": "mini-ekiden", "bib": "111"})
        self.assertEqual(self.client.get(certificate).status_code, 404)

    def test_a_teams_certificates_are_made_once_per_version_of_the_results(self):
        with self.captureOnCommitCallbacks(execute=True):
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        url = reverse("results:team-certificate", kwargs={"slug": "mini-ekiden", "bib": "124"})
        with mock.patch("results.publishing.downloads.certificates_pdf", wraps=certificates_pdf) as render:
            first, again = self.client.get(url), self.client.get(url)
            self.assertEqual(first.content, again.content)
            self.assertEqual(render.call_count, 1)
            self.race.bump_standings_version()  # a late correction
            self.client.get(url)
            self.assertEqual(render.call_count, 2)


# --- the embedded mode: the file is made during the POST ---------------------------------------


@pytest.fixture
def olivia_at_the_print_page(client, settings):
    """Olivia on the print page of the embedded mode: Celery eager, and no outer transaction, so
    the job is made the moment its request commits, inside the POST, as under `make run`."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    race = load_mini_ekiden()
    olivia = User.objects.create_user("olivia", password="x")
    RaceOfficial.objects.create(race=race, user=olivia, role=OfficialRole.ORGANISER)
    client.force_login(olivia)
    return client, reverse("officials:print", kwargs={"slug": race.slug})


def said(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


@needs_pdf_tools
@pytest.mark.django_db(transaction=True)
def test_a_file_made_during_the_request_is_said_to_be_ready_with_its_link(olivia_at_the_print_page):
    client, url = olivia_at_the_print_page
    response = client.post(url, {"kind": "book"}, follow=True)
    job = PrintJob.objects.get()
    assert job.state == PrintJob.State.DONE
    download = reverse("officials:print_download", kwargs={"slug": "mini-ekiden", "job_id": job.pk})
    assert said(response) == [
        (
            "success",
            f'Results book is ready: download it below. <a href="{download}">mini-ekiden-results.pdf</a>',
        )
    ]
    assert "asked for" not in response.content.decode()
    assert f'<a href="{download}">mini-ekiden-results.pdf</a>' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_file_that_failed_during_the_request_says_why(olivia_at_the_print_page):
    client, url = olivia_at_the_print_page
    with mock.patch(
        "results.publishing.print_making._render", side_effect=OSError("No space left on device")
    ):
        response = client.post(url, {"kind": "book"}, follow=True)
    assert response.status_code == 200
    assert PrintJob.objects.get().state == PrintJob.State.FAILED
    ((level, message),) = said(response)
    assert level == "error"
    assert message.startswith("Results book failed. The file could not be made: No space left on device")


@pytest.mark.django_db(transaction=True)
def test_nothing_to_print_is_said_with_the_reason(olivia_at_the_print_page):
    client, url = olivia_at_the_print_page
    nobody = PrintJobFailed("No team of Mixed Senior has finished: no certificate to print.")
    with mock.patch("results.publishing.print_making._render", side_effect=nobody):
        response = client.post(url, {"kind": "certificates"}, follow=True)
    assert said(response) == [
        (
            "warning",
            "Runners' certificates: no file was made. No team of Mixed Senior has finished: no certificate to print.",
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_a_job_a_worker_has_not_started_is_still_only_asked_for(olivia_at_the_print_page, monkeypatch):
    client, url = olivia_at_the_print_page
    monkeypatch.setattr(print_jobs, "_enqueue", lambda job: None)  # a worker elsewhere, not yet started
    response = client.post(url, {"kind": "book"}, follow=True)
    assert said(response) == [("success", "Results book: asked for; it appears below when it is ready.")]


@pytest.mark.django_db
def test_the_print_buttons_say_the_file_is_being_made_while_the_request_runs(client):
    race = load_mini_ekiden()
    root = User.objects.create_superuser("root", password="x")
    client.force_login(root)
    page = client.get(reverse("officials:print", kwargs={"slug": race.slug})).content.decode()
    assert 'class="print-buttons" data-busy-form' in page
    assert page.count('data-busy="Making the PDF…"') == 3
    assert 'data-busy="Making the ZIP…"' in page
    assert "officials/busy-buttons.js" in page
