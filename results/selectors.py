"""Reads: the race handed to the pure standings engine, and its results as the contract's export."""

import logging
from collections import defaultdict

from django.db import connection
from django.db.models import BigIntegerField, Func

from races.models import Race
from results import standings
from results.models import TimingRecord
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


def standings_for_race(race: Race) -> dict:
    """The race's results as last computed, never older than the last committed change."""
    from results.standings_cache import fresh_results

    return fresh_results(race.pk)


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
