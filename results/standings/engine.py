"""The standings engine: a team's timing records in, ranked standings out.

This module is pure on purpose (stdlib only, no ORM, no clock) so that it can be
property-tested against a slow reference and benchmarked on its own. Everything that
knows about the database adapts to these dataclasses. The rules it implements are
docs/commands.md, "Standings rules"; the rule numbers below refer to that section.

Times are integer epoch milliseconds in, integer milliseconds out.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from enum import StrEnum
from itertools import repeat


class Status(StrEnum):
    """A team's status in the standings (rule 6), spelt as the exports spell it.

    The one list of statuses: the typed results, the pages, the PDFs and the export schema use
    it. Their labels for people are in results/standings/display.py (translated; this module
    stays pure).
    """

    FIN = "FIN"
    RUN = "RUN"
    DNF = "DNF"
    DNS = "DNS"
    DQ = "DQ"


#: What an official may set on a team; it wins over the derived status (rule 6).
OFFICIAL_STATUSES = frozenset({Status.DQ, Status.DNS, Status.DNF})

#: Out of the competition: such a team neither sets the carry-over time (rule 2)
#: nor takes a leg or station place (rule 7), though its times are still worked out.
_OUT_OF_COMPETITION = frozenset({Status.DQ, Status.DNS})


@dataclass(frozen=True, slots=True)
class StationSpec:
    code: str
    #: Start and finish are always handoff points, whatever this says.
    handoff: bool
    #: Carry-over (kuriage) cutoff here, already resolved (station's own, else the race's).
    #: None = no carry-over start at this station.
    cutoff_ms: int | None


@dataclass(frozen=True, slots=True)
class Split:
    """One timing record as the engine sees it."""

    station: str
    at_ms: int
    voided: bool = False


@dataclass(frozen=True, slots=True)
class TeamEntry:
    key: int
    bib: str
    category: str
    #: "DQ", "DNS" or "DNF" set by an official (a Status or its text), or None for the
    #: derived status.
    official_status: str | None
    splits: tuple[Split, ...]


@dataclass(frozen=True, slots=True)
class Course:
    gun_ms: int
    #: Course order: the first is the start, the last the finish.
    stations: tuple[StationSpec, ...]
    #: Once the race is closed, teams still out are DNF rather than RUN.
    closed: bool


@dataclass(frozen=True, slots=True)
class LegResult:
    leg: int
    time_ms: int | None
    rank: int | None
    #: This leg started at the carry-over time, not at the tasuki handoff.
    kuriage: bool


@dataclass(frozen=True, slots=True)
class StationResult:
    station: str
    cumulative_ms: int | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class TeamStanding:
    key: int
    bib: str
    category: str
    status: Status
    total_ms: int | None
    rank: int | None
    category_rank: int | None
    #: One per leg.
    legs: tuple[LegResult, ...]
    #: One per station after the start, checkpoints included.
    stations: tuple[StationResult, ...]


@dataclass(frozen=True, slots=True)
class Standings:
    #: In listing order (rule 8).
    teams: tuple[TeamStanding, ...]
    #: K(s), epoch ms, for every handoff station where a carry-over time could be computed.
    carry_over_ms: dict[str, int]


def compute_standings(course: Course, teams: Iterable[TeamEntry]) -> Standings:
    """The standings of a race from its course and every team's records."""
    with without_cyclic_gc():
        return _compute(course, list(teams))


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while many result objects are made.

    A full recompute of a 25,000-team race allocates some 300,000 result objects. Left on, the
    collector would sweep the caller's whole heap several times over meanwhile, for garbage that
    cannot arise here: that nearly tripled the run time. The typed results are built (and
    unpickled) under it too.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _compute(course: Course, entries: list[TeamEntry]) -> Standings:
    specs = course.stations
    if len(specs) < 2:
        raise ValueError("A course needs at least a start and a finish station.")
    if len({spec.code for spec in specs}) != len(specs):
        raise ValueError("Station codes on a course must be unique.")
    finish = len(specs) - 1
    handoff = _handoff_points(specs)

    # The work goes column by column (one list per station or leg, one slot per
    # team), so that each rule is one short loop over all teams.
    arrivals, started = _effective_times(specs, entries)
    statuses = _statuses(entries, arrivals[finish], started, course.closed)
    out_of_competition = [t for t, status in enumerate(statuses) if status in _OUT_OF_COMPETITION]
    carry_over = _carry_over_times(specs, handoff, arrivals, out_of_competition)
    leg_columns, kuriage_columns, cumulative_columns = _legs_and_cumulative_times(
        course.gun_ms, handoff, arrivals, carry_over
    )
    totals = cumulative_columns[-1]

    # Rule 7: places on exact milliseconds; overall and in the category for FIN only.
    unfinished = [t for t, status in enumerate(statuses) if status != Status.FIN]
    categories = [team.category for team in entries]
    finishers_by_category: dict[str, list[int]] = {}
    for category, total, status in zip(categories, totals, statuses, strict=True):
        if status == Status.FIN:
            finishers_by_category.setdefault(category, []).append(total)
    category_places = {category: _first_places(times) for category, times in finishers_by_category.items()}
    team_count = len(entries)
    legs_by_team = zip(
        *(
            build_frozen(
                LegResult,
                team_count,
                leg=repeat(number),
                time_ms=column,
                rank=_placed(column, out_of_competition),
                kuriage=kuriage,
            )
            for number, column, kuriage in zip(
                range(1, len(leg_columns) + 1), leg_columns, kuriage_columns, strict=True
            )
        ),
        strict=True,
    )
    stations_by_team = zip(
        *(
            build_frozen(
                StationResult,
                team_count,
                station=repeat(spec.code),
                cumulative_ms=column,
                rank=_placed(column, out_of_competition),
            )
            for spec, column in zip(specs[1:], cumulative_columns, strict=True)
        ),
        strict=True,
    )
    results = build_frozen(
        TeamStanding,
        team_count,
        key=[team.key for team in entries],
        bib=[team.bib for team in entries],
        category=categories,
        status=statuses,
        total_ms=totals,
        rank=_placed(totals, unfinished),
        category_rank=[
            category_places[category][total] if status == Status.FIN else None
            for category, total, status in zip(categories, totals, statuses, strict=True)
        ],
        legs=legs_by_team,
        stations=stations_by_team,
    )
    order = _listing_order(entries, statuses, cumulative_columns)
    return Standings(
        teams=tuple(map(results.__getitem__, order)),
        carry_over_ms={specs[i].code: k for i, k in carry_over.items()},
    )


