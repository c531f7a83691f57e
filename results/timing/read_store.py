"""Storing checked reads in one go, each once: a chip file's, a device's request.

Two ways in, one rule (a read id names one read; a read without one is its content):
- `timing_reads_store`, for an import, which holds the race row FOR UPDATE: it looks up what
  is stored and inserts the rest (COPY on PostgreSQL for a large file);
- `timing_reads_add`, for the devices of a race, which take the lock shared and insert side by
  side, the unique index settling a read two of them send at once
  (docs/decisions/writer-locks.md).

And one way back: `archived_records_restore`, a race archive's records as they were stored.
"""

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ekiden.plain_sql import insert_as_given
from races.models import Race
from races.problems import Problem
from results.timing.models import TimingRecord
from results.timing.race_time import format_clock

# Rows per INSERT where bulk_create sends them (SQLite; a few reads on PostgreSQL).
CHUNK = 2000

# Up to this many read ids, the stored ones are looked up by id (in lists of IDS_PER_QUERY); a
# longer file reads all of the race's read ids in one go rather than send many long IN lists.
IDS_LOOKED_UP_ONE_BY_ONE = 10_000
IDS_PER_QUERY = 1000
FEW_READS = 50
# A thousand reads of twelve columns stay well under either database's limit of parameters.
ROWS_PER_INSERT = 1000
# bad(position, problem): a problem with the read at this position (a file line, a batch
# index), which the caller puts where its problems say it.
ProblemAtPosition = Callable[[int, Problem], None]


def file_line(line: int) -> str:
    return _("line %d") % line


@dataclass(frozen=True)
class SplitRead:
    """A read as it arrives, before it is stored."""

    team_id: int
    station_id: int
    at: datetime
    source: str
    read_id: str
    bib_as_read: str

    @property
    def content(self) -> tuple:
        """What identifies a read that has no read id; what a re-sent read must repeat."""
        return (self.team_id, self.station_id, self.at, self.source)

    def row(self, race_id: int, user_id: int | None, device: str, received: datetime) -> tuple:
        """The read as a new row's values, in READ_COLUMNS order: what every way of storing it
        (COPY, the devices' INSERT, the ORM) writes."""
        return (
            race_id, self.team_id, self.station_id, self.at, self.source, self.read_id,
            self.bib_as_read, user_id, device, received, False, "",
        )  # fmt: skip

    def as_record(self, race: Race, user=None, device: str = "") -> TimingRecord:
        values = self.row(race.pk, getattr(user, "pk", None), device, timezone.now())
        return TimingRecord(
            **{field.attname: value for field, value in zip(READ_FIELDS, values, strict=True)}
        )

    def same_content(self, record: "TimingRecord") -> bool:
        return (record.team_id, record.station_id, record.at, record.source) == self.content


@dataclass
class StoredReadsSummary:
    added: int = 0
    already_stored: int = 0
    # The file lines or batch indexes of the reads added (the others were stored already).
    added_positions: list[int] = field(default_factory=list)
    #: Per station code, in course order: what a preview shows before anything is stored.
    added_at: dict[str, int] = field(default_factory=dict)
    already_stored_at: dict[str, int] = field(default_factory=dict)
    #: Reads found stored already, and reads added, per station id (for the per-code counts above).
    stored_station_ids: Counter = field(default_factory=Counter)
    added_station_ids: Counter = field(default_factory=Counter)
    added_reads: list[SplitRead] = field(default_factory=list)

    def count_already_stored(self, read: SplitRead) -> None:
        self.already_stored += 1
        self.stored_station_ids[read.station_id] += 1

    def __str__(self) -> str:
        return _("%(added)d timing records added, %(same)d already stored.") % {
            "added": self.added,
            "same": self.already_stored,
        }


def conflict_problem(read: SplitRead, record: TimingRecord, race: Race) -> Problem:
    """A read id already stored for another read: what is stored under it, and what to do."""
    message = _(
        "read id %(id)s is already stored for team %(bib)s at %(station)s %(time)s (%(source)s); "
        "a re-sent read must carry the same content, a new read a new id."
    ) % {
        "id": read.read_id,
        "bib": record.team.bib,
        "station": record.station.code,
        "time": format_clock(record.at, race),
        "source": record.source,
    }
    return Problem(message, field="read_id")


