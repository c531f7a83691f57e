"""The printed results: the results book and the certificates, read back the way a person would.

The race is the worked example mini-ekiden (tests/examples), closed, with a Japanese, a Chinese,
a Vietnamese, a Danish, a Polish and a Malay name among its runners.
"""

import re
import shutil
import tempfile
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from unittest import mock

from django.test import TestCase
from PIL import Image

from races.audit import Actor
from races.models import Race
from races.services import race_close
from results.publishing.pdf import fonts
from results.publishing.pdf.book import results_book
from results.publishing.pdf.certificates import certificates_pdf, finished_teams
from results.publishing.pdf.printed_race import printed_race
from results.standings.display import format_short_duration
from results.standings.race_results import RaceResults
from results.standings.selectors import standings_for_race
from tests.commands import run
from tests.conftest import EXAMPLES
from tests.printing import (
    EXAMPLE_NAMES,
    NAMES,
    WINNER,
    keep_page_as_png,
    load_mini_ekiden,
    needs_pdf_tools,
    pdf_fonts,
    pdf_images,
    pdf_pages,
    pdf_text,
)

EVERY_SCRIPT = (*NAMES.values(), *EXAMPLE_NAMES)
FINISHED_TEAMS = 20  # of the example's 24: one DNF, one DNS, one DQ, one still out when closed


