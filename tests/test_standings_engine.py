"""The standings engine, rule by rule (docs/commands.md, "Standings rules"), and the worked examples.

Clock times below are local times in Kuala Lumpur on race day; the gun goes at 06:30.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import itertools
import json
import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from results.simulation.race import SimulatedRace
from results.standings.engine import (
    Course,
    LegResult,
    Split,
    StationResult,
    StationSpec,
    Status,
    TeamEntry,
    TeamStanding,
    compute_standings,
)
from tests.conftest import EXAMPLES
from tests.standings_reference import course_and_entries

KL = ZoneInfo("Asia/Kuala_Lumpur")
RACE_DAY = date(2025, 11, 23)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = 60_000


def clock(text: str) -> int:
    """Epoch ms of a local clock time on race day, "07:05" or "07:05:30.250"."""
    moment = datetime.combine(RACE_DAY, time.fromisoformat(text), tzinfo=KL)
    return (moment - EPOCH) // timedelta(milliseconds=1)


GUN = clock("06:30")


def minutes(value: float) -> int:
    return round(value * MINUTE)


def relay(code: str, cutoff_minutes: float | None = None) -> StationSpec:
    return StationSpec(code, True, None if cutoff_minutes is None else minutes(cutoff_minutes))


def checkpoint(code: str) -> StationSpec:
    return StationSpec(code, False, None)


START = relay("START")
FINISH = relay("FINISH")


def course(*middle: StationSpec, closed: bool = False) -> Course:
    return Course(gun_ms=GUN, stations=(START, *middle, FINISH), closed=closed)


#: Three legs, with a 5-minute cutoff at R1 (the station's own) and 10 at R2 (the race's).
THREE_LEGS = course(relay("R1", 5), relay("R2", 10))


_OTHER_KEYS = itertools.count(100_000)


def team(bib: str, *, category: str = "MX", status: str | None = None, **times: str) -> TeamEntry:
    """A team with one read per station, given as station=clock time."""
    splits = tuple(Split(station, clock(at)) for station, at in times.items())
    key = int(bib) if bib.isdigit() and not bib.startswith("0") else next(_OTHER_KEYS)
    return TeamEntry(key, bib, category, status, splits)


def with_splits(entry: TeamEntry, *splits: Split) -> TeamEntry:
    return TeamEntry(entry.key, entry.bib, entry.category, entry.official_status, splits)


def standing_of(standings, bib: str):
    return next(result for result in standings.teams if result.bib == bib)


def leg_times(result) -> list[int | None]:
    return [leg.time_ms for leg in result.legs]


def cumulatives(result) -> list[int | None]:
    return [station.cumulative_ms for station in result.stations]


class TestCarryOverStart:
    def test_a_late_team_is_sent_off_at_the_cutoff_at_both_relays(self):
        # Leader 101 sets K(R1) = 07:05 and K(R2) = 07:30; 102 is late at both.
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:06", R2="07:40", FINISH="08:00"),
            ],
        )
        assert standings.carry_over_ms == {"R1": clock("07:05"), "R2": clock("07:30")}
        late = standing_of(standings, "102")
        # Its own runners' legs count in full; the next leg starts at K.
        assert leg_times(late) == [minutes(36), minutes(35), minutes(30)]
        assert [leg.kuriage for leg in late.legs] == [False, True, True]
        # The minute lost at R1 and the ten at R2 stay in the cumulative times.
        assert cumulatives(late) == [minutes(36), minutes(70 + 1), minutes(90 + 1 + 10)]
        assert late.total_ms == minutes(101)

    def test_the_total_of_a_carried_over_team_is_the_sum_of_its_legs(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:06", R2="07:40", FINISH="08:00"),
            ],
        )
        late = standing_of(standings, "102")
        assert late.total_ms == sum(leg_times(late))
        assert late.total_ms > clock("08:00") - GUN

    def test_each_station_uses_its_own_cutoff(self):
        # Seven minutes behind is a carry-over under R1's 5 minutes, not under R2's 10.
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:07", R2="07:27", FINISH="07:47"),
            ],
        )
        late = standing_of(standings, "102")
        assert [leg.kuriage for leg in late.legs] == [False, True, False]
        assert leg_times(late) == [minutes(37), minutes(22), minutes(20)]
        assert late.total_ms == minutes(77 + 2)

    def test_two_teams_carried_over_at_the_same_station_both_start_at_k(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:08", R2="07:28", FINISH="07:48"),
                team("103", R1="07:12", R2="07:29", FINISH="07:50"),
            ],
        )
        second, third = standing_of(standings, "102"), standing_of(standings, "103")
        # Both second runners left at K(R1) = 07:05, whenever their tasuki arrived.
        assert second.legs[1] == LegResult(2, minutes(23), 2, True)
        assert third.legs[1] == LegResult(2, minutes(24), 3, True)
        assert second.total_ms == minutes(78 + 3)
        assert third.total_ms == minutes(80 + 7)

    def test_a_team_exactly_at_the_cutoff_is_not_carried_over(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:05", R2="07:25", FINISH="07:45"),
            ],
        )
        on_time = standing_of(standings, "102")
        assert not any(leg.kuriage for leg in on_time.legs)
        assert on_time.total_ms == minutes(75)

    def test_a_disqualified_team_does_not_set_the_cutoff(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:04", R2="07:24", FINISH="07:44"),
                team("105", status=Status.DQ, R1="06:59", R2="07:10", FINISH="07:30"),
                team("106", status=Status.DNS, R1="06:50"),
            ],
        )
        assert standings.carry_over_ms["R1"] == clock("07:05")
        # Had 105's 06:59 counted, K(R1) would be 07:04 and 102 would not be late.
        assert not standing_of(standings, "102").legs[1].kuriage

    def test_an_official_dnf_still_sets_the_cutoff(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", status=Status.DNF, R1="06:58"),
            ],
        )
        assert standings.carry_over_ms["R1"] == clock("07:03")

    def test_a_team_without_a_time_at_a_relay_is_never_carried_over_there(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("103", R2="07:35", FINISH="07:55"),
            ],
        )
        missing = standing_of(standings, "103")
        assert [leg.kuriage for leg in missing.legs] == [False, False, True]
        assert leg_times(missing) == [None, None, minutes(25)]
        assert cumulatives(missing) == [None, minutes(65), minutes(85 + 5)]

    def test_the_kuriage_flag_sits_on_the_leg_that_started_at_k_even_before_it_ends(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", R1="07:00", R2="07:45"),
            ],
        )
        out = standing_of(standings, "102")
        assert out.legs[2] == LegResult(3, None, None, True)
        assert out.status == Status.RUN

    def test_no_carry_over_without_a_cutoff_nor_at_a_checkpoint_or_the_finish(self):
        odd = Course(
            gun_ms=GUN,
            stations=(
                StationSpec("START", True, MINUTE),
                StationSpec("R1", True, None),
                StationSpec("CP1", False, MINUTE),
                StationSpec("FINISH", True, MINUTE),
            ),
            closed=False,
        )
        standings = compute_standings(
            odd,
            [
                team("101", R1="07:00", CP1="07:10", FINISH="07:20"),
                team("102", R1="07:30", CP1="07:40", FINISH="07:50"),
            ],
        )
        assert standings.carry_over_ms == {}
        assert not any(leg.kuriage for result in standings.teams for leg in result.legs)
        assert standing_of(standings, "102").total_ms == minutes(80)

    def test_no_carry_over_time_where_nobody_in_competition_arrived(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R2="07:20", FINISH="07:40"),
                team("105", status=Status.DQ, R1="06:59"),
            ],
        )
        assert standings.carry_over_ms == {"R2": clock("07:30")}


class TestLegAndCumulativeTimes:
    def test_a_missing_split_is_bridged_by_the_cumulative_time(self):
        standings = compute_standings(
            course(relay("R1"), checkpoint("CP1"), relay("R2")),
            [team("103", R1="07:00", R2="07:35", FINISH="07:55")],
        )
        result = standing_of(standings, "103")
        assert leg_times(result) == [minutes(30), minutes(35), minutes(20)]
        assert result.stations == (
            StationResult("R1", minutes(30), 1),
            StationResult("CP1", None, None),
            StationResult("R2", minutes(65), 1),
            StationResult("FINISH", minutes(85), 1),
        )

    def test_a_missing_relay_split_leaves_both_legs_around_it_unknown(self):
        standings = compute_standings(THREE_LEGS, [team("103", R2="07:20", FINISH="07:40")])
        result = standing_of(standings, "103")
        assert leg_times(result) == [None, None, minutes(20)]
        assert [leg.rank for leg in result.legs] == [None, None, 1]
        assert result.total_ms == minutes(70)

    def test_a_checkpoint_splits_no_leg(self):
        standings = compute_standings(
            course(relay("R1"), checkpoint("CP1")),
            [team("101", R1="07:00", CP1="07:12", FINISH="07:25")],
        )
        result = standing_of(standings, "101")
        assert leg_times(result) == [minutes(30), minutes(25)]
        assert cumulatives(result) == [minutes(30), minutes(42), minutes(55)]


class TestRecords:
    def test_the_earliest_record_is_the_effective_time(self):
        entry = with_splits(
            team("101"),
            Split("R1", clock("07:00:05")),
            Split("R1", clock("07:00:00.250")),
            Split("FINISH", clock("07:40")),
        )
        result = standing_of(compute_standings(course(relay("R1")), [entry]), "101")
        assert leg_times(result) == [minutes(30) + 250, minutes(40) - 250]

    def test_a_later_duplicate_read_changes_nothing(self):
        entries = [
            team("101", R1="07:00", R2="07:20", FINISH="07:40"),
            team("102", R1="07:06", R2="07:40", FINISH="08:00"),
        ]
        before = compute_standings(THREE_LEGS, entries)
        re_read = with_splits(entries[1], *entries[1].splits, Split("R1", clock("07:09")))
        after = compute_standings(THREE_LEGS, [entries[0], re_read])
        assert after == before

    def test_a_voided_record_is_as_if_absent(self):
        entries = [
            team("101", R1="07:00", R2="07:20", FINISH="07:40"),
            team("102", R1="07:06", R2="07:40", FINISH="08:00"),
        ]
        before = compute_standings(THREE_LEGS, entries)
        # A mistyped 06:40 at R1, voided by an official, must neither time 102 nor set K.
        mistyped = with_splits(entries[1], Split("R1", clock("06:40"), voided=True), *entries[1].splits)
        assert compute_standings(THREE_LEGS, [entries[0], mistyped]) == before

    def test_a_team_whose_only_record_is_voided_did_not_start(self):
        entry = with_splits(team("104"), Split("R1", clock("07:00"), voided=True))
        result = standing_of(compute_standings(THREE_LEGS, [entry]), "104")
        assert result.status == Status.DNS
        assert cumulatives(result) == [None, None, None]

    def test_a_record_at_an_unknown_station_is_ignored(self):
        entry = with_splits(team("104"), Split("R9", clock("07:00")))
        result = standing_of(compute_standings(THREE_LEGS, [entry]), "104")
        assert result.status == Status.DNS

    def test_a_start_record_times_nothing_but_shows_the_team_started(self):
        entry = with_splits(team("104"), Split("START", clock("06:31")), Split("FINISH", clock("07:40")))
        started = with_splits(team("105"), Split("START", clock("06:31")))
        standings = compute_standings(THREE_LEGS, [entry, started])
        assert standing_of(standings, "104").total_ms == minutes(70)
        assert standing_of(standings, "105").status == Status.RUN


class TestStatus:
    def test_a_team_with_a_finish_time_has_finished(self):
        result = compute_standings(THREE_LEGS, [team("101", FINISH="07:40")]).teams[0]
        assert (result.status, result.rank, result.total_ms) == (Status.FIN, 1, minutes(70))

    def test_a_team_still_out_runs_while_open_and_did_not_finish_once_closed(self):
        entries = [team("107", R1="07:02"), team("104")]
        open_race = compute_standings(THREE_LEGS, entries)
        closed = compute_standings(course(relay("R1", 5), relay("R2", 10), closed=True), entries)
        assert [r.status for r in open_race.teams] == [Status.RUN, Status.DNS]
        assert [r.status for r in closed.teams] == [Status.DNF, Status.DNS]

    def test_an_official_status_wins_over_the_derived_one(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("102", status=Status.DNF, R1="07:01", R2="07:21", FINISH="07:41"),
                team("103", status=Status.DNS, R1="07:02", R2="07:22", FINISH="07:42"),
                team("104", status=Status.DQ, R1="06:59", R2="07:19", FINISH="07:39"),
            ],
        )
        gave_up = standing_of(standings, "102")
        assert (gave_up.status, gave_up.rank, gave_up.category_rank) == (Status.DNF, None, None)
        # Still in competition for the legs and stations it ran.
        assert [leg.rank for leg in gave_up.legs] == [2, 1, 1]
        assert gave_up.stations[-1] == StationResult("FINISH", minutes(71), 2)
        for bib, status in (("103", Status.DNS), ("104", Status.DQ)):
            out = standing_of(standings, bib)
            assert out.status == status
            assert out.total_ms is not None
            assert out.rank is out.category_rank is None
            assert all(leg.rank is None for leg in out.legs)
            assert all(station.rank is None for station in out.stations)
        assert standing_of(standings, "101").rank == 1

    def test_an_unknown_official_status_is_refused(self):
        with pytest.raises(ValueError, match="101"):
            compute_standings(THREE_LEGS, [team("101", status="WITHDRAWN")])


class TestRanks:
    def test_equal_totals_share_the_place_and_the_next_is_skipped(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:00", R2="07:20", FINISH="07:40"),
                team("106", category="MO", R1="07:01", R2="07:21", FINISH="07:40"),
                team("103", category="MO", R1="07:01", R2="07:21", FINISH="07:41"),
                team("102", R1="07:02", R2="07:22", FINISH="07:42"),
            ],
        )
        assert [(r.bib, r.rank) for r in standings.teams] == [
            ("101", 1),
            ("106", 1),
            ("103", 3),
            ("102", 4),
        ]
        assert [r.category_rank for r in standings.teams] == [1, 1, 2, 2]
        # Leg 1: 30, 31, 31, 32 minutes.
        assert [r.legs[0].rank for r in standings.teams] == [1, 2, 2, 4]

    def test_places_are_on_exact_milliseconds(self):
        entries = [
            with_splits(team("101"), Split("FINISH", clock("07:40:00.001"))),
            with_splits(team("102"), Split("FINISH", clock("07:40:00.000"))),
        ]
        standings = compute_standings(THREE_LEGS, entries)
        assert [(r.bib, r.rank) for r in standings.teams] == [("102", 1), ("101", 2)]

    def test_teams_still_out_take_leg_and_station_places_but_no_overall_place(self):
        standings = compute_standings(
            THREE_LEGS,
            [
                team("101", R1="07:01", R2="07:21", FINISH="07:41"),
                team("107", R1="07:00"),
            ],
        )
        out = standing_of(standings, "107")
        assert (out.rank, out.legs[0].rank, out.stations[0].rank) == (None, 1, 1)
        assert standing_of(standings, "101").stations[0].rank == 2


class TestListingOrder:
    def test_finishers_then_teams_out_by_progress_then_dq_and_dns_by_bib(self):
        standings = compute_standings(
            course(relay("R1"), checkpoint("CP1"), relay("R2")),
            [
                team("A7", status=Status.DQ, R1="07:00", FINISH="07:30"),
                team("100", R1="07:00", CP1="07:10", R2="07:20", FINISH="07:40"),
                team("99", R1="07:00", CP1="07:10", R2="07:20", FINISH="07:40"),
                team("12", R1="07:01", CP1="07:11"),
                team("11", R1="07:01", CP1="07:12"),
                team("10", R1="07:00"),
                team("9", R2="07:30"),
                team("8", status=Status.DNS),
                team("200"),
                with_splits(team("300"), Split("START", clock("06:30"))),
            ],
        )
        assert [r.bib for r in standings.teams] == [
            "99",  # tied for first with 100: bibs in numeric order
            "100",
            "9",  # furthest out: reached R2
            "12",  # reached the checkpoint, faster there than 11
            "11",
            "10",
            "300",  # started, reached no station yet
            "8",
            "200",
            "A7",
        ]

    def test_bibs_compare_naturally(self):
        standings = compute_standings(
            THREE_LEGS,
            [team(bib, FINISH="07:40") for bib in ("B2", "100", "A10", "99", "0099")],
        )
        # Equal numbers fall back to the text: "0099" before "99".
        assert [r.bib for r in standings.teams] == ["0099", "99", "100", "A10", "B2"]

    def test_the_listing_does_not_depend_on_input_order(self):
        entries = [
            team("101", R1="07:00", R2="07:20", FINISH="07:40"),
            team("106", R1="07:01", R2="07:20", FINISH="07:40"),
            team("107", R1="07:02"),
            team("104"),
        ]
        assert compute_standings(THREE_LEGS, entries) == compute_standings(THREE_LEGS, reversed(entries))


class TestResults:
    def test_results_are_ordinary_frozen_dataclasses(self):
        result = compute_standings(THREE_LEGS, [team("101", R1="07:00", FINISH="07:40")]).teams[0]
        assert result == TeamStanding(**{f.name: getattr(result, f.name) for f in dataclasses.fields(result)})
        assert result.legs[0] == LegResult(1, minutes(30), 1, False)
        assert hash(result.legs[0]) == hash(LegResult(1, minutes(30), 1, False))
        assert pickle.loads(pickle.dumps(result)) == result
        assert dataclasses.replace(result, rank=5).rank == 5
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.rank = 2  # type: ignore[misc]

    def test_the_garbage_collector_is_left_as_it_was(self):
        assert gc.isenabled()
        compute_standings(THREE_LEGS, [team("101", FINISH="07:40")])
        assert gc.isenabled()
        gc.disable()
        try:
            compute_standings(THREE_LEGS, [team("101", FINISH="07:40")])
            assert not gc.isenabled()
        finally:
            gc.enable()
        with pytest.raises(ValueError):
            compute_standings(THREE_LEGS, [team("101", status="LATE")])
        assert gc.isenabled()


class TestCourse:
    def test_a_course_needs_a_start_and_a_finish(self):
        with pytest.raises(ValueError):
            compute_standings(Course(GUN, (START,), False), [])

    def test_no_teams_no_standings(self):
        assert compute_standings(THREE_LEGS, []).teams == ()


# The worked examples: shared race files and the export they must give.

EXAMPLE_NAMES = ["hand-worked", "mini-ekiden"]


def read_example(name: str) -> SimulatedRace:
    folder = EXAMPLES / name
    race = json.loads((folder / "race.json").read_text(encoding="utf-8"))
    with open(folder / "entries.csv", encoding="utf-8-sig", newline="") as rows:
        entries = list(csv.DictReader(rows))
    with open(folder / "timing.csv", encoding="utf-8-sig", newline="") as rows:
        timing = list(csv.DictReader(rows))
    statuses = []
    for line in (folder / "status.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            bib, status, reason = [*line.split("\t"), ""][:3]
            statuses.append((bib, status, reason))
    return SimulatedRace(payload=race, entries=entries, timing=timing, statuses=statuses)


def example_input(example: SimulatedRace) -> tuple[Course, list[TeamEntry]]:
    """The engine's input for an example, read straight from its files."""
    race = example.payload
    tz = ZoneInfo(race["timezone"])
    race_day = date.fromisoformat(race["date"])
    start = datetime.combine(race_day, time.fromisoformat(race["start_time"]), tzinfo=tz)
    stations = []
    last = len(race["stations"]) - 1
    for position, station in enumerate(race["stations"]):
        is_handoff = station.get("handoff", True) or position in (0, last)
        cutoff = station.get("kuriage_minutes")
        if cutoff is None:
            cutoff = race["kuriage_minutes"]
        if not is_handoff or position in (0, last) or cutoff is None:
            cutoff_ms = None
        else:
            cutoff_ms = round(cutoff * MINUTE)
        stations.append(StationSpec(station["code"], is_handoff, cutoff_ms))

    team_of, category_of = {}, {}
    for row in example.entries:
        category_of[row["team_bib"]] = row["category"]
        for alias in (row["team_bib"], row.get("runner_bib"), row.get("chip_id")):
            if alias:
                team_of[alias] = row["team_bib"]

    def epoch_ms(text: str) -> int:
        if "T" in text:
            moment = datetime.fromisoformat(text)
        else:
            moment = datetime.combine(race_day, time.fromisoformat(text), tzinfo=tz)
        return (moment - EPOCH) // timedelta(milliseconds=1)

    splits: dict[str, list[Split]] = {bib: [] for bib in category_of}
    for row in example.timing:
        splits[team_of[row["bib"]]].append(Split(row["station"], epoch_ms(row["time"])))
    official = {bib: status for bib, status, _ in example.statuses}
    teams = [
        TeamEntry(int(bib), bib, category, official.get(bib), tuple(splits[bib]))
        for bib, category in category_of.items()
    ]
    return Course((start - EPOCH) // timedelta(milliseconds=1), tuple(stations), False), teams


def engine_export(standings) -> list[dict]:
    """The fields of the export JSON that the engine owns."""
    return [
        {
            "bib": result.bib,
            "status": result.status,
            "total_ms": result.total_ms,
            "rank": result.rank,
            "category_rank": result.category_rank,
            "legs": [
                {"leg": leg.leg, "time_ms": leg.time_ms, "rank": leg.rank, "kuriage": leg.kuriage}
                for leg in result.legs
            ],
            "stations": [
                {"station": s.station, "cumulative_ms": s.cumulative_ms, "rank": s.rank}
                for s in result.stations
            ],
        }
        for result in standings.teams
    ]


def expected_export(name: str) -> list[dict]:
    expected = json.loads((EXAMPLES / name / "expected.json").read_text(encoding="utf-8"))
    return [
        {
            "bib": t["bib"],
            "status": t["status"],
            "total_ms": t["total_ms"],
            "rank": t["rank"],
            "category_rank": t["category_rank"],
            "legs": [{key: leg[key] for key in ("leg", "time_ms", "rank", "kuriage")} for leg in t["legs"]],
            "stations": [
                {key: s[key] for key in ("station", "cumulative_ms", "rank")} for s in t["stations"]
            ],
        }
        for t in expected["teams"]
    ]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_worked_example_gives_the_expected_export(name):
    course_, teams = example_input(read_example(name))
    actual = engine_export(compute_standings(course_, teams))
    expected = expected_export(name)
    assert [t["bib"] for t in actual] == [t["bib"] for t in expected]
    for mine, theirs in zip(actual, expected, strict=True):
        assert mine == theirs, f"team {theirs['bib']}"


def test_hand_worked_carry_over_times():
    course_, teams = example_input(read_example("hand-worked"))
    standings = compute_standings(course_, teams)
    assert standings.carry_over_ms == {"R1": clock("07:05"), "R2": clock("07:30")}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_reference_reads_the_examples_like_the_files_say(name):
    example = read_example(name)
    course_, teams = example_input(example)
    adapted_course, adapted_teams = course_and_entries(example)
    assert adapted_course == course_
    assert compute_standings(adapted_course, adapted_teams) == compute_standings(course_, teams)