def timing_reads_store(
    *,
    race: Race,
    reads: list[tuple[int, SplitRead]],
    bad: ProblemAtPosition,
    user=None,
    device: str = "",
    position_name: Callable[[int], str] = file_line,
    dry_run: bool = False,
) -> StoredReadsSummary:
    """Store the checked reads that are not stored yet, in one go: the import and the device API.

    With `dry_run` the summary says what would be stored, and nothing is.

    Each read comes with its position (file line, batch index), which `position_name` puts
    into words ("line 3", "index 3"). The caller holds the race row lock in its transaction,
    so no other writer of the race's reads runs in between, and marks the standings stale
    once if any read was added. A read id used before for another read goes to `bad`, and
    then nothing is stored: the caller refuses the lot.
    """
    conflicts: list[tuple[int, Problem]] = []
    fresh, summary = _new_reads(race, reads, lambda *problem: conflicts.append(problem), position_name)
    for problem in conflicts:
        bad(*problem)
    if conflicts:
        return StoredReadsSummary()
    summary.added_reads = [read for _position, read in fresh]
    if not dry_run:
        _insert_reads(race, summary.added_reads, user, device)
    summary.added = len(fresh)
    summary.added_positions = [position for position, _read in fresh]
    return summary


# The columns a new read fills, in the order of the rows below (COPY and the devices' INSERT).
READ_COLUMNS = (
    "race_id", "team_id", "station_id", "at", "source", "read_id", "bib_as_read", "recorded_by_id",
    "device", "created_at", "voided", "void_reason",
)  # fmt: skip
LEFT_TO_DEFAULTS = {"id", "voided_by_id", "voided_at"}
assert set(READ_COLUMNS) == {f.column for f in TimingRecord._meta.concrete_fields} - LEFT_TO_DEFAULTS, (
    "TimingRecord changed: update READ_COLUMNS"
)
# Their fields, which turn a row's values into what the database takes (an aware time for SQLite).
READ_FIELDS = [
    next(field for field in TimingRecord._meta.concrete_fields if field.column == column)
    for column in READ_COLUMNS
]


def _read_rows(race: Race, reads: list[SplitRead], user, device: str) -> list[tuple]:
    now, user_id = timezone.now(), getattr(user, "pk", None)
    return [read.row(race.pk, user_id, device, now) for read in reads]


