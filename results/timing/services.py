"""Write operations on timing: splits in, corrections with an audit trail."""

import io
from dataclasses import replace
from datetime import datetime
from typing import BinaryIO

from django.db import DatabaseError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import (
    SOMEONE_AT_THE_COMMAND_LINE,
    Actor,
    EffectiveTime,
    SplitAdded,
    SplitCorrected,
    SplitState,
    TimingImported,
    audit,
)
from races.models import AuditEntry, Race
from races.problems import InputProblems, Problem
from races.services import Change, check_reason_length, race_state_locked, refuse_if_closed
from results.timing.models import Source, TimingRecord
from results.timing.race_time import format_clock
from results.timing.read_checker import ReadChecker
from results.timing.read_store import (
    SplitRead,
    StoredReadsSummary,
    conflict_problem,
    reads_table_analyzed,
    stored_read,
    timing_reads_store,
)
from results.timing.timing_files import CHUNK_READS, chunks_of_reads, count_per_station, timing_file_checked


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
    actor: Actor = SOMEONE_AT_THE_COMMAND_LINE,
    reason: str = "",
) -> tuple[TimingRecord, bool]:
    """Store one split; returns (record, created). The same read again adds nothing.

    A split typed in by an official (source manual) goes into the audit trail with the
    official's reason and the team's effective time at the station before and after.
    """
    race_state_locked(race)  # one writer of a race's reads at a time
    check_reason_length(reason)
    # Closed: a split typed in is the results desk's correction; any other read is refused.
    refuse_if_closed(
        race, change=Change.CORRECTION if source == Source.MANUAL else Change.READ, reason=reason
    )
    problems: list[Problem] = []
    # A split typed in by hand has passed: a time to come is a typo. (Devices post through
    # device_reads_store, which holds their reads to the clock too.)
    typed = source == Source.MANUAL
    checker = ReadChecker(race, now=timezone.now() if typed else None, typed=typed)
    read = checker.check(
        bib=bib, station=station, time=time, source=source, read_id=read_id, bad=problems.append
    )
    if len(device) > 100:
        problems.append(Problem(_("longer than 100 characters."), field="device"))
    if read is not None and typed:
        problems += _typed_split_problems(race, read)
    if problems:
        raise InputProblems(problems)

    existing = stored_read(race, read)
    if existing is not None:
        if read.read_id and not read.same_content(existing):
            raise InputProblems([conflict_problem(read, existing, race)])
        return existing, False
    before = _effective_time(read.team_id, read.station_id)
    record = read.as_record(race, actor.user, device)
    record.save()
    if source == Source.MANUAL:
        audit(
            race=race,
            action=AuditEntry.Action.TIMING_ADDED,
            actor=actor,
            details=SplitAdded(
                record=record.pk,
                station=station,
                time=read.at,
                before=EffectiveTime(effective_time=before),
                after=EffectiveTime(effective_time=_effective_time(read.team_id, read.station_id)),
            ),
            team=record.team,
            reason=reason.strip(),
        )
    race.bump_standings_version()
    return record, True


def _typed_split_problems(race: Race, read: SplitRead) -> list[Problem]:
    """A split typed in by hand (from a station sheet, a marshal's watch) comes between the
    team's times at the stations before and after: a time out of the course's order is a typo,
    which would otherwise rank the team on every public page until someone saw it among the
    anomalies. (One still to come is the read checker's to refuse.)"""
    station_at = {station.pk: station for station in race.course}
    station = station_at[read.station_id]
    effective = (
        TimingRecord.objects.filter(team_id=read.team_id, voided=False)
        .exclude(station_id=read.station_id)
        .values("station_id")
        .annotate(at=Min("at"))
    )
    for row in effective:
        other = station_at[row["station_id"]]
        before = other.position < station.position
        if (before and row["at"] >= read.at) or (not before and row["at"] <= read.at):
            words = {
                "bib": read.bib_as_read,
                "other": other.code,
                "other_time": format_clock(row["at"], race),
                "station": station.code,
                "time": format_clock(read.at, race),
            }
            message = (
                _(
                    "team %(bib)s passed %(other)s at %(other_time)s, not before this time at "
                    "%(station)s (%(time)s), though %(other)s comes first. Check the time, or void "
                    "the wrong split at %(other)s first."
                )
                if before
                else _(
                    "team %(bib)s passed %(other)s at %(other_time)s, not after this time at "
                    "%(station)s (%(time)s), though %(other)s comes later. Check the time, or void "
                    "the wrong split at %(other)s first."
                )
            )
            return [Problem(message % words, field="time")]
    return []


