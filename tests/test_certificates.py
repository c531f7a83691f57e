"""Certificates that say what they certify (issue 22, point 4): "Provisional" until official, one
page each whatever the names' length, a true page count, a QR code to the team's page.

Personas: olivia, the race's organiser; sam, a station official at R1.
"""

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from django.urls import reverse
from reportlab.lib.units import mm

from races.audit import Actor
from races.models import OfficialRole, Race, RaceOfficial, Runner, Team
from races.services import race_close
from results.publishing.pdf import fonts
from results.publishing.pdf.certificates import TEXT_WIDTH, certificates, finished_teams
from results.publishing.pdf.fonts import SANS_BOLD, text_width
from results.publishing.pdf.layout import fitted
from results.publishing.pdf.printed_race import printed_race
from results.standings.selectors import standings_for_race
from tests.commands import run
from tests.printing import load_mini_ekiden, needs_pdf_tools, pdf_pages, pdf_text

LONG_WORD = "Wolfeschlegelsteinhausenbergerdorff" * 6  # 210 letters, no space to break at
LONG_NAME = ("Siti Nurhaliza binti Tarudin Abdullah Rahman " * 5)[:200]


def page_texts(path: Path) -> list[str]:
    return [pdf_text(path, first_page=n).split("\f")[0] for n in range(1, pdf_pages(path) + 1)]


