"""Projected arrivals: when each team still out is due at its next station.

One function computes them for every page that shows them (race control, the announcer, the
station keypad). Pure, like the engine: plain data in, plain data out, no ORM and no clock;
"now" is a parameter of what depends on it (`overdue_ms`).

For a team still out, its next station is the one after the furthest station it has a time at
(checkpoints count). It left its last station at T(last), or at K(last) if it was carried over
there (standings rule 2: the next runner was sent off at K). From there it is expected to run at
its pace so far: its cumulative time at the last station (rule 4, which is the sum of its legs,
so a carried-over team's running time) over the distance covered. A team with no time yet runs
at the median pace of the teams that have reached the first station after the start; before
any has, nobody knows, and the team has no projection rather than an invented one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from typing import NamedTuple

from results.standings.engine import natural_bib_order

#: Set by an official: out of the race, never expected anywhere.
NOT_EXPECTED = frozenset({"DQ", "DNS", "DNF"})


@dataclass(frozen=True, slots=True)
class CourseStation:
    code: str
    #: Distance from the start, in metres.
    metres: int
    #: A handoff point: start and finish are, whatever this says.
    handoff: bool
    #: The carry-over cutoff here, already resolved (the station's own, else the race's), ms;
    #: None: no carry-over start here.
    cutoff_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Course:
    gun_ms: int
    #: Course order: the first is the start, the last the finish.
    stations: tuple[CourseStation, ...]
    #: K(s), epoch ms, by station code, as the engine computes them (engine.carry_over_times).
    carry_over_ms: Mapping[str, int]
    #: A closed race has no team out: nobody is projected.
    closed: bool = False

    def index(self, code: str) -> int:
        return next(i for i, station in enumerate(self.stations) if station.code == code)

    def is_handoff(self, i: int) -> bool:
        return self.stations[i].handoff or i in (0, len(self.stations) - 1)

    def leg_arriving(self, i: int) -> int:
        """The leg being run on the way to the station at `i` (1 for the first station)."""
        return sum(1 for j in range(i) if self.is_handoff(j))

    def leg_leaving(self, code: str) -> int | None:
        """The leg that starts at this station (its runner waits there for the tasuki), or None
        at the finish and at a timing-only checkpoint."""
        i = self.index(code)
        if i == len(self.stations) - 1 or not self.is_handoff(i):
            return None
        return self.leg_arriving(i) + 1


@dataclass(frozen=True, slots=True)
class TeamTimes:
    bib: str
    #: "DQ", "DNS" or "DNF" set by an official, or None.
    official_status: str | None
    #: T(s): the team's effective time at each station it has one, epoch ms.
    arrivals: Mapping[str, int]
    #: Its cumulative time at those stations (rule 4), ms.
    cumulative: Mapping[str, int]


class Projection(NamedTuple):
    """One team's next arrival. A named tuple, not a dataclass: a 25,000-team race has as many,
    kept in the cache once per standings version, and tuples unpickle at C speed."""

    bib: str
    #: The furthest station the team has a time at (the start if none).
    last_station: str
    #: When its runner left there: T(last), K(last) if carried over there, the gun at the start.
    departed_ms: int
    carried_over: bool
    next_station: str
    #: The leg on the course now: its runner is the one due at the next station.
    leg: int
    #: Expected at the next station, epoch ms; None: no pace to go by yet.
    projected_ms: int | None
    #: The pace it was projected with, ms per km; None with no projection.
    pace_ms_per_km: int | None


def project_arrivals(course: Course, teams: Iterable[TeamTimes]) -> list[Projection]:
    """Every team still out (race open, no official's status, no finish time) with its next
    station and when it is due there, in the order given."""
    if course.closed:
        return []
    teams = list(teams)
    finish = len(course.stations) - 1
    first = course.stations[1].code
    first_times = [
        team.arrivals[first] - course.gun_ms
        for team in teams
        if first in team.arrivals and team.official_status not in ("DQ", "DNS")
    ]
    # Every team runs the first stretch from the gun: the median time there is the median pace.
    median_first_ms = round(median(first_times)) if first_times else None
    projections = []
    for team in teams:
        if team.official_status in NOT_EXPECTED:
            continue
        last = max((i for i in range(1, finish + 1) if course.stations[i].code in team.arrivals), default=0)
        if last == finish:
            continue
        projections.append(_projection(course, team, last, median_first_ms))
    return projections


def _projection(course: Course, team: TeamTimes, last: int, median_first_ms: int | None) -> Projection:
    here, there = course.stations[last], course.stations[last + 1]
    carried_over = False
    if last == 0:
        departed = course.gun_ms
        projected = None if median_first_ms is None else departed + median_first_ms
        pace = (
            None if median_first_ms is None or there.metres <= 0 else median_first_ms * 1000 // there.metres
        )
    else:
        departed = team.arrivals[here.code]
        k = course.carry_over_ms.get(here.code)
        if k is not None and course.is_handoff(last) and departed > k:
            departed, carried_over = k, True
        running = team.cumulative.get(here.code)
        if running is None or here.metres <= 0:
            projected = pace = None
        else:
            projected = departed + round(running * (there.metres - here.metres) / here.metres)
            pace = running * 1000 // here.metres
    return Projection(
        bib=team.bib,
        last_station=here.code,
        departed_ms=departed,
        carried_over=carried_over,
        next_station=there.code,
        leg=course.leg_arriving(last + 1),
        projected_ms=projected,
        pace_ms_per_km=pace,
    )


def overdue_ms(projection: Projection, *, now_ms: int, margin_ms: int) -> int | None:
    """How long past its projected arrival the team is, once that is more than the margin
    (Race.overdue_margin_minutes); None while it is not overdue or has no projection."""
    if projection.projected_ms is None:
        return None
    late = now_ms - projection.projected_ms
    return late if late > margin_ms else None


def due_at(projections: Iterable[Projection], station: str) -> list[Projection]:
    """The teams whose next station this is and that have a projection, soonest first (bib
    breaks ties, so the list does not shuffle between polls)."""
    return sorted(
        (p for p in projections if p.next_station == station and p.projected_ms is not None),
        key=lambda p: (p.projected_ms, natural_bib_order(p.bib)),
    )
