"""The paper backup of the relay stations: who each station expects, read once from the database.

A station whose tablet dies writes the times by hand on these sheets; the results desk types
them in afterwards (chip-file upload or the corrections page). The sheets list every team an
official has not ruled out (DQ, DNS set by an official), in bib order, with the runner the
station calls into the zone. A team with no split yet is still expected: before and early in
the race every team has none.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from races.models import OfficialStatus, Race, Runner, Station
from races.problems import InputProblems
from results.standings.display import natural_bib_order

#: Ruled out by an official: never expected at any station.
NOT_EXPECTED = (OfficialStatus.DQ, OfficialStatus.DNS)


class RunnerRole(StrEnum):
    """Which runner a station's sheet names, by what happens there."""

    TAKES_OVER = "takes_over"  # a relay station: the next leg's runner takes the tasuki
    FINISHES = "finishes"  # the finish: the last leg's runner arrives
    PASSES = "passes"  # a timing-only checkpoint: the runner of the leg under way


@dataclass(frozen=True)
class SheetRow:
    bib: str
    team: str
    category: str  # its code
    runner: str  # "" if the team has no runner entered for that leg


@dataclass(frozen=True)
class StationSheet:
    code: str
    name: str
    km: Decimal
    runner_role: RunnerRole
    leg: int  # the leg whose runner the sheet names
    rows: tuple[SheetRow, ...]


@dataclass(frozen=True)
class SheetsDocument:
    race_name: str
    race_date: date
    sheets: tuple[StationSheet, ...]


def sheet_stations(race: Race, code: str | None = None) -> list[Station]:
    """The stations to print: every relay station after the start, or the one named by `code`
    (a timing-only checkpoint too). The start has no sheet: every team leaves at the gun."""
    course = race.course
    if code is None:
        return [station for station in course[1:] if station.code in race.handoff_codes]
    station = next((s for s in course if s.code == code), None)
    if station is None:
        known = ", ".join(s.code for s in course[1:]) or _("none")
        raise InputProblems(
            [
                _("station %(code)r does not exist in race %(race)s; its stations: %(known)s.")
                % {"code": code, "race": race.slug, "known": known}
            ]
        )
    if station == course[0]:
        raise InputProblems(
            [
                _(
                    "%(code)s is the start: every team leaves at the gun, so it has no sheet. Choose another station."
                )
                % {"code": code}
            ]
        )
    return [station]


def station_sheets(race: Race, stations: list[Station]) -> SheetsDocument:
    """The sheets of these stations, each listing the teams expected there in bib order."""
    teams = sorted(
        race.teams.exclude(official_status__in=NOT_EXPECTED).select_related("category"),
        key=lambda team: natural_bib_order(team.bib),
    )
    runners = {
        (team_id, leg): name
        for team_id, leg, name in Runner.objects.filter(race=race).values_list("team_id", "leg", "name")
    }
    sheets = []
    for station in stations:
        role, leg = _runner_at(race, station)
        rows = tuple(
            SheetRow(team.bib, team.name, team.category.code, runners.get((team.pk, leg), ""))
            for team in teams
        )
        sheets.append(StationSheet(station.code, station.name, station.km, role, leg, rows))
    return SheetsDocument(race.name, race.date, tuple(sheets))


def _runner_at(race: Race, station: Station) -> tuple[RunnerRole, int]:
    legs = race.legs
    for leg in legs:
        if leg.start.pk == station.pk:
            return RunnerRole.TAKES_OVER, leg.number
        if leg.end.pk == station.pk and leg is legs[-1]:
            return RunnerRole.FINISHES, leg.number
        if leg.start.position < station.position < leg.end.position:
            return RunnerRole.PASSES, leg.number
    raise ValueError(f"station {station.code} is on no leg of race {race.slug}")
