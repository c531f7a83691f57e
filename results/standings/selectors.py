"""Reads of the standings: the race's results as last computed, a team's progress, the anomaly list."""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from django.conf import settings

from ekiden.memo import Memo
from ekiden.versioned_cache import Kept, VersionedCache
from races.models import OfficialStatus, Race, ResultsState
from results.standings import anomalies, projections, race_control
from results.standings import engine as standings
from results.standings import progress as team_progress
from results.standings.cache import RECENT_RACES, current_version, fresh_results
from results.standings.display import natural_bib_order
from results.standings.feed import course_of, records_in_ms, team_entries
from results.standings.leg_honours import CourseRecords
from results.standings.race_results import RaceResults
from results.timing.models import TimingRecord, UnmatchedRead
from results.timing.race_time import epoch_ms

logger = logging.getLogger(__name__)


def standings_for_race(race: Race) -> RaceResults:
    """The race's results as last computed, never older than the last committed change."""
    return fresh_results(race.pk)


def not_seen_yet_now(state: ResultsState, status: standings.Status, official_status: str) -> bool:
    """One team of `teams_not_seen_yet`: live, no split (rule 6's DNS), and no official's DNS."""
    return (
        state == ResultsState.LIVE
        and status is standings.Status.DNS
        and official_status != OfficialStatus.DNS
    )


def teams_not_seen_yet(race: Race, results: RaceResults, state: ResultsState) -> frozenset[str]:
    """While the race is live, the bibs of the teams with no split that no official has called
    DNS. Rule 6 makes them DNS, and the exports and the API say so; the public pages show them
    on the course (the first minutes after the gun, every team) until a split or an official
    says otherwise."""
    if state != ResultsState.LIVE:
        return frozenset()
    unseen = {team.bib for team in results.teams if team.status is standings.Status.DNS}
    if not unseen:
        return frozenset()
    called = race.teams.filter(official_status=OfficialStatus.DNS).values_list("bib", flat=True)
    return frozenset(unseen.difference(called))


def team_progress_for(race: Race, bib: str) -> team_progress.TeamProgress | None:
    """One team's legs and stations with category leg places, paces and gaps, read from the
    cached standings; None if the cached results do not have the team (yet)."""
    course = [team_progress.CourseStation(s.code, s.name, s.km) for s in race.course]
    legs = [team_progress.CourseLeg(leg.number, leg.start.code, leg.end.code, leg.km) for leg in race.legs]
    records = CourseRecords.from_stored(race.records)
    return team_progress.team_progress(standings_for_race(race), bib, course, legs, records)


# --- the officials' anomaly list ------------------------------------------------------------

#: A safety net only: they are kept with the standings version, which every write of a read bumps.
ANOMALIES_CACHE_SECONDS = 60
ANOMALIES: VersionedCache[list[anomalies.Anomaly]] = VersionedCache(
    "anomalies", kept_seconds=ANOMALIES_CACHE_SECONDS
)


def min_pace_ms_per_km() -> int:
    """Faster than this is no runner: 150 s/km (2:30 min/km) unless the settings say otherwise."""
    return round(settings.TASUKI_MIN_PACE_SECONDS_PER_KM * 1000)


def anomalies_for_race(race: Race) -> list[anomalies.Anomaly]:
    """What the officials should check, from the reads as they are now, in a few queries.

    The teams' anomalies are kept per standings version, which every stored, voided or restored
    read bumps in its own transaction: the version is read first, so what is kept under it is
    never older than it, and a new read shows on the next poll. Unknown bibs are read fresh.
    """
    pace = min_pace_ms_per_km()
    found = ANOMALIES.fetch(
        (race.pk, pace), wanted=current_version(race.pk), compute=lambda: _team_anomalies(race, pace)
    ).value
    unmatched = (
        UnmatchedRead.objects.filter(race_id=race.pk, resolved=False)
        .order_by("received_at", "pk")
        .values_list("pk", "bib_as_read", "station_code", "at", "device")
    )
    return found + anomalies.unmatched_read_anomalies(
        anomalies.UnmatchedReadRow(pk, bib, station, None if at is None else epoch_ms(at), device)
        for pk, bib, station, at, device in unmatched
    )


def _team_anomalies(race: Race, pace_ms_per_km: int) -> list[anomalies.Anomaly]:
    stations = race.course
    codes = {s.pk: s.code for s in stations}
    reads: dict[int, dict[str, list[anomalies.Read]]] = defaultdict(lambda: defaultdict(list))
    for team_id, station_id, at_ms, pk in records_in_ms(
        TimingRecord.objects.filter(race_id=race.pk, voided=False), "pk"
    ):
        reads[team_id][codes[station_id]].append(anomalies.Read(pk, at_ms))

    teams = [
        (pk, bib, status)
        for pk, bib, status in race.teams.order_by().values_list("pk", "bib", "official_status")
        if pk in reads
    ]
    teams.sort(key=lambda team: natural_bib_order(team[1]))
    # K(s) from the standings engine itself: a carried-over runner left at K, not at T.
    carry_over = standings.carry_over_times(
        course_of(race),
        (
            standings.TeamEntry(
                key=pk,
                bib=bib,
                category="",
                official_status=status or None,
                splits=tuple(
                    standings.Split(code, read.at_ms) for code, at in reads[pk].items() for read in at
                ),
            )
            for pk, bib, status in teams
        ),
    )
    course = anomalies.Course(
        gun_ms=epoch_ms(race.gun),
        stations=tuple(
            anomalies.CourseStation(s.code, round(s.km * 1000), s.code in race.handoff_codes)
            for s in stations
        ),
        carry_over_ms=carry_over,
        min_pace_ms_per_km=pace_ms_per_km,
    )
    return anomalies.find_anomalies(
        course,
        (
            anomalies.TeamReads(pk, bib, {code: tuple(at) for code, at in reads[pk].items()})
            for pk, bib, _status in teams
        ),
    )


