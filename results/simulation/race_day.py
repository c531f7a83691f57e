"""The simulated race day: who passes each station when, and what the mats and tablets record.

The race is run station by station. A runner's time over each stretch comes from their pace;
the reads of a passing are a chip's (to the millisecond), a tablet tap a beat later (a whole
second), or both, or, now and then, none. A late team's next runner leaves at the carry-over
time (kuriage) computed exactly as the standings rules compute it, from the recorded times, so
the recorded race is one that could have happened. Some teams are picked for a fate the rules
must handle: disqualified, withdrawn, never seen, given up, still out, tied to the millisecond.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from results.simulation.teams import FASTEST_PACE, SimulatedTeam

#: A passing a chip mat reads; without one, the official at the station taps it on a tablet.
CHIP_SHARE = 0.93
#: At a relay the official taps the teams the mat read too, as a check.
TABLET_CHECK_SHARE = 0.45
#: The mat reads a chip a second time a moment later.
CHIP_TWICE_SHARE = 0.03
#: The finish has the most eyes and a second mat: it misses a team this much less often.
FINISH_MISSES_LESS = 6


class Fate(StrEnum):
    """What a team was picked for; each one is a case the standings rules cover."""

    FINISHES = "finishes"
    SLOW = "slow"  # so far behind that it is carried over at every relay
    DISQUALIFIED = "dq"
    DISQUALIFIED_FIRST = "dq-first"  # disqualified, yet first at the first relay: sets no cutoff
    WITHDRAWN = "dns"  # an official says it did not start; no read
    NEVER_SEEN = "never-seen"  # no read and no status: the standings derive DNS
    GAVE_UP = "dnf"  # an official says it gave up; its reads stop midway
    STOPPED = "stopped"  # its reads stop midway and no one says why: running, while the race is open
    TWIN = "twin"  # the very same times as another team: an exact tie


#: Teams out of competition: they set no carry-over cutoff.
OUT_OF_COMPETITION = (Fate.DISQUALIFIED, Fate.DISQUALIFIED_FIRST, Fate.WITHDRAWN)
NO_READS = (Fate.WITHDRAWN, Fate.NEVER_SEEN, Fate.TWIN)


@dataclass(frozen=True)
class Read:
    """A read as a device records it: at the station of that index, of the runner of that leg
    (from 0), in milliseconds after the gun, by "chip" or "tablet"."""

    station: int
    leg: int
    at_ms: int
    by: str


class StatusDecision(NamedTuple):
    """What an official sets with `set_team_status`."""

    bib: str
    status: str
    reason: str


@dataclass(frozen=True)
class Course:
    """What the day needs of the race file: each station's km, whether the tasuki changes hands
    there, and its carry-over cutoff in minutes (None: none)."""

    km: tuple[float, ...]
    handoff: tuple[bool, ...]
    cutoff_minutes: tuple[int | None, ...]

    @classmethod
    def of(cls, payload: dict) -> "Course":
        stations = payload["stations"]
        last = len(stations) - 1
        return cls(
            km=tuple(s["km"] for s in stations),
            handoff=tuple(s.get("handoff", True) for s in stations),
            cutoff_minutes=tuple(
                None if i in (0, last) else s.get("kuriage_minutes", payload.get("kuriage_minutes"))
                for i, s in enumerate(stations)
            ),
        )

    @property
    def finish(self) -> int:
        return len(self.km) - 1

    def leg_into(self, station: int) -> int:
        """The leg (from 1) whose runner is on the way to the station of that index."""
        return 1 + sum(self.handoff[s] for s in range(1, station))


@dataclass
class RaceDay:
    """The reads of each team (by bib), the fate each was picked for, and where each one stopped."""

    reads: dict[str, list[Read]]
    fates: dict[str, Fate]
    #: For the teams that gave up or stopped: the station index they never reached.
    stopped_before: dict[str, int] = field(default_factory=dict)
    #: Milliseconds after the gun of the moment the files are written; None: after the race.
    now_ms: int | None = None


@dataclass
class _Runner:
    """A team on the course: where its current runner set off, and when."""

    team: SimulatedTeam
    paces: list[float]  # seconds per km, by leg
    stops_before: int  # the station index it never reaches
    in_competition: bool
    leg: int = 0
    from_km: float = 0.0
    from_ms: int = 0
    #: At the station being passed: when the team truly got there, and its recorded time
    #: (the earliest read; None when nothing recorded it).
    passing_ms: int = 0
    recorded_ms: int | None = None


def race_day(
    rng: random.Random,
    teams: Sequence[SimulatedTeam],
    course: Course,
    fates: Sequence[Fate],
    *,
    missed_share: float,
    home_share: float | None,
) -> RaceDay:
    """Run the race. `fates`: the special fates to hand out (the others finish); `missed_share`:
    how often a station records nothing of a team; `home_share`: the share of the finishers home
    when the files are written (None: after the race)."""
    day = RaceDay(reads={team.bib: [] for team in teams}, fates=_hand_out(rng, teams, fates))
    on_course = [_set_off(rng, team, day, course) for team in teams]
    on_course = [runner for runner in on_course if runner.stops_before > 0]
    for station in range(1, course.finish + 1):
        _pass_station(rng, on_course, station, course, day, missed_share)
    _copy_twins(rng, day, course)
    if home_share is not None:
        _stop_the_clock(day, course, home_share)
    return day


def _hand_out(rng: random.Random, teams: Sequence[SimulatedTeam], fates: Sequence[Fate]) -> dict[str, Fate]:
    picked = rng.sample(range(len(teams)), min(len(teams), len(fates)))
    handed = dict.fromkeys((team.bib for team in teams), Fate.FINISHES)
    for index, fate in zip(picked, fates, strict=False):
        handed[teams[index].bib] = fate
    return handed


def _set_off(rng: random.Random, team: SimulatedTeam, day: RaceDay, course: Course) -> _Runner:
    fate = day.fates[team.bib]
    paces = [runner.pace for runner in team.runners]
    if fate == Fate.SLOW:
        paces = [pace * rng.uniform(1.7, 2.0) for pace in paces]
    elif fate == Fate.DISQUALIFIED_FIRST:
        paces[0] = FASTEST_PACE * 0.9
    stops_before = course.finish + 1
    if fate in NO_READS:
        stops_before = 0
    elif fate in (Fate.GAVE_UP, Fate.STOPPED):
        stops_before = rng.randint(min(2, course.finish), course.finish)
        day.stopped_before[team.bib] = stops_before
    return _Runner(team, paces, stops_before, fate not in OUT_OF_COMPETITION)


def _pass_station(
    rng: random.Random,
    on_course: list[_Runner],
    station: int,
    course: Course,
    day: RaceDay,
    missed_share: float,
) -> None:
    """Everyone still running reaches `station`; at a relay the tasuki changes hands."""
    arriving = [runner for runner in on_course if station < runner.stops_before]
    for runner in arriving:
        runner.passing_ms = _arrival_ms(rng, runner, station, course)
    first = min((runner.passing_ms for runner in arriving), default=None)
    if station == course.finish:
        missed_share /= FINISH_MISSES_LESS
    for runner in arriving:
        # Everyone watches the first team arrive: a missed read is always someone further back.
        missed = runner.passing_ms != first and rng.random() < missed_share
        reads = [] if missed else _reads_of(rng, runner, station, course)
        day.reads[runner.team.bib].extend(reads)
        runner.recorded_ms = min((read.at_ms for read in reads), default=None)
    if course.handoff[station] and station != course.finish:
        carry_over = _carry_over_ms(arriving, course.cutoff_minutes[station])
        for runner in arriving:
            _hand_over(runner, carry_over, course.km[station])


def _arrival_ms(rng: random.Random, runner: _Runner, station: int, course: Course) -> int:
    pace = runner.paces[runner.leg]
    if station == course.finish:
        pace *= 1.03  # the last leg: the sun is up and everyone slows a little
    return runner.from_ms + round(
        pace * (course.km[station] - runner.from_km) * 1000 * rng.uniform(0.98, 1.02)
    )


def _reads_of(rng: random.Random, runner: _Runner, station: int, course: Course) -> list[Read]:
    """What the devices record of one passing: a chip read, a tablet tap a beat later, or both."""
    leg, at = runner.leg, runner.passing_ms
    reads = []
    chip = rng.random() < CHIP_SHARE
    if chip:
        reads.append(Read(station, leg, at, "chip"))
        if rng.random() < CHIP_TWICE_SHARE:
            reads.append(Read(station, leg, at + rng.randint(600, 2500), "chip"))
    if not chip or (course.handoff[station] and rng.random() < TABLET_CHECK_SHARE):
        # The official taps a beat after the runner crosses, and the keypad has whole seconds.
        reads.append(Read(station, leg, -(-(at + rng.randint(400, 4000)) // 1000) * 1000, "tablet"))
    return reads


def _carry_over_ms(arriving: list[_Runner], cutoff: int | None) -> int | None:
    """K(s): the first recorded time there of a team in competition, plus the cutoff."""
    times = [
        runner.recorded_ms for runner in arriving if runner.in_competition and runner.recorded_ms is not None
    ]
    if cutoff is None or not times:
        return None
    return min(times) + cutoff * 60_000


def _hand_over(runner: _Runner, carry_over: int | None, km: float) -> None:
    # The tasuki changes hands at the recorded time; a late team's next runner has already left at
    # the carry-over time. Without a recorded time the standings cannot know it was late.
    recorded = runner.recorded_ms
    handed = runner.passing_ms if recorded is None else recorded
    if carry_over is not None and recorded is not None and recorded > carry_over:
        handed = carry_over
    runner.leg += 1
    runner.from_km, runner.from_ms = km, handed


def _copy_twins(rng: random.Random, day: RaceDay, course: Course) -> None:
    """A twin copies a finisher's reads read for read: the same times, its own chips and bibs."""
    finishers = [
        bib
        for bib, fate in day.fates.items()
        if fate == Fate.FINISHES and any(read.station == course.finish for read in day.reads[bib])
    ]
    for bib, fate in day.fates.items():
        if fate == Fate.TWIN and finishers:
            day.reads[bib] = list(day.reads[rng.choice(finishers)])