def carry_over_times(course: Course, teams: Iterable[TeamEntry]) -> dict[str, int]:
    """Rule 2 alone: K(s), epoch ms, by station code, without ranking anyone.

    For readers that judge where a leg really started (the officials' anomaly list): a runner
    sent off at the cutoff must not look as if they ran their leg in no time. The same
    functions as `compute_standings`, so the rule is written once.
    """
    entries = list(teams)
    specs = course.stations
    finish = len(specs) - 1
    handoff = _handoff_points(specs)
    arrivals, started = _effective_times(specs, entries)
    statuses = _statuses(entries, arrivals[finish], started, course.closed)
    out_of_competition = [t for t, status in enumerate(statuses) if status in _OUT_OF_COMPETITION]
    carry_over = _carry_over_times(specs, handoff, arrivals, out_of_competition)
    return {specs[i].code: k for i, k in carry_over.items()}


def _handoff_points(specs: tuple[StationSpec, ...]) -> list[bool]:
    """Whether each station is a handoff point, where one leg ends and the next starts.

    The start and the finish always are, whatever their spec says: the course's own rule
    (races.course.handoff_points), read here again because this module imports nothing of the project.
    """
    finish = len(specs) - 1
    return [spec.handoff or i in (0, finish) for i, spec in enumerate(specs)]


def _effective_times(
    specs: tuple[StationSpec, ...], entries: list[TeamEntry]
) -> tuple[list[list[int | None]], list[bool]]:
    """T(s) per station and team: the earliest record that is not voided; and whether
    the team has any record on the course at all.

    A record at the start times nothing (every team starts at the gun) but shows that
    the team started. A record at a station the course does not have is ignored.
    """
    index = {spec.code: i for i, spec in enumerate(specs)}
    team_count = len(entries)
    arrivals: list[list[int | None]] = [[None] * team_count for _ in specs]
    started = [False] * team_count
    for t, team in enumerate(entries):
        for split in team.splits:
            if split.voided:
                continue
            i = index.get(split.station)
            if i is None:
                continue
            started[t] = True
            column = arrivals[i]
            current = column[t]
            if current is None or split.at_ms < current:
                column[t] = split.at_ms
    return arrivals, started


def _statuses(
    entries: list[TeamEntry], finished_at: list[int | None], started: list[bool], closed: bool
) -> list[Status]:
    """Rule 6: an official's status wins; otherwise the records tell."""
    still_out = Status.DNF if closed else Status.RUN
    statuses = []
    for team, finish_time, has_record in zip(entries, finished_at, started, strict=True):
        official = team.official_status
        if official is None:
            if finish_time is not None:
                status = Status.FIN
            elif has_record:
                status = still_out
            else:
                status = Status.DNS
        elif official in OFFICIAL_STATUSES:
            status = Status(official)
        else:
            raise ValueError(f"Team {team.bib}: unknown official status {official!r}.")
        statuses.append(status)
    return statuses


def _carry_over_times(
    specs: tuple[StationSpec, ...],
    handoff: list[bool],
    arrivals: list[list[int | None]],
    out_of_competition: list[int],
) -> dict[int, int]:
    """Rule 2: K(s) by station position, where a next runner waits (so not at the start
    nor the finish) and a cutoff is set.

    Only teams in competition count: a disqualified team that came through first does
    not hold the other teams' runners back.
    """
    carry_over = {}
    for i in range(1, len(specs) - 1):
        cutoff = specs[i].cutoff_ms
        if handoff[i] and cutoff is not None:
            arrived = _known(arrivals[i], out_of_competition)
            if arrived:
                carry_over[i] = min(arrived) + cutoff
    return carry_over


