"""import_entries: the organisers' entry list, one row per runner."""

import json

import pytest

from races.models import Race, Runner, Team
from tests.commands import run, write
from tests.test_import_race import ALEPS

pytestmark = pytest.mark.django_db

HEADER = "team_bib,team_name,category,leg,runner_name,gender,birth_date,club,runner_bib,chip_id,nationality\n"

NAMES = ["Nurul Aisyah binti Ahmad", "Tan Wei Ming", "Saravanan a/l Muthu", "佐藤 花子"]


def team_rows(bib: int, category: str = "MX", genders: str = "FMFM", birth: str = "1985-06-01") -> list[str]:
    return [
        f"{bib},Team {bib},{category},{leg},{NAMES[leg - 1]} {bib},{genders[leg - 1]},{birth},KL Striders,"
        f"{bib}-{leg},CHIP{bib}{leg},MY"
        for leg in range(1, 5)
    ]


def entries(*teams: list[str]) -> str:
    return HEADER + "".join(line + "\n" for rows in teams for line in rows)


@pytest.fixture
def race(tmp_path):
    assert run("import_race", write(tmp_path, "race.json", json.dumps(ALEPS))).ok
    return Race.objects.get(slug="aleps-2025")


def import_entries(tmp_path, content, name="entries.csv"):
    return run("import_entries", "aleps-2025", write(tmp_path, name, content))


def exported_team(race, bib) -> tuple[str, str]:
    """(name, category) of a team in the JSON export."""
    outcome = run("export_results", race.slug, "--format", "json")
    team = next(t for t in json.loads(outcome.stdout)["teams"] if t["bib"] == bib)
    return team["name"], team["category"]


class TestRegisteringTeams:
    def test_teams_and_runners_in_every_script_are_registered(self, race, tmp_path):
        outcome = import_entries(tmp_path, entries(team_rows(101), team_rows(102, "MO", "MMMM")))
        assert outcome.ok, outcome.stderr
        assert outcome.stdout.startswith("2 teams created, 0 updated; 8 runners created")
        team = Team.objects.get(race=race, bib="101")
        assert [r.name for r in team.runners.all()] == [
            "Nurul Aisyah binti Ahmad 101",
            "Tan Wei Ming 101",
            "Saravanan a/l Muthu 101",
            "佐藤 花子 101",
        ]
        assert (team.category.code, team.club) == ("MX", "KL Striders")

    def test_a_byte_order_mark_and_quoted_commas_are_fine(self, race, tmp_path):
        rows = team_rows(101)
        rows[1] = rows[1].replace("Tan Wei Ming 101", '"Tan, Wei Ming"')
        outcome = import_entries(tmp_path, ("\ufeff" + entries(rows)).encode("utf-8"))
        assert outcome.ok, outcome.stderr
        assert Runner.objects.get(team__bib="101", leg=2).name == "Tan, Wei Ming"

    def test_reimporting_the_same_file_changes_nothing(self, race, tmp_path):
        content = entries(team_rows(101), team_rows(102))
        assert import_entries(tmp_path, content).ok
        before = list(Runner.objects.values_list("pk", "name", "chip_id").order_by("pk"))
        again = import_entries(tmp_path, content)
        assert again.stdout.startswith(
            "0 teams created, 0 updated; 0 runners created, 0 updated; 8 rows unchanged"
        )
        assert list(Runner.objects.values_list("pk", "name", "chip_id").order_by("pk")) == before

    def test_a_changed_row_updates_that_runner_only(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101))).ok
        rows = team_rows(101)
        rows[2] = rows[2].replace("Saravanan a/l Muthu 101", "Kavitha d/o Raman")
        outcome = import_entries(tmp_path, entries(rows))
        assert "0 teams created, 0 updated; 0 runners created, 1 updated; 3 rows unchanged" in outcome.stdout
        assert Runner.objects.get(team__bib="101", leg=3).name == "Kavitha d/o Raman"

    def test_a_team_s_new_name_updates_the_team_and_its_results(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101), team_rows(102))).ok
        rows = [row.replace("Team 101", "Harimau Striders") for row in team_rows(101)]
        outcome = import_entries(tmp_path, entries(rows, team_rows(102)))
        assert outcome.stdout.startswith(
            "0 teams created, 1 updated; 0 runners created, 0 updated; 8 rows unchanged"
        )
        team = Team.objects.get(race=race, bib="101")
        assert (team.name, team.category.code) == ("Harimau Striders", "MX")
        assert Team.objects.get(race=race, bib="102").name == "Team 102"
        assert exported_team(race, "101") == ("Harimau Striders", "MX")

    def test_a_team_s_new_category_updates_the_team_and_its_results(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101))).ok
        outcome = import_entries(tmp_path, entries(team_rows(101, "MXS")))
        assert outcome.stdout.startswith(
            "0 teams created, 1 updated; 0 runners created, 0 updated; 4 rows unchanged"
        )
        assert Team.objects.get(race=race, bib="101").category.code == "MXS"
        assert exported_team(race, "101") == ("Team 101", "MXS")

    def test_two_runners_may_swap_chips_in_one_file(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101))).ok
        rows = team_rows(101)
        rows[0] = rows[0].replace("CHIP1011", "CHIP1012")
        rows[1] = rows[1].replace("CHIP1012", "CHIP1011")
        assert import_entries(tmp_path, entries(rows)).ok
        assert Runner.objects.get(team__bib="101", leg=1).chip_id == "CHIP1012"

    def test_a_chip_id_may_be_the_runner_s_own_bib(self, race, tmp_path):
        rows = [r.replace(f"CHIP101{leg}", f"101-{leg}") for leg, r in enumerate(team_rows(101), 1)]
        outcome = import_entries(tmp_path, entries(rows))
        assert outcome.ok, outcome.stderr
        assert Runner.objects.get(team__bib="101", leg=2).chip_id == "101-2"

    def test_a_file_of_late_entries_leaves_other_teams_alone(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101))).ok
        assert import_entries(tmp_path, entries(team_rows(102)), "late.csv").ok
        assert sorted(Team.objects.values_list("bib", flat=True)) == ["101", "102"]


