"""What looks wrong in the reads, for the officials to check before the results are final.

Pure on purpose, like the standings engine: plain data in, anomalies out, no ORM and no clock,
so every kind is tested on its own and a 25,000-team race is one pass over its reads.

A team's time at a station is its effective time T(s), as in the standings rules: the earliest
read there that is not voided. Only reads that are not voided come in, so voiding the read at
fault clears the anomaly it caused.

The kinds:
- NEGATIVE_LEG: T(s) is earlier than the start of the stretch that ends at s, i.e. the team's
  time at the previous station where it has one (the gun before the first), or the carry-over
  time K there when the team was carried over (its next runner left at K, not at T).
- FAST_LEG: that stretch was run faster than the minimum pace (for a missing split in between,
  the average over the whole stretch).
- READS_APART: two reads of the team at one station more than a minute apart: a second pass,
  a wrong bib, a tablet tap long after the chip.
- UNMATCHED_READ: a device read a bib, runner bib or chip id no team of the race has.
- AFTER_FINISH: a read at a station before the finish later than the team's finish time T(finish).
- MISSING_SPLIT: no read at a station after the start while the team has one further on.

The start station times nothing (every team starts at the gun), so it is never missing and no
stretch ends there; a read at the start still counts for READS_APART and AFTER_FINISH.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

#: Two reads of one team at one station further apart than this are not one passing.
READS_APART_MS = 60_000


class Kind(StrEnum):
    NEGATIVE_LEG = "negative_leg"
    FAST_LEG = "fast_leg"
    READS_APART = "reads_apart"
    UNMATCHED_READ = "unmatched_read"
    AFTER_FINISH = "after_finish"
    MISSING_SPLIT = "missing_split"


@dataclass(frozen=True, slots=True)
class CourseStation:
    code: str
    #: Distance from the start, in whole metres (no float rounding in the pace check).
    metres: int
    #: A relay point, where a carry-over start can happen; start and finish always are.
    handoff: bool


@dataclass(frozen=True, slots=True)
class Course:
    gun_ms: int
    #: Course order: the first is the start, the last the finish.
    stations: tuple[CourseStation, ...]
    #: K(s), epoch ms, by station code, as the standings engine computes it.
    carry_over_ms: dict[str, int]
    #: Faster than this many milliseconds per km is not a runner: a wrong read.
    min_pace_ms_per_km: int


@dataclass(frozen=True, slots=True)
class Read:
    record_id: int
    at_ms: int


@dataclass(frozen=True, slots=True)
class TeamReads:
    team_id: int
    bib: str
    #: The reads that are not voided, by station code.
    reads: dict[str, tuple[Read, ...]]


@dataclass(frozen=True, slots=True)
class UnmatchedReadRow:
    read_id: int
    bib: str
    station: str
    at_ms: int | None
    device: str


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: Kind
    #: Where it shows: the station at the end of a stretch, of the reads, or of the gap.
    station: str
    bib: str
    #: None for an unknown bib.
    team_id: int | None = None
    #: The reads to look at (timing record ids; for an unknown bib, the unmatched read's id).
    record_ids: tuple[int, ...] = ()
    #: The read in question.
    at_ms: int | None = None
    #: What it is compared with: the stretch's start, the first read, the finish time.
    reference_ms: int | None = None
    #: The station of the reference (the stretch's start, the finish).
    reference_station: str = ""
    #: For FAST_LEG: the pace over the stretch.
    pace_ms_per_km: int | None = None
    #: For UNMATCHED_READ: the device that sent it.
    device: str = ""


def find_anomalies(course: Course, teams: Iterable[TeamReads]) -> list[Anomaly]:
    """Every team's anomalies, team by team in the order given, stations in course order."""
    found: list[Anomaly] = []
    for team in teams:
        found += team_anomalies(course, team)
    return found


def team_anomalies(course: Course, team: TeamReads) -> list[Anomaly]:
    stations = course.stations
    finish = stations[-1]
    effective = {code: min(reads, key=_when) for code, reads in team.reads.items() if reads}
    found: list[Anomaly] = []

    # Stretches between the stations where the team has a time, the gun before the first.
    last_known = len(stations) - 1
    while last_known > 0 and stations[last_known].code not in effective:
        last_known -= 1
    stretch_start, stretch_from = course.gun_ms, stations[0]
    for position, station in enumerate(stations[1:], 1):
        read = effective.get(station.code)
        if read is None:
            if position < last_known:
                found.append(Anomaly(Kind.MISSING_SPLIT, station.code, team.bib, team.team_id))
            continue
        found += _stretch(course, team, stretch_from, stretch_start, station, read)
        stretch_from, stretch_start = station, read.at_ms
        carry_over = course.carry_over_ms.get(station.code)
        if station.handoff and carry_over is not None and read.at_ms > carry_over:
            stretch_start = carry_over  # the next runner left at the cutoff (kuriage)

    for station in stations:
        reads = sorted(team.reads.get(station.code, ()), key=_when)
        if len(reads) > 1 and reads[-1].at_ms - reads[0].at_ms > READS_APART_MS:
            found.append(
                Anomaly(
                    Kind.READS_APART,
                    station.code,
                    team.bib,
                    team.team_id,
                    record_ids=tuple(r.record_id for r in reads),
                    at_ms=reads[-1].at_ms,
                    reference_ms=reads[0].at_ms,
                )
            )

    finished = effective.get(finish.code)
    if finished is not None:
        for station in stations[:-1]:
            for read in sorted(team.reads.get(station.code, ()), key=_when):
                if read.at_ms > finished.at_ms:
                    found.append(
                        Anomaly(
                            Kind.AFTER_FINISH,
                            station.code,
                            team.bib,
                            team.team_id,
                            record_ids=(read.record_id,),
                            at_ms=read.at_ms,
                            reference_ms=finished.at_ms,
                            reference_station=finish.code,
                        )
                    )
    return found


def _stretch(
    course: Course, team: TeamReads, start: CourseStation, start_ms: int, end: CourseStation, read: Read
) -> list[Anomaly]:
    elapsed = read.at_ms - start_ms
    common = {
        "station": end.code,
        "bib": team.bib,
        "team_id": team.team_id,
        "record_ids": (read.record_id,),
        "at_ms": read.at_ms,
        "reference_ms": start_ms,
        "reference_station": start.code,
    }
    if elapsed < 0:
        return [Anomaly(Kind.NEGATIVE_LEG, **common)]
    metres = end.metres - start.metres
    # elapsed / km < pace, kept in integers: elapsed * 1000 < pace * metres.
    if metres > 0 and elapsed * 1000 < course.min_pace_ms_per_km * metres:
        return [Anomaly(Kind.FAST_LEG, pace_ms_per_km=elapsed * 1000 // metres, **common)]
    return []


def unmatched_read_anomalies(reads: Iterable[UnmatchedReadRow]) -> list[Anomaly]:
    return [
        Anomaly(
            Kind.UNMATCHED_READ,
            read.station,
            read.bib,
            record_ids=(read.read_id,),
            at_ms=read.at_ms,
            device=read.device,
        )
        for read in reads
    ]


def _when(read: Read) -> tuple[int, int]:
    return (read.at_ms, read.record_id)
