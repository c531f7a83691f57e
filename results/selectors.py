"""Reads: the race handed to the pure standings engine, and its results as the contract's export."""

from collections import defaultdict

from races.models import Race
from results import standings
from results.models import TimingRecord
from results.race_time import epoch_ms


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


def team_entries(race: Race) -> list[standings.TeamEntry]:
    codes = {s.pk: s.code for s in race.course}
    splits: dict[int, list[standings.Split]] = defaultdict(list)
    records = TimingRecord.objects.filter(race=race).values_list("team_id", "station_id", "at", "voided")
    for team_id, station_id, at, voided in records.iterator(chunk_size=10_000):
        splits[team_id].append(standings.Split(codes[station_id], epoch_ms(at), voided))
    return [
        standings.TeamEntry(
            key=pk, bib=bib, category=category, official_status=status or None, splits=tuple(splits[pk])
        )
        for pk, bib, category, status in race.teams.values_list(
            "pk", "bib", "category__code", "official_status"
        ).iterator(chunk_size=10_000)
    ]


def compute_results(race: Race) -> dict:
    """The export document (DESIGN.md, export_results JSON), computed from the database now."""
    result = standings.compute_standings(course_of(race), team_entries(race))
    names = dict(race.teams.values_list("pk", "name"))
    runners: dict[int, dict[int, str]] = defaultdict(dict)
    for team_id, leg, name in race.runners.values_list("team_id", "leg", "name").iterator(chunk_size=10_000):
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
