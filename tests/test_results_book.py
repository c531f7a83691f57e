"""The results book as a federation prints one (issue 22, point 5): read back with poppler."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from django.test import SimpleTestCase, TestCase
from django.utils import timezone, translation

from races.audit import Actor
from races.models import Race, Team
from races.services import race_close
from results.publishing.exports import results_document
from results.publishing.pdf.book import results_book
from results.publishing.pdf.book.results_tables import ResultsTable
from results.publishing.pdf.printed_race import PrintedLeg, PrintedRace, printed_race
from results.standings.display import format_short_duration
from results.standings.engine import StationResult, Status
from results.standings.leg_honours import leg_honours
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults
from results.standings.selectors import standings_for_race
from results.timing.models import TimingRecord
from tests.printing import load_mini_ekiden, needs_pdf_tools, pdf_pages, pdf_text

MADE_AT = datetime(2025, 11, 23, 4, 5, tzinfo=UTC)


class BookTestCase(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp(prefix="tasuki-book-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)

    def write(self, name: str, content: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(content)
        return path


@needs_pdf_tools
class FederationBookTest(BookTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()
        Team.objects.filter(race=cls.race, bib="120").update(public_note="Runner taken ill at CP1")
        Race.objects.filter(pk=cls.race.pk).update(place="Putrajaya, Malaysia")
        race_close(race=cls.race, actor=Actor("olivia"))
        cls.race.refresh_from_db()

    def setUp(self):
        self.results = standings_for_race(self.race)
        self.path = self.write(
            "book.pdf", results_book(printed_race(self.race), self.results, made_at=MADE_AT)
        )
        self.text = pdf_text(self.path)
        self.overall = self.text[self.text.index("Overall\n", self.text.index("Women Open (WO)\n")) :]

    def test_the_stations_times_and_places_are_the_exports(self):
        document = results_document(self.results, self.race.results_state(timezone.now()))
        handoff = {leg.end_code for leg in printed_race(self.race).legs}
        checked = 0
        for exported in document["teams"]:
            for split in exported["stations"]:
                if split["station"] in handoff and split["cumulative_ms"] is not None and split["rank"]:
                    shown = f"{format_short_duration(split['cumulative_ms'])} ({split['rank']})"
                    self.assertIn(shown, self.overall, (exported["bib"], split["station"]))
                    checked += 1
        self.assertGreater(checked, 60)

    def test_finishers_then_teams_not_finished_then_dns_then_dq_each_headed(self):
        headings = ["Finished (20)", "Not finished (2)", "Did not start (1)", "Disqualified (1)"]
        positions = [self.overall.index(heading) for heading in headings]
        self.assertEqual(positions, sorted(positions))
        self.assertLess(self.overall.index("Disqualified (1)"), self.overall.index("111"))

    def test_a_team_out_shows_where_it_stopped_and_the_public_note_never_the_reason(self):
        self.assertIn("Runner taken ill at CP1", self.text)
        self.assertRegex(self.text, r"Did not finish · last timed at R2")
        self.assertNotIn("runner withdrew", self.text)  # the officials' private reason

    def test_no_needless_zero_hours_and_the_legend_says_so(self):
        self.assertNotRegex(self.text, r"(?<![\d:])0:\d\d:\d\d")
        self.assertIn("M:SS under an hour, H:MM:SS from an hour", self.text)

    def test_venue_start_and_state_on_the_cover(self):
        cover = pdf_text(self.path).split("\f")[0]
        for expected in ("Putrajaya, Malaysia", "06:30", "Provisional results"):
            self.assertIn(expected, cover)

    def test_the_leg_winner_is_marked_and_explained(self):
        self.assertIn("★ leg winner: the day's fastest of all teams on the leg", self.text)

    def test_a_new_leg_record_is_marked_and_the_record_named(self):
        fastest = min(t.legs[0].time_ms for t in self.results.teams if t.legs[0].rank == 1)
        record = {"legs": [{"leg": 1, "time_ms": fastest + 1000, "runner": "Aiko Tan", "year": 2019}]}
        Race.objects.filter(pk=self.race.pk).update(records=record)
        self.race.refresh_from_db()
        text = pdf_text(
            self.write("record.pdf", results_book(printed_race(self.race), self.results, made_at=MADE_AT))
        )
        self.assertIn("◆ new record", text)
        self.assertIn("Aiko Tan (2019)", text)
        self.assertIn("Leg record", text)

    def test_a_missed_split_shows_the_bridged_legs_time_with_its_mark(self):
        # Team 122's R2 split is lost: legs 2 and 3 are shown as one time, from R1 to R3.
        TimingRecord.objects.filter(team__race=self.race, team__bib="122", station__code="R2").delete()
        self.race.bump_standings_version()
        results = standings_for_race(self.race)
        team = results.team("122")
        self.assertIsNone(team.legs[1].time_ms)
        combined = team.at("R3").cumulative_ms - team.at("R1").cumulative_ms
        text = pdf_text(
            self.write("missed.pdf", results_book(printed_race(self.race), results, made_at=MADE_AT))
        )
        self.assertIn(f"† {format_short_duration(combined)} (2–3)", text)
        self.assertIn("† legs run together: a split between them was missed", text)

    def test_metadata_title_organiser_real_date_language_and_a_bookmark_per_section(self):
        signed = replace(printed_race(self.race), author="Tan Sri Lim")
        path = self.write("meta.pdf", results_book(signed, self.results, made_at=MADE_AT))
        info = subprocess.run(
            ["pdfinfo", "-isodates", str(path)], capture_output=True, text=True, check=True
        ).stdout
        self.assertRegex(info, r"Title:\s+Results: Mini Ekiden \(worked example\)")
        self.assertRegex(info, r"Author:\s+Tan Sri Lim")
        self.assertRegex(info, r"CreationDate:\s+2025-11-23T04:05:00")
        raw = path.read_bytes()
        self.assertIn(b"/Lang (en)", raw)
        bookmarks = re.findall(rb"/Dest \[ (\d+) 0 R /Fit \][^>]*?/Title \(((?:[^)\\]|\\.)*)\)", raw)
        titles = [title.replace(b"\\", b"").decode() for _page, title in bookmarks]
        self.assertEqual(
            titles,
            [
                "Cover",
                "Men Open (MO)",
                "Mixed Open (MX)",
                "Mixed Senior (MXS)",
                "Women Open (WO)",
                "Overall",
                "Leg honours",
            ],
        )
        pages = [int(page) for page, _title in bookmarks]
        self.assertEqual(pages, sorted(pages))
        self.assertGreater(pages[-1], pages[0])


@needs_pdf_tools
class JapaneseBookTest(BookTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()
        Race.objects.filter(pk=cls.race.pk).update(results_language="ja")
        cls.race.refresh_from_db()

    def test_the_book_in_japanese_has_japanese_headings_and_the_names_as_entered(self):
        results = standings_for_race(self.race)
        path = self.write("ja.pdf", results_book(printed_race(self.race), results, made_at=MADE_AT))
        text = pdf_text(path)
        with translation.override("ja"):
            headings = [translation.gettext(h) for h in ("Categories", "Legs", "Overall", "Team")]
        for heading in headings:
            self.assertNotIn(heading, ("Categories", "Legs", "Overall", "Team"), "no Japanese in the catalog")
            self.assertIn(heading, text)
        self.assertIn("佐藤 花子", text)
        self.assertIn("Nurul Aisyah binti Ahmad", text)
        self.assertIn(b"/Lang (ja)", path.read_bytes())
        self.assertEqual(translation.get_language(), "en")  # the override ends with the book


def synthetic(teams: int) -> tuple[PrintedRace, RaceResults]:
    """One category of `teams` finishers over two legs, enough to run over several pages."""
    five = Decimal(5)
    legs = (PrintedLeg(1, "Start", "Relay 1", five, "R1"), PrintedLeg(2, "Relay 1", "Finish", five, "FINISH"))
    race = PrintedRace(
        slug="long",
        name="Long list",
        date=MADE_AT.date(),
        timezone="Asia/Kuala_Lumpur",
        distance_km=Decimal(10),
        legs=legs,
        categories=(("区A", "日本語 区"),),
        closed=True,
    )
    rows = []
    for i in range(teams):
        first, second = 20 * 60_000 + i * 1000, 21 * 60_000 + i * 1000
        rows.append(
            TeamResults(
                bib=str(100 + i),
                name=f"Team {i}",
                category="区A",
                status=Status.FIN,
                total_ms=first + second,
                rank=i + 1,
                category_rank=i + 1,
                legs=(
                    RunnerLeg(1, f"Runner {i}a", first, i + 1, False),
                    RunnerLeg(2, f"Runner {i}b", second, i + 1, False),
                ),
                stations=(StationResult("R1", first, i + 1), StationResult("FINISH", first + second, i + 1)),
            )
        )
    return race, RaceResults("long", ("START", "R1", "FINISH"), tuple(rows))


@needs_pdf_tools
class LegendKeptWithItsTableTest(BookTestCase):
    def test_the_legend_is_on_the_page_of_the_sections_last_teams(self):
        # 60 and 74 teams: without the rule, the legend fell alone onto the next page.
        for teams in (60, 74):
            race, results = synthetic(teams)
            path = self.write(f"long-{teams}.pdf", results_book(race, results, made_at=MADE_AT))
            pages = [pdf_text(path, first_page=n).split("\f")[0] for n in range(1, pdf_pages(path) + 1)]
            with_legend = [n for n, text in enumerate(pages) if "Each leg: the runner" in text]
            self.assertEqual(len(with_legend), 2)  # the category's and the overall list's
            for n in with_legend:
                self.assertIn(f"Team {teams - 1}\n", pages[n])  # the last team shares its page


class EveryCellCanShowJapaneseTest(SimpleTestCase):
    def test_no_table_cell_is_plain_text_in_a_latin_only_font(self):
        # A plain string cell is drawn in the table's Latin font, which has no 区: it printed as a box.
        race, results = synthetic(3)
        for overall in (False, True):
            table = ResultsTable(
                race, "t", list(results.teams), leg_honours(results.teams), overall=overall
            ).build()
            plain = [cell for row in table._cellvalues for cell in row if isinstance(cell, str) and cell]
            self.assertEqual(plain, [])