def _insert_reads(race: Race, reads: list[SplitRead], user, device: str = "") -> None:
    """Store new reads in one go: COPY on PostgreSQL, where a chip file of 150,000 reads would
    otherwise spend most of its time building INSERT statements; bulk inserts elsewhere, and
    for a few reads, which one INSERT sends in one round trip (COPY needs two) while the race's
    lock is held."""
    if connection.vendor != "postgresql" or len(reads) <= FEW_READS:
        TimingRecord.objects.bulk_create([r.as_record(race, user, device) for r in reads], batch_size=CHUNK)
        return
    table = connection.ops.quote_name(TimingRecord._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(READ_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in _read_rows(race, reads, user, device):
            copy.write_row(row)


def archived_records_restore(records: list[TimingRecord]) -> None:
    """Store the records of a race archive as they were: voided or not, when they were received,
    by whom (results/archive/restoring.py, one transaction with the race it restores).

    Not a way in for reads: these were checked when they first came in, and the archive's rows
    are checked again before this runs. Each record gets its new id.
    """
    assert connection.in_atomic_block, "an archive is restored whole or not at all"
    insert_as_given(TimingRecord, records)


def reads_table_analyzed() -> None:
    """Fresh planner statistics for the reads table, on PostgreSQL, during a large import.

    A file stored in chunks looks each chunk up by read id. Statistics taken when the race had
    few reads make PostgreSQL scan all of the race's reads for each lookup (170 ms for a
    thousand ids at 330,000 reads, against 12 ms through the read-id index once analysed), and
    autovacuum analyses the table only after the import. ANALYZE samples the table: ~0.1 s.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(TimingRecord._meta.db_table)}")


def timing_reads_add(
    *,
    race: Race,
    reads: list[tuple[int, SplitRead]],
    bad: ProblemAtPosition,
    user=None,
    device: str = "",
    position_name: Callable[[int], str] = file_line,
) -> StoredReadsSummary:
    """Store checked reads that each carry a read id, while other devices store theirs.

    The devices of a race do not queue behind each other for its lock, as an import does:
    each takes the lock shared (it still waits for an import or a split typed in, which take it
    whole, and they wait for it), inserts what is new, and leaves a read that two devices send
    at once to the unique index (INSERT ... ON CONFLICT DO NOTHING waits for the other one to
    commit). A read the index turns away is then compared with what is stored: the same read
    is already stored; another read under the same id goes to `bad`, and then the caller must
    roll back, as what this request inserted is still in its transaction.

    Call it inside a transaction, and mark the standings stale after it if any read was added:
    last, so the race row is held only from that update to the commit.
    """
    assert connection.in_atomic_block, "the caller's transaction commits or rolls back what this adds"
    assert all(read.read_id for _position, read in reads), "a device's read always has its id"
    summary = StoredReadsSummary()
    candidates = _distinct_reads(reads, bad, position_name, summary)
    if not candidates:
        return summary
    lock_race_shared(race)
    # In read id order: two batches that share reads wait for each other, never in a circle.
    candidates.sort(key=lambda item: item[1].read_id)
    inserted: set[str] = set()
    for start in range(0, len(candidates), ROWS_PER_INSERT):
        chunk = [read for _position, read in candidates[start : start + ROWS_PER_INSERT]]
        inserted.update(_insert_new(race, chunk, user, device))
    turned_away = [read.read_id for _position, read in candidates if read.read_id not in inserted]
    stored = _stored_by_id(race, turned_away) if turned_away else {}
    for position, read in sorted(candidates, key=lambda item: item[0]):
        if read.read_id in inserted:
            summary.added += 1
            summary.added_positions.append(position)
            summary.added_reads.append(read)
        else:
            _settle_stored(race, position, read, stored[read.read_id], bad, summary)
    return summary


def _insert_new(race: Race, reads: list[SplitRead], user, device: str) -> list[str]:
    """Insert the reads whose id is not stored yet; returns the ids inserted."""
    row_marks = "(" + ", ".join(["%s"] * len(READ_COLUMNS)) + ")"
    sql = "INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT DO NOTHING RETURNING read_id".format(
        table=connection.ops.quote_name(TimingRecord._meta.db_table),
        columns=", ".join(READ_COLUMNS),
        rows=", ".join([row_marks] * len(reads)),
    )
    params = [
        field.get_db_prep_save(value, connection)
        for row in _read_rows(race, reads, user, device)
        for field, value in zip(READ_FIELDS, row, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [read_id for (read_id,) in cursor.fetchall()]


def lock_race_shared(race: Race) -> None:
    """Take the race's writer lock shared, until the end of the transaction.

    The other writers of a race's reads (an import, a split typed in) take the race row
    FOR UPDATE; FOR KEY SHARE lets devices in side by side and waits for those. Marking the
    standings stale is an update that does not touch the key, so it does not wait for it.
    SQLite has one writer at a time whatever is asked, and no such lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {connection.ops.quote_name(Race._meta.db_table)} WHERE id = %s FOR KEY SHARE",
                [race.pk],
            )


def _new_reads(
    race: Race,
    reads: list[tuple[int, SplitRead]],
    bad: ProblemAtPosition,
    position_name: Callable[[int], str],
) -> tuple[list[tuple[int, SplitRead]], StoredReadsSummary]:
    """The reads not stored yet, with their positions; a read id re-used with other content
    goes to `bad`."""
    summary = StoredReadsSummary()
    candidates = _distinct_reads(reads, bad, position_name, summary)
    read_ids = {read.read_id for _line, read in candidates if read.read_id}
    keyless = {read.content for _line, read in candidates if not read.read_id}

    # What is already stored, in one query each however long the file is: read ids anywhere
    # in the race (an id names one read), reads without an id at the file's stations.
    stored_by_id: dict[str, tuple] = {}
    if read_ids:
        looked_up = read_ids if len(read_ids) <= IDS_LOOKED_UP_ONE_BY_ONE else None
        stored_by_id = _stored_by_id(race, looked_up)
    stored_keyless: set[tuple] = set()
    if keyless:
        stations = {content[1] for content in keyless}
        stored = TimingRecord.objects.filter(race_id=race.pk, read_id="", station_id__in=stations)
        teams = {content[0] for content in keyless}
        if len(teams) <= IDS_LOOKED_UP_ONE_BY_ONE:
            # A chunk of a large file: its teams' reads, not every read at its stations each time.
            stored = stored.filter(team_id__in=teams)
        stored_keyless.update(stored.order_by().values_list("team_id", "station_id", "at", "source"))

    fresh: list[tuple[int, SplitRead]] = []
    for line, read in candidates:
        if read.read_id:
            stored_content = stored_by_id.get(read.read_id)
            if stored_content is None:
                fresh.append((line, read))
            else:
                _settle_stored(race, line, read, stored_content, bad, summary)
        elif read.content in stored_keyless:
            summary.count_already_stored(read)
        else:
            fresh.append((line, read))
    return fresh, summary


def stored_read(race: Race, read: SplitRead) -> TimingRecord | None:
    """The stored read this one repeats or contradicts: the race's read with the same id, or,
    for a read without one, the read with the same content."""
    records = TimingRecord.objects.select_related("team", "station")
    if read.read_id:
        return records.filter(race_id=race.pk, read_id=read.read_id).first()
    return records.filter(
        team_id=read.team_id, station_id=read.station_id, at=read.at, source=read.source, read_id=""
    ).first()


def _settle_stored(
    race: Race, position: int, read: SplitRead, stored_content: tuple, bad: ProblemAtPosition, summary
) -> None:
    """A read whose id the race has stored already: the same read again is counted as stored;
    another read under that id goes to `bad`, with what is stored under it."""
    if stored_content == read.content:
        summary.count_already_stored(read)
    else:
        bad(position, conflict_problem(read, stored_read(race, read), race))


def _stored_by_id(race: Race, read_ids: Collection[str] | None) -> dict[str, tuple]:
    """The content of the race's stored reads with these ids (None: every read with an id)."""
    stored = TimingRecord.objects.filter(race_id=race.pk).exclude(read_id="").order_by()
    columns = ("read_id", "team_id", "station_id", "at", "source")
    if read_ids is None:
        return {read_id: tuple(content) for read_id, *content in stored.values_list(*columns)}
    wanted = list(read_ids)
    if connection.vendor == "postgresql":
        # The ids as one array: one parameter and one query for a chunk of a large file.
        with connection.cursor() as cursor:
            cursor.execute(STORED_BY_ID_SQL.format(table=TimingRecord._meta.db_table), [race.pk, wanted])
            return {read_id: tuple(content) for read_id, *content in cursor.fetchall()}
    found = {}
    for start in range(0, len(wanted), IDS_PER_QUERY):
        rows = stored.filter(read_id__in=wanted[start : start + IDS_PER_QUERY]).values_list(*columns)
        found.update((read_id, tuple(content)) for read_id, *content in rows)
    return found


STORED_BY_ID_SQL = """
SELECT read_id, team_id, station_id, at, source FROM {table}
WHERE race_id = %s AND NOT (read_id = '') AND read_id = ANY(%s)
"""


def _distinct_reads(
    reads: list[tuple[int, SplitRead]],
    bad: ProblemAtPosition,
    position_name: Callable[[int], str],
    summary: StoredReadsSummary,
) -> list[tuple[int, SplitRead]]:
    """Each read once, with its position: a read repeated within the file or request counts as
    already stored; a read id used twice for different reads goes to `bad`."""
    first_with_id: dict[str, tuple[int, SplitRead]] = {}
    keyless: set[tuple] = set()
    candidates: list[tuple[int, SplitRead]] = []
    for line, read in reads:
        if read.read_id:
            seen = first_with_id.get(read.read_id)
            if seen is None:
                first_with_id[read.read_id] = (line, read)
                candidates.append((line, read))
            elif seen[1].content != read.content:
                message = _("%(id)s is used on %(first)s for another read; each read needs its own id.") % {
                    "id": read.read_id,
                    "first": position_name(seen[0]),
                }
                bad(line, Problem(message, field="read_id"))
            else:
                summary.count_already_stored(read)
        elif read.content in keyless:
            summary.count_already_stored(read)
        else:
            keyless.add(read.content)
            candidates.append((line, read))
    return candidates
