"""Unmatched reads resolved by an official, and put back when that was a mistake.

An unmatched read is a device's read of a bib the race does not know ("unknown bib" on the
officials' pages); resolving it is what the pages call "dealt with".

It stays on the anomaly list until an official has looked into it: found the team it belonged to
and added the split by hand, or judged it a stray read. The read itself stays on file; who
resolved it, when and what they did go into the audit
trail. The note is an official's words (it may name a runner): it stays on the officials' pages.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from races.audit import (
    Actor,
    ReadResolution,
    ReadResolvedBy,
    UnmatchedReadReopened,
    UnmatchedReadResolved,
    audit,
)
from races.models import AuditEntry, Race
from races.problems import InputProblems, Problem
from races.services import REASON_MAX_LENGTH
from results.timing.models import UnmatchedRead

#: The note becomes the audit entry's reason, which holds this much.
NOTE_MAX_LENGTH = REASON_MAX_LENGTH


@transaction.atomic
def unmatched_read_resolve(*, race: Race, read_pk: int, actor: Actor, note: str = "") -> UnmatchedRead:
    """Take an unmatched read off the open anomalies, with what the official did about it."""
    note = _checked_note(note)
    read = _locked_read(race, read_pk)
    if read.resolved:
        raise InputProblems(
            [
                _("%(read)s was already dealt with by %(who)s; nothing changed.")
                % {"read": _named(read), "who": _who(read)}
            ]
        )
    read.resolved, read.resolved_by, read.resolved_at = True, actor.user, timezone.now()
    read.resolution_note = note
    read.save(update_fields=["resolved", "resolved_by", "resolved_at", "resolution_note"])
    audit(
        race=race,
        action=AuditEntry.Action.UNMATCHED_RESOLVED,
        actor=actor,
        details=UnmatchedReadResolved(
            **_read_named(read), before=ReadResolution(resolved=False), after=ReadResolution(resolved=True)
        ),
        reason=note,
    )
    return read


@transaction.atomic
def unmatched_read_reopen(*, race: Race, read_pk: int, actor: Actor, note: str = "") -> UnmatchedRead:
    """Put a read resolved by mistake back on the open anomalies; its old note stays in the trail."""
    note = _checked_note(note)
    read = _locked_read(race, read_pk)
    if not read.resolved:
        raise InputProblems([_("%(read)s is not dealt with; nothing changed.") % {"read": _named(read)}])
    before = ReadResolvedBy(resolved=True, by=_who(read), at=read.resolved_at, note=read.resolution_note)
    read.resolved, read.resolved_by, read.resolved_at, read.resolution_note = False, None, None, ""
    read.save(update_fields=["resolved", "resolved_by", "resolved_at", "resolution_note"])
    audit(
        race=race,
        action=AuditEntry.Action.UNMATCHED_REOPENED,
        actor=actor,
        details=UnmatchedReadReopened(
            **_read_named(read), before=before, after=ReadResolution(resolved=False)
        ),
        reason=note,
    )
    return read


def _checked_note(note: str) -> str:
    note = note.strip()
    if "\x00" in note:  # PostgreSQL stores no NUL: refused here, not as a database error
        raise InputProblems([Problem(_("it holds a NUL character; type it again."), field="note")])
    if len(note) > NOTE_MAX_LENGTH:
        raise InputProblems(
            [
                Problem(
                    _("longer than %(max)d characters (%(length)d); keep it to one sentence.")
                    % {"max": NOTE_MAX_LENGTH, "length": len(note)},
                    field="note",
                )
            ]
        )
    return note


def _locked_read(race: Race, read_pk: int) -> UnmatchedRead:
    """The race's own read, locked: two officials pressing at once change it once."""
    read = UnmatchedRead.objects.select_for_update().filter(race=race, pk=read_pk).first()
    if read is None:
        raise InputProblems(
            [
                _("There is no unknown-bib read %(id)s in %(race)s; reload the anomaly list.")
                % {"id": read_pk, "race": race.name}
            ]
        )
    return read


def _named(read: UnmatchedRead) -> str:
    return _("Bib %(bib)s at %(station)s") % {"bib": read.bib_as_read, "station": read.station_code}


def _who(read: UnmatchedRead) -> str:
    return read.resolved_by.get_username() if read.resolved_by else _("someone")


def _read_named(read: UnmatchedRead) -> dict:
    """The read as the trail names it, whatever became of it."""
    return {
        "unmatched_read": read.pk,
        "bib_as_read": read.bib_as_read,
        "station": read.station_code,
        "time": read.at,
        "device": read.device,
    }


def unmatched_reads_resolved(race: Race):
    """The unmatched reads officials have resolved ("dealt with" on the pages), the latest first, with who did it."""
    return (
        UnmatchedRead.objects.filter(race_id=race.pk, resolved=True)
        .select_related("resolved_by")
        .order_by("-resolved_at", "-pk")
    )