class TestBadEntries:
    def assert_refused(self, tmp_path, content, *expected):
        outcome = import_entries(tmp_path, content)
        assert not outcome.ok
        for message in expected:
            assert message in outcome.problems, outcome.problems
        assert "Traceback" not in outcome.stderr
        assert not Team.objects.exists() and not Runner.objects.exists()
        return outcome

    def test_unknown_category(self, race, tmp_path):
        rows = team_rows(101)
        rows[0] = rows[0].replace(",MX,", ",MIX,")
        self.assert_refused(
            tmp_path,
            entries(rows),
            "line 2, category: 'MIX' is not a category of this race; use one of MO, MX, MXS, WO.",
        )

    def test_missing_and_duplicated_legs(self, race, tmp_path):
        rows = team_rows(101)
        rows[3] = rows[3].replace(",4,", ",3,", 1).replace("CHIP1014", "CHIP1099").replace("101-4", "101-9")
        self.assert_refused(
            tmp_path, entries(rows), "line 5, leg: team 101 already has a runner for leg 3 on line 4."
        )
        self.assert_refused(
            tmp_path,
            entries(team_rows(101)[:3]),
            "team 101: no runner for leg 4; every team needs one runner for each of legs 1 to 4.",
        )

    def test_leg_outside_the_course(self, race, tmp_path):
        rows = team_rows(101)
        rows[3] = rows[3].replace(",4,", ",5,", 1)
        self.assert_refused(
            tmp_path, entries(rows), "line 5, leg: '5' is not a leg; this race has legs 1 to 4."
        )

    def test_bad_gender_and_impossible_dates(self, race, tmp_path):
        rows = team_rows(101)
        rows[0] = rows[0].replace(",F,", ",Q,")
        rows[1] = rows[1].replace("1985-06-01", "1985-02-29")
        rows[2] = rows[2].replace("1985-06-01", "2026-01-01")
        self.assert_refused(
            tmp_path,
            entries(rows),
            "line 2, gender: 'Q' is not a gender; use F, M or X.",
            "line 3, birth_date: '1985-02-29' is not a date; write it as YYYY-MM-DD (e.g. 1984-02-29).",
            "line 4, birth_date: 2026-01-01 is not before the race date; check the year.",
        )

    def test_ineligible_team_names_the_rule_and_the_runner(self, race, tmp_path):
        self.assert_refused(
            tmp_path,
            entries(team_rows(101, "MX", "MMMF"), team_rows(102, "MXS", "FFMM", "1990-01-01")),
            "team 101: category MX (Mixed Open) needs at least 2 women; the team has 1.",
            "team 102: category MXS (Mixed Senior) needs every runner to be at least 40 on race day "
            "(2025-11-23); leg 1 runner Nurul Aisyah binti Ahmad 102 will be 35.",
        )

    def test_one_bib_for_two_teams(self, race, tmp_path):
        other = [row.replace("Team 101", "Another team") for row in team_rows(101)]
        other = [r.replace("CHIP101", "CHIPX").replace("101-", "X-") for r in other]
        self.assert_refused(
            tmp_path,
            entries(team_rows(101), other[:1]),
            "line 6, team_name: 'Another team' differs from 'Team 101' on line 2 for team 101.",
        )

    def test_duplicate_chip_ids(self, race, tmp_path):
        rows = team_rows(102)
        rows[0] = rows[0].replace("CHIP1021", "CHIP1011")
        self.assert_refused(
            tmp_path,
            entries(team_rows(101), rows),
            "line 6, chip_id: CHIP1011 is already used by team 101 leg 1; timing reads would be ambiguous.",
        )

    def test_a_new_team_bib_that_is_already_a_runner_bib(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101))).ok
        rows = [row.replace("102,Team 102", "101-1,Team X", 1) for row in team_rows(102)]
        outcome = import_entries(tmp_path, entries(rows), "late.csv")
        assert not outcome.ok
        assert (
            "team 101-1: the bib 101-1 is already used by team 101 leg 1; timing reads would be ambiguous."
            in outcome.problems
        )
        assert list(Team.objects.values_list("bib", flat=True)) == ["101"]

    def test_header_problems(self, race, tmp_path):
        self.assert_refused(
            tmp_path,
            "",
            f"{tmp_path / 'entries.csv'} is empty; it needs a header row: "
            "team_bib,team_name,category,leg,runner_name,gender,birth_date.",
        )
        outcome = self.assert_refused(
            tmp_path, HEADER.replace("birth_date", "brith_date") + team_rows(101)[0]
        )
        assert "line 1: missing column(s) birth_date." in outcome.problems
        assert outcome.problems[1].startswith(
            "line 1: unknown column(s) brith_date; the columns are team_bib,"
        )

    def test_non_utf8_bytes(self, race, tmp_path):
        content = (HEADER + "101,Team 101,MX,1,Jos\xe9,F,1985-06-01,,,,\n").encode("latin-1")
        self.assert_refused(
            tmp_path,
            content,
            f"line 2: {tmp_path / 'entries.csv'} is not UTF-8 text (byte 0xe9); save it as 'CSV UTF-8' and import it again.",
        )

    def test_a_bad_line_250_of_300_stores_nothing(self, race, tmp_path):
        teams = [team_rows(bib) for bib in range(101, 176)]  # 75 teams, 300 rows, lines 2-301
        teams[62][0] = teams[62][0].replace("1985-06-01", "1985-13-01")  # line 2 + 62*4 = 250
        self.assert_refused(
            tmp_path,
            entries(*teams),
            "line 250, birth_date: '1985-13-01' is not a date; write it as YYYY-MM-DD (e.g. 1984-02-29).",
        )

    def test_a_bad_file_leaves_earlier_imports_untouched(self, race, tmp_path):
        assert import_entries(tmp_path, entries(team_rows(101))).ok
        rows = team_rows(101)
        rows[0] = rows[0].replace("Nurul Aisyah binti Ahmad 101", "Changed")
        rows[1] = rows[1].replace(",M,", ",?,")
        outcome = import_entries(tmp_path, entries(rows))
        assert not outcome.ok
        assert Runner.objects.get(team__bib="101", leg=1).name == "Nurul Aisyah binti Ahmad 101"
