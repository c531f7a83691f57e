"""Projected arrivals and race control's station boards on plain data, worked by hand.

The course: gun at 0, START 0 km, R1 5 km, CP 7.5 km (timing only), R2 10 km, FINISH 15 km; a
carry-over cutoff of 20 minutes at R1 and R2. Times are in minutes after the gun.
"""

from results.standings.projections import (
    Course,
    CourseStation,
    Projection,
    TeamTimes,
    due_at,
    overdue_ms,
    project_arrivals,
)
from results.standings.race_control import AtRisk, Passing, station_boards

MIN = 60_000
CUTOFF = 20 * MIN
COURSE = Course(
    gun_ms=0,
    stations=(
        CourseStation("START", 0, True),
        CourseStation("R1", 5000, True, CUTOFF),
        CourseStation("CP", 7500, False),
        CourseStation("R2", 10_000, True, CUTOFF),
        CourseStation("FINISH", 15_000, True),
    ),
    carry_over_ms={},
)


def team(bib: str, status: str | None = None, **minutes: float) -> TeamTimes:
    """Arrivals in minutes; the cumulative time taken as the time since the gun (no carry-over)."""
    arrivals = {code: round(m * MIN) for code, m in minutes.items()}
    return TeamTimes(bib, status, arrivals, dict(arrivals))


def only(projections: list[Projection]) -> Projection:
    assert len(projections) == 1
    return projections[0]


class TestPaceSoFar:
    def test_a_team_runs_on_at_its_pace_so_far(self):
        # 5 km in 20 minutes is 4 min/km; the 2.5 km to CP take 10 minutes: due at 30.
        projection = only(project_arrivals(COURSE, [team("101", R1=20)]))
        assert (projection.last_station, projection.next_station, projection.leg) == ("R1", "CP", 2)
        assert projection.departed_ms == 20 * MIN and not projection.carried_over
        assert projection.projected_ms == 30 * MIN
        assert projection.pace_ms_per_km == 240_000

    def test_a_checkpoint_counts_as_a_station(self):
        # 7.5 km in 31 minutes; the 2.5 km to R2 at that pace take 10 min 20 s: due at 41:20.
        projection = only(project_arrivals(COURSE, [team("101", R1=20, CP=31)]))
        assert (projection.last_station, projection.next_station, projection.leg) == ("CP", "R2", 2)
        assert projection.projected_ms == 41 * MIN + 20_000

    def test_the_next_station_follows_the_furthest_time_even_over_a_missing_split(self):
        # No time at CP: R2 is the furthest, 10 km in 44 minutes (4:24 min/km); 5 km more: 22 min.
        projection = only(project_arrivals(COURSE, [team("101", R1=20, R2=44)]))
        assert (projection.next_station, projection.leg) == ("FINISH", 3)
        assert projection.projected_ms == 66 * MIN


class TestCarryOver:
    def test_a_carried_over_team_departs_at_k(self):
        # The leader reached R1 at 15: K(R1) = 35. This team came in at 40; its next runner had
        # left at 35. Its pace so far is its cumulative time, 40 minutes for 5 km (8 min/km):
        # 2.5 km more take 20 minutes, so it is due at CP at 55, not at 60.
        course = Course(COURSE.gun_ms, COURSE.stations, {"R1": 35 * MIN})
        projection = only(project_arrivals(course, [team("101", R1=40)]))
        assert projection.carried_over and projection.departed_ms == 35 * MIN
        assert projection.projected_ms == 55 * MIN

    def test_a_team_in_before_k_departs_at_its_own_time(self):
        course = Course(COURSE.gun_ms, COURSE.stations, {"R1": 35 * MIN})
        projection = only(project_arrivals(course, [team("101", R1=30)]))
        assert not projection.carried_over and projection.departed_ms == 30 * MIN
        assert projection.projected_ms == 45 * MIN

    def test_the_lost_time_stays_in_the_pace(self):
        # Carried over at R1 (in at 40, K 35: 5 minutes lost), at R2 at 80 by the clock: its
        # cumulative time there is 85 minutes for 10 km (8:30 min/km); 5 km more: 42:30.
        course = Course(COURSE.gun_ms, COURSE.stations, {"R1": 35 * MIN})
        times = TeamTimes("101", None, {"R1": 40 * MIN, "R2": 80 * MIN}, {"R1": 40 * MIN, "R2": 85 * MIN})
        projection = only(project_arrivals(course, [times]))
        assert projection.projected_ms == 122 * MIN + 30_000


class TestNoTimeYet:
    def test_a_team_with_no_time_runs_at_the_median_pace_to_the_first_station(self):
        # Three teams reached R1 at 18, 20 and 26: the median is 20. The team with no time is
        # due there 20 minutes after the gun; a disqualified team's 10 does not count.
        teams = [
            team("101", R1=18),
            team("102", R1=26),
            team("103", R1=20),
            team("104", "DQ", R1=10),
            team("105"),
        ]
        projection = next(p for p in project_arrivals(COURSE, teams) if p.bib == "105")
        assert (projection.last_station, projection.next_station, projection.leg) == ("START", "R1", 1)
        assert projection.departed_ms == 0
        assert projection.projected_ms == 20 * MIN and projection.pace_ms_per_km == 240_000

    def test_with_an_even_count_the_median_is_halfway(self):
        teams = [team("101", R1=18), team("102", R1=20), team("105")]
        assert project_arrivals(COURSE, teams)[-1].projected_ms == 19 * MIN

    def test_before_any_team_reaches_the_first_station_there_is_no_projection(self):
        projections = project_arrivals(COURSE, [team("101"), team("102")])
        assert [(p.bib, p.next_station, p.projected_ms) for p in projections] == [
            ("101", "R1", None),
            ("102", "R1", None),
        ]
        assert due_at(projections, "R1") == []