# --- race control: projected arrivals and the stations' boards -------------------------------

#: A safety net only, as for the anomalies: kept with the standings version.
RACE_CONTROL_CACHE_SECONDS = 60
RACE_CONTROL: VersionedCache["RaceControl"] = VersionedCache(
    "race-control", kept_seconds=RACE_CONTROL_CACHE_SECONDS
)


@dataclass(frozen=True)
class RaceControl:
    """Everything race control, the announcer and the keypads' "next in" lists read, computed once
    per standings version; "now" (overdue, countdowns) is applied by the reader."""

    course: projections.Course
    #: The teams in at the finish, the last in first: (bib, T(finish)), at most FINISHERS_KEPT.
    last_in: tuple[tuple[str, int], ...]
    #: Every team still out, in the standings' listing order.
    projections: tuple[projections.Projection, ...]
    boards: tuple[race_control.StationBoard, ...]
    #: The standings (names, runners, places): joined when read, never kept twice in the cache.
    results: RaceResults | None = None

    def board(self, code: str) -> race_control.StationBoard | None:
        return next((board for board in self.boards if board.code == code), None)


#: The announcer shows the last few in; the rest of the finishers are in the standings.
FINISHERS_KEPT = 20

# What this process last read, per race: an organiser's page polls every few seconds, and a
# 25,000-team race's projections take longer to fetch and unpickle than to check for freshness.
_recent_control = Memo("recent race control", size=RECENT_RACES)


#: How far behind the standings a team page's expected arrival may be: it is shown to the
#: minute, and a public page must never wait for race control's computation at 25,000 teams.
TEAM_PROJECTION_LAG_SECONDS = 30


def race_control_for(race: Race) -> RaceControl:
    """The race's projections and station boards as of its current standings version."""
    return replace(_race_control_kept(race).value, results=standings_for_race(race))


def _race_control_kept(race: Race, *, lag_seconds: float = 0.0) -> Kept["RaceControl"]:
    """Race control as kept, at most `lag_seconds` behind the current version (0: never)."""
    wanted = current_version(race.pk)
    kept = _recent_control.get(race.pk)
    if kept is None or (kept.version < wanted and time.time() - kept.at >= lag_seconds):
        kept = _recent_control.remember(
            race.pk,
            RACE_CONTROL.fetch(
                race.pk,
                wanted=wanted,
                compute=lambda: _race_control(race),
                recent_seconds=lag_seconds,
                stale_while_computing=lag_seconds > 0,
            ),
        )
    return kept


def team_projection_for(race: Race, bib: str) -> projections.Projection | None:
    """Where and when race control expects one team next (the same cached projections), for
    its team page; None for a team not out on the course or with no pace to go by yet."""
    kept = _race_control_kept(race, lag_seconds=TEAM_PROJECTION_LAG_SECONDS)
    found = next((p for p in kept.value.projections if p.bib == bib), None)
    return found if found is not None and found.projected_ms is not None else None


def _race_control(race: Race) -> RaceControl:
    results = standings_for_race(race)
    entries = team_entries(race)
    engine_course = course_of(race)
    # K(s) from the standings engine itself, as for the anomalies.
    carry_over = standings.carry_over_times(engine_course, entries)
    course = projections.Course(
        gun_ms=engine_course.gun_ms,
        stations=tuple(
            projections.CourseStation(s.code, round(s.km * 1000), spec.handoff, spec.cutoff_ms)
            for s, spec in zip(race.course, engine_course.stations, strict=True)
        ),
        carry_over_ms=carry_over,
        closed=race.is_closed,
    )
    cumulative = {
        team.bib: {
            split.station: split.cumulative_ms for split in team.stations if split.cumulative_ms is not None
        }
        for team in results.teams
    }
    teams = {}
    for entry in entries:
        arrivals: dict[str, int] = {}
        for split in entry.splits:
            if not split.voided and (split.station not in arrivals or split.at_ms < arrivals[split.station]):
                arrivals[split.station] = split.at_ms  # T(s): the earliest record not voided
        teams[entry.bib] = projections.TeamTimes(
            entry.bib, entry.official_status, arrivals, cumulative.get(entry.bib, {})
        )
    # The listing order of the standings, so equal projections keep a stable order.
    listed = {team.bib for team in results.teams}
    ordered = [teams[team.bib] for team in results.teams if team.bib in teams]
    ordered += [team for bib, team in teams.items() if bib not in listed]
    projected = projections.project_arrivals(course, ordered)
    boards = race_control.station_boards(course, ordered, projected)
    finish = course.stations[-1].code
    last_in = sorted(
        ((team.bib, team.arrivals[finish]) for team in ordered if finish in team.arrivals),
        key=lambda arrival: arrival[1],
        reverse=True,
    )
    return RaceControl(course, tuple(last_in[:FINISHERS_KEPT]), tuple(projected), tuple(boards))