def _effective_time(team_id: int, station_id: int) -> datetime | None:
    """T(s) of one team at one station: the earliest read there that is not voided."""
    return (
        TimingRecord.objects.filter(team_id=team_id, station_id=station_id, voided=False)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


class TimingImportInterrupted(Exception):
    """A file stored in chunks stopped partway: `stored` says what its committed chunks added,
    `problems` what stopped it (a read stored meanwhile that contradicts the file), or else the
    database failed (`__cause__`). Every read stored is a whole read: the same file again
    stores exactly the rest."""

    def __init__(self, *, stored: StoredReadsSummary, to_store: int, problems: list[Problem] | None = None):
        self.stored, self.to_store, self.problems = stored, to_store, problems or []
        super().__init__(f"{stored.added} of {to_store} new reads stored")


def timing_import(
    *,
    race: Race,
    raw: bytes | BinaryIO,
    filename: str = "the timing file",
    actor: Actor = SOMEONE_AT_THE_COMMAND_LINE,
    dry_run: bool = False,
    in_chunks: bool = False,
    correction: bool = False,
    reason: str = "",
) -> StoredReadsSummary:
    """Store every read of a timing CSV, or none of them if any line is wrong.

    `raw` is the file's bytes or the file itself, read as a stream from its start. A file with
    a header and no reads yet (a reader's first export) adds nothing and is fine. With `dry_run`
    every check runs the same and the summary says what would be stored, but nothing is: the
    officials' upload page previews a chip file this way before it is confirmed.

    By default (`import_timing`, the admin) the file is one transaction holding the race's
    writer lock. `in_chunks` (the officials' confirm on race day) checks the whole file first,
    then stores it CHUNK_READS reads to a short transaction, so the devices' posts and the keypads
    get in between; if it stops partway it raises TimingImportInterrupted (docs/decisions/bounded-uploads.md).
    Either way the standings are marked stale once, after the whole file.

    A closed race takes no file (`import_timing`: 409), except the results desk's upload of a
    provisional race, which is a `correction` and needs a `reason` (docs/race-day.md).
    """
    change = Change.CORRECTION if correction else Change.READ
    check_reason_length(reason)
    chip_file = io.BytesIO(raw) if isinstance(raw, bytes | bytearray) else raw
    checker = ReadChecker(race)
    if dry_run:
        # A preview only reads: no transaction, which on SQLite would take the write lock. A
        # file a closed race would refuse is refused now, before anyone confirms it.
        refuse_if_closed(race, change=Change.OTHER if correction else Change.READ, tell=False)
        return timing_file_checked(race=race, chip_file=chip_file, filename=filename, checker=checker)
    if in_chunks:
        return _imported_in_chunks(race, chip_file, filename, actor, checker, change, reason)
    with transaction.atomic():
        # One writer of a race's reads at a time, from the first check to the last read stored.
        race_state_locked(race)
        refuse_if_closed(race, change=change, reason=reason)
        timing_file_checked(race=race, chip_file=chip_file, filename=filename, checker=checker)
        summary, analysed = StoredReadsSummary(), Analysis()
        for chunk in chunks_of_reads(race, chip_file, filename, checker):
            _add_up(summary, _chunk_stored(race, chunk, actor))
            analysed.after(summary.added)
        _audit_import(race, filename, actor, summary, checker, reason)
    return summary


def _imported_in_chunks(
    race: Race,
    chip_file: BinaryIO,
    filename: str,
    actor: Actor,
    checker: ReadChecker,
    change: Change,
    reason: str,
) -> StoredReadsSummary:
    preview = timing_file_checked(race=race, chip_file=chip_file, filename=filename, checker=checker)
    summary, analysed = StoredReadsSummary(), Analysis()
    try:
        for number, chunk in enumerate(chunks_of_reads(race, chip_file, filename, checker)):
            with transaction.atomic():
                race_state_locked(race)
                # Each chunk: the race may close between two of them. Said once if a correction.
                refuse_if_closed(race, change=change, reason=reason, tell=number == 0)
                part = _chunk_stored(race, chunk, actor)
            _add_up(summary, part)
            analysed.after(summary.added)
    except (InputProblems, DatabaseError) as stop:
        if not summary.added:
            raise  # nothing stored: refused as a whole, or the database busy (a 503, try again)
        try:
            with transaction.atomic():  # what was stored is audited, and in the standings
                _audit_import(race, filename, actor, summary, checker, reason)
        except DatabaseError:
            pass  # the database is gone: the same file again audits what it then stores
        problems = stop.problems if isinstance(stop, InputProblems) else []
        raise TimingImportInterrupted(stored=summary, to_store=preview.added, problems=problems) from stop
    with transaction.atomic():
        _audit_import(race, filename, actor, summary, checker, reason)
    return summary


class Analysis:
    """The reads table analysed each time this import has doubled what it stored (from a
    chunk's worth): a handful of times for the largest file, so its lookups stay on the index."""

    def __init__(self):
        self.next_at = CHUNK_READS

    def after(self, added: int) -> None:
        if added >= self.next_at:
            reads_table_analyzed()
            self.next_at = 2 * added


def _chunk_stored(race: Race, chunk: list, actor: Actor) -> StoredReadsSummary:
    """One chunk of a file's reads stored, those not stored yet; the caller holds the race's lock."""
    problems: list[Problem] = []
    part = timing_reads_store(
        race=race,
        reads=chunk,
        bad=lambda line, problem: problems.append(replace(problem, line=line)),
        user=actor.user,
    )
    if problems:
        raise InputProblems(problems)
    return part


def _add_up(summary: StoredReadsSummary, part: StoredReadsSummary) -> None:
    summary.added += part.added
    summary.already_stored += part.already_stored
    summary.stored_station_ids.update(part.stored_station_ids)
    summary.added_station_ids.update(read.station_id for read in part.added_reads)


def _audit_import(
    race: Race,
    filename: str,
    actor: Actor,
    summary: StoredReadsSummary,
    checker: ReadChecker,
    reason: str = "",
) -> None:
    """The counts per station, and if any read was added, the audit entry and the standings
    marked stale: once for the file, whatever its chunks."""
    count_per_station(summary, summary.added_station_ids, checker)
    if not summary.added:
        return
    audit(
        race=race,
        action=AuditEntry.Action.TIMING_IMPORTED,
        actor=actor,
        details=TimingImported(
            file=filename,
            added=summary.added,
            already_stored=summary.already_stored,
            added_at=dict(summary.added_at),
        ),
        reason=reason.strip(),
    )
    race.bump_standings_version()


@transaction.atomic
def timing_record_void(
    *, record: TimingRecord, reason: str, actor: Actor = SOMEONE_AT_THE_COMMAND_LINE
) -> TimingRecord:
    """Take a read out of the standings; it stays on file, with who, when and why."""
    if not reason.strip():
        raise InputProblems(
            [Problem(_("say why this split is voided (e.g. 'chip read by a spectator')."), field="reason")]
        )
    check_reason_length(reason)
    _correction_allowed(record, reason)
    record = (
        TimingRecord.objects.select_for_update().select_related("race", "team", "station").get(pk=record.pk)
    )
    if record.voided:
        raise InputProblems([_("this split is already voided.")])
    before = _effective_time(record.team_id, record.station_id)
    record.voided, record.void_reason = True, reason.strip()
    record.voided_by, record.voided_at = actor.user, timezone.now()
    record.save(update_fields=["voided", "void_reason", "voided_by", "voided_at"])
    _audit_correction(record, AuditEntry.Action.TIMING_VOIDED, reason, actor, before)
    return record


@transaction.atomic
def timing_record_restore(
    *, record: TimingRecord, reason: str, actor: Actor = SOMEONE_AT_THE_COMMAND_LINE
) -> TimingRecord:
    """Put a voided read back into the standings."""
    if not reason.strip():
        raise InputProblems([Problem(_("say why this split is restored."), field="reason")])
    check_reason_length(reason)
    _correction_allowed(record, reason)
    record = (
        TimingRecord.objects.select_for_update().select_related("race", "team", "station").get(pk=record.pk)
    )
    if not record.voided:
        raise InputProblems([_("this split is not voided.")])
    before = _effective_time(record.team_id, record.station_id)
    record.voided, record.void_reason, record.voided_by, record.voided_at = False, "", None, None
    record.save(update_fields=["voided", "void_reason", "voided_by", "voided_at"])
    _audit_correction(record, AuditEntry.Action.TIMING_RESTORED, reason, actor, before)
    return record


def _correction_allowed(record: TimingRecord, reason: str) -> None:
    """The race row first, as every writer of its reads takes it: official results take no void."""
    race = Race.objects.get(pk=record.race_id)
    race_state_locked(race)
    refuse_if_closed(race, change=Change.CORRECTION, reason=reason)


def _audit_correction(
    record: TimingRecord, action: str, reason: str, actor: Actor, effective_before: datetime | None
) -> None:
    """Who, when, why, and what it did: the split's state and the team's effective time at the
    station before and after, so an appeal can see whether the correction moved the team."""
    audit(
        race=record.race,
        action=action,
        actor=actor,
        details=SplitCorrected(
            record=record.pk,
            station=record.station.code,
            time=record.at,
            before=SplitState(voided=not record.voided, effective_time=effective_before),
            after=SplitState(
                voided=record.voided, effective_time=_effective_time(record.team_id, record.station_id)
            ),
        ),
        team=record.team,
        reason=reason.strip(),
    )
    record.race.bump_standings_version()