class TestWhoIsStillOut:
    def test_teams_ruled_out_finished_or_in_a_closed_race_are_not_projected(self):
        teams = [
            team("101", "DQ", R1=20),
            team("102", "DNS"),
            team("103", "DNF", R1=22),
            team("104", R1=20, CP=30, R2=40, FINISH=60),
            team("105", R1=21),
        ]
        assert [p.bib for p in project_arrivals(COURSE, teams)] == ["105"]
        closed = Course(COURSE.gun_ms, COURSE.stations, {}, closed=True)
        assert project_arrivals(closed, teams) == []


class TestOverdue:
    def test_overdue_once_past_the_projection_by_more_than_the_margin(self):
        projection = only(project_arrivals(COURSE, [team("101", R1=20)]))  # due at CP at 30
        margin = 10 * MIN
        assert overdue_ms(projection, now_ms=39 * MIN, margin_ms=margin) is None
        assert overdue_ms(projection, now_ms=40 * MIN, margin_ms=margin) is None
        assert overdue_ms(projection, now_ms=40 * MIN + 1, margin_ms=margin) == 10 * MIN + 1
        assert overdue_ms(projection, now_ms=47 * MIN, margin_ms=margin) == 17 * MIN

    def test_no_projection_is_never_overdue(self):
        projection = only(project_arrivals(COURSE, [team("101")]))
        assert overdue_ms(projection, now_ms=600 * MIN, margin_ms=0) is None


class TestNextIn:
    def test_the_soonest_first_and_a_tie_by_bib(self):
        teams = [team("110", R1=22), team("9", R1=20), team("12", R1=20), team("101", R1=18, CP=27)]
        projections = project_arrivals(COURSE, teams)
        # 9 and 12: 4 min/km, due at 30; 110: 4:24 min/km, due at 33; 101 is due at R2.
        assert [(p.bib, p.projected_ms) for p in due_at(projections, "CP")] == [
            ("9", 30 * MIN),
            ("12", 30 * MIN),
            ("110", 33 * MIN),
        ]

    def test_the_runner_waiting_is_of_the_leg_that_starts_there(self):
        assert [COURSE.leg_leaving(s.code) for s in COURSE.stations] == [1, 2, None, 3, None]


class TestStationBoards:
    # R1: 101 at 15 (K(R1) = 35), 102 at 40 and carried over, 103 DQ at 12; 104 has no time.
    # R2: 101 at 38 (cumulative 38), nobody else: K(R2) = 58.
    COURSE = Course(COURSE.gun_ms, COURSE.stations, {"R1": 35 * MIN, "R2": 58 * MIN})
    TEAMS = [
        team("101", R1=15, CP=27, R2=38),
        TeamTimes("102", None, {"R1": 40 * MIN}, {"R1": 40 * MIN}),
        team("103", "DQ", R1=12),
        team("104"),
    ]

    def boards(self):
        course = self.COURSE
        return {
            board.code: board
            for board in station_boards(course, self.TEAMS, project_arrivals(course, self.TEAMS))
        }

    def test_through_expected_leader_and_last_per_station(self):
        boards = self.boards()
        r1 = boards["R1"]
        assert (r1.through, r1.expected) == (2, 1)  # the DQ team counts neither way
        assert r1.leader == Passing("101", 15 * MIN, 15 * MIN)
        assert r1.last == Passing("102", 40 * MIN, 40 * MIN)
        # 104 has no time: the median of 15 and 40 (27:30) takes it to R1.
        assert [(p.bib, p.projected_ms) for p in r1.next_in] == [("104", 27 * MIN + 30_000)]
        r2 = boards["R2"]
        assert (r2.through, r2.expected) == (1, 2)
        assert r2.leader == r2.last == Passing("101", 38 * MIN, 38 * MIN)
        finish = boards["FINISH"]
        assert (finish.through, finish.expected, finish.leader) == (0, 3, None)

    def test_the_carry_over_time_and_the_teams_it_will_catch(self):
        r2 = self.boards()["R2"].carry_over
        assert (r2.cutoff_ms, r2.k_ms) == (CUTOFF, 58 * MIN)
        # 102 left R1 at K = 35 at 8 min/km: due at CP at 55, not yet at R2, so no projection
        # there; 104 is not past R1.
        assert r2.at_risk == (AtRisk("102", None, False), AtRisk("104", None, False))
        assert self.boards()["CP"].carry_over is None and self.boards()["FINISH"].carry_over is None

    def test_a_team_due_after_k_is_marked_late(self):
        # 102 in at CP at 56 (cumulative 61 with its 5 lost minutes at R1), 7.5 km: 2.5 km more
        # take 20:20, due at R2 at 76:20, after K(R2) = 58.
        teams = [
            *self.TEAMS[:1],
            TeamTimes("102", None, {"R1": 40 * MIN, "CP": 56 * MIN}, {"R1": 40 * MIN, "CP": 61 * MIN}),
        ]
        boards = station_boards(self.COURSE, teams, project_arrivals(self.COURSE, teams))
        r2 = next(b for b in boards if b.code == "R2").carry_over
        assert r2.at_risk == (AtRisk("102", 76 * MIN + 20_000, True),)

    def test_before_the_first_team_is_through_k_is_unknown(self):
        course = Course(COURSE.gun_ms, COURSE.stations, {})
        teams = [team("101")]
        r1 = station_boards(course, teams, project_arrivals(course, teams))[0]
        assert r1.carry_over.k_ms is None and r1.carry_over.cutoff_ms == CUTOFF
        assert r1.due_without_projection == 1 and r1.next_in == ()
