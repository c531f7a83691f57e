"""Random 2,000-team races through the contract commands, checked against the slow reference.

The generator writes the organisers' own file formats (every time format, runner bibs and
chip ids, re-sent chip reads, missed splits, carry-overs, ties, DQ/DNS/DNF); the commands
import them and export; the reference implementation reads the rules literally.
"""

import csv
import json

import pytest

from results.simulation.race import simulate_race
from tests.commands import run, write
from tests.standings_reference import course_and_entries, reference_standings

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, name: str, rows: list[dict], columns: list[str]) -> str:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_commands_export_exactly_what_the_rules_define(tmp_path, seed):
    race = simulate_race(seed=seed, teams=2000, legs=4, checkpoints=1, slug=f"random-{seed}")
    slug = race.payload["slug"]
    assert run("import_race", write(tmp_path, "race.json", json.dumps(race.payload))).ok
    entries = run(
        "import_entries", slug, write_csv(tmp_path, "entries.csv", race.entries, list(race.entries[0]))
    )
    assert entries.ok, entries.stderr[:2000]
    timing_columns = ["bib", "station", "time", "source", "read_id"]
    timing = run("import_timing", slug, write_csv(tmp_path, "timing.csv", race.timing, timing_columns))
    assert timing.ok, timing.stderr[:2000]
    for bib, status, reason in race.statuses:
        assert run("set_team_status", slug, bib, status, "--reason", reason).ok

    exported = json.loads(run("export_results", slug).stdout)
    course, teams = course_and_entries(race)
    expected = reference_standings(course, teams)

    runner_names = {(row["team_bib"], int(row["leg"])): row["runner_name"] for row in race.entries}
    assert [t["bib"] for t in exported["teams"]] == [t["bib"] for t in expected["teams"]]
    for got, want in zip(exported["teams"], expected["teams"], strict=True):
        assert (got["status"], got["total_ms"], got["rank"], got["category_rank"], got["category"]) == (
            want["status"],
            want["total_ms"],
            want["rank"],
            want["category_rank"],
            want["category"],
        ), got["bib"]
        assert [(leg["leg"], leg["time_ms"], leg["rank"], leg["kuriage"]) for leg in got["legs"]] == [
            (leg["leg"], leg["time_ms"], leg["rank"], leg["kuriage"]) for leg in want["legs"]
        ], got["bib"]
        assert [leg["runner"] for leg in got["legs"]] == [runner_names[(got["bib"], n)] for n in range(1, 5)]
        assert got["stations"] == want["stations"], got["bib"]

    # The race is worth checking: every situation the rules cover shows up.
    statuses = {t["status"] for t in exported["teams"]}
    assert statuses >= {"FIN", "RUN", "DNS", "DQ", "DNF"}
    assert any(leg["kuriage"] for t in exported["teams"] for leg in t["legs"])
    totals = [t["total_ms"] for t in exported["teams"] if t["status"] == "FIN"]
    assert len(totals) != len(set(totals)), "no tie in this race"
