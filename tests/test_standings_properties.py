"""Properties of the standings engine, and the engine against the slow reference."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from results.simulation.race import simulate_race
from results.standings.engine import (
    Course,
    Split,
    StationSpec,
    Status,
    TeamEntry,
    compute_standings,
)
from tests.standings_reference import as_plain, course_and_entries, reference_standings

GUN = 1_763_850_600_000  # 2025-11-23 06:30 in Kuala Lumpur
#: Times on a coarse grid so that ties, and arrivals exactly at a cutoff, are common.
STEP = 30_000

cutoffs = st.one_of(st.none(), st.integers(0, 20).map(lambda steps: steps * STEP))
bibs = st.one_of(
    st.integers(1, 300).map(str),
    st.text(alphabet="AB0", min_size=1, max_size=3),
)


@st.composite
def courses(draw) -> Course:
    legs = draw(st.integers(1, 4))
    # A cutoff at the start, at a checkpoint or at the finish must change nothing.
    stations = [StationSpec("START", draw(st.booleans()), draw(cutoffs))]
    for leg in range(1, legs + 1):
        for number in range(draw(st.integers(0, 1))):
            stations.append(StationSpec(f"CP{leg}{number}", False, draw(cutoffs)))
        last = leg == legs
        stations.append(
            StationSpec(
                "FINISH" if last else f"R{leg}",
                draw(st.booleans()) if last else True,
                draw(cutoffs),
            )
        )
    return Course(gun_ms=GUN, stations=tuple(stations), closed=draw(st.booleans()))


@st.composite
def races(draw, max_teams: int = 8) -> tuple[Course, list[TeamEntry]]:
    course = draw(courses())
    codes = [station.code for station in course.stations] + ["ELSEWHERE"]
    splits = st.builds(
        Split,
        station=st.sampled_from(codes),
        at_ms=st.integers(0, 90).map(lambda steps: GUN + steps * STEP)
        | st.integers(0, 90 * STEP).map(lambda ms: GUN + ms),
        voided=st.sampled_from([False, False, False, True]),
    )
    team_bibs = draw(st.lists(bibs, max_size=max_teams, unique=True))
    teams = [
        TeamEntry(
            key=key,
            bib=bib,
            category=draw(st.sampled_from("AB")),
            official_status=draw(st.sampled_from([None, None, None, Status.DQ, Status.DNS, Status.DNF])),
            splits=tuple(draw(st.lists(splits, max_size=3 * len(codes)))),
        )
        for key, bib in enumerate(team_bibs)
    ]
    return course, teams


def effective_times(course: Course, team: TeamEntry) -> dict[str, int]:
    times: dict[str, int] = {}
    for split in team.splits:
        if not split.voided:
            times[split.station] = min(split.at_ms, times.get(split.station, split.at_ms))
    return times


def handoff_codes(course: Course) -> list[str]:
    last = len(course.stations) - 1
    return [s.code for i, s in enumerate(course.stations) if s.handoff or i in (0, last)]


fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(races())
def test_engine_agrees_with_the_reference(race):
    course, teams = race
    assert as_plain(compute_standings(course, teams)) == reference_standings(course, teams)


@fast
@given(races())
def test_with_every_leg_known_the_total_is_the_sum_of_the_legs(race):
    # The carried-over runner's leg counts in full and the next leg starts at K, so the
    # time lost at a carry-over is already inside the legs.
    course, teams = race
    for result in compute_standings(course, teams).teams:
        leg_times = [leg.time_ms for leg in result.legs]
        if None not in leg_times:
            assert result.total_ms == sum(leg_times)


@fast
@given(races())
def test_the_total_is_the_clock_time_plus_what_was_lost_at_carry_overs(race):
    course, teams = race
    standings = compute_standings(course, teams)
    by_key = {team.key: team for team in teams}
    codes = handoff_codes(course)
    for result in standings.teams:
        if result.total_ms is None:
            continue
        times = effective_times(course, by_key[result.key])
        lost = sum(
            times[codes[leg.leg - 1]] - standings.carry_over_ms[codes[leg.leg - 1]]
            for leg in result.legs
            if leg.kuriage
        )
        assert result.total_ms == times["FINISH"] - GUN + lost
        # A carry-over start never makes a team's time better than its clock time.
        if any(leg.kuriage for leg in result.legs):
            assert result.total_ms > times["FINISH"] - GUN
        else:
            assert result.total_ms == times["FINISH"] - GUN


@fast
@given(races(), st.randoms(use_true_random=False))
def test_standings_do_not_depend_on_the_order_of_teams_or_records(race, rng):
    course, teams = race
    shuffled = []
    for team in teams:
        splits = list(team.splits)
        rng.shuffle(splits)
        shuffled.append(TeamEntry(team.key, team.bib, team.category, team.official_status, tuple(splits)))
    rng.shuffle(shuffled)
    assert compute_standings(course, shuffled) == compute_standings(course, teams)


@fast
@given(races(), st.data())
def test_a_later_duplicate_read_changes_nothing(race, data):
    course, teams = race
    candidates = [
        (index, split) for index, team in enumerate(teams) for split in team.splits if not split.voided
    ]
    if not candidates:
        return
    index, split = data.draw(st.sampled_from(candidates))
    later = Split(split.station, split.at_ms + data.draw(st.integers(0, 10 * STEP)))
    changed = list(teams)
    team = teams[index]
    changed[index] = TeamEntry(team.key, team.bib, team.category, team.official_status, (*team.splits, later))
    assert compute_standings(course, changed) == compute_standings(course, teams)


@fast
@given(races(), st.data())
def test_a_voided_record_is_as_if_absent(race, data):
    course, teams = race
    if not teams:
        return
    index = data.draw(st.integers(0, len(teams) - 1))
    team = teams[index]
    splits = list(team.splits)
    # Voiding one of its records is removing it...
    if splits:
        position = data.draw(st.integers(0, len(splits) - 1))
        voided = Split(splits[position].station, splits[position].at_ms, voided=True)
        as_voided = [*splits[:position], voided, *splits[position + 1 :]]
        as_removed = splits[:position] + splits[position + 1 :]
        assert compute_standings(course, _replace(teams, index, as_voided)) == compute_standings(
            course, _replace(teams, index, as_removed)
        )
    # ...and a voided record added anywhere, at any time, changes nothing.
    station = data.draw(st.sampled_from([s.code for s in course.stations]))
    extra = Split(station, GUN + data.draw(st.integers(-STEP, 90 * STEP)), voided=True)
    assert compute_standings(course, _replace(teams, index, [*splits, extra])) == compute_standings(
        course, teams
    )


def _replace(teams: list[TeamEntry], index: int, splits: list[Split]) -> list[TeamEntry]:
    team = teams[index]
    changed = list(teams)
    changed[index] = TeamEntry(team.key, team.bib, team.category, team.official_status, tuple(splits))
    return changed


@fast
@given(races())
def test_places_count_the_teams_strictly_ahead(race):
    course, teams = race
    standings = compute_standings(course, teams)
    finishers = [r for r in standings.teams if r.status == Status.FIN]
    for result in finishers:
        assert result.rank == 1 + sum(other.total_ms < result.total_ms for other in finishers)
    # Finishers are listed first, in place order.
    assert [r.status for r in standings.teams[: len(finishers)]] == [Status.FIN] * len(finishers)
    assert [r.rank for r in finishers] == sorted(r.rank for r in finishers)


# Whole simulated races, in the contract's formats, through the reference's reading of the files.


@pytest.mark.parametrize("seed", range(10))
def test_engine_agrees_with_the_reference_on_a_synthetic_race(seed):
    course, teams = course_and_entries(
        simulate_race(seed=seed, teams=2000, legs=4, checkpoints=1), closed=seed % 2 == 1
    )
    engine = as_plain(compute_standings(course, teams))
    reference = reference_standings(course, teams)
    assert engine["carry_over_ms"] == reference["carry_over_ms"]
    assert len(engine["teams"]) == len(reference["teams"]) == 2000
    for mine, theirs in zip(engine["teams"], reference["teams"], strict=True):
        assert mine == theirs, f"team {theirs['bib']}"


def test_a_synthetic_race_has_every_case_the_rules_cover():
    race = simulate_race(seed=3, teams=300, legs=4, checkpoints=1)
    course, teams = course_and_entries(race)
    standings = compute_standings(course, teams)

    carried = Counter(leg.leg for result in standings.teams for leg in result.legs if leg.kuriage)
    assert len(carried) >= 2 and max(carried.values()) >= 2
    overrides = [s for s in race.payload["stations"] if "kuriage_minutes" in s]
    assert overrides and overrides[0]["kuriage_minutes"] != race.payload["kuriage_minutes"]

    statuses = Counter(result.status for result in standings.teams)
    assert {Status.FIN, Status.DQ, Status.DNS, Status.DNF, "RUN"} <= set(statuses)
    assert {status for _, status, _ in race.statuses} == {Status.DQ, Status.DNS, Status.DNF}
    timed = {row["bib"] for row in race.timing}
    aliases = {}
    for row in race.entries:
        for alias in (row["team_bib"], row["runner_bib"], row["chip_id"]):
            aliases[alias] = row["team_bib"]
    silent = set(aliases.values()) - {aliases[bib] for bib in timed}
    assert silent - {bib for bib, _, _ in race.statuses}, "a team with no record and no status"

    totals = Counter(result.total_ms for result in standings.teams if result.status == Status.FIN)
    assert max(totals.values()) >= 2, "an exact tie"
    # A disqualified team is first at R1 but does not set the cutoff there.
    first_at_r1 = min(teams, key=lambda team: effective_times(course, team).get("R1", float("inf")))
    assert first_at_r1.official_status == Status.DQ

    formats = Counter(_time_format(row["time"]) for row in race.timing)
    assert set(formats) == {"local", "local.ms", "offset", "Z"}
    assert any(row["time"].endswith("+00:00") for row in race.timing)
    assert {row["source"] for row in race.timing} == {"chip", "tablet", ""}
    assert timed & {row["runner_bib"] for row in race.entries}
    assert timed & {row["chip_id"] for row in race.entries}
    read_ids = Counter(row["read_id"] for row in race.timing if row["read_id"])
    resent = [read_id for read_id, count in read_ids.items() if count > 1]
    assert resent, "a chip read sent twice"
    rows_by_id = {}
    for row in race.timing:
        if row["read_id"]:
            assert rows_by_id.setdefault(row["read_id"], row) == row
    assert len({row["runner_bib"] for row in race.entries}) == len(race.entries)
    assert len({row["chip_id"] for row in race.entries}) == len(race.entries)


def _time_format(text: str) -> str:
    if text.endswith("Z"):
        return "Z"
    if "T" in text:
        return "offset"
    return "local.ms" if re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", text) else "local"


def test_a_synthetic_race_is_the_same_for_the_same_seed():
    first = simulate_race(seed=11, teams=50, legs=3, checkpoints=0)
    again = simulate_race(seed=11, teams=50, legs=3, checkpoints=0)
    assert (first.payload, first.entries, first.timing, first.statuses) == (
        again.payload,
        again.entries,
        again.timing,
        again.statuses,
    )
    assert simulate_race(seed=12, teams=50, legs=3, checkpoints=0).timing != first.timing


def test_a_synthetic_race_keeps_the_entry_rules():
    race = simulate_race(seed=5, teams=400, legs=4, checkpoints=0)
    rules = {category["code"]: category for category in race.payload["categories"]}
    teams: dict[str, list[dict]] = {}
    for row in race.entries:
        teams.setdefault(row["team_bib"], []).append(row)
    race_day = race.payload["date"]
    for bib, runners in teams.items():
        assert sorted(int(r["leg"]) for r in runners) == [1, 2, 3, 4], bib
        rule = rules[runners[0]["category"]]
        genders = Counter(r["gender"] for r in runners)
        assert genders["F"] >= rule.get("min_women", 0), bib
        assert genders["M"] >= rule.get("min_men", 0), bib
        ages = [_age(r["birth_date"], race_day) for r in runners]
        assert min(ages) >= rule.get("min_age", 0), bib
        assert max(ages) <= rule.get("max_age", 200), bib
        assert sum(ages) >= rule.get("min_age_sum", 0), bib


def _age(birth: str, on: str) -> int:
    born_year, born_month, born_day = map(int, birth.split("-"))
    year, month, day = map(int, on.split("-"))
    return year - born_year - ((month, day) < (born_month, born_day))


def test_random_module_state_is_left_alone():
    state = random.getstate()
    simulate_race(seed=1, teams=20, legs=2, checkpoints=0)
    assert random.getstate() == state