def _stop_the_clock(day: RaceDay, course: Course, home_share: float) -> None:
    """'Now': most teams are home, the last ones still on the road; nothing later is recorded."""
    finishes = sorted(
        min(read.at_ms for read in reads if read.station == course.finish)
        for reads in day.reads.values()
        if any(read.station == course.finish for read in reads)
    )
    if not finishes:
        return
    day.now_ms = finishes[min(len(finishes) - 1, int(len(finishes) * home_share))] // 60_000 * 60_000
    for bib, reads in day.reads.items():
        day.reads[bib] = [read for read in reads if read.at_ms <= day.now_ms]


def status_decisions(day: RaceDay, course: Course, codes: Sequence[str]) -> list[StatusDecision]:
    """What the officials decided, in bib order: one status for each team whose fate needs one."""
    relay = next((codes[s] for s in range(1, course.finish) if course.handoff[s]), codes[-1])
    decisions = []
    for bib, fate in day.fates.items():
        if fate == Fate.WITHDRAWN:
            decisions.append(StatusDecision(bib, "DNS", "withdrew before the start: two runners ill"))
        elif fate in (Fate.DISQUALIFIED, Fate.DISQUALIFIED_FIRST):
            decisions.append(
                StatusDecision(bib, "DQ", f"tasuki handed over outside the relay zone at {relay}")
            )
        elif fate == Fate.GAVE_UP:
            leg = course.leg_into(day.stopped_before[bib])
            decisions.append(StatusDecision(bib, "DNF", f"leg {leg} runner withdrew with a calf injury"))
    return sorted(decisions, key=lambda decision: int(decision.bib))