class PrintTestCase(TestCase):
    """The closed example race, and a folder for the files the commands write."""

    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()
        race_close(race=cls.race, actor=Actor("olivia"))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp(prefix="tasuki-pdf-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)

    def command(self, *args: str):
        outcome = run(*args)
        self.assertTrue(outcome.ok, outcome.stderr)
        return outcome

    def results(self) -> RaceResults:
        return standings_for_race(Race.objects.get(pk=self.race.pk))


@needs_pdf_tools
class ResultsBookTest(PrintTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = Path(tempfile.mkdtemp(prefix="tasuki-book-")) / "results.pdf"
        assert run("export_results", "mini-ekiden", "--format", "pdf", "--output", str(cls.book)).ok
        cls.text = pdf_text(cls.book)
        cls.sections = pdf_text(cls.book, first_page=2)  # after the cover, which names them too

    def section(self, title: str) -> str:
        """The text from a section's title to the next section's."""
        titles = ("Men Open (MO)", "Mixed Open (MX)", "Mixed Senior (MXS)", "Women Open (WO)", "Overall")
        start = self.sections.index(title)
        ends = [self.sections.find(other, start) for other in titles if other != title]
        return self.sections[start : min((i for i in ends if i > 0), default=len(self.sections))]

    def test_the_book_gives_back_the_winner_and_every_name_in_its_own_script(self):
        self.assertIn(WINNER, self.text)
        for name in EVERY_SCRIPT:
            self.assertIn(name, self.text)

    def test_the_mixed_senior_section_lists_its_teams_in_place_order_the_disqualified_last(self):
        section = self.section("Mixed Senior (MXS)")
        # 124 won, 115 second, 111 was disqualified.
        positions = [re.search(rf"^{bib}$", section, re.MULTILINE).start() for bib in ("124", "115", "111")]
        self.assertEqual(positions, sorted(positions))
        self.assertIn("DQ", section)

    def test_finish_times_are_rounded_up_to_the_whole_second(self):
        for team in self.results().finishers:
            self.assertIn(format_short_duration(team.total_ms), self.text, team.bib)

    def test_a_carry_over_start_is_marked_and_explained_in_a_footnote(self):
        # Team 108 was still out on leg 4, sent off at the cutoff at R3; closing made it DNF.
        section = self.section("Women Open (WO)")
        self.assertIn("carry-over start (kuriage)", section)
        self.assertRegex(section, r"DNF")

    def test_every_font_is_embedded(self):
        embedded = pdf_fonts(self.book)
        self.assertTrue(embedded)
        self.assertEqual([name for name, emb in embedded if emb != "yes"], [])

    def test_every_page_says_which_of_how_many_it_is_and_when_it_was_made(self):
        pages = pdf_pages(self.book)
        self.assertGreater(pages, 2)
        for page in range(1, pages + 1):
            self.assertIn(f"page {page} of {pages}", self.text)

        made_at = datetime(2025, 11, 23, 4, 5, tzinfo=UTC)
        pdf = results_book(printed_race(self.race), self.results(), made_at=made_at)
        text = pdf_text(self.write("made.pdf", pdf))
        self.assertIn("made 2025-11-23 12:05 (Asia/Kuala_Lumpur)", text)  # the race's time zone

    def test_the_leg_honours_name_the_fastest_runner_of_each_leg(self):
        honours = self.text[self.text.index("Leg honours: the fastest runner of each leg") :]
        for leg in (1, 2, 3, 4):
            fastest = min(
                (t.legs[leg - 1] for t in self.results().teams if t.legs[leg - 1].rank == 1),
                key=lambda record: record.time_ms,
            )
            self.assertIn(fastest.runner, honours)
            self.assertIn(format_short_duration(fastest.time_ms), honours)

    def test_the_same_standings_give_the_same_file(self):
        made_at = datetime(2025, 11, 23, 4, 5, tzinfo=UTC)
        race, results = printed_race(self.race), self.results()
        self.assertEqual(
            results_book(race, results, made_at=made_at), results_book(race, results, made_at=made_at)
        )

    def test_the_cover_is_upright_and_the_tables_lie_across_the_page(self):
        # Kept as pictures under var/test-artifacts/ for a person to look at.
        with Image.open(keep_page_as_png(self.book, "book-cover", page=1)) as cover:
            self.assertLess(cover.width, cover.height)
        with Image.open(keep_page_as_png(self.book, "book-category", page=2)) as table:
            self.assertGreater(table.width, table.height)

    def write(self, name: str, content: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(content)
        return path


@needs_pdf_tools
class CertificatesTest(PrintTestCase):
    def make(self, *options: str, name: str = "certificates.pdf") -> Path:
        path = self.folder / name
        self.command("make_certificates", "mini-ekiden", "--output", str(path), *options)
        return path

    def test_one_page_per_runner_of_every_finished_team(self):
        path = self.make()
        self.assertEqual(pdf_pages(path), FINISHED_TEAMS * 4)
        text = pdf_text(path)
        for name in EVERY_SCRIPT:
            self.assertIn(name, text)
        keep_page_as_png(path, "certificate-runner")

    def test_a_runner_certificate_says_what_the_results_say(self):
        path = self.make("--team", "115", name="team-115.pdf")
        self.assertEqual(pdf_pages(path), 4)
        text = pdf_text(path)
        team = self.results().team("115")
        leg = team.legs[1]
        for expected in (
            "Mini Ekiden (worked example)",
            "陈伟明",
            "Firdaus & Friends",
            "bib 115 · Mixed Senior",
            "ran leg 2 (Relay 1 – Relay 2, 5 km) for",
            format_short_duration(leg.time_ms),  # 26:23, not 0:26:23
            f"{leg.rank} of",
            format_short_duration(team.total_ms),
            "8 of 20",  # overall place of the 20 finishers
            "2 of 2",  # Mixed Senior: two finished
        ):
            self.assertIn(expected, text)

    def test_a_leg_place_is_out_of_the_runners_placed_on_that_leg(self):
        # 105 did not start and 111 was disqualified: no leg places, so 22 placed on legs 1 and
        # 2; 120 stopped after leg 2 (21 on leg 3) and 108 after leg 3 (20 on leg 4).
        text = pdf_text(self.make("--team", "115", name="team-115-leg-places.pdf"))
        for leg_place in ("1 of 22", "7 of 22", "11 of 21", "18 of 20"):
            self.assertIn(leg_place, text)
        self.assertNotIn("of 24", text)

    def test_one_page_per_team_lists_its_runners(self):
        path = self.make("--team-pages", name="teams.pdf")
        self.assertEqual(pdf_pages(path), FINISHED_TEAMS)
        text = pdf_text(path)
        self.assertIn("Team certificate", text)
        self.assertIn("佐藤 花子", text)
        keep_page_as_png(path, "certificate-team")

    def test_one_category(self):
        self.assertEqual(pdf_pages(self.make("--category", "MXS", name="mxs.pdf")), 2 * 4)

    def test_a_zip_has_one_file_per_team_with_its_team_page_and_runner_pages(self):
        path = self.make("--category", "MXS", name="mxs.zip")
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
            self.assertEqual(
                names, ["mini-ekiden-115-Firdaus-Friends.pdf", "mini-ekiden-124-高橋-Friends.pdf"]
            )
            pdf = self.folder / "one-team.pdf"
            pdf.write_bytes(archive.read(names[0]))
        self.assertEqual(pdf_pages(pdf), 1 + 4)

    def test_the_organisers_logo_and_signature_appear_when_set(self):
        logo = BytesIO()
        Image.new("RGB", (300, 100), (179, 38, 30)).save(logo, format="PNG")
        race = replace(printed_race(self.race), logo=logo.getvalue(), signature_name="Tan Sri Lim 林")
        teams = finished_teams(self.results(), category="MXS")
        path = self.folder / "signed.pdf"
        path.write_bytes(certificates_pdf(race, self.results(), teams))
        self.assertIn("Tan Sri Lim 林", pdf_text(path))
        self.assertEqual(pdf_images(path), 8)  # drawn on each page, stored once
        keep_page_as_png(path, "certificate-with-logo")

    def test_fonts_are_subset_so_the_file_stays_small(self):
        # The Japanese font alone is 6 MB, the Chinese one 4 MB: only the glyphs used travel.
        path = self.make()
        self.assertLess(path.stat().st_size, 300_000)


@needs_pdf_tools
class CommandProblemsTest(PrintTestCase):
    def test_a_race_that_does_not_exist(self):
        outcome = run("make_certificates", "nope", "--output", str(self.folder / "x.pdf"))
        self.assertFalse(outcome.ok)
        self.assertEqual(outcome.problems[0], "race 'nope' does not exist; known races: mini-ekiden.")
        outcome = run("export_results", "nope", "--format", "pdf", "--output", str(self.folder / "x.pdf"))
        self.assertEqual(outcome.problems[0], "race 'nope' does not exist; known races: mini-ekiden.")

    def test_a_category_the_race_does_not_have(self):
        outcome = run(
            "make_certificates", "mini-ekiden", "--category", "XX", "--output", str(self.folder / "x.pdf")
        )
        self.assertFalse(outcome.ok)
        self.assertEqual(
            outcome.problems[0],
            "category 'XX' does not exist in race mini-ekiden; its categories: MO, MX, MXS, WO.",
        )

    def test_an_output_path_that_cannot_be_written(self):
        missing = self.folder / "no-such-folder" / "x.pdf"
        for command in (
            ("make_certificates", "mini-ekiden"),
            ("export_results", "mini-ekiden", "--format", "pdf"),
        ):
            outcome = run(*command, "--output", str(missing))
            self.assertFalse(outcome.ok)
            self.assertEqual(outcome.problems[0], f"{missing}: the folder {missing.parent} does not exist.")
        outcome = run("make_certificates", "mini-ekiden", "--output", str(self.folder))
        self.assertEqual(outcome.problems[0], f"{self.folder}: is a folder; give a file name.")

    def test_a_team_that_did_not_finish_gets_no_certificate(self):
        outcome = run(
            "make_certificates", "mini-ekiden", "--team", "111", "--output", str(self.folder / "x.pdf")
        )
        self.assertEqual(outcome.problems[0], "team 111 has not finished (DQ): it gets no certificate.")
        outcome = run(
            "make_certificates", "mini-ekiden", "--team", "999", "--output", str(self.folder / "x.pdf")
        )
        self.assertEqual(outcome.problems[0], "team 999 is not in race mini-ekiden.")

    def test_the_book_needs_an_output_file(self):
        outcome = run("export_results", "mini-ekiden", "--format", "pdf")
        self.assertEqual(outcome.problems[0], "--format pdf writes a file: give --output FILE.pdf.")


@needs_pdf_tools
class NoFinishersTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        # The example's race and entries, no timing yet: the morning of race day.
        folder = EXAMPLES / "mini-ekiden"
        assert run("import_race", str(folder / "race.json")).ok
        assert run("import_entries", "mini-ekiden", str(folder / "entries.csv")).ok

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="tasuki-pdf-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def test_the_book_says_nobody_has_finished(self):
        path = self.folder / "book.pdf"
        self.assertTrue(run("export_results", "mini-ekiden", "--format", "pdf", "--output", str(path)).ok)
        text = pdf_text(path)
        self.assertIn("No team has finished, so there are no places to print yet.", text)
        self.assertIn("No leg has been timed yet.", text)

    def test_there_are_no_certificates_and_no_file(self):
        path = self.folder / "certificates.pdf"
        outcome = run("make_certificates", "mini-ekiden", "--output", str(path))
        self.assertFalse(outcome.ok)
        self.assertEqual(
            outcome.problems[0],
            "No team of Mini Ekiden (worked example) has finished, so there are no certificates.",
        )
        self.assertFalse(path.exists())


class FontRunsTest(TestCase):
    """A name is set in the fonts that have its glyphs, one font for the whole of a CJK name."""

    @needs_pdf_tools
    def test_each_script_goes_to_a_font_that_has_it(self):
        self.assertEqual(
            fonts.font_runs("Zażółć Gęślą Ngô Bảo Châu"), ((fonts.SANS.name, "Zażółć Gęślą Ngô Bảo Châu"),)
        )
        self.assertEqual(fonts.font_runs("陈伟明"), ((fonts.CHINESE.name, "陈伟明"),))
        # Kana make it Japanese: the kanji then take Japanese forms too.
        self.assertEqual(
            fonts.font_runs("伊藤 さくら"),
            ((fonts.JAPANESE.name, "伊藤"), (fonts.SANS.name, " "), (fonts.JAPANESE.name, "さくら")),
        )
        self.assertEqual(
            fonts.markup("高橋 & <Friends>"),
            f'<font name="{fonts.CHINESE.name}">高橋</font> &amp; &lt;Friends&gt;',
        )

    def test_a_missing_font_names_the_debian_package_to_install(self):
        gone = fonts.FontFile("Tasuki-Japanese", "/nonexistent/ipaexg.ttf", "fonts-ipaexfont-gothic")
        with mock.patch.object(fonts, "FONTS", (gone,)):
            problems = fonts.missing_fonts()
        self.assertEqual(
            problems,
            [
                "The PDF font /nonexistent/ipaexg.ttf is missing: install the Debian package "
                "fonts-ipaexfont-gothic (apt-get install fonts-ipaexfont-gothic)."
            ],
        )
