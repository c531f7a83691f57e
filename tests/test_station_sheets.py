"""The paper backup of the stations (`station_sheets`, and its download on the print page), read
back with pdftotext the way a person reads the sheet.

The race is the worked example mini-ekiden (tests/examples): 105 is DNS and 111 DQ (set by an
official), 120 DNF. Team 124 is given the bib 99, so bib order must be natural (99 before 101),
and team 103's second runner a Japanese name, who takes the tasuki at R1.

Personas: olivia, organiser of the race; desmond, its results desk; sam, a station official at
R1; otto, organiser of another race.
"""

import re
import shutil
import subprocess
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse

from races.models import OfficialRole, RaceOfficial, Runner, Team
from races.services import race_import
from results.officials import printing
from results.publishing.pdf import station_sheets as sheets_pdf
from tests.commands import run
from tests.printing import keep_page_as_png, load_mini_ekiden, needs_pdf_tools, pdf_pages
from tests.race_payloads import KL_EKIDEN

JAPANESE_AT_R1 = "鈴木 さくら"
EXPECTED = [
    "99",  # team 124, renamed: first, though "99" > "123" as text
    *(str(bib) for bib in range(101, 124) if bib not in (105, 111)),  # 120, DNF, is still expected
]
ROW = re.compile(r"^\s*(\d+)\s{2,}\S")  # a team's line: its bib, then the next column


