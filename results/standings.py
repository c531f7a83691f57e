"""The standings engine: a team's timing records in, ranked standings out.

This module is pure on purpose (stdlib only, no ORM, no clock) so that it can be
property-tested against a slow reference and benchmarked on its own. Everything that
knows about the database adapts to these dataclasses. The rules it implements are
DESIGN.md, "Standings rules"; the rule numbers below refer to that section.

Times are integer epoch milliseconds in, integer milliseconds out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

STATUS_FIN = "FIN"
STATUS_RUN = "RUN"
STATUS_DNF = "DNF"
STATUS_DNS = "DNS"
STATUS_DQ = "DQ"

#: What an official may set on a team; it wins over the derived status (rule 6).
OFFICIAL_STATUSES = frozenset({STATUS_DQ, STATUS_DNS, STATUS_DNF})

#: Teams that are out of the competition: they neither set the carry-over cutoff
#: (rule 2) nor take a leg or station place (rule 7).
UNRANKED_STATUSES = frozenset({STATUS_DQ, STATUS_DNS})


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
    #: "DQ", "DNS" or "DNF" set by an official, or None for the derived status.
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
    status: str
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


def bib_sort_key(bib: str) -> tuple[int, int, str]:
    """Bibs compare naturally: all-digit bibs by number ("99" before "100"), then the rest."""
    if bib.isascii() and bib.isdigit():
        return (0, int(bib), bib)
    return (1, 0, bib)


def _places(times: list[int]) -> dict[int, int]:
    """Competition places on exact milliseconds: equal times share the best place (rule 7)."""
    times.sort()
    # Walking backwards, an earlier position of the same time overwrites a later one.
    return dict(zip(reversed(times), range(len(times), 0, -1)))


def compute_standings(course: Course, teams: Iterable[TeamEntry]) -> Standings:
    specs = course.stations
    station_count = len(specs)
    if station_count < 2:
        raise ValueError("A course needs at least a start and a finish station.")
    index = {spec.code: i for i, spec in enumerate(specs)}
    if len(index) != station_count:
        raise ValueError("Station codes on a course must be unique.")
    finish = station_count - 1
    gun = course.gun_ms
    closed = course.closed

    # Legs run between consecutive handoff points; start and finish always are ones.
    handoffs = [i for i, spec in enumerate(specs) if spec.handoff or i == 0 or i == finish]
    leg_count = len(handoffs) - 1
    leg_ending_at = [-1] * station_count
    for leg, station in enumerate(handoffs[1:]):
        leg_ending_at[station] = leg
    # Carry-over starts happen only where a next runner waits: never at start or finish.
    cutoffs = [
        (i, specs[i].cutoff_ms) for i in handoffs[1:-1] if specs[i].cutoff_ms is not None
    ]

    # Pass 1: effective time T(s) per station, the status, and the earliest arrival of
    # the teams still in competition at each carry-over station.
    entries = list(teams)
    arrivals: list[list[int | None]] = []
    statuses: list[str] = []
    earliest: dict[int, int] = {}
    for team in entries:
        times: list[int | None] = [None] * station_count
        has_record = False
        for split in team.splits:
            if split.voided:
                continue
            i = index.get(split.station)
            if i is None:
                continue
            has_record = True
            at = split.at_ms
            current = times[i]
            if current is None or at < current:
                times[i] = at
        status = team.official_status
        if status is None:
            if times[finish] is not None:
                status = STATUS_FIN
            elif not has_record:
                status = STATUS_DNS
            else:
                status = STATUS_DNF if closed else STATUS_RUN
        elif status not in OFFICIAL_STATUSES:
            raise ValueError(f"Team {team.bib}: unknown official status {status!r}.")
        if status not in UNRANKED_STATUSES:
            # A disqualified team that was fastest does not hold the others' runners back.
            for i, _ in cutoffs:
                at = times[i]
                if at is not None and (i not in earliest or at < earliest[i]):
                    earliest[i] = at
        arrivals.append(times)
        statuses.append(status)

    carry_over: list[int | None] = [None] * station_count
    for i, cutoff in cutoffs:
        if i in earliest:
            carry_over[i] = earliest[i] + cutoff

    # Pass 2: legs and cumulative times. A team carried over at r keeps its runner's
    # full leg time, and its next leg starts at K(r); the T(r) - K(r) it lost there
    # stays in every later cumulative time (rules 1-5).
    plan = [(i, leg_ending_at[i], carry_over[i]) for i in range(1, station_count)]
    all_legs: list[list[int | None]] = []
    all_cumulative: list[list[int | None]] = []
    all_kuriage: list[list[bool]] = []
    for times in arrivals:
        legs: list[int | None] = [None] * leg_count
        kuriage = [False] * leg_count
        cumulative: list[int | None] = []
        gap = 0
        leg_start: int | None = gun
        for i, leg, cutoff_at in plan:
            at = times[i]
            cumulative.append(None if at is None else at - gun + gap)
            if leg < 0:
                continue
            if at is not None and leg_start is not None:
                legs[leg] = at - leg_start
            if cutoff_at is not None and at is not None and at > cutoff_at:
                leg_start = cutoff_at
                gap += at - cutoff_at
                kuriage[leg + 1] = True
            else:
                leg_start = at
        all_legs.append(legs)
        all_cumulative.append(cumulative)
        all_kuriage.append(kuriage)

    # Places (rule 7).
    team_count = len(entries)
    ranked = [status not in UNRANKED_STATUSES for status in statuses]
    finished = [status == STATUS_FIN for status in statuses]
    leg_places = [
        _places(
            [
                legs[leg]
                for legs, ok in zip(all_legs, ranked)
                if ok and legs[leg] is not None
            ]
        )
        for leg in range(leg_count)
    ]
    station_places = [
        _places(
            [
                cumulative[i]
                for cumulative, ok in zip(all_cumulative, ranked)
                if ok and cumulative[i] is not None
            ]
        )
        for i in range(station_count - 1)
    ]
    totals = [cumulative[-1] for cumulative in all_cumulative]
    overall = _places([totals[t] for t in range(team_count) if finished[t]])
    by_category: dict[str, list[int]] = {}
    for t in range(team_count):
        if finished[t]:
            by_category.setdefault(entries[t].category, []).append(totals[t])
    category_places = {code: _places(times) for code, times in by_category.items()}

    # Pass 3: results, each with its listing key (rule 8).
    codes = [spec.code for spec in specs[1:]]
    leg_numbers = range(1, leg_count + 1)
    no_places = [{}] * max(leg_count, station_count)
    listed: list[tuple[tuple, TeamStanding]] = []
    for t, team in enumerate(entries):
        status = statuses[t]
        legs = all_legs[t]
        cumulative = all_cumulative[t]
        # An unknown time is never a key, so dict.get gives it no place.
        legs_places, stations_places = (
            (leg_places, station_places) if ranked[t] else (no_places, no_places)
        )
        leg_results = tuple(
            map(LegResult, leg_numbers, legs, map(dict.get, legs_places, legs), all_kuriage[t])
        )
        station_results = tuple(
            map(StationResult, codes, cumulative, map(dict.get, stations_places, cumulative))
        )
        total = totals[t]
        bib_key = bib_sort_key(team.bib)
        if status == STATUS_FIN:
            rank = overall[total]
            category_rank = category_places[team.category][total]
            listing_key = (0, rank, 0, bib_key, team.key)
        else:
            rank = category_rank = None
            if status in UNRANKED_STATUSES:
                listing_key = (2, 0, 0, bib_key, team.key)
            else:
                # Teams still out (or given up) by how far they got, then how fast.
                reached = finish
                while reached and cumulative[reached - 1] is None:
                    reached -= 1
                there = cumulative[reached - 1] if reached else 0
                listing_key = (1, -reached, there, bib_key, team.key)
        standing = TeamStanding(
            team.key,
            team.bib,
            team.category,
            status,
            total,
            rank,
            category_rank,
            leg_results,
            station_results,
        )
        listed.append((listing_key, standing))
    listed.sort(key=_listing_key)

    return Standings(
        teams=tuple(standing for _, standing in listed),
        carry_over_ms={
            specs[i].code: at for i, at in enumerate(carry_over) if at is not None
        },
    )


def _listing_key(item: tuple[tuple, TeamStanding]) -> tuple:
    return item[0]
