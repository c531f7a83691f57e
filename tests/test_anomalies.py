"""The anomaly finder on plain data: one test class per kind, no database.

The course: gun at 0, START 0 km, R1 5 km, CP 7.5 km (timing only), R2 10 km, FINISH 15 km.
A plausible 5 km leg takes 20 minutes; the minimum pace is 2:30 min/km (12:30 for 5 km).
"""

from dataclasses import replace

from results.standings import engine as standings
from results.standings.anomalies import (
    Anomaly,
    Course,
    CourseStation,
    Kind,
    Read,
    TeamReads,
    UnmatchedReadRow,
    find_anomalies,
    unmatched_read_anomalies,
)

MIN = 60_000
COURSE = Course(
    gun_ms=0,
    stations=(
        CourseStation("START", 0, True),
        CourseStation("R1", 5000, True),
        CourseStation("CP", 7500, False),
        CourseStation("R2", 10_000, True),
        CourseStation("FINISH", 15_000, True),
    ),
    carry_over_ms={},
    min_pace_ms_per_km=150_000,
)


def team(**reads_by_station: list[int] | int) -> TeamReads:
    """A team "101" with reads given in minutes after the gun; record ids count up from 1."""
    record_id = 0
    reads = {}
    for code, minutes in reads_by_station.items():
        at = []
        for minute in minutes if isinstance(minutes, list) else [minutes]:
            record_id += 1
            at.append(Read(record_id, round(minute * MIN)))
        reads[code] = tuple(at)
    return TeamReads(team_id=7, bib="101", reads=reads)


def kinds(found: list[Anomaly]) -> list[tuple[Kind, str]]:
    return [(a.kind, a.station) for a in found]


class TestARaceWithoutSurprises:
    def test_a_team_with_every_split_in_good_order_has_no_anomaly(self):
        assert find_anomalies(COURSE, [team(R1=20, CP=30, R2=40, FINISH=60)]) == []

    def test_a_team_still_on_the_course_is_not_missing_what_it_has_not_reached(self):
        assert find_anomalies(COURSE, [team(R1=20)]) == []

    def test_a_team_with_no_read_has_no_anomaly(self):
        assert find_anomalies(COURSE, [team()]) == []

    def test_two_reads_within_a_minute_are_one_passing(self):
        assert find_anomalies(COURSE, [team(R1=[20, 20.9])]) == []


class TestNegativeLeg:
    def test_a_time_earlier_than_at_the_station_before_is_a_negative_leg(self):
        found = find_anomalies(COURSE, [team(R1=20, CP=40, R2=35)])
        assert kinds(found) == [(Kind.NEGATIVE_LEG, "R2")]
        assert (found[0].at_ms, found[0].reference_ms, found[0].reference_station) == (
            35 * MIN,
            40 * MIN,
            "CP",
        )
        assert found[0].record_ids == (3,) and found[0].team_id == 7

    def test_it_compares_with_the_last_station_the_team_has_a_time_at(self):
        found = find_anomalies(COURSE, [team(R1=40, R2=30, FINISH=60)])
        assert kinds(found) == [(Kind.MISSING_SPLIT, "CP"), (Kind.NEGATIVE_LEG, "R2")]
        assert found[1].reference_station == "R1"

    def test_the_effective_time_counts_not_a_later_duplicate(self):
        assert kinds(find_anomalies(COURSE, [team(R1=[20, 20.5], CP=[30])])) == []

    def test_a_carried_over_runner_may_arrive_before_the_late_runner_did(self):
        # The leader reached R1 at 15, cutoff 20 min: K(R1) = 35. This team's runner came in
        # at 60; the next had left at 35 and reached R2 at 55: before 60, after 35.
        course = replace(COURSE, carry_over_ms={"R1": 35 * MIN})
        assert kinds(find_anomalies(course, [team(R1=60, R2=55)])) == [(Kind.MISSING_SPLIT, "CP")]
        found = find_anomalies(course, [team(R1=60, R2=34)])
        assert (Kind.NEGATIVE_LEG, "R2") in kinds(found)


