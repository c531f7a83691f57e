"""One team's race as its runners' families follow it, read from the cached standings.

Pure functions over the typed results (results/standings/race_results.py) and the course: no
ORM and no clock. What the standings engine does not give directly is worked out here, once,
for the team page: a runner's place in the category on the leg, the pace per kilometre, and the
gaps to the leader and to the team just ahead at each station.
"""

from dataclasses import dataclass
from decimal import Decimal

from results.standings.display import displayed_gap, gap_behind
from results.standings.engine import StationResult
from results.standings.leg_honours import CourseRecords, LegHonours, category_leg_places, leg_honours
from results.standings.race_results import RaceResults, RunnerLeg, TeamResults


@dataclass(frozen=True)
class CourseStation:
    code: str
    name: str
    km: Decimal


@dataclass(frozen=True)
class CourseLeg:
    number: int
    start: str
    end: str
    km: Decimal


@dataclass(frozen=True)
class LegProgress:
    leg: int
    runner: str
    start: str
    end: str
    km: Decimal | None
    time_ms: int | None
    kuriage: bool
    rank: int | None
    category_rank: int | None
    pace_ms_per_km: int | None
    #: 区間賞: the day's fastest on the leg, of all teams.
    leg_winner: bool = False
    #: 区間新: faster than the leg's record (the race file's).
    new_record: bool = False


@dataclass(frozen=True)
class TeamAhead:
    bib: str
    name: str
    gap_ms: int


@dataclass(frozen=True)
class StationProgress:
    code: str
    name: str
    km: Decimal | None
    cumulative_ms: int | None
    rank: int | None
    #: How many teams have a place at this station: the chart's scale.
    ranked: int
    leader_gap_ms: int | None
    ahead: TeamAhead | None


@dataclass(frozen=True)
class TeamProgress:
    standing: TeamResults
    legs: list[LegProgress]
    stations: list[StationProgress]

    @property
    def latest(self) -> StationProgress | None:
        """The furthest station where the team has a place: where the gaps mean something now."""
        placed = [s for s in self.stations if s.rank is not None]
        return placed[-1] if placed else None

    @property
    def has_kuriage(self) -> bool:
        return any(leg.kuriage for leg in self.legs)

    @property
    def field_size(self) -> int:
        return max((s.ranked for s in self.stations), default=0)


def team_progress(
    results: RaceResults,
    bib: str,
    course: list[CourseStation],
    legs: list[CourseLeg],
    records: CourseRecords | None = None,
) -> TeamProgress | None:
    """The team's legs and stations with places and gaps; None if the results do not have it."""
    team = results.team(bib)
    if team is None:
        return None
    category_places = category_leg_places(t for t in results.teams if t.category == team.category)
    honours = leg_honours(results.teams, records)
    course_legs = {leg.number: leg for leg in legs}
    stations = {s.code: s for s in course}
    return TeamProgress(
        standing=team,
        legs=[
            _leg_result(team, leg, course_legs.get(leg.number), category_places, honours) for leg in team.legs
        ],
        stations=[
            _station_result(i, split, stations.get(split.station), results.teams)
            for i, split in enumerate(team.stations)
        ],
    )


def _leg_result(
    team: TeamResults,
    leg: RunnerLeg,
    course: CourseLeg | None,
    category_places: dict[tuple[str, int], int],
    honours: LegHonours,
) -> LegProgress:
    km = course.km if course is not None else None
    return LegProgress(
        leg=leg.number,
        runner=leg.runner or "",
        start=course.start if course else "",
        end=course.end if course else "",
        km=km,
        time_ms=leg.time_ms,
        kuriage=leg.kuriage,
        rank=leg.rank,
        category_rank=category_places.get((team.bib, leg.number)),
        pace_ms_per_km=pace_ms_per_km(leg.time_ms, km),
        leg_winner=honours.leg_winner(team, leg.number),
        new_record=honours.new_leg_record(team, leg.number),
    )


def pace_ms_per_km(time_ms: int | None, km: Decimal | None) -> int | None:
    if time_ms is None or not km:
        return None
    return int(Decimal(time_ms) / km)


def _station_result(
    index: int, split: StationResult, station: CourseStation | None, teams: tuple[TeamResults, ...]
) -> StationProgress:
    """`index`: the station's place in every team's list (the results list them in course order)."""
    code = split.station
    mine = split.cumulative_ms
    placed = []
    for other in teams:
        theirs = other.stations[index]
        if theirs.rank is not None and theirs.cumulative_ms is not None:
            placed.append((theirs.cumulative_ms, other))
    leader_gap = ahead = None
    if split.rank is not None and mine is not None and placed:
        leader_gap = gap_behind(mine, min(ms for ms, _team in placed))
        in_front = [(ms, other) for ms, other in placed if ms < mine]
        if in_front:
            ms, other = max(in_front, key=lambda pair: pair[0])
            ahead = TeamAhead(other.bib, other.name, displayed_gap(mine, ms))
    return StationProgress(
        code=code,
        name=station.name if station else code,
        km=station.km if station else None,
        cumulative_ms=mine,
        rank=split.rank,
        ranked=len(placed),
        leader_gap_ms=leader_gap,
        ahead=ahead,
    )
