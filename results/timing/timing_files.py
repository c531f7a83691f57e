"""A timing file (a chip reader's export, an organiser's CSV) read as a stream, twice.

A chip file of 20 MB holds some 330,000 reads: held as a list of reads, it took more than 400 MB
to check. So the file is read row by row from disk, twice. The first pass checks every row and
works out what is already stored, keeping only a number per read id and per read without one
(`packed`); it says what the file would add, or every problem of the file, before anything is
stored. The second pass reads the file again and stores it a chunk of reads at a time through
`read_store.timing_reads_store`, which looks each chunk up against what is stored by then.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import BinaryIO

from django.utils.translation import gettext as _

from races.csv_rows import iter_rows
from races.models import Race
from races.problems import InputProblems, Problem
from results.timing.models import Source, TimingRecord
from results.timing.read_checker import ReadChecker
from results.timing.read_store import (
    IDS_LOOKED_UP_ONE_BY_ONE,
    IDS_PER_QUERY,
    SplitRead,
    StoredReadsSummary,
    conflict_problem,
    file_line,
)

TIMING_COLUMNS = ("bib", "station", "time")
TIMING_OPTIONAL = ("source", "read_id")
#: Reads stored a chunk at a time, each chunk a transaction. Fewer, larger chunks write the
#: read-id index's pages fewer times (1,000 reads a chunk took four times as long as one
#: transaction); each holds the race's lock about half a second on PostgreSQL (docs/decisions/bounded-uploads.md).
CHUNK_READS = 5000
#: Stored reads fetched at a time when the whole race's are compared with a large file.
FETCHED_AT_A_TIME = 10_000

_SOURCES = {source: number for number, source in enumerate(Source.values)}
_SOURCE_NAMES = dict(enumerate(Source.values))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MICROS_SHIFT = 2**63
_LINE_BITS = 32


def packed(team_id: int, station_id: int, at: datetime, source: str) -> int:
    """A read's content (what identifies a read without an id) as one number: a few dozen bytes
    instead of a tuple, a datetime and a string, for each of the file's reads."""
    assert team_id < 2**32 and station_id < 2**32
    # Shifted by half the field, so a read before 1970 (a race of 1969 imported) fits it too.
    micros = (at - _EPOCH) // _MICROSECOND + _MICROS_SHIFT
    return (((team_id << 32 | station_id) << 64 | micros) << 4) | _SOURCES[source]


def station_of(content: int) -> int:
    return (content >> 68) & 0xFFFFFFFF


def unpacked(content: int, read_id: str) -> SplitRead:
    """The read again, as far as a message about it needs it (not the bib as it was read)."""
    micros = ((content >> 4) & (2**64 - 1)) - _MICROS_SHIFT
    at = _EPOCH + timedelta(microseconds=micros)
    return SplitRead(content >> 100, station_of(content), at, _SOURCE_NAMES[content & 0xF], read_id, "")


def file_reads(
    race: Race, chip_file: BinaryIO, filename: str, checker: ReadChecker, problems: list[Problem]
) -> Iterator[tuple[int, SplitRead]]:
    """The file's reads that pass the read checker, with their lines. Every problem goes to
    `problems`: first those of the file's form (malformed lines), then those of the values, as
    they have always been listed."""
    wrong: list[Problem] = []
    rows = iter_rows(
        chip_file,
        required=TIMING_COLUMNS,
        optional=TIMING_OPTIONAL,
        filename=filename,
        problems=problems,
        allow_no_rows=True,
    )
    for row in rows:
        read = checker.check(
            bib=row["bib"],
            station=row["station"],
            time=row["time"],
            source=row["source"].lower() or Source.IMPORT,
            read_id=row["read_id"],
            bad=lambda problem, line=row.line: wrong.append(replace(problem, line=line)),
        )
        if read is not None:
            yield row.line, read
    problems.extend(wrong)


