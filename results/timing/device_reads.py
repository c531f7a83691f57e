"""Splits sent by timing devices: a request is checked as a whole and stored all or nothing.

A tablet or chip reader keeps what it sent until the server says it is stored, and sends it
again after a timeout. So a request is stored whole or not at all (the device re-sends the
whole of it anyway), and a read sent twice is stored once (its id says it is the same read).
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekiden.throttle import count_in_window
from races.models import Race
from races.problems import InputProblems, Problem
from races.services import Change, RaceStateRefused, refuse_if_closed
from races.services.results_states import STATE_FIELDS
from results.timing.models import Source, UnmatchedRead
from results.timing.read_checker import ReadChecker
from results.timing.read_store import SplitRead, lock_race_shared, timing_reads_add

# What a device may say its read is; an import and an entry by hand have their own screens.
DEVICE_SOURCES = (Source.TABLET, Source.CHIP, Source.API)


@dataclass(frozen=True)
class DeviceRead:
    """One read as the device sent it, its format already checked at the edge."""

    read_id: str
    bib: str
    station: str
    at: datetime
    source: str = Source.API


class DeviceReadsRefused(InputProblems):
    """Nothing of the request was stored; each problem names its read by `index` in the request.
    `conflict` (409): a read id already names another read, or the race is closed."""

    def __init__(self, problems: list[Problem], *, conflict: bool = False):
        super().__init__(problems)
        self.conflict = conflict


@dataclass(frozen=True)
class DeviceReadsStored:
    stored: int
    already_stored: int
    # Per read of the request, in its order: True if stored now, False if it was already.
    newly_stored: list[bool]


def device_reads_store(
    *, race: Race, reads: Sequence[DeviceRead], device: str = "", user=None, poster: str = ""
) -> DeviceReadsStored:
    """Store a device's reads, or refuse them all (DeviceReadsRefused) and store none.

    A read for a bib the race does not know is refused like any bad read, but it is also kept
    as an unmatched read, once per read id, for the officials' anomaly list: a runner wearing
    the wrong bib, or a chip never entered, is then seen by someone who can act on it, even
    if the device gives up re-sending. Only a read whose sole fault is its bib is kept, and at
    most TASUKI_UNKNOWN_READS_PER_MINUTE a minute from one `poster` (a token or an official's
    account, e.g. "token:12"), so a broken or hostile device cannot bury the list.
    """
    # A closed race first, as it was read for this request: its reads are not even checked, so
    # not one is kept as an unknown bib either. Decided again under the lock below.
    _refuse_if_closed(race)
    checker = ReadChecker(race, identifiers={read.bib for read in reads}, now=timezone.now())
    problems: list[Problem] = []
    checked: list[tuple[int, SplitRead]] = []
    for index, read in enumerate(reads):
        split = checker.check(
            bib=read.bib,
            station=read.station,
            time=read.at,
            source=read.source,
            read_id=read.read_id,
            bad=lambda problem, index=index: problems.append(replace(problem, index=index)),
        )
        if split is not None:
            checked.append((index, split))
    if problems:
        faults: dict[int, set] = {}
        for problem in problems:
            faults.setdefault(problem.index, set()).add(problem.field)
        unmatched = [reads[index] for index, fields in sorted(faults.items()) if fields == {"bib"}]
        problems += _keep_unmatched(race, unmatched, device, poster or device or "anonymous")
        raise DeviceReadsRefused(problems)

    conflicts: list[Problem] = []
    with transaction.atomic():
        # The race's writer lock, shared with its other devices, then its state: a close waits
        # for this request, or this request sees the close.
        lock_race_shared(race)
        _refuse_if_closed(Race.objects.only("pk", *STATE_FIELDS).get(pk=race.pk))
        summary = timing_reads_add(
            race=race,
            reads=checked,
            # The request names a read's id "id".
            bad=lambda index, problem: conflicts.append(replace(problem, index=index, field="id")),
            user=user,
            device=device,
            position_name=batch_index,
        )
        if conflicts or not summary.added:
            transaction.set_rollback(True)
        else:
            # Last: the race row is then held from this update to the commit, which is all
            # that the race's devices queue for.
            race.bump_standings_version()
    if conflicts:
        raise DeviceReadsRefused(conflicts, conflict=True)
    added = set(summary.added_positions)
    return DeviceReadsStored(
        stored=summary.added,
        already_stored=len(reads) - summary.added,
        newly_stored=[index in added for index in range(len(reads))],
    )


def _refuse_if_closed(race: Race) -> None:
    try:
        refuse_if_closed(race, change=Change.READ)
    except RaceStateRefused as refusal:
        raise DeviceReadsRefused(refusal.problems, conflict=True) from None


def batch_index(index: int) -> str:
    return _("index %d") % index


def _keep_unmatched(race: Race, reads: list[DeviceRead], device: str, poster: str) -> list[Problem]:
    """Outside any transaction the refusal rolls back; a read id already listed is skipped.

    What is over the poster's allowance is not kept, and a problem says so.
    """
    if not reads:
        return []
    allowance = settings.TASUKI_UNKNOWN_READS_PER_MINUTE
    total = count_in_window(f"unknown-reads:{race.pk}", poster, len(reads), window=60, now=time.time())
    kept = max(0, min(len(reads), allowance - (total - len(reads))))
    UnmatchedRead.objects.bulk_create(
        [
            UnmatchedRead(
                race=race,
                bib_as_read=read.bib,
                station_code=read.station,
                at=read.at,
                source=read.source,
                read_id=read.read_id,
                device=device,
            )
            for read in reads[:kept]
        ],
        ignore_conflicts=True,
    )
    if kept == len(reads):
        return []
    left_out = len(reads) - kept
    return [
        Problem(
            ngettext(
                "%(count)d read of an unknown bib was not kept for the officials: more than %(limit)d a "
                "minute came from this device or account. Check its bibs and stations.",
                "%(count)d reads of unknown bibs were not kept for the officials: more than %(limit)d a "
                "minute came from this device or account. Check its bibs and stations.",
                left_out,
            )
            % {"count": left_out, "limit": allowance}
        )
    ]
