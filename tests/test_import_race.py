"""import_race: an organiser's race file creates or updates the course and categories."""

import copy
import json
from decimal import Decimal

import pytest

from races.models import Category, Race, Station
from tests.commands import run, write
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.django_db

ALEPS = {
    "slug": "aleps-2025",
    "name": "ALEPS EKIDEN Half Marathon 2025",
    "date": "2025-11-23",
    "timezone": "Asia/Kuala_Lumpur",
    "start_time": "06:30:00",
    "kuriage_minutes": 20,
    "stations": [
        {"code": "START", "name": "Start", "km": 0.0},
        {"code": "R1", "name": "Relay 1", "km": 5.0},
        {"code": "CP1", "name": "Checkpoint 7.5", "km": 7.5, "handoff": False},
        {"code": "R2", "name": "Relay 2", "km": 10.0},
        {"code": "R3", "name": "Relay 3", "km": 15.0},
        {"code": "FINISH", "name": "Finish", "km": 21.0975},
    ],
    "categories": [
        {"code": "MO", "name": "Men Open", "min_men": 4},
        {"code": "WO", "name": "Women Open", "min_women": 4},
        {"code": "MX", "name": "Mixed Open", "min_women": 2, "min_men": 1},
        {"code": "MXS", "name": "Mixed Senior", "min_women": 2, "min_men": 1, "min_age": 40},
    ],
}


def import_payload(tmp_path, payload, name="race.json"):
    text = payload if isinstance(payload, (str, bytes)) else json.dumps(payload, ensure_ascii=False)
    return run("import_race", write(tmp_path, name, text))


class TestCreatingARace:
    def test_the_design_example_gives_four_legs_with_a_timing_only_checkpoint(self, tmp_path):
        outcome = import_payload(tmp_path, ALEPS)
        assert outcome.ok, outcome.stderr
        race = Race.objects.get(slug="aleps-2025")
        assert [str(leg) for leg in race.legs] == ["1: START–R1", "2: R1–R2", "3: R2–R3", "4: R3–FINISH"]
        assert [s.code for s in race.course] == ["START", "R1", "CP1", "R2", "R3", "FINISH"]
        assert race.course[-1].km == Decimal("21.0975")
        assert race.gun.isoformat() == "2025-11-23T06:30:00+08:00"
        assert Category.objects.get(race=race, code="MXS").min_age == 40

    def test_start_and_finish_count_as_handoff_points_whatever_the_flag(self, tmp_path):
        payload = copy.deepcopy(ALEPS)
        payload["stations"][-1]["handoff"] = False
        assert import_payload(tmp_path, payload).ok
        assert Station.objects.get(code="FINISH").handoff is True

    def test_a_station_cutoff_overrides_the_race_cutoff(self, tmp_path):
        assert run("import_race", str(EXAMPLES / "hand-worked" / "race.json")).ok
        race = Race.objects.get(slug="hand")
        assert (race.kuriage_minutes, Station.objects.get(race=race, code="R1").kuriage_minutes) == (10, 5)


class TestBadRaceFiles:
    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ('{"slug": "x",', "line 1, column 14: "),
            ("", "is not valid JSON"),
            (b"\xff\xfe{}", "is not UTF-8 text"),
            ("[]", "must be a JSON object"),
        ],
    )
    def test_unreadable_files_say_where(self, tmp_path, content, message):
        outcome = import_payload(tmp_path, content)
        assert not outcome.ok
        assert message in outcome.stderr
        assert "Traceback" not in outcome.stderr
        assert not Race.objects.exists()

    def test_every_problem_is_listed_and_nothing_is_stored(self, tmp_path):
        payload = copy.deepcopy(ALEPS)
        payload["date"] = "2025-02-30"
        payload["timezone"] = "Asia/Kuala Lumpur"
        payload["stations"][3]["km"] = 7.0  # R2 before CP1
        payload["stations"][4]["code"] = "R1"
        payload["categories"][0]["min_woman"] = 2
        payload["categories"][3]["min_age"] = "forty"
        outcome = import_payload(tmp_path, payload)
        assert not outcome.ok
        problems = outcome.problems
        assert "date: '2025-02-30' is not a date; write it as YYYY-MM-DD." in problems
        assert any(p.startswith("timezone: 'Asia/Kuala Lumpur'") for p in problems)
        assert any("R2 at 7.0000 km must be further than CP1 at 7.5000 km" in p for p in problems)
        assert any("code R1 is used 2 times" in p for p in problems)
        assert any(p.startswith("categories[0].min_woman: unknown field") for p in problems)
        assert any(p.startswith("categories[3].min_age: 'forty'") for p in problems)
        assert problems[-1] == "6 problem(s) found; nothing was changed."
        assert not Race.objects.exists()

    def test_a_category_no_team_could_satisfy_is_refused(self, tmp_path):
        payload = copy.deepcopy(ALEPS)
        payload["categories"][2]["min_men"] = 3  # 2 women + 3 men > 4 runners
        outcome = import_payload(tmp_path, payload)
        assert "categories[2]: min_women + min_men = 5, but a team has only 4 runners." in outcome.problems

    def test_a_missing_file_is_a_message_not_a_traceback(self, tmp_path):
        outcome = run("import_race", str(tmp_path / "nope.json"))
        assert not outcome.ok and "cannot be read (No such file or directory)" in outcome.stderr