class TestFastLeg:
    def test_a_leg_faster_than_the_minimum_pace_is_flagged_with_its_pace(self):
        found = find_anomalies(COURSE, [team(R1=12)])  # 5 km in 12 minutes: 2:24 min/km
        assert kinds(found) == [(Kind.FAST_LEG, "R1")]
        assert found[0].pace_ms_per_km == 144_000
        assert (found[0].reference_station, found[0].reference_ms) == ("START", 0)

    def test_a_minimum_pace_of_zero_turns_the_check_off(self):
        assert find_anomalies(replace(COURSE, min_pace_ms_per_km=0), [team(R1=1)]) == []

    def test_exactly_the_minimum_pace_is_allowed(self):
        assert find_anomalies(COURSE, [team(R1=12.5)]) == []

    def test_a_stretch_over_a_missing_split_is_judged_over_its_whole_length(self):
        found = find_anomalies(COURSE, [team(R1=20, R2=30)])  # 5 km in 10 minutes
        assert kinds(found) == [(Kind.MISSING_SPLIT, "CP"), (Kind.FAST_LEG, "R2")]
        assert found[1].pace_ms_per_km == 120_000

    def test_a_checkpoint_stretch_is_judged_too(self):
        assert kinds(find_anomalies(COURSE, [team(R1=20, CP=22, R2=40)])) == [(Kind.FAST_LEG, "CP")]

    def test_the_next_leg_of_a_carried_over_team_starts_at_the_cutoff(self):
        # In at R1 at 60; the next runner had left at K = 35 and reached R2 at 62: 27 minutes
        # for 5 km, although R2 minus T(R1) would be 2 minutes.
        course = replace(COURSE, carry_over_ms={"R1": 35 * MIN})
        assert find_anomalies(course, [team(R1=60, R2=62)]) == [Anomaly(Kind.MISSING_SPLIT, "CP", "101", 7)]
        assert kinds(find_anomalies(COURSE, [team(R1=60, R2=62)])) == [
            (Kind.MISSING_SPLIT, "CP"),
            (Kind.FAST_LEG, "R2"),
        ]

    def test_a_team_on_time_at_a_carry_over_station_starts_its_next_leg_at_its_own_time(self):
        course = replace(COURSE, carry_over_ms={"R1": 35 * MIN})
        assert kinds(find_anomalies(course, [team(R1=30, R2=40)])) == [
            (Kind.MISSING_SPLIT, "CP"),
            (Kind.FAST_LEG, "R2"),
        ]

    def test_a_carry_over_at_a_checkpoint_is_not_a_thing(self):
        course = replace(COURSE, carry_over_ms={"CP": 10 * MIN})
        assert kinds(find_anomalies(course, [team(R1=20, CP=30, R2=32)])) == [(Kind.FAST_LEG, "R2")]


class TestReadsApart:
    def test_two_reads_more_than_a_minute_apart_are_flagged_once_with_both(self):
        found = find_anomalies(COURSE, [team(R1=[20, 21.5])])
        assert kinds(found) == [(Kind.READS_APART, "R1")]
        assert found[0].record_ids == (1, 2)
        assert (found[0].reference_ms, found[0].at_ms) == (20 * MIN, 21.5 * MIN)

    def test_exactly_a_minute_apart_is_one_passing(self):
        assert find_anomalies(COURSE, [team(R1=[20, 21])]) == []

    def test_the_reads_are_compared_first_to_last_whatever_their_order(self):
        found = find_anomalies(COURSE, [team(R1=[21.5, 20.5, 20])])
        assert kinds(found) == [(Kind.READS_APART, "R1")] and found[0].record_ids == (3, 2, 1)


class TestAfterFinish:
    def test_a_read_at_an_earlier_station_after_the_finish_time_is_flagged(self):
        found = find_anomalies(COURSE, [team(R1=[20, 70], CP=30, R2=40, FINISH=60)])
        assert (Kind.AFTER_FINISH, "R1") in kinds(found)
        after = next(a for a in found if a.kind == Kind.AFTER_FINISH)
        assert (after.record_ids, after.reference_ms, after.reference_station) == ((2,), 60 * MIN, "FINISH")

    def test_a_second_read_at_the_finish_is_not_after_the_finish(self):
        assert kinds(find_anomalies(COURSE, [team(R1=20, CP=30, R2=40, FINISH=[60, 60.5])])) == []

    def test_without_a_finish_time_nothing_is_after_it(self):
        assert find_anomalies(COURSE, [team(R1=20, CP=30, R2=[40, 40.5])]) == []


class TestMissingSplit:
    def test_a_station_without_a_read_before_one_with_a_read_is_missing(self):
        assert kinds(find_anomalies(COURSE, [team(R1=20, CP=30, FINISH=60)])) == [(Kind.MISSING_SPLIT, "R2")]

    def test_the_first_station_after_the_start_can_be_missing_too(self):
        assert kinds(find_anomalies(COURSE, [team(CP=30, R2=40)])) == [(Kind.MISSING_SPLIT, "R1")]

    def test_the_start_is_never_missing(self):
        assert find_anomalies(COURSE, [team(START=0, R1=20)]) == []


class TestUnknownBib:
    def test_each_unknown_bib_read_is_listed_with_its_device(self):
        found = unmatched_read_anomalies([UnmatchedReadRow(3, "999", "R1", 20 * MIN, "R1 tablet")])
        assert found == [
            Anomaly(Kind.UNMATCHED_READ, "R1", "999", record_ids=(3,), at_ms=20 * MIN, device="R1 tablet")
        ]

    def test_a_read_without_a_time_is_still_listed(self):
        assert unmatched_read_anomalies([UnmatchedReadRow(4, "x", "R9", None, "")])[0].at_ms is None


class TestCarryOverComesFromTheEngine:
    def test_carry_over_times_are_those_of_the_full_standings(self):
        course = standings.Course(
            gun_ms=0,
            stations=(
                standings.StationSpec("START", True, None),
                standings.StationSpec("R1", True, 20 * MIN),
                standings.StationSpec("FINISH", True, None),
            ),
            closed=False,
        )
        teams = [
            standings.TeamEntry(1, "1", "MX", None, (standings.Split("R1", 15 * MIN),)),
            standings.TeamEntry(2, "2", "MX", "DQ", (standings.Split("R1", 10 * MIN),)),
            standings.TeamEntry(3, "3", "MX", None, (standings.Split("R1", 40 * MIN),)),
        ]
        assert standings.carry_over_times(course, teams) == {"R1": 35 * MIN}
        assert (
            standings.carry_over_times(course, teams)
            == standings.compute_standings(course, teams).carry_over_ms
        )
