"""Write operations on timing: splits in, corrections with an audit trail."""

from collections import Counter
from dataclasses import replace
from datetime import datetime

from django.db import transaction
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
from races.csv_rows import read_rows
from races.models import AuditEntry, Race
from races.problems import InputProblems, Problem
from races.services import check_reason_length
from results.timing.models import Source, TimingRecord
from results.timing.read_checker import ReadChecker
from results.timing.read_store import (
    SplitRead,
    StoredReadsSummary,
    conflict_problem,
    stored_read,
    timing_reads_store,
)

TIMING_COLUMNS = ("bib", "station", "time")
TIMING_OPTIONAL = ("source", "read_id")


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
    Race.objects.select_for_update().filter(pk=race.pk).first()  # one writer of a race's reads at a time
    check_reason_length(reason)
    problems: list[Problem] = []
    read = ReadChecker(race).check(
        bib=bib, station=station, time=time, source=source, read_id=read_id, bad=problems.append
    )
    if len(device) > 100:
        problems.append(Problem(_("longer than 100 characters."), field="device"))
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


def _effective_time(team_id: int, station_id: int) -> datetime | None:
    """T(s) of one team at one station: the earliest read there that is not voided."""
    return (
        TimingRecord.objects.filter(team_id=team_id, station_id=station_id, voided=False)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )


def timing_import(
    *,
    race: Race,
    raw: bytes,
    filename: str = "the timing file",
    actor: Actor = SOMEONE_AT_THE_COMMAND_LINE,
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
        summary = _checked_reads_stored(race, raw, filename, user=actor.user, dry_run=dry_run)
        if dry_run or not summary.added:
            return summary
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
        )
        race.bump_standings_version()
    return summary


def _checked_reads_stored(
    race: Race, raw: bytes, filename: str, *, user, dry_run: bool
) -> StoredReadsSummary:
    """The file's reads not stored yet are stored (unless `dry_run`), with the counts per
    station; InputProblems naming every bad line, and then nothing is stored."""
    problems: list[Problem] = []
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
            bad=lambda problem, line=row.line: problems.append(replace(problem, line=line)),
        )
        if read is not None:
            reads.append((row.line, read))
    if problems:
        raise InputProblems(problems)

    summary = timing_reads_store(
        race=race,
        reads=reads,
        bad=lambda line, problem: problems.append(replace(problem, line=line)),
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