def layout_text(path: Path) -> list[str]:
    """The PDF's text page by page, each in the layout of the page (a row stays one line)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return out.split("\f")[:-1]


def bibs_on(page: str) -> list[str]:
    return [match.group(1) for line in page.splitlines() if (match := ROW.match(line))]


def row_of(page: str, bib: str) -> str:
    return next(line for line in page.splitlines() if (m := ROW.match(line)) and m.group(1) == bib)


class SheetsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()
        Team.objects.filter(race=cls.race, bib="124").update(bib="99")
        Runner.objects.filter(team__race=cls.race, team__bib="103", leg=2).update(name=JAPANESE_AT_R1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp(prefix="tasuki-sheets-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)

    def runner(self, bib: str, leg: int) -> str:
        return Runner.objects.get(team__race=self.race, team__bib=bib, leg=leg).name


@needs_pdf_tools
class StationSheetsCommandTest(SheetsTestCase):
    def sheets(self, *args: str) -> tuple[Path, list[str]]:
        output = self.folder / "sheets.pdf"
        outcome = run("station_sheets", "mini-ekiden", "--output", str(output), *args)
        self.assertTrue(outcome.ok, outcome.stderr)
        keep_page_as_png(output, "station-sheets")
        return output, layout_text(output)

    def test_every_relay_station_has_a_section_with_the_teams_expected_in_bib_order(self):
        output, pages = self.sheets()
        # The relay stations after the start; not the start, not the checkpoint CP1.
        self.assertEqual(
            [re.search(r"(\S+) page 1 of 1", page)[1] for page in pages], ["R1", "R2", "R3", "FINISH"]
        )
        self.assertEqual(pdf_pages(output), 4)
        for page in pages:
            with self.subTest(page=page.splitlines()[1]):
                self.assertEqual(bibs_on(page), EXPECTED)
                self.assertIn("Mini Ekiden (worked example)", page)
                self.assertIn("page 1 of 1", page)
                self.assertIn("22 teams expected", page)

    def test_dq_and_dns_teams_are_left_out(self):
        _output, pages = self.sheets()
        for page in pages:
            self.assertNotIn("105", bibs_on(page))
            self.assertNotIn("111", bibs_on(page))
            self.assertIn("120", bibs_on(page))

    def test_each_row_names_the_team_its_category_and_the_runner_who_takes_the_tasuki(self):
        _output, (r1, r2, r3, finish) = self.sheets()
        self.assertIn("Takes the tasuki (leg 2)", r1)
        self.assertIn("Takes the tasuki (leg 4)", r3)
        self.assertIn("Finishing runner (leg 4)", finish)
        row = row_of(r1, "103")
        self.assertIn(JAPANESE_AT_R1, row)
        self.assertIn(Team.objects.get(race=self.race, bib="103").name, row)
        self.assertIn(Team.objects.get(race=self.race, bib="103").category.code, row)
        self.assertIn(self.runner("103", 3), row_of(r2, "103"))
        self.assertIn(self.runner("103", 4), row_of(r3, "103"))
        # At the finish: the last runner, arriving (a Japanese name in the example).
        self.assertIn("渡辺 陽子", row_of(finish, "121"))
        self.assertNotIn(self.runner("121", 1), finish)

    def test_a_long_team_name_goes_on_two_lines_and_keeps_its_end(self):
        # "Kuala Lumpur Road Runners 5" and "… 1" differ only at the end: it must not be cut.
        _output, (page, *_others) = self.sheets()
        self.assertIn("Runners 5", page)
        self.assertIn("Runners 1", page)
        self.assertNotIn("…", page)

    def test_one_station_only(self):
        output, pages = self.sheets("--station", "R2")
        self.assertEqual(pdf_pages(output), 1)
        self.assertIn("R2 · Relay 2 · 10 km", pages[0])
        self.assertIn(self.runner("101", 3), row_of(pages[0], "101"))

    def test_a_checkpoint_names_the_runner_passing_it(self):
        _output, (page,) = self.sheets("--station", "CP1")
        self.assertIn("Running (leg 2)", page)
        self.assertIn(JAPANESE_AT_R1, row_of(page, "103"))

    def test_a_long_station_list_runs_over_pages_each_saying_page_x_of_y(self):
        with mock.patch.object(sheets_pdf, "ROWS_PER_PAGE", 10):
            output, pages = self.sheets()
        self.assertEqual(pdf_pages(output), 12)  # 22 teams: 10 + 10 + 2 on each of 4 stations
        self.assertIn("R1 page 1 of 3", pages[0])
        self.assertIn("R1 page 3 of 3", pages[2])
        self.assertIn("FINISH page 3 of 3", pages[11])
        self.assertEqual([bib for page in pages[:3] for bib in bibs_on(page)], EXPECTED)
        self.assertIn("Mini Ekiden (worked example)", pages[2])  # the header on every page


class StationSheetsRefusalTest(SheetsTestCase):
    def refused(self, *args: str, output: Path | None = None) -> list[str]:
        output = output or self.folder / "refused.pdf"
        outcome = run("station_sheets", *args, "--output", str(output))
        self.assertFalse(outcome.ok)
        self.assertFalse(output.exists())
        return outcome.problems

    def test_an_unknown_race(self):
        problems = self.refused("hakone")
        self.assertIn("race 'hakone' does not exist; known races: mini-ekiden.", problems)

    def test_an_unknown_station_names_the_stations_there_are(self):
        problems = self.refused("mini-ekiden", "--station", "R9")
        self.assertIn(
            "station 'R9' does not exist in race mini-ekiden; its stations: R1, CP1, R2, R3, FINISH.",
            problems,
        )

    def test_the_start_has_no_sheet(self):
        problems = self.refused("mini-ekiden", "--station", "START")
        self.assertIn("START is the start", problems[0])

    def test_an_output_that_cannot_be_written(self):
        missing = self.folder / "no-such-folder" / "sheets.pdf"
        problems = self.refused("mini-ekiden", output=missing)
        self.assertIn(f"{missing}: the folder {missing.parent} does not exist.", problems)

    def test_exit_status_1_with_one_line_per_problem(self):
        output = self.folder / "exit.pdf"
        with self.assertRaises(CommandError) as refusal:
            call_command("station_sheets", "hakone", "--output", str(output), stderr=StringIO())
        self.assertEqual(refusal.exception.returncode, 1)
        self.assertEqual(str(refusal.exception), "1 problem(s) found; nothing was changed.")


@needs_pdf_tools
class StationSheetsDownloadTest(SheetsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olivia = User.objects.create_user("olivia", password="x")
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        cls.desmond = User.objects.create_user("desmond", password="x")
        RaceOfficial.objects.create(race=cls.race, user=cls.desmond, role=OfficialRole.RESULTS_DESK)
        cls.sam = User.objects.create_user("sam", password="x")
        station = RaceOfficial.objects.create(race=cls.race, user=cls.sam, role=OfficialRole.STATION)
        station.stations.add(cls.race.stations.get(code="R1"))
        other, _created = race_import(payload=KL_EKIDEN)
        cls.otto = User.objects.create_user("otto", password="x")
        RaceOfficial.objects.create(race=other, user=cls.otto, role=OfficialRole.ORGANISER)
        cls.url = reverse("officials:station_sheets", kwargs={"slug": "mini-ekiden"})
        cls.print_page = reverse("officials:print", kwargs={"slug": "mini-ekiden"})

    def download(self, query: str = "") -> list[str]:
        response = self.client.get(self.url + query)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        path = self.folder / "download.pdf"
        path.write_bytes(b"".join(response.streaming_content))
        return layout_text(path)

    def test_the_organisers_and_the_results_desk_download_them(self):
        for user in (self.olivia, self.desmond):
            self.client.force_login(user)
            pages = self.download()
            self.assertEqual(len(pages), 4)
            self.assertEqual(bibs_on(pages[0]), EXPECTED)
        (page,) = self.download("?station=R1")
        self.assertIn(JAPANESE_AT_R1, row_of(page, "103"))

    def test_the_print_page_offers_every_station_and_each_relay_station(self):
        self.client.force_login(self.desmond)
        response = self.client.get(self.print_page)
        self.assertContains(response, f'href="{self.url}"')
        for code in ("R1", "R2", "R3", "FINISH"):
            self.assertContains(response, f'href="{self.url}?station={code}"')
        self.assertNotContains(response, f'href="{self.url}?station=START"')

    def test_a_station_official_and_another_races_organiser_are_refused(self):
        for user in (self.sam, self.otto):
            self.client.force_login(user)
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 403)
            self.assertNotIn(b"%PDF", response.content)
            self.assertNotIn(self.runner("103", 2), response.content.decode())

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("officials:login")))

    def test_an_unknown_station_is_said_on_the_print_page(self):
        self.client.force_login(self.olivia)
        response = self.client.get(self.url + "?station=R9", follow=True)
        self.assertRedirects(response, self.print_page)
        self.assertContains(response, "station &#x27;R9&#x27; does not exist in race mini-ekiden")

    def test_sheets_too_long_to_make_while_you_wait_are_refused_with_the_way_round(self):
        self.client.force_login(self.olivia)
        with mock.patch.object(printing, "SHEET_LINES_WHILE_YOU_WAIT", 50):
            response = self.client.get(self.url, follow=True)
            self.assertRedirects(response, self.print_page)
            self.assertContains(response, "88 lines of sheets are too many to make while you wait")
            self.assertContains(response, "run station_sheets mini-ekiden on the server")
            self.assertEqual(len(self.download("?station=R1")), 1)  # 22 lines: one station still comes
