"""Race control's view of the course: per station, who is through, who is still expected, the
leader and the last team through, the carry-over time and the teams it will catch.

Pure, like the engine and the projections it reads: plain data in, plain data out, no clock.
Anything that depends on "now" (a countdown, an overdue flag) is worked out by the reader.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from results.standings.engine import natural_bib_order
from results.standings.projections import Course, Projection, TeamTimes, due_at
from results.standings.race_results import RaceResults

#: Out of the competition (rule 2): neither sets K(s) nor counts as through.
OUT_OF_COMPETITION = frozenset({"DQ", "DNS"})
#: How many teams a station's "next in" list shows.
NEXT_IN = 10


@dataclass(frozen=True, slots=True)
class Passing:
    bib: str
    at_ms: int
    #: Rule 4's cumulative time there; None if the standings do not have it yet.
    cumulative_ms: int | None


@dataclass(frozen=True, slots=True)
class AtRisk:
    """A team still expected at a carry-over station: carried over if not in by K(s)."""

    bib: str
    #: When it is due there; None while its next station is an earlier one (or it has no pace).
    projected_ms: int | None
    #: Projected to arrive after K(s).
    late: bool


@dataclass(frozen=True, slots=True)
class CarryOver:
    cutoff_ms: int
    #: K(s), epoch ms; None until the first team is through.
    k_ms: int | None
    #: The teams still expected there (only once K(s) is known), the latest last.
    at_risk: tuple[AtRisk, ...]


@dataclass(frozen=True, slots=True)
class StationBoard:
    code: str
    #: Teams in competition (not DQ/DNS) with a time here.
    through: int
    #: Teams still out that have not reached this station.
    expected: int
    #: The best cumulative time here (rule 7's first place), and the last team in.
    leader: Passing | None
    last: Passing | None
    carry_over: CarryOver | None
    #: The next teams due here, soonest first, and how many more are due with no projection.
    next_in: tuple[Projection, ...]
    due_without_projection: int


def station_boards(
    course: Course, teams: Iterable[TeamTimes], projections: Iterable[Projection], *, next_in: int = NEXT_IN
) -> list[StationBoard]:
    """One board per station after the start, in course order."""
    teams = [team for team in teams if team.official_status not in OUT_OF_COMPETITION]
    projections = list(projections)
    furthest = {p.bib: course.index(p.last_station) for p in projections}
    boards = []
    for i, station in enumerate(course.stations[1:], start=1):
        code = station.code
        passings = [
            Passing(team.bib, team.arrivals[code], team.cumulative.get(code))
            for team in teams
            if code in team.arrivals
        ]
        expected = [p for p in projections if furthest[p.bib] < i]
        due = due_at(projections, code)
        boards.append(
            StationBoard(
                code=code,
                through=len(passings),
                expected=len(expected),
                leader=min(passings, key=_leading, default=None),
                last=max(passings, key=lambda p: (p.at_ms, natural_bib_order(p.bib)), default=None),
                carry_over=_carry_over(course, i, expected),
                next_in=tuple(due[:next_in]),
                due_without_projection=sum(
                    1 for p in projections if p.next_station == code and p.projected_ms is None
                ),
            )
        )
    return boards


def _leading(passing: Passing) -> tuple:
    unknown = passing.cumulative_ms is None
    return (unknown, passing.cumulative_ms or 0, passing.at_ms, natural_bib_order(passing.bib))


def _carry_over(course: Course, i: int, expected: list[Projection]) -> CarryOver | None:
    station = course.stations[i]
    if station.cutoff_ms is None or not course.is_handoff(i) or i == len(course.stations) - 1:
        return None
    k = course.carry_over_ms.get(station.code)
    if k is None:
        return CarryOver(cutoff_ms=station.cutoff_ms, k_ms=None, at_risk=())
    at_risk = [
        AtRisk(
            bib=p.bib,
            projected_ms=p.projected_ms if p.next_station == station.code else None,
            late=p.next_station == station.code and p.projected_ms is not None and p.projected_ms > k,
        )
        for p in expected
    ]
    at_risk.sort(key=lambda r: (r.projected_ms is None, r.projected_ms or 0, natural_bib_order(r.bib)))
    return CarryOver(cutoff_ms=station.cutoff_ms, k_ms=k, at_risk=tuple(at_risk))


def places_at(
    results: RaceResults, wanted: Iterable[tuple[str, str]]
) -> dict[str, tuple[int | None, int | None]]:
    """Each wanted team's place at its station, overall (rule 7's station rank) and within its
    category (the same rule among the teams of its category), by bib: (None, None) where it has
    no place there. One pass over the teams for all of them: the announcer asks for ten at a
    time, and a 25,000-team race is long to walk."""
    column = {code: i for i, code in enumerate(results.stations[1:])}
    places: dict[str, tuple[int | None, int | None]] = {}
    asked = []  # (bib, category, station's column, cumulative time there)
    for bib, station in wanted:
        team = results.team(bib)
        places[bib] = (None, None)
        if team is None or station not in column:
            continue
        here = team.stations[column[station]]
        if here.rank is not None and here.cumulative_ms is not None:
            places[bib] = (here.rank, None)
            asked.append((bib, team.category, column[station], here.cumulative_ms))
    columns: dict[str, set[int]] = defaultdict(set)
    for _bib, category, i, _ms in asked:
        columns[category].add(i)
    placed: dict[tuple[str, int], list[int]] = defaultdict(list)
    for other in results.teams:
        for i in columns.get(other.category, ()):
            split = other.stations[i]
            if split.rank is not None and split.cumulative_ms is not None:
                placed[other.category, i].append(split.cumulative_ms)
    for times in placed.values():
        times.sort()
    for bib, category, i, cumulative_ms in asked:
        places[bib] = (places[bib][0], bisect_left(placed[category, i], cumulative_ms) + 1)
    return places
