"""Write operations on timing: splits in, corrections with an audit trail."""

from collections import Counter
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import connection, transaction
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
from races.models import AuditEntry, Race, Runner, Team
from races.problems import InputProblems, Problem
from races.services import check_reason_length
from results.timing.models import Source, TimingRecord
from results.timing.race_time import SplitTimeParser, TimeFormatError, format_clock
from results.timing.read_store import (
    SplitRead,
    StoredReadsSummary,
    conflict_problem,
    stored_read,
    timing_reads_store,
)

TIMING_COLUMNS = ("bib", "station", "time")
TIMING_OPTIONAL = ("source", "read_id")
SOURCES = frozenset(Source.values)


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


class ReadChecker:
    """Checks reads of one race, whatever brought them: a file line, a tablet tap, the API.

    Each problem goes to `bad(problem)`, naming its field; a read with none comes back ready to
    store, and the caller says where the read was (a file line, a batch index).
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
            bad(Problem(message, field=field))

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
