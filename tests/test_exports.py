"""export_results: a spreadsheet opening the CSV runs nothing a captain typed; JSON stays exact."""

import csv
import io
import json

import pytest

from races.models import Race, Team
from results.publishing.inert_cells import InertTableExport, inert_cell, runs_as_formula
from results.publishing.tables import StandingsTable
from results.standings.engine import StationResult, Status
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults
from tests.commands import run, write
from tests.race_payloads import KL_EKIDEN

pytestmark = pytest.mark.django_db

# What a public registration form could bring: each would be a formula in a spreadsheet.
HYPERLINK = '=HYPERLINK("http://x","win")'
FORMULAS = [HYPERLINK, "+60123", "-1", "@SUM(A1)"]
ORDINARY = ["佐藤 花子", "Nurul Aisyah binti Ahmad", "Tan Wei Ming"]

# A checkpoint and a category whose codes start like formulas: the header and the category
# column are checked too.
RACE = {
    **KL_EKIDEN,
    "stations": [
        *KL_EKIDEN["stations"][:2],
        {"code": "@CP", "name": "Checkpoint", "km": 7.5, "handoff": False},
        *KL_EKIDEN["stations"][2:],
    ],
    "categories": [*KL_EKIDEN["categories"], {"code": "+MX", "name": "Plus Mixed"}],
}
ENTRY_HEADER = ["team_bib", "team_name", "category", "leg", "runner_name", "gender", "birth_date"]


def entries_csv(teams: dict[str, tuple[str, list[str]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ENTRY_HEADER)
    for bib, (name, runners) in teams.items():
        for leg, runner in enumerate(runners, 1):
            writer.writerow([bib, name, "+MX", leg, runner, "FMF"[leg - 1], "1980-01-01"])
    return out.getvalue()


@pytest.fixture
def race(tmp_path):
    teams = {str(101 + i): (name, (FORMULAS[i:] + FORMULAS[:i])[:3]) for i, name in enumerate(FORMULAS)}
    teams["105"] = ("KL Harimau", ORDINARY)
    assert run("import_race", write(tmp_path, "race.json", json.dumps(RACE))).ok
    imported = run("import_entries", "kl-ekiden", write(tmp_path, "entries.csv", entries_csv(teams)))
    assert imported.ok, imported.stderr
    timing = "bib,station,time\n101,R1,06:50:00\n101,@CP,06:58:00\n105,R1,06:51:00\n"
    assert run("import_timing", "kl-ekiden", write(tmp_path, "timing.csv", timing)).ok
    race = Race.objects.get(slug="kl-ekiden")
    # Entries files and forms strip blanks; a name edited in by hand may still start with one.
    Team.objects.filter(race=race, bib="105").update(name="\tTab")
    race.bump_standings_version()
    return race


def export(*args: str) -> str:
    outcome = run("export_results", "kl-ekiden", *args)
    assert outcome.ok, outcome.stderr
    return outcome.stdout


class TestCsvExport:
    def test_no_cell_nor_header_can_start_a_formula(self, race):
        header, *rows = list(csv.reader(io.StringIO(export("--format", "csv"))))
        for cell in header + [cell for row in rows for cell in row]:
            assert not runs_as_formula(cell), cell
        assert "'@CP" in header and "'@CP place" in header

    def test_formula_names_are_kept_as_text_behind_an_apostrophe(self, race):
        rows = {row["Bib"]: row for row in csv.DictReader(io.StringIO(export("--format", "csv")))}
        assert rows["101"]["Team"] == "'" + HYPERLINK
        # A number ("+60123", "-1") runs nothing: it is written as it is.
        assert [rows[bib]["Team"] for bib in ("102", "103", "104", "105")] == [
            "+60123",
            "-1",
            "'@SUM(A1)",
            "'\tTab",
        ]
        assert [rows["101"][f"Leg {n} runner"] for n in (1, 2, 3)] == ["'" + HYPERLINK, "+60123", "-1"]
        assert rows["101"]["Category"] == "'+MX"

    def test_ordinary_names_and_times_are_untouched(self, race):
        rows = {row["Bib"]: row for row in csv.DictReader(io.StringIO(export("--format", "csv")))}
        assert [rows["105"][f"Leg {n} runner"] for n in (1, 2, 3)] == ORDINARY
        assert (rows["101"]["R1"], rows["101"]["Leg 1"], rows["105"]["R1"]) == (
            "0:20:00",
            "0:20:00",
            "0:21:00",
        )


class TestJsonExport:
    def test_names_are_exact(self, race):
        teams = {t["bib"]: t for t in json.loads(export("--format", "json"))["teams"]}
        assert teams["101"]["name"] == HYPERLINK
        assert teams["105"]["name"] == "\tTab"
        assert [leg["runner"] for leg in teams["102"]["legs"]] == ["+60123", "-1", "@SUM(A1)"]
        assert [leg["runner"] for leg in teams["105"]["legs"]] == ORDINARY
        assert teams["101"]["category"] == "+MX"


class TestInertCells:
    def test_each_formula_start_gets_an_apostrophe(self):
        for text in (
            "=1+1",
            "=1",
            "+A1",
            "-1+1",
            "+cmd|' /C calc'!A0",
            "-SUM(A1)",
            "@A1",
            "\tx",
            "\rx",
            "+ 1",
        ):
            assert inert_cell(text) == "'" + text, text

    def test_signed_numbers_times_and_gaps_are_written_as_they_are(self):
        for text in ("+13:25", "+1:02:03", "-0:01:00", "+1", "-1", "-2.5", "+1,5", "-", "+"):
            assert inert_cell(text) == text, text

    def test_other_values_are_kept(self):
        for value in ("佐藤 花子", "Nurul Aisyah binti Ahmad", "0:20:00", "", "'=already text", 5, -1, None):
            assert inert_cell(value) == value

    def test_a_table_s_data_formats_stay_exact(self):
        results = RaceResults(race="x", stations=("START", "FINISH"), teams=())
        table = StandingsTable.for_results(results, legs=1)
        table.data.data.append(
            TeamResults(
                bib="1",
                name=HYPERLINK,
                category="MX",
                status=Status.RUN,
                total_ms=None,
                rank=None,
                category_rank=None,
                legs=(RunnerLeg(number=1, runner=None, time_ms=None, rank=None, kuriage=False),),
                stations=(StationResult(station="FINISH", cumulative_ms=None, rank=None),),
            )
        )
        assert json.loads(InertTableExport(InertTableExport.JSON, table).export())[0]["Team"] == HYPERLINK
        tsv = InertTableExport(InertTableExport.TSV, table).export()
        assert list(csv.reader(io.StringIO(tsv), delimiter="\t"))[1][2] == "'" + HYPERLINK