class TestUpdatingARace:
    def test_names_distances_and_cutoffs_can_change_after_timing(self, tmp_path):
        assert run("import_race", str(EXAMPLES / "hand-worked" / "race.json")).ok
        assert run("import_entries", "hand", str(EXAMPLES / "hand-worked" / "entries.csv")).ok
        assert run("import_timing", "hand", str(EXAMPLES / "hand-worked" / "timing.csv")).ok
        payload = json.loads((EXAMPLES / "hand-worked" / "race.json").read_text())
        payload["name"] = "Hand race (corrected)"
        payload["kuriage_minutes"] = 15
        payload["stations"][1]["name"] = "Relay one"
        outcome = import_payload(tmp_path, payload)
        assert outcome.ok and outcome.stdout.startswith("updated race hand")
        race = Race.objects.get(slug="hand")
        assert (race.name, race.kuriage_minutes) == ("Hand race (corrected)", 15)
        assert race.stations.get(code="R1").name == "Relay one"

    def test_the_relay_stations_cannot_change_once_splits_exist(self, tmp_path):
        assert run("import_race", str(EXAMPLES / "hand-worked" / "race.json")).ok
        assert run("import_entries", "hand", str(EXAMPLES / "hand-worked" / "entries.csv")).ok
        assert run("import_timing", "hand", str(EXAMPLES / "hand-worked" / "timing.csv")).ok
        payload = json.loads((EXAMPLES / "hand-worked" / "race.json").read_text())
        del payload["stations"][1]  # drop R1, which has splits
        payload["start_time"] = "07:00:00"  # after several recorded splits
        outcome = import_payload(tmp_path, payload)
        assert not outcome.ok
        assert "stations: R1 has timing records and cannot be removed." in outcome.problems
        assert any("before the new gun time" in p for p in outcome.problems)
        assert Race.objects.get(slug="hand").stations.count() == 4

    def test_a_rule_change_that_registered_teams_break_names_them(self, tmp_path):
        assert run("import_race", str(EXAMPLES / "mini-ekiden" / "race.json")).ok
        assert run("import_entries", "mini-ekiden", str(EXAMPLES / "mini-ekiden" / "entries.csv")).ok
        payload = json.loads((EXAMPLES / "mini-ekiden" / "race.json").read_text())
        payload["categories"][3]["min_age"] = 60
        outcome = import_payload(tmp_path, payload)
        assert not outcome.ok
        assert any(
            p.startswith("team 111: category MXS (Mixed Senior) needs every runner") for p in outcome.problems
        )
        assert Category.objects.get(code="MXS").min_age == 40

    def test_reordering_stations_before_any_timing_works(self, tmp_path):
        assert import_payload(tmp_path, ALEPS).ok
        payload = copy.deepcopy(ALEPS)
        payload["stations"][2]["km"] = 12.5
        payload["stations"][2], payload["stations"][3] = payload["stations"][3], payload["stations"][2]
        assert import_payload(tmp_path, payload).ok
        race = Race.objects.get()
        assert [s.code for s in race.course] == ["START", "R1", "R2", "CP1", "R3", "FINISH"]


def test_importing_the_same_race_file_again_keeps_the_cached_standings(tmp_path):
    assert import_payload(tmp_path, ALEPS).ok
    version = Race.objects.get().standings_version
    outcome = import_payload(tmp_path, ALEPS)
    assert outcome.ok and outcome.stdout.startswith("updated race aleps-2025")
    assert Race.objects.get().standings_version == version


def test_a_race_with_teams_and_splits_can_be_deleted_whole():
    folder = EXAMPLES / "hand-worked"
    assert run("import_race", str(folder / "race.json")).ok
    assert run("import_entries", "hand", str(folder / "entries.csv")).ok
    assert run("import_timing", "hand", str(folder / "timing.csv")).ok
    Race.objects.get(slug="hand").delete()
    assert not Race.objects.exists() and not Station.objects.exists() and not Category.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p["stations"][-1].update(km=99999.5),
            "stations[5].km: 99999.5 must be a distance from 0 to 9999.9999 km.",
        ),
        (
            lambda p: p["stations"][-1].update(km=float("nan")),
            "stations[5].km: nan must be a number of kilometres.",
        ),
        (
            lambda p: p.update(kuriage_minutes=10**20),
            "kuriage_minutes: 100000000000000000000 must be a whole number of minutes from 0 to 1440, or null for none.",
        ),
        (
            lambda p: p["categories"][0].update(min_age_sum=10**6),
            "categories[0].min_age_sum: 1000000 must be a whole number from 0 to 10000, or null for none.",
        ),
        (lambda p: p.update(name="x" * 201), "name: longer than 200 characters."),
        (lambda p: p.update(slug="s" * 51), "slug: longer than 50 characters."),
        (
            lambda p: p.update(start_time="06:30:00+08:00"),
            "start_time: '06:30:00+08:00' is not a local time of day; write it as HH:MM:SS (the zone is in timezone).",
        ),
        (
            lambda p: p["stations"][1].update(name="Relay\x001"),
            "stations[1].name: contains a NUL character; retype the value.",
        ),
        (
            lambda p: p.update(timezone="localtime"),
            "timezone: 'localtime' is not a time zone name; use one such as Asia/Kuala_Lumpur.",
        ),
    ],
)
def test_values_the_database_cannot_hold_are_refused_with_their_path(tmp_path, change, message):
    payload = copy.deepcopy(ALEPS)
    change(payload)
    outcome = import_payload(tmp_path, payload)
    assert not outcome.ok
    assert message in outcome.problems, outcome.problems
    assert "Traceback" not in outcome.stderr
    assert not Race.objects.exists()