def _legs_and_cumulative_times(
    gun: int,
    handoff: list[bool],
    arrivals: list[list[int | None]],
    carry_over: dict[int, int],
) -> tuple[list[list[int | None]], list[list[bool]], list[list[int | None]]]:
    """Rules 1, 3, 4: leg times, kuriage flags per leg, cumulative times per station
    after the start.

    A team carried over at r keeps its runner's full leg time; its next leg starts at
    K(r), and the T(r) - K(r) it lost there stays in every later cumulative time. With
    no T(r) there is no carry-over, and the next leg's start is unknown.
    """
    team_count = len(arrivals[0])
    not_carried = [False] * team_count
    leg_start: list[int | None] = [gun] * team_count
    lost = [0] * team_count
    leg_columns: list[list[int | None]] = []
    kuriage_columns = [not_carried]
    cumulative_columns: list[list[int | None]] = []
    finish = len(arrivals) - 1
    for i in range(1, finish + 1):
        column = arrivals[i]
        cumulative_columns.append(
            [None if at is None else at - gun + gap for at, gap in zip(column, lost, strict=True)]
        )
        if not handoff[i]:
            continue
        leg_columns.append(
            [
                None if at is None or start is None else at - start
                for at, start in zip(column, leg_start, strict=True)
            ]
        )
        if i == finish:
            break
        if i in carry_over:
            k = carry_over[i]
            late = [at is not None and at > k for at in column]
            lost = [
                gap + at - k if is_late else gap for gap, at, is_late in zip(lost, column, late, strict=True)
            ]
            leg_start = [k if is_late else at for at, is_late in zip(column, late, strict=True)]
            kuriage_columns.append(late)
        else:
            leg_start = column
            kuriage_columns.append(not_carried)
    return leg_columns, kuriage_columns, cumulative_columns


def _listing_order(
    entries: list[TeamEntry], statuses: list[Status], cumulative_columns: list[list[int | None]]
) -> list[int]:
    """Rule 8: finishers by place; then the teams still out (or given up) by the
    furthest station they reached and their time there; then DQ and DNS teams
    together. The bib breaks what is left of a tie."""
    totals = cumulative_columns[-1]
    keys = []
    for t, (team, status) in enumerate(zip(entries, statuses, strict=True)):
        if status == Status.FIN:
            place = (0, 0, totals[t])
        elif status in _OUT_OF_COMPETITION:
            place = (2, 0, 0)
        else:
            reached = len(cumulative_columns)
            while reached and cumulative_columns[reached - 1][t] is None:
                reached -= 1
            place = (1, -reached, cumulative_columns[reached - 1][t] if reached else 0)
        keys.append((*place, natural_bib_order(team.bib), team.key))
    return sorted(range(len(entries)), key=keys.__getitem__)


def _known(column: list[int | None], excluded: list[int]) -> list[int]:
    """The known times of a column, leaving out the teams at the given positions."""
    if excluded:
        column = column.copy()
        for t in excluded:
            column[t] = None
    return [time for time in column if time is not None]


def _placed(column: list[int | None], excluded: list[int]) -> list[int | None]:
    """Each team's place in a column of times (1, 2, 2, 4 on exact milliseconds).

    Unknown times, and the teams at the excluded positions, get no place.
    """
    first_places = _first_places(_known(column, excluded))
    places = list(map(first_places.get, column))  # get(None) is None: unknown, no place
    for t in excluded:
        places[t] = None
    return places


def _first_places(times: list[int]) -> dict[int, int]:
    """Place of each time: equal times share the best place and the next is skipped."""
    times.sort()
    # Walking backwards, an earlier position of the same time overwrites a later one.
    return dict(zip(reversed(times), range(len(times), 0, -1), strict=True))


def natural_bib_order(bib: str) -> tuple[int, int, str]:
    """Bibs compare naturally: all-digit bibs by number ("99" before "100"), then the rest.

    The one bib order: the listing's tie-break here (rule 8), and every page that sorts or
    lists by bib (through results/standings/display.py).
    """
    if bib.isascii() and bib.isdigit():
        return (0, int(bib), bib)
    return (1, 0, bib)


def build_frozen(cls: type, count: int, **columns: Iterable) -> list:
    """`count` instances of a frozen, slotted dataclass, given field by field.

    The same objects as `cls(...)`, built at C speed: a full recompute of a
    25,000-team race makes some 300,000 of them, and the frozen `__init__` (one
    `object.__setattr__` per field) took over half of the engine's time. The typed
    results (results/standings/race_results.py) are built the same way.
    """
    names = [field.name for field in fields(cls)]
    if sorted(names) != sorted(columns):
        raise TypeError(f"{cls.__name__} needs exactly the fields {names}.")
    instances = list(map(object.__new__, repeat(cls, count)))
    for name in names:
        # Writing through the slot's own descriptor skips the frozen __setattr__ guard.
        deque(map(getattr(cls, name).__set__, instances, columns[name]), maxlen=0)
    return instances