def timing_file_checked(
    *, race: Race, chip_file: BinaryIO, filename: str, checker: ReadChecker
) -> StoredReadsSummary:
    """The first pass: what the file would add and what is stored already, per station; or
    InputProblems naming every wrong line, a read id used twice in the file for different reads,
    or a read id stored already for another read: the same rules, in the same words, as
    `read_store.timing_reads_store` applies to a chunk of reads."""
    problems: list[Problem] = []
    summary = StoredReadsSummary()
    # read id -> its content and the line it is first used on; the content of each read without one.
    with_id: dict[str, int] = {}
    keyless: set[int] = set()
    twice: list[tuple[int, Problem]] = []
    for line, read in file_reads(race, chip_file, filename, checker, problems):
        if problems:
            continue  # the file is refused; only its other problems are still wanted
        content = packed(read.team_id, read.station_id, read.at, read.source)
        if not read.read_id:
            if content in keyless:
                summary.count_already_stored(read)
            keyless.add(content)
            continue
        seen = with_id.setdefault(read.read_id, content << _LINE_BITS | line)
        if seen >> _LINE_BITS != content:
            message = _("%(id)s is used on %(first)s for another read; each read needs its own id.") % {
                "id": read.read_id,
                "first": file_line(seen & (2**_LINE_BITS - 1)),
            }
            twice.append((line, Problem(message, field="read_id")))
        elif seen & (2**_LINE_BITS - 1) != line:
            summary.count_already_stored(read)
    if problems:
        raise InputProblems(problems)

    conflicts = _stored_with_id(race, with_id, summary)
    _stored_without_id(race, keyless, summary)
    if twice or conflicts:
        raise InputProblems([replace(problem, line=line) for line, problem in twice + conflicts])
    added_at = Counter(station_of(value >> _LINE_BITS) for value in with_id.values())
    added_at.update(station_of(content) for content in keyless)
    summary.added = len(with_id) + len(keyless)
    summary.added_station_ids = added_at
    count_per_station(summary, added_at, checker)
    return summary


def _stored_with_id(race: Race, with_id: dict[str, int], summary) -> list[tuple[int, Problem]]:
    """Takes the file's read ids stored already out of `with_id`, counting the same read as
    stored; a read id stored for another read is a problem at the line that uses it."""
    stored = TimingRecord.objects.filter(race_id=race.pk).exclude(read_id="").order_by()
    conflicts = []
    columns = stored.values_list("read_id", "team_id", "station_id", "at", "source")
    if len(with_id) <= IDS_LOOKED_UP_ONE_BY_ONE:
        wanted = list(with_id)
        rows = chain.from_iterable(
            columns.filter(read_id__in=wanted[start : start + IDS_PER_QUERY])
            for start in range(0, len(wanted), IDS_PER_QUERY)
        )
    else:
        rows = columns.iterator(chunk_size=FETCHED_AT_A_TIME)
    for read_id, *content in rows:
        seen = with_id.get(read_id)
        if seen is None:
            continue
        file_content, line = seen >> _LINE_BITS, seen & (2**_LINE_BITS - 1)
        if packed(*content) == file_content:
            summary.count_already_stored(unpacked(file_content, read_id))
            del with_id[read_id]
        else:
            read = unpacked(file_content, read_id)
            stored_record = TimingRecord.objects.select_related("team", "station").get(
                race_id=race.pk, read_id=read_id
            )
            conflicts.append((line, conflict_problem(read, stored_record, race)))
    return sorted(conflicts, key=lambda conflict: conflict[0])


def _stored_without_id(race: Race, keyless: set[int], summary) -> None:
    """Takes the file's reads without an id that are stored already out of `keyless`."""
    if not keyless:
        return
    stations = {station_of(content) for content in keyless}
    stored = TimingRecord.objects.filter(race_id=race.pk, read_id="", station_id__in=stations).order_by()
    rows = stored.values_list("team_id", "station_id", "at", "source")
    for content in rows.iterator(chunk_size=FETCHED_AT_A_TIME):
        number = packed(*content)
        if number in keyless:
            keyless.discard(number)
            summary.stored_station_ids[content[1]] += 1
            summary.already_stored += 1


def count_per_station(summary: StoredReadsSummary, added_at: Counter, checker: ReadChecker) -> None:
    """The counts per station code, in course order, of the stations the file has reads for."""
    for station in checker.stations.values():
        if added_at[station.pk] or summary.stored_station_ids[station.pk]:
            summary.added_at[station.code] = added_at[station.pk]
            summary.already_stored_at[station.code] = summary.stored_station_ids[station.pk]


def chunks_of_reads(
    race: Race, chip_file: BinaryIO, filename: str, checker: ReadChecker
) -> Iterator[list[tuple[int, SplitRead]]]:
    """The second pass: the file's reads again, CHUNK_READS at a time, for a file the first pass
    found right. The same checker judges it the same way; if anything is wrong now, it was
    changed on disk between the passes, and it is refused."""
    problems: list[Problem] = []
    chunk: list[tuple[int, SplitRead]] = []
    for line, read in file_reads(race, chip_file, filename, checker, problems):
        chunk.append((line, read))
        if len(chunk) == CHUNK_READS:
            yield chunk
            chunk = []
    if problems:
        raise InputProblems(problems)
    if chunk:
        yield chunk
