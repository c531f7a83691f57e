"""Large chip files for the tests and benchmarks of bounded uploads, written straight to disk so
that the process measuring an upload never holds the file itself."""

import random
import uuid
from datetime import timedelta
from pathlib import Path

from results.simulation.race import simulate_race

#: Reads of a chip file this size take about 20 MB: the upload limit's default.
TWENTY_MB = 20 * 1024 * 1024


def race_for_chip_files(slug: str = "chip-race", teams: int = 300):
    """A race of `teams` teams of four, set up through the services."""
    from races.services import entries_import, race_import

    simulated = simulate_race(seed=11, teams=teams, legs=4, checkpoints=1, slug=slug)
    race, _ = race_import(payload=simulated.payload)
    entries_import(race=race, raw=simulated.entries_csv, filename="entries.csv")
    return race


def write_chip_file(path: Path, race, *, size: int = TWENTY_MB, seed: int = 7) -> int:
    """A reader's export of at most `size` bytes: chip reads of the race's teams at every station
    after the start, each with its own read id, in the race's local time. Returns the rows."""
    rng = random.Random(seed)
    bibs = list(race.teams.order_by("bib").values_list("bib", flat=True))
    codes = [station.code for station in race.course[1:]]
    gun = race.gun.astimezone(race.zone)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as chip_file:
        written = chip_file.write("bib,station,time,source,read_id\n")
        while True:
            at = gun + timedelta(milliseconds=rng.randrange(600_000, 10_800_000))
            read_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            line = f"{rng.choice(bibs)},{rng.choice(codes)},{at:%H:%M:%S}.{at.microsecond // 1000:03d},chip,{read_id}\n"
            if written + len(line) > size:  # the file stays within the upload limit
                return rows
            written += chip_file.write(line)
            rows += 1