def qr_codes_on(path: Path, page: int) -> list[str]:
    """What a phone's camera reads on the page: the QR codes of the page drawn at 150 dpi."""
    import zxingcpp
    from PIL import Image

    png = subprocess.run(
        ["pdftoppm", "-r", "150", "-f", str(page), "-l", str(page), "-png", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    with Image.open(io.BytesIO(png)) as image:
        return [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


class CertificatesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = load_mini_ekiden()
        race_close(race=cls.race, actor=Actor("olivia"))  # provisional: closed, not yet official
        cls.race.refresh_from_db()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp(prefix="tasuki-certificates-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)

    def make(self, *options: str, name: str = "certificates.pdf") -> tuple[Path, str]:
        path = self.folder / name
        outcome = run("make_certificates", "mini-ekiden", "--output", str(path), *options)
        self.assertTrue(outcome.ok, outcome.stderr)
        return path, outcome.stdout

    def make_official(self) -> None:
        Race.objects.filter(pk=self.race.pk).update(official_at=datetime(2025, 11, 23, 5, 0, tzinfo=UTC))
        self.race.refresh_from_db()


@needs_pdf_tools
class ProvisionalTest(CertificatesTestCase):
    def test_every_page_says_provisional_until_the_results_are_official(self):
        path, _out = self.make("--category", "MXS")
        pages = page_texts(path)
        self.assertEqual(len(pages), 8)
        for text in pages:
            self.assertIn("Provisional", text)

    def test_no_page_says_provisional_once_official(self):
        self.make_official()
        path, _out = self.make("--category", "MXS", "--team-pages", name="official.pdf")
        pages = page_texts(path)
        self.assertEqual(len(pages), 2)
        for text in pages:
            self.assertNotIn("Provisional", text)

    def test_an_open_race_prints_provisional_too(self):
        Race.objects.filter(pk=self.race.pk).update(is_closed=False, closed_at=None)
        self.race.refresh_from_db()
        race = printed_race(self.race)
        results = standings_for_race(self.race)
        made = certificates(
            race, results, finished_teams(results, bib="124"), team_pages=True, runner_pages=False
        )
        path = self.folder / "open.pdf"
        path.write_bytes(made.content)
        self.assertIn("Provisional", pdf_text(path))


@needs_pdf_tools
class LongNamesTest(CertificatesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Runner.objects.filter(team__race=cls.race, team__bib="115", leg=2).update(name=LONG_WORD[:200])
        Runner.objects.filter(team__race=cls.race, team__bib="115", leg=3).update(name=LONG_NAME)
        Team.objects.filter(race=cls.race, bib="115").update(name=LONG_NAME)
        cls.race.bump_standings_version()

    def test_a_200_character_name_fits_one_page_and_the_command_counts_the_pages_drawn(self):
        path, out = self.make("--team", "115", name="long.pdf")
        self.assertEqual(pdf_pages(path), 4)
        self.assertIn("4 page(s)", out)
        pages = page_texts(path)
        # Every page is a whole certificate: its frame's facts and its band are on it.
        for text in pages:
            self.assertIn("Team time", text)
            self.assertIn("Provisional", text)

    def test_a_word_with_no_spaces_is_broken_with_a_hyphen_and_comes_back_whole(self):
        path, _out = self.make("--team", "115", name="hyphen.pdf")
        # poppler joins a word hyphenated at a line's end, as a reader does.
        self.assertIn(LONG_WORD[:200], pdf_text(path))
        fonts.register()
        lines = fitted(LONG_WORD[:200], TEXT_WIDTH, largest=28, smallest=7, lines=2, bold=True)
        self.assertGreater(len(lines), 2)  # smaller type, more lines, in the height of two at 28 pt
        self.assertLessEqual(len(lines) * lines[0].size, 2 * 28)
        self.assertTrue(all(line.text.endswith("-") for line in lines[:-1]))
        self.assertEqual("".join(line.text.removesuffix("-") for line in lines), LONG_WORD[:200])
        self.assertTrue(all(text_width(line.text, line.size, SANS_BOLD.name) <= TEXT_WIDTH for line in lines))

    def test_one_page_per_team_with_a_200_character_team_name(self):
        path, out = self.make("--team", "115", "--team-pages", name="long-team.pdf")
        self.assertEqual(pdf_pages(path), 1)
        self.assertIn("1 page(s)", out)


@needs_pdf_tools
class WhatACertificateSaysTest(CertificatesTestCase):
    def test_the_leg_place_in_the_category_beside_the_place_of_all_teams(self):
        # Team 124 (Mixed Senior, 2 finishers and 111 disqualified): leg 2 in 24:27, second of
        # all 22 placed teams, first of the two placed Mixed Senior teams.
        path, _out = self.make("--team", "124", name="places.pdf")
        leg_2 = page_texts(path)[1]
        self.assertIn("Leg place in the category", leg_2)
        self.assertIn("1 of 2", leg_2)
        self.assertIn("2 of 22", leg_2)

    def test_the_leg_winner_and_a_new_leg_record_are_named(self):
        results = standings_for_race(self.race)
        winner = next(t for t in results.teams if t.legs[0].rank == 1 and t.finished)
        record = {
            "legs": [{"leg": 1, "time_ms": winner.legs[0].time_ms + 1000, "runner": "Aiko Tan", "year": 2019}]
        }
        Race.objects.filter(pk=self.race.pk).update(records=record)
        self.race.refresh_from_db()
        path, _out = self.make("--team", winner.bib, name="winner.pdf")
        first = page_texts(path)[0]
        self.assertIn("Leg winner: the fastest of all teams on leg 1", first)
        self.assertIn("New leg record (the record was", first)
        self.assertIn("Aiko Tan, 2019", first)
        self.assertNotIn("Leg winner", page_texts(path)[3] if winner.legs[3].rank != 1 else "")

    def test_a_place_in_a_big_field_fits_one_line_of_the_team_page(self):
        # The reference race's 300 teams: 270 more placed on every leg, team 124 171st on each.
        results = standings_for_race(self.race)
        placed = next(t for t in results.teams if t.bib != "124" and all(leg.rank for leg in t.legs))
        team = results.team("124")
        team = replace(team, legs=tuple(replace(leg, rank=171) for leg in team.legs))
        more = tuple(replace(placed, bib=f"9{n:03d}") for n in range(270))
        results = replace(results, teams=(*[team if t.bib == "124" else t for t in results.teams], *more))
        for language in ("en", "ms", "ja"):
            with self.subTest(language=language):
                race = replace(printed_race(self.race), language=language)
                made = certificates(race, results, [team], team_pages=True, runner_pages=False)
                path = self.folder / f"big-field-{language}.pdf"
                path.write_bytes(made.content)
                place = r"171 of 29\d" if language == "en" else r"171 / 29\d"
                self.assertEqual(len(re.findall(place, pdf_text(path))), 4)  # each leg's, on one line
                self.assertIn("6.0975", pdf_text(path))  # the last leg's km, whole too

    @override_settings(TASUKI_PUBLIC_URL="https://results.example.org")
    def test_without_signature_the_race_and_its_place_and_a_qr_code_to_the_team(self):
        Race.objects.filter(pk=self.race.pk).update(
            place="Putrajaya, Malaysia", certificate_signature_name=""
        )
        self.race.refresh_from_db()
        race = printed_race(self.race)
        self.assertEqual(race.team_url("124"), "https://results.example.org/races/mini-ekiden/teams/124/")
        path, _out = self.make("--team", "124", "--team-pages", name="qr.pdf")
        text = pdf_text(path)
        self.assertIn("Putrajaya, Malaysia", text)
        self.assertIn("The team's results", text)  # under the QR code

    @override_settings(TASUKI_PUBLIC_URL="https://results.example.org")
    def test_each_page_s_qr_code_reads_as_its_own_team_s_page(self):
        Race.objects.filter(pk=self.race.pk).update(certificate_signature_name="")
        results = standings_for_race(self.race)
        teams = [t for t in finished_teams(results) if t.bib in ("124", "121")]
        made = certificates(printed_race(Race.objects.get(pk=self.race.pk)), results, teams)
        path = self.folder / "qr-read.pdf"
        path.write_bytes(made.content)
        self.assertEqual(made.pages, 8)
        for page, bib in ((1, teams[0].bib), (4, teams[0].bib), (5, teams[1].bib), (8, teams[1].bib)):
            with self.subTest(page=page):
                self.assertEqual(
                    qr_codes_on(path, page), [f"https://results.example.org/races/mini-ekiden/teams/{bib}/"]
                )

    def test_a_team_page_heading_wraps_between_words_never_inside_one(self):
        from results.publishing.pdf.certificates import CELL_PADDING, TEAM_PAGE_COLUMNS, _heading_size

        fonts.register()
        # Malay's headings of the leg and the category place columns, the longest words there.
        for heading, column in (("Peringkat", 0), ("Kedudukan kat.", 4), ("Leg", 0)):
            with self.subTest(heading=heading):
                room = TEAM_PAGE_COLUMNS[column] - 2 * CELL_PADDING
                size = _heading_size(heading, room)
                assert size >= 6
                assert all(text_width(word, size, SANS_BOLD.name) <= room for word in heading.split())
        assert _heading_size("Leg", TEAM_PAGE_COLUMNS[0] - 2 * CELL_PADDING) == 8  # room to spare

    def test_a_place_in_a_25000_team_race_fits_its_column(self):
        from results.publishing.pdf.certificates import _Facts

        fonts.register()
        facts = _Facts([])
        wide = "12345 of 25000"
        size = facts.value_size(wide)
        assert size < _Facts.VALUE_SIZE
        assert text_width(wide, size, SANS_BOLD.name) <= _Facts.COLUMN - 2 * mm
        assert facts.value_size("3 of 41") == _Facts.VALUE_SIZE  # a usual place keeps its size

    @override_settings(TASUKI_PUBLIC_URL="")
    def test_no_public_address_no_qr_code(self):
        self.assertEqual(printed_race(self.race).team_url("124"), "")
        path, _out = self.make("--team", "124", "--team-pages", name="no-qr.pdf")
        self.assertNotIn("The team's results", pdf_text(path))

    def test_the_file_carries_its_author_real_date_and_language(self):
        signed = replace(printed_race(self.race), author="Tan Sri Lim", language="ms")
        results = standings_for_race(self.race)
        made_at = datetime(2025, 11, 23, 9, 30, tzinfo=UTC)
        made = certificates(signed, results, finished_teams(results, bib="124"), made_at=made_at)
        self.assertEqual(made.pages, 4)
        path = self.folder / "meta.pdf"
        path.write_bytes(made.content)
        info = subprocess.run(
            ["pdfinfo", "-isodates", str(path)], capture_output=True, text=True, check=True
        ).stdout
        self.assertRegex(info, r"Author:\s+Tan Sri Lim")
        self.assertRegex(info, r"CreationDate:\s+2025-11-23T09:30:00")
        self.assertIn(b"/Lang (ms)", made.content)


class PrintPageSaysProvisionalTest(CertificatesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olivia = User.objects.create_user("olivia", password="x", is_staff=True)
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        cls.sam = User.objects.create_user("sam", password="x")
        station = RaceOfficial.objects.create(race=cls.race, user=cls.sam, role=OfficialRole.STATION)
        station.stations.add(cls.race.stations.get(code="R1"))
        cls.url = reverse("officials:print", kwargs={"slug": "mini-ekiden"})

    def test_beside_the_certificates_buttons_until_official(self):
        self.client.force_login(self.olivia)
        self.assertContains(self.client.get(self.url), 'id="certificates-provisional"')
        self.make_official()
        self.assertNotContains(self.client.get(self.url), 'id="certificates-provisional"')

    def test_a_station_official_does_not_see_the_print_page(self):
        self.client.force_login(self.sam)
        self.assertEqual(self.client.get(self.url).status_code, 403)
