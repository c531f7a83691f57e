"""Write operations on timing: splits in, corrections with an audit trail."""

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.csv_rows import read_rows
from races.models import AuditEntry, Race, Runner, Team
from races.problems import InputProblems, at_line
from races.services import COMMAND_LINE, check_reason_length
from results.models import Source, TimingRecord
from results.race_time import SplitTimeParser, TimeFormatError, format_clock

TIMING_COLUMNS = ("bib", "station", "time")
TIMING_OPTIONAL = ("source", "read_id")
CHUNK = 2000
SOURCES = frozenset(Source.values)
# Up to this many read ids, the stored ones are looked up by id; a longer file reads all of
# the race's read ids in one go rather than send a very long IN list.
IDS_LOOKED_UP_ONE_BY_ONE = 1000
FEW_READS = 50
# A thousand reads of twelve columns stay well under either database's limit of parameters.
ROWS_PER_INSERT = 1000

# bad(position, field, message): a problem with the read at a file line or a batch index.
ReadProblemSink = Callable[[int, str, str], None]


def file_line(line: int) -> str:
    return _("line %d") % line


class BibResolver:
    """Team bib, runner bib or chip id to the team: readers see chips, officials see bibs.

    With `identifiers`, only those are looked up: a device sends a few reads at a time, and
    loading every bib of a 25,000-team race for each request would cost more than the insert.
    """

    def __init__(self, race: Race, identifiers: Collection[str] | None = None):
        self.teams: dict[str, int] = {}
        self.aliases: dict[str, int] = {}
        if identifiers is not None:
            self._look_up(race, sorted({identifier for identifier in identifiers if identifier}))
            return
        self.teams = dict(Team.objects.filter(race_id=race.pk).order_by().values_list("bib", "pk"))
        runners = Runner.objects.filter(race_id=race.pk).exclude(runner_bib="", chip_id="").order_by()
        for team_id, runner_bib, chip_id in runners.values_list("team_id", "runner_bib", "chip_id"):
            if runner_bib:
                self.aliases[runner_bib] = team_id
            if chip_id:
                self.aliases[chip_id] = team_id

    def _look_up(self, race: Race, wanted: list[str]) -> None:
        """A device's few bibs as team bibs, runner bibs and chip ids, in one plain statement:
        every post of every device comes here, and building three ORM queries cost more than
        running them."""
        if not wanted:
            return
        marks = ", ".join(["%s"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(
                BIBS_SQL.format(team=Team._meta.db_table, runner=Runner._meta.db_table, marks=marks),
                [race.pk, *wanted, race.pk, *wanted, race.pk, *wanted],
            )
            for identifier, team_id, is_team_bib in cursor.fetchall():
                (self.teams if is_team_bib else self.aliases)[identifier] = team_id

    def team_id(self, bib: str) -> int | None:
        return self.teams.get(bib) or self.aliases.get(bib)


BIBS_SQL = """
SELECT bib, id, 1 FROM {team} WHERE race_id = %s AND bib IN ({marks})
UNION ALL
SELECT runner_bib, team_id, 0 FROM {runner} WHERE race_id = %s AND runner_bib IN ({marks}) AND runner_bib <> ''
UNION ALL
SELECT chip_id, team_id, 0 FROM {runner} WHERE race_id = %s AND chip_id IN ({marks}) AND chip_id <> ''
"""


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

    def as_record(self, race: Race, user=None, device: str = "") -> TimingRecord:
        return TimingRecord(
            race=race,
            team_id=self.team_id,
            station_id=self.station_id,
            at=self.at,
            source=self.source,
            read_id=self.read_id,
            bib_as_read=self.bib_as_read,
            device=device,
            recorded_by=user,
        )

    def same_content(self, record: "TimingRecord") -> bool:
        return (record.team_id, record.station_id, record.at, record.source) == self.content


class ReadChecker:
    """Checks reads of one race, whatever brought them: a file line, a tablet tap, the API.

    Each problem goes to `bad(field, message)`; a read with none comes back ready to store.
    `identifiers`: the only bibs that will be checked (see BibResolver). `latest`: the latest
    moment a read may have, for reads that arrive as they happen (a device's clock running
    ahead, or set to the wrong zone, must not put a team at the finish before it got there).
    """

    # A typo in an ISO date (2052 for 2025) must not become a split decades after the gun.
    LATEST_AFTER_GUN = timedelta(days=7)

    def __init__(
        self, race: Race, *, identifiers: Collection[str] | None = None, latest: datetime | None = None
    ):
        self.race = race
        self.resolver = BibResolver(race, identifiers)
        self.stations = {station.code: station for station in race.course}
        self.gun = race.gun
        self.latest = latest
        self.parse_time = SplitTimeParser(race)

    def check(
        self, *, bib: str, station: str, time: str | datetime, source: str, read_id: str, bad
    ) -> SplitRead | None:
        ok = True

        def problem(field: str, message: str) -> None:
            nonlocal ok
            ok = False
            bad(field, message)

        team_id = self.resolver.team_id(bib)
        if team_id is None:
            problem("bib", _("%r is not a team bib, runner bib or chip id of this race.") % bib)
        station_obj = self.stations.get(station)
        if station_obj is None:
            problem(
                "station",
                _("%(code)r is not a station of this race; use one of %(codes)s.")
                % {"code": station, "codes": ", ".join(self.stations)},
            )
        at = self._time(time, problem)
        if source not in SOURCES:
            problem(
                "source",
                _("%(value)r is not a source; use one of %(known)s, or leave it empty.")
                % {"value": source, "known": ", ".join(Source.values)},
            )
        if len(read_id) > 100:
            problem("read_id", _("longer than 100 characters."))
        elif "\x00" in read_id:
            problem("read_id", _("contains a NUL character."))
        if not ok:
            return None
        return SplitRead(team_id, station_obj.pk, at, source, read_id, bib)

    def _time(self, time: str | datetime, problem) -> datetime | None:
        if isinstance(time, datetime):
            if time.tzinfo is None:
                problem("time", _("needs a time zone offset."))
                return None
            shown, at = (
                format_clock(time, self.race),
                time.replace(microsecond=time.microsecond - time.microsecond % 1000),
            )
        else:
            shown = time
            try:
                at = self.parse_time(time)
            except TimeFormatError as exc:
                problem("time", str(exc))
                return None
        if at < self.gun:
            problem(
                "time",
                _("%(time)s is before the start gun at %(gun)s.")
                % {"time": shown, "gun": format_clock(self.gun, self.race)},
            )
        elif at > self.gun + self.LATEST_AFTER_GUN:
            problem("time", _("%s is more than a week after the start gun; check the date.") % shown)
        elif self.latest is not None and at > self.latest:
            problem(
                "time",
                _(
                    "%(time)s is in the future: the server accepts reads up to %(latest)s now; "
                    "check the device's clock and time zone."
                )
                % {
                    "time": at.astimezone(self.race.zone).isoformat(timespec="milliseconds"),
                    "latest": self.latest.astimezone(self.race.zone).isoformat(timespec="seconds"),
                },
            )
        return at


@dataclass
class StoredReadsSummary:
    added: int = 0
    already_stored: int = 0
    # The file lines or batch indexes of the reads added (the others were stored already).
    added_positions: list[int] = field(default_factory=list)
    #: Per station code, in course order: what a preview shows before anything is stored.
    added_at: dict[str, int] = field(default_factory=dict)
    already_stored_at: dict[str, int] = field(default_factory=dict)
    #: Reads found stored already, per station id (for the per-code counts above).
    stored_station_ids: Counter = field(default_factory=Counter)
    added_reads: list[SplitRead] = field(default_factory=list)

    def count_already_stored(self, read: SplitRead) -> None:
        self.already_stored += 1
        self.stored_station_ids[read.station_id] += 1

    def __str__(self) -> str:
        return _("%(added)d timing records added, %(same)d already stored.") % {
            "added": self.added,
            "same": self.already_stored,
        }


def _conflict_message(read: SplitRead, record: TimingRecord, race: Race) -> str:
    return _(
        "read id %(id)s is already stored for team %(bib)s at %(station)s %(time)s (%(source)s); "
        "a re-sent read must carry the same content, a new read a new id."
    ) % {
        "id": read.read_id,
        "bib": record.team.bib,
        "station": record.station.code,
        "time": format_clock(record.at, race),
        "source": record.source,
    }


@transaction.atomic
def timing_record_create(
    *,
    race: Race,
    bib: str,
    station: str,
    time: str | datetime,
    source: str = Source.MANUAL,
    read_id: str = "",
    device: str = "",
    user=None,
    reason: str = "",
) -> tuple[TimingRecord, bool]:
    """Store one split; returns (record, created). The same read again adds nothing.

    A split typed in by an official (source manual) goes into the audit trail with the
    official's reason and the team's effective time at the station before and after.
    """
    Race.objects.select_for_update().filter(pk=race.pk).first()  # one writer of a race's reads at a time
    check_reason_length(reason)
    problems: list[str] = []
    read = ReadChecker(race).check(
        bib=bib,
        station=station,
        time=time,
        source=source,
        read_id=read_id,
        bad=lambda field, message: problems.append(f"{field}: {message}"),
    )
    if len(device) > 100:
        problems.append(_("device: longer than 100 characters."))
    if problems:
        raise InputProblems(problems)

    existing = _existing_record(race, read)
    if existing is not None:
        if read.read_id and not read.same_content(existing):
            raise InputProblems([_conflict_message(read, existing, race)])
        return existing, False
    before = _effective_time(read.team_id, read.station_id)
    record = read.as_record(race, user, device)
    record.save()
    if source == Source.MANUAL:
        AuditEntry.objects.create(
            race=race,
            user=user,
            actor=_actor(user, device),
            action=AuditEntry.Action.TIMING_ADDED,
            team_id=read.team_id,
            reason=reason.strip(),
            details={
                "record": record.pk,
                "station": station,
                "time": read.at.isoformat(),
                "before": {"effective_time": _iso(before)},
                "after": {"effective_time": _iso(_effective_time(read.team_id, read.station_id))},
            },
        )
    race.bump_standings_version()
    return record, True


def _actor(user, device: str = "") -> str:
    if user is not None:
        return user.get_username()
    return device or COMMAND_LINE


def _effective_time(team_id: int, station_id: int) -> datetime | None:
    """T(s) of one team at one station: the earliest read there that is not voided."""
    return (
        TimingRecord.objects.filter(team_id=team_id, station_id=station_id, voided=False)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _existing_record(race: Race, read: SplitRead) -> TimingRecord | None:
    records = TimingRecord.objects.select_related("team", "station")
    if read.read_id:
        return records.filter(race=race, read_id=read.read_id).first()
    return records.filter(
        team_id=read.team_id, station_id=read.station_id, at=read.at, source=read.source, read_id=""
    ).first()


def timing_import(
    *,
    race: Race,
    raw: bytes,
    filename: str = "the timing file",
    actor: str = COMMAND_LINE,
    user=None,
    dry_run: bool = False,
) -> StoredReadsSummary:
    """Store every read of a timing CSV, or none of them if any line is wrong.

    A file with a header and no reads yet (a reader's first export) adds nothing and is fine.
    With `dry_run` every check runs the same and the summary says what would be stored, but
    nothing is: the officials' upload page previews a chip file this way before it is confirmed.
    """
    with transaction.atomic():
        if not dry_run:
            # One writer of a race's reads at a time; a preview only reads, so it takes no lock
            # and keeps no tablet waiting while a large file is checked.
            Race.objects.select_for_update().filter(pk=race.pk).first()
        summary = _checked_reads_stored(race, raw, filename, user=user, dry_run=dry_run)
        if dry_run or not summary.added:
            return summary
        AuditEntry.objects.create(
            race=race,
            user=user,
            actor=actor,
            action=AuditEntry.Action.TIMING_IMPORTED,
            details={
                "file": filename,
                "added": summary.added,
                "already_stored": summary.already_stored,
                "added_at": summary.added_at,
            },
        )
        race.bump_standings_version()
    return summary


def _checked_reads_stored(
    race: Race, raw: bytes, filename: str, *, user, dry_run: bool
) -> StoredReadsSummary:
    """The file's reads not stored yet are stored (unless `dry_run`), with the counts per
    station; InputProblems naming every bad line, and then nothing is stored."""
    problems: list[str] = []
    rows = read_rows(
        raw,
        required=TIMING_COLUMNS,
        optional=TIMING_OPTIONAL,
        filename=filename,
        problems=problems,
        allow_no_rows=True,
    )
    checker = ReadChecker(race)
    reads: list[tuple[int, SplitRead]] = []
    for row in rows:
        read = checker.check(
            bib=row["bib"],
            station=row["station"],
            time=row["time"],
            source=row["source"].lower() or Source.IMPORT,
            read_id=row["read_id"],
            bad=lambda field, message, line=row.line: problems.append(at_line(line, field, message)),
        )
        if read is not None:
            reads.append((row.line, read))
    if problems:
        raise InputProblems(problems)

    summary = timing_reads_store(
        race=race,
        reads=reads,
        bad=lambda line, field, message: problems.append(at_line(line, field, message)),
        user=user,
        dry_run=dry_run,
    )
    if problems:
        raise InputProblems(problems)
    added_at = Counter(read.station_id for read in summary.added_reads)
    for station in checker.stations.values():
        if added_at[station.pk] or summary.stored_station_ids[station.pk]:
            summary.added_at[station.code] = added_at[station.pk]
            summary.already_stored_at[station.code] = summary.stored_station_ids[station.pk]
    return summary


def timing_reads_store(
    *,
    race: Race,
    reads: list[tuple[int, SplitRead]],
    bad: ReadProblemSink,
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
    conflicts: list[tuple[int, str, str]] = []
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


def _read_rows(race: Race, reads: list[SplitRead], user, device: str) -> list[tuple]:
    now, user_id = timezone.now(), getattr(user, "pk", None)
    return [
        (
            race.pk,
            r.team_id,
            r.station_id,
            r.at,
            r.source,
            r.read_id,
            r.bib_as_read,
            user_id,
            device,
            now,
            False,
            "",
        )
        for r in reads
    ]


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


def timing_reads_add(
    *,
    race: Race,
    reads: list[tuple[int, SplitRead]],
    bad: ReadProblemSink,
    user=None,
    device: str = "",
    position_name: Callable[[int], str] = file_line,
) -> StoredReadsSummary:
    """Store checked reads that each carry a read id, while other devices store theirs.

    The devices of a race do not queue behind each other for its lock, as an import does:
    each takes the lock shared (it still waits for an import or a correction, which take it
    whole, and they wait for it), inserts what is new, and leaves a read that two devices send
    at once to the unique index (INSERT ... ON CONFLICT DO NOTHING waits for the other one to
    commit). A read the index turns away is then compared with what is stored: the same read
    is already stored; another read under the same id goes to `bad`, and then the caller must
    roll back, as what this request inserted is still in its transaction.

    Call it inside a transaction, and mark the standings stale after it if any read was added:
    last, so the race row is held only from that update to the commit.
    """
    assert connection.in_atomic_block, "the caller's transaction commits or rolls back what this adds"
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
        elif stored[read.read_id] == read.content:
            summary.count_already_stored(read)
        else:
            record = TimingRecord.objects.select_related("team", "station").get(
                race=race, read_id=read.read_id
            )
            bad(position, "read_id", _conflict_message(read, record, race))
    return summary


def _insert_new(race: Race, reads: list[SplitRead], user, device: str) -> list[str]:
    """Insert the reads whose id is not stored yet; returns the ids inserted."""
    by_column = {field.column: field for field in TimingRecord._meta.concrete_fields}
    fields = [by_column[column] for column in READ_COLUMNS]
    row_marks = "(" + ", ".join(["%s"] * len(READ_COLUMNS)) + ")"
    sql = "INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT DO NOTHING RETURNING read_id".format(
        table=connection.ops.quote_name(TimingRecord._meta.db_table),
        columns=", ".join(READ_COLUMNS),
        rows=", ".join([row_marks] * len(reads)),
    )
    params = [
        field.get_db_prep_save(value, connection)
        for row in _read_rows(race, reads, user, device)
        for field, value in zip(fields, row, strict=True)
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
    race: Race, reads: list[tuple[int, SplitRead]], bad: ReadProblemSink, position_name: Callable[[int], str]
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
        stored_keyless.update(
            TimingRecord.objects.filter(race_id=race.pk, read_id="", station_id__in=stations)
            .order_by()
            .values_list("team_id", "station_id", "at", "source")
        )

    fresh: list[tuple[int, SplitRead]] = []
    for line, read in candidates:
        if read.read_id:
            stored_content = stored_by_id.get(read.read_id)
            if stored_content is None:
                fresh.append((line, read))
            elif stored_content == read.content:
                summary.count_already_stored(read)
            else:
                record = TimingRecord.objects.select_related("team", "station").get(
                    race=race, read_id=read.read_id
                )
                bad(line, "read_id", _conflict_message(read, record, race))
        elif read.content in stored_keyless:
            summary.count_already_stored(read)
        else:
            fresh.append((line, read))
    return fresh, summary


def _stored_by_id(race: Race, read_ids: Collection[str] | None) -> dict[str, tuple]:
    """The content of the race's stored reads with these ids (None: every read with an id)."""
    stored = TimingRecord.objects.filter(race_id=race.pk).exclude(read_id="").order_by()
    if read_ids is not None:
        stored = stored.filter(read_id__in=list(read_ids))
    rows = stored.values_list("read_id", "team_id", "station_id", "at", "source")
    return {read_id: tuple(content) for read_id, *content in rows}


def _distinct_reads(
    reads: list[tuple[int, SplitRead]],
    bad: ReadProblemSink,
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
                bad(
                    line,
                    "read_id",
                    _("%(id)s is used on %(first)s for another read; each read needs its own id.")
                    % {"id": read.read_id, "first": position_name(seen[0])},
                )
            else:
                summary.count_already_stored(read)
        elif read.content in keyless:
            summary.count_already_stored(read)
        else:
            keyless.add(read.content)
            candidates.append((line, read))
    return candidates


@transaction.atomic
def timing_record_void(*, record: TimingRecord, reason: str, user=None, actor: str = "") -> TimingRecord:
    """Take a read out of the standings; it stays on file, with who, when and why."""
    if not reason.strip():
        raise InputProblems([_("reason: say why this split is voided (e.g. 'chip read by a spectator').")])
    check_reason_length(reason)
    record = (
        TimingRecord.objects.select_for_update().select_related("race", "team", "station").get(pk=record.pk)
    )
    if record.voided:
        raise InputProblems([_("this split is already voided.")])
    before = _effective_time(record.team_id, record.station_id)
    record.voided, record.void_reason = True, reason.strip()
    record.voided_by, record.voided_at = user, timezone.now()
    record.save(update_fields=["voided", "void_reason", "voided_by", "voided_at"])
    _audit_correction(record, AuditEntry.Action.TIMING_VOIDED, reason, user, actor, before)
    return record


@transaction.atomic
def timing_record_restore(*, record: TimingRecord, reason: str, user=None, actor: str = "") -> TimingRecord:
    """Put a voided read back into the standings."""
    if not reason.strip():
        raise InputProblems([_("reason: say why this split is restored.")])
    check_reason_length(reason)
    record = (
        TimingRecord.objects.select_for_update().select_related("race", "team", "station").get(pk=record.pk)
    )
    if not record.voided:
        raise InputProblems([_("this split is not voided.")])
    before = _effective_time(record.team_id, record.station_id)
    record.voided, record.void_reason, record.voided_by, record.voided_at = False, "", None, None
    record.save(update_fields=["voided", "void_reason", "voided_by", "voided_at"])
    _audit_correction(record, AuditEntry.Action.TIMING_RESTORED, reason, user, actor, before)
    return record


def _audit_correction(
    record: TimingRecord, action: str, reason: str, user, actor: str, effective_before: datetime | None
) -> None:
    """Who, when, why, and what it did: the split's state and the team's effective time at the
    station before and after, so an appeal can see whether the correction moved the team."""
    AuditEntry.objects.create(
        race=record.race,
        user=user,
        actor=actor or _actor(user),
        action=action,
        team=record.team,
        reason=reason.strip(),
        details={
            "record": record.pk,
            "station": record.station.code,
            "time": record.at.isoformat(),
            "before": {"voided": not record.voided, "effective_time": _iso(effective_before)},
            "after": {
                "voided": record.voided,
                "effective_time": _iso(_effective_time(record.team_id, record.station_id)),
            },
        },
    )
    record.race.bump_standings_version()
