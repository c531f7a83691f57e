"""The shared worked examples, replayed through the contract commands: exact export expected."""

import csv
import json

import pytest

from tests.commands import run
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.django_db


def replay(folder: str, *, statuses_first: bool = False) -> dict:
    path = EXAMPLES / folder
    race = json.loads((path / "race.json").read_text())
    slug = race["slug"]
    assert run("import_race", str(path / "race.json")).ok
    assert run("import_entries", slug, str(path / "entries.csv")).ok

    def set_statuses():
        with (path / "status.tsv").open(encoding="utf-8") as f:
            for bib, status, reason in csv.reader(f, delimiter="\t"):
                assert run("set_team_status", slug, bib, status, "--reason", reason).ok

    if statuses_first:
        set_statuses()
    assert run("import_timing", slug, str(path / "timing.csv")).ok
    if not statuses_first:
        set_statuses()
    outcome = run("export_results", slug, "--format", "json")
    assert outcome.ok, outcome.stderr
    return json.loads(outcome.stdout)


@pytest.mark.parametrize("folder", ["hand-worked", "mini-ekiden"])
@pytest.mark.parametrize("statuses_first", [False, True])
def test_export_equals_the_worked_example(folder, statuses_first):
    expected = json.loads((EXAMPLES / folder / "expected.json").read_text())
    assert replay(folder, statuses_first=statuses_first) == expected


@pytest.mark.parametrize("folder", ["hand-worked", "mini-ekiden"])
def test_importing_everything_twice_changes_nothing(folder):
    first = replay(folder)
    slug = first["race"]
    path = EXAMPLES / folder
    timing = run("import_timing", slug, str(path / "timing.csv"))
    assert timing.ok and timing.stdout.startswith("0 timing records added")
    entries = run("import_entries", slug, str(path / "entries.csv"))
    assert entries.ok and "0 teams created, 0 updated; 0 runners created, 0 updated" in entries.stdout
    assert json.loads(run("export_results", slug).stdout) == first


def test_results_api_returns_the_export(client):
    expected = json.loads((EXAMPLES / "hand-worked" / "expected.json").read_text())
    replay("hand-worked")
    response = client.get("/api/v1/races/hand/results")
    assert response.status_code == 200
    assert response.json() == expected


def test_csv_export_shows_times_rounded_up(tmp_path):
    replay("mini-ekiden")
    target = tmp_path / "results.csv"
    assert run("export_results", "mini-ekiden", "--format", "csv", "--output", str(target)).ok
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 24
    first = rows[0]
    # Team 124 finished in 6520145 ms = 1:48:40.145, shown as 1:48:41.
    assert (first["Bib"], first["Place"], first["Time"], first["Status"]) == ("124", "1", "1:48:41", "FIN")
    assert rows[-1]["Bib"] == "111" and rows[-1]["Status"] == "DQ" and rows[-1]["Place"] == ""
