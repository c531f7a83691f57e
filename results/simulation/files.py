"""The files a simulated race hands in: the entries and the timing reads, in the contract's formats.

Rows first (dicts keyed by the files' columns, as csv.DictReader reads them back), then bytes as
the tools that make them write them: the entries as a spreadsheet saves a CSV (UTF-8 with a
byte-order mark), the reads as a reader exports them, in every time format `import_timing` takes.
"""

import csv
import io
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from races.services import ENTRY_COLUMNS, ENTRY_OPTIONAL
from results.simulation.race_day import RaceDay, Read
from results.simulation.teams import SimulatedRunner, SimulatedTeam

TIMING_COLUMNS = ("bib", "station", "time", "source", "read_id")
#: A reader that lost its connection re-sends part of its buffer: one read in this many.
RESENT_ONE_IN = 40


def entry_rows(teams: Sequence[SimulatedTeam]) -> list[dict]:
    columns = (*ENTRY_COLUMNS, *ENTRY_OPTIONAL)
    return [
        dict(zip(columns, _entry_values(team, runner), strict=True))
        for team in teams
        for runner in team.runners
    ]


def _entry_values(team: SimulatedTeam, runner: SimulatedRunner) -> tuple[str, ...]:
    return (
        team.bib,
        team.name,
        team.category,
        str(runner.leg),
        runner.name,
        runner.gender,
        runner.birth_date.isoformat(),
        runner.club,
        runner.runner_bib,
        runner.chip_id,
        runner.nationality,
    )


def timing_rows(
    rng: random.Random, teams: Sequence[SimulatedTeam], day: RaceDay, *, codes: Sequence[str], gun: datetime
) -> list[dict]:
    """The rows the readers and tablets send: each reader's in order, the tablets', then re-sent ones."""
    chips: list[tuple[int, int, str]] = []
    tablets: list[tuple[int, dict]] = []
    for team in teams:
        for read in day.reads[team.bib]:
            runner = team.runners[read.leg]
            if read.by == "chip":
                chips.append((read.station, read.at_ms, runner.chip_id))
            else:
                tablets.append((read.at_ms, _tablet_row(rng, team, runner, read, codes, gun)))
    rows = _chip_rows(rng, chips, codes, gun)
    resent = rng.sample(rows, max(1, len(rows) // RESENT_ONE_IN)) if rows else []
    rows += [row for _at, row in sorted(tablets, key=lambda tablet: (tablet[0], tablet[1]["bib"]))]
    return rows + [dict(row) for row in resent]


def _chip_rows(
    rng: random.Random, chips: list[tuple[int, int, str]], codes: Sequence[str], gun: datetime
) -> list[dict]:
    """Each station's reader numbers its reads in the order it made them."""
    rows = []
    numbers: dict[int, int] = {}
    for station, at_ms, chip_id in sorted(chips):
        numbers[station] = numbers.get(station, 0) + 1
        code = codes[station]
        rows.append(
            {
                "bib": chip_id,
                "station": code,
                "time": _chip_time(rng, gun + timedelta(milliseconds=at_ms), gun.date()),
                "source": "chip",
                "read_id": f"{code}-{numbers[station]:07d}",
            }
        )
    return rows


def _tablet_row(
    rng: random.Random,
    team: SimulatedTeam,
    runner: SimulatedRunner,
    read: Read,
    codes: Sequence[str],
    gun: datetime,
) -> dict:
    # Officials type the team's bib mostly, the runner's now and then; older keypads send no source.
    return {
        "bib": team.bib if rng.random() < 0.7 else runner.runner_bib,
        "station": codes[read.station],
        "time": _tablet_time(rng, gun + timedelta(milliseconds=read.at_ms), gun.date()),
        "source": "tablet" if rng.random() < 0.8 else "",
        "read_id": "",
    }


def _chip_time(rng: random.Random, moment: datetime, race_date: date) -> str:
    """Readers disagree on formats: local time of day, ISO with the race's offset, or UTC.
    A time of day is read on the race date, so a read after midnight carries its date."""
    style = rng.choices(("local", "offset", "utc"), (50, 30, 20))[0]
    if style == "local" and moment.date() == race_date:
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if style == "offset":
        return moment.isoformat(timespec="milliseconds")
    utc = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return utc.replace("+00:00", "Z") if rng.random() < 0.8 else utc


def _tablet_time(rng: random.Random, moment: datetime, race_date: date) -> str:
    if rng.random() < 0.85 and moment.date() == race_date:
        return moment.strftime("%H:%M:%S")
    return moment.isoformat(timespec="seconds")


def csv_bytes(rows: Sequence[dict], columns: Sequence[str], *, byte_order_mark: bool = False) -> bytes:
    """CSV with CRLF line ends, as spreadsheets and readers write it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if byte_order_mark else "") + out.getvalue()).encode("utf-8")


def entries_csv(rows: Sequence[dict]) -> bytes:
    """The entries file as a spreadsheet saves it: UTF-8 with a byte-order mark."""
    return csv_bytes(rows, (*ENTRY_COLUMNS, *ENTRY_OPTIONAL), byte_order_mark=True)


def timing_csv(rows: Sequence[dict]) -> bytes:
    return csv_bytes(rows, TIMING_COLUMNS)
