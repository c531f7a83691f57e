"""Reads: the race handed to the pure standings engine, and its results as the contract's export."""

import logging
from collections import defaultdict
from dataclasses import replace

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Func

from races.models import Race
from results import anomalies, standings, team_progress
from results.models import TimingRecord, UnmatchedRead
from results.pdf.printed_race import PrintedLeg, PrintedRace
from results.race_time import epoch_ms

logger = logging.getLogger(__name__)


def course_of(race: Race) -> standings.Course:
    stations = race.course
    handoff_codes = {leg.start.code for leg in race.legs} | {leg.end.code for leg in race.legs}
    specs = []
    for station in stations:
        minutes = station.kuriage_minutes if station.kuriage_minutes is not None else race.kuriage_minutes
        specs.append(
            standings.StationSpec(
                code=station.code,
                handoff=station.code in handoff_codes,
                cutoff_ms=None if minutes is None else minutes * 60_000,
            )
        )
    return standings.Course(gun_ms=epoch_ms(race.gun), stations=tuple(specs), closed=race.is_closed)


class EpochMs(Func):
    """A timestamp as integer epoch milliseconds, computed by PostgreSQL: 170,000 splits of a
    big race then arrive as plain integers instead of datetimes to convert one by one."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # Times are stored to the millisecond, so the product is a whole number.
        template = "(extract(epoch from %(expressions)s) * 1000)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def team_entries(race: Race) -> list[standings.TeamEntry]:
    codes = {s.pk: s.code for s in race.course}
    splits: dict[int, list[standings.Split]] = defaultdict(list)
    records = TimingRecord.objects.filter(race_id=race.pk).order_by()
    if connection.vendor == "postgresql":
        rows = records.values_list("team_id", "station_id", EpochMs("at"), "voided")
    else:
        rows = (
            (t, s, epoch_ms(at), v)
            for t, s, at, v in records.values_list("team_id", "station_id", "at", "voided")
        )
    for team_id, station_id, at_ms, voided in rows:
        splits[team_id].append(standings.Split(codes[station_id], at_ms, voided))
    return [
        standings.TeamEntry(
            key=pk, bib=bib, category=category, official_status=status or None, splits=tuple(splits[pk])
        )
        for pk, bib, category, status in race.teams.order_by().values_list(
            "pk", "bib", "category__code", "official_status"
        )
    ]


def compute_results(race: Race) -> dict:
    """The export document (docs/commands.md, export_results JSON), computed from the database now."""
    result = standings.compute_standings(course_of(race), team_entries(race))
    names = dict(race.teams.order_by().values_list("pk", "name"))
    runners: dict[int, dict[int, str]] = defaultdict(dict)
    for team_id, leg, name in race.runners.order_by().values_list("team_id", "leg", "name"):
        runners[team_id][leg] = name
    return {
        "race": race.slug,
        "stations": [s.code for s in race.course],
        "teams": [
            {
                "bib": team.bib,
                "name": names[team.key],
                "category": team.category,
                "status": team.status,
                "total_ms": team.total_ms,
                "rank": team.rank,
                "category_rank": team.category_rank,
                "legs": [
                    {
                        "leg": leg.leg,
                        "runner": runners[team.key].get(leg.leg),
                        "time_ms": leg.time_ms,
                        "rank": leg.rank,
                        "kuriage": leg.kuriage,
                    }
                    for leg in team.legs
                ],
                "stations": [
                    {"station": s.station, "cumulative_ms": s.cumulative_ms, "rank": s.rank}
                    for s in team.stations
                ],
            }
            for team in result.teams
        ],
    }


def teams_still_out(race: Race) -> int:
    """How many teams closing the race makes DNF: those the engine has running while it is open
    (a record, no finish, no official's status; rule 6). Read from the database, not the cache,
    so a count taken under the race's lock is exact."""
    course = replace(course_of(race), closed=False)
    result = standings.compute_standings(course, team_entries(race))
    return sum(1 for team in result.teams if team.status == standings.STATUS_RUN)


def standings_for_race(race: Race) -> dict:
    """The race's results as last computed, never older than the last committed change."""
    from results.standings_cache import fresh_results

    return fresh_results(race.pk)


def team_progress_for(race: Race, bib: str) -> team_progress.TeamProgress | None:
    """One team's legs and stations with category leg places, paces and gaps, read from the
    cached standings; None if the cached results do not have the team (yet)."""
    course = [team_progress.CourseStation(s.code, s.name, s.km) for s in race.course]
    legs = [team_progress.CourseLeg(leg.number, leg.start.code, leg.end.code, leg.km) for leg in race.legs]
    return team_progress.team_progress(standings_for_race(race), bib, course, legs)


# --- the officials' anomaly list ------------------------------------------------------------

#: A safety net only: the key carries the standings version, which every write of a read bumps.
ANOMALIES_CACHE_SECONDS = 60


def min_pace_ms_per_km() -> int:
    """Faster than this is no runner: 150 s/km (2:30 min/km) unless the settings say otherwise."""
    return round(getattr(settings, "TASUKI_MIN_PACE_SECONDS_PER_KM", 150) * 1000)


def anomalies_for_race(race: Race) -> list[anomalies.Anomaly]:
    """What the officials should check, from the reads as they are now, in a few queries.

    The teams' anomalies are kept per standings version, which every stored, voided or restored
    read bumps in its own transaction: the version is read first, so what is kept under it is
    never older than it, and a new read shows on the next poll. Unknown bibs are read fresh.
    """
    from results.standings_cache import current_version

    pace = min_pace_ms_per_km()
    key = f"anomalies:{race.pk}:{current_version(race.pk)}:{pace}"
    found = cache.get(key)
    if found is None:
        found = _team_anomalies(race, pace)
        cache.set(key, found, ANOMALIES_CACHE_SECONDS)
    unmatched = (
        UnmatchedRead.objects.filter(race_id=race.pk, resolved=False)
        .order_by("received_at", "pk")
        .values_list("pk", "bib_as_read", "station_code", "at", "device")
    )
    return found + anomalies.unknown_bib_anomalies(
        anomalies.UnknownBibRead(pk, bib, station, None if at is None else epoch_ms(at), device)
        for pk, bib, station, at, device in unmatched
    )


def unmatched_reads_dealt_with(race: Race):
    """The unknown-bib reads officials have dealt with, the latest first, with who did it."""
    return (
        UnmatchedRead.objects.filter(race_id=race.pk, resolved=True)
        .select_related("resolved_by")
        .order_by("-resolved_at", "-pk")
    )


def _team_anomalies(race: Race, pace_ms_per_km: int) -> list[anomalies.Anomaly]:
    stations = race.course
    codes = {s.pk: s.code for s in stations}
    records = TimingRecord.objects.filter(race_id=race.pk, voided=False).order_by()
    if connection.vendor == "postgresql":
        rows = records.values_list("team_id", "station_id", EpochMs("at"), "pk")
    else:
        rows = (
            (t, s, epoch_ms(at), pk)
            for t, s, at, pk in records.values_list("team_id", "station_id", "at", "pk")
        )
    reads: dict[int, dict[str, list[anomalies.Read]]] = defaultdict(lambda: defaultdict(list))
    for team_id, station_id, at_ms, pk in rows:
        reads[team_id][codes[station_id]].append(anomalies.Read(pk, at_ms))

    teams = [
        (pk, bib, status)
        for pk, bib, status in race.teams.order_by().values_list("pk", "bib", "official_status")
        if pk in reads
    ]
    teams.sort(key=lambda team: _natural_bib(team[1]))
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
    handoff_codes = {leg.start.code for leg in race.legs} | {leg.end.code for leg in race.legs}
    course = anomalies.Course(
        gun_ms=epoch_ms(race.gun),
        stations=tuple(
            anomalies.CourseStation(s.code, round(s.km * 1000), s.code in handoff_codes) for s in stations
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


def _natural_bib(bib: str) -> tuple[int, int, str]:
    """Bibs in the order officials look for them: "99" before "100", then the rest."""
    if bib.isascii() and bib.isdigit():
        return (0, int(bib), bib)
    return (1, 0, bib)


# --- the printed results ------------------------------------------------------------------


def printed_race(race: Race) -> PrintedRace:
    """The race as the printed results and certificates show it."""
    return PrintedRace(
        slug=race.slug,
        name=race.name,
        date=race.date,
        timezone=race.timezone,
        distance_km=race.course[-1].km if race.course else 0,
        legs=tuple(PrintedLeg(leg.number, leg.start.name, leg.end.name, leg.km) for leg in race.legs),
        categories=tuple(race.categories.values_list("code", "name")),
        closed=race.is_closed,
        logo=_certificate_logo(race),
        signature_name=race.certificate_signature_name,
    )


def _certificate_logo(race: Race) -> bytes | None:
    if not race.certificate_logo:
        return None
    try:
        with race.certificate_logo.open("rb") as logo:
            return logo.read()
    except OSError:
        # A logo lost from the media folder must not stop the certificates from printing.
        logger.warning("race %s: certificate logo %s cannot be read", race.slug, race.certificate_logo.name)
        return None
