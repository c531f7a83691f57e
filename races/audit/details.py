"""The details of each kind of audit entry, and how each reads in the officials' audit trail.

One frozen dataclass per shape of change; SCHEMAS says which shapes each action may hold. They
are stored with the keys entries always had, so an entry written before these classes reads back
the same. An official's reason is not a detail: it is the entry's own `reason`, which stays on
the officials' pages; nothing here is shown on a public page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from races.audit.schema import Clock, DetailsDoNotFit, Schema, left_out_when_none, stored_as
from races.models import AuditEntry, OfficialRole, ProtestStatus

Action = AuditEntry.Action


@dataclass(frozen=True, kw_only=True)
class AuditDetails(Schema):
    """What one change was, beyond who, when, which team and why."""

    def describe(self, clock: Clock) -> str:
        """The change as a phrase an appeal can be read from; `clock` shows a moment."""
        raise NotImplementedError


# --- race day: a team's status, a team deleted, the race closed ------------------------------


@dataclass(frozen=True, kw_only=True)
class StatusSet(AuditDetails):
    before: str = stored_as("from")  # DQ, DNS, DNF or AUTO
    after: str = stored_as("to")
    #: What spectators read beside the status; entries from before public notes have none.
    public_note: str = ""

    def describe(self, clock: Clock) -> str:
        parts = [f"{self.before} → {self.after}"]
        if self.public_note:
            parts.append(_("public note: %s") % self.public_note)
        return " · ".join(parts)


@dataclass(frozen=True, kw_only=True)
class RaceClosed(AuditDetails):
    """The finish closed: the results became provisional."""

    #: Teams still out that closing made DNF; left out by a close that did not count them.
    dnf: int | None = left_out_when_none()
    #: The end of the protest window; closes from before results states have none.
    protests_until: datetime | None = field(default=None, metadata={"left_out_when_none": True})

    def describe(self, clock: Clock) -> str:
        parts = []
        if self.dnf is not None:
            parts.append(
                ngettext("%d team still out became DNF", "%d teams still out became DNF", self.dnf) % self.dnf
            )
        if self.protests_until is not None:
            parts.append(_("provisional; protests until %s") % clock(self.protests_until))
        return " · ".join(parts)


@dataclass(frozen=True, kw_only=True)
class RaceMadeOfficial(AuditDetails):
    """Provisional results made official: by an organiser, or by the protest window's end."""

    official_at: datetime
    #: The protest window ended with no protest pending (the actor is then "protest window").
    window_ended: bool = False

    def describe(self, clock: Clock) -> str:
        if self.window_ended:
            return _("official from %s: the protest window ended with no protest pending") % clock(
                self.official_at
            )
        return _("official from %s") % clock(self.official_at)


@dataclass(frozen=True, kw_only=True)
class RaceReopened(AuditDetails):
    #: The state the race was reopened from (provisional or official); none before results states.
    was: str | None = left_out_when_none()

    def describe(self, clock: Clock) -> str:
        if self.was is None:
            return ""
        return _("reopened from %s results") % self.was


@dataclass(frozen=True, kw_only=True)
class ProtestLodged(AuditDetails):
    """A protest against the team of the entry; its text is for the officials only."""

    protest: int
    lodged_by: str
    about: str

    def describe(self, clock: Clock) -> str:
        return _("protest %(number)d by %(who)s: %(about)s") % {
            "number": self.protest,
            "who": self.lodged_by,
            "about": self.about,
        }


@dataclass(frozen=True, kw_only=True)
class ProtestDecided(AuditDetails):
    protest: int
    #: upheld or rejected
    outcome: str
    decision: str
    #: The team status the decision set (DQ, DNS, DNF, AUTO), if it set one.
    status: str = ""

    def describe(self, clock: Clock) -> str:
        words = _("protest %(number)d %(outcome)s: %(decision)s") % {
            "number": self.protest,
            # In the reader's language ("認容", "diterima"), not the stored code.
            "outcome": ProtestStatus(self.outcome).label.lower()
            if self.outcome in ProtestStatus.values
            else self.outcome,
            "decision": self.decision,
        }
        if self.status:
            words += " · " + _("status set to %s") % self.status
        return words


@dataclass(frozen=True, kw_only=True)
class RunnerNamed(Schema):
    leg: int
    name: str


@dataclass(frozen=True, kw_only=True)
class TeamDeleted(AuditDetails):
    """The team row is gone, so the trail keeps what it was (names only: no birth dates)."""

    bib: str
    name: str
    runners: tuple[RunnerNamed, ...]

    def describe(self, clock: Clock) -> str:
        team = _("team %(bib)s, %(name)s") % {"bib": self.bib, "name": self.name}
        if not self.runners:
            return team
        runners = ", ".join(
            _("leg %(leg)d %(name)s") % {"leg": runner.leg, "name": runner.name} for runner in self.runners
        )
        return f"{team} · {runners}"


def _file(name: str) -> str:
    # Not inside an f-string: xgettext would not find the message there, and it would go
    # untranslated.
    return _("file %s") % name


# --- entries --------------------------------------------------------------------------------


def entries_counts_text(
    *, teams_created: int, teams_updated: int, runners_created: int, runners_updated: int, unchanged: int
) -> str:
    """An entries import's counts, in the reader's language."""
    return _(
        "%(tc)d teams created, %(tu)d updated; %(rc)d runners created, %(ru)d updated; "
        "%(same)d rows unchanged."
    ) % {
        "tc": teams_created,
        "tu": teams_updated,
        "rc": runners_created,
        "ru": runners_updated,
        "same": unchanged,
    }


@dataclass(frozen=True, kw_only=True)
class EntriesImported(AuditDetails):
    file: str
    #: The import's summary as the organiser was told it ("3 teams created, ..."), in their
    #: language; `counts` (entries_counts_text's) say it in the reader's. Older entries have none.
    summary: str
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self, clock: Clock) -> str:
        return f"{_file(self.file)} · {entries_counts_text(**self.counts) if self.counts else self.summary}"


@dataclass(frozen=True, kw_only=True)
class TeamRegistered(AuditDetails):
    """A captain's own entry on the public registration form."""

    bib: str = stored_as("registered")

    def describe(self, clock: Clock) -> str:
        return _("registered on the form as bib %s") % self.bib


# --- splits ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EffectiveTime(Schema):
    #: The team's effective time at the station (its earliest read not voided), if it had one.
    effective_time: datetime | None


@dataclass(frozen=True, kw_only=True)
class SplitState(Schema):
    voided: bool
    effective_time: datetime | None


@dataclass(frozen=True, kw_only=True)
class SplitAdded(AuditDetails):
    """A split typed in by an official, and what it did to the team's time at the station."""

    record: int
    station: str
    time: datetime
    before: EffectiveTime
    after: EffectiveTime

    def describe(self, clock: Clock) -> str:
        return _split_words(self.station, self.time, self.before, self.after, clock)


@dataclass(frozen=True, kw_only=True)
class SplitCorrected(AuditDetails):
    """A split voided or restored: the split's state and the team's time at the station, before
    and after, so an appeal sees whether the correction moved the team."""

    record: int
    station: str
    time: datetime
    before: SplitState
    after: SplitState

    def describe(self, clock: Clock) -> str:
        return _split_words(self.station, self.time, self.before, self.after, clock)


def _split_words(
    station: str,
    time: datetime,
    before: EffectiveTime | SplitState,
    after: EffectiveTime | SplitState,
    clock: Clock,
) -> str:
    moved = _("effective time %(before)s → %(after)s") % {
        "before": _clock_or_none(before.effective_time, clock),
        "after": _clock_or_none(after.effective_time, clock),
    }
    return " · ".join([station, clock(time), moved])


@dataclass(frozen=True, kw_only=True)
class TimingImported(AuditDetails):
    file: str
    added: int
    already_stored: int
    #: Reads added per station code; entries from before it was counted have none.
    added_at: dict[str, int] = field(default_factory=dict)

    def describe(self, clock: Clock) -> str:
        counts = _("%(added)s added, %(same)s already stored") % {
            "added": self.added,
            "same": self.already_stored,
        }
        return f"{_file(self.file)} · {counts}"


# --- device tokens ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeviceTokenShown(Schema):
    """A token as the trail may show it: the prefix tells tokens apart; the secret and its hash
    never go into the trail."""

    name: str
    prefix: str
    stations: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DeviceTokenDetails(AuditDetails):
    """A token made or revoked: the action says which."""

    device_token: DeviceTokenShown

    def describe(self, clock: Clock) -> str:
        token = self.device_token
        return _("'%(name)s' (%(prefix)s…) for %(stations)s") % {
            "name": token.name,
            "prefix": token.prefix,
            "stations": ", ".join(token.stations),
        }


# --- runner changes --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LegRunner(Schema):
    """Who ran a leg, as the trail keeps it: name and gender, never the birth date."""

    leg: int
    name: str
    gender: str


@dataclass(frozen=True, kw_only=True)
class RunnerChanged(AuditDetails):
    """A substitute on one leg, or two legs' runners swapped: each leg changed, before and after."""

    before: tuple[LegRunner, ...]
    after: tuple[LegRunner, ...]

    def describe(self, clock: Clock) -> str:
        return " · ".join(
            _("leg %(leg)d: %(before)s → %(after)s")
            % {"leg": old.leg, "before": _leg_runner(old), "after": _leg_runner(new)}
            for old, new in zip(self.before, self.after, strict=False)
        )


def _leg_runner(runner: LegRunner) -> str:
    return f"{runner.name} ({runner.gender})"


# --- the race clock ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GunSet(AuditDetails):
    """The gun set when it fired ("Start the race now") or corrected later: every team's time
    counts from it, so an appeal needs it before and after. Both are kept in the race's zone."""

    before: datetime
    after: datetime
    #: Pressed as it fired (the server's clock), rather than typed in as a correction.
    started_now: bool = False

    def describe(self, clock: Clock) -> str:
        before, after = clock(self.before), clock(self.after)
        if self.before.date() != self.after.date():  # the race date moved with it
            before = f"{self.before.date().isoformat()} {before}"
            after = f"{self.after.date().isoformat()} {after}"
        if self.started_now:
            return _("started now: gun %(before)s → %(after)s") % {"before": before, "after": after}
        return _("gun corrected: %(before)s → %(after)s") % {"before": before, "after": after}


# --- race officials --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OfficialDuty(Schema):
    """A role on the race as the trail shows it; an empty role: none."""

    role: str
    stations: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OfficialChanged(AuditDetails):
    """Someone named on the race, their role changed or taken away: the action says which."""

    username: str
    before: OfficialDuty
    after: OfficialDuty

    def describe(self, clock: Clock) -> str:
        return _("%(user)s: %(before)s → %(after)s") % {
            "user": self.username,
            "before": _duty(self.before),
            "after": _duty(self.after),
        }


def _duty(duty: OfficialDuty) -> str:
    if not duty.role:
        return _("no role")
    role = OfficialRole(duty.role).label
    return f"{role} ({', '.join(duty.stations)})" if duty.stations else str(role)


# --- unknown bibs ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReadResolution(Schema):
    resolved: bool


@dataclass(frozen=True, kw_only=True)
class ReadResolvedBy(Schema):
    """How a read had been dealt with, kept when that is undone: the official's note stays."""

    resolved: bool
    by: str
    at: datetime | None
    note: str


@dataclass(frozen=True, kw_only=True)
class UnmatchedReadResolved(AuditDetails):
    unmatched_read: int
    bib_as_read: str
    station: str
    time: datetime | None
    device: str
    before: ReadResolution
    after: ReadResolution

    def describe(self, clock: Clock) -> str:
        return _unmatched_read_words(self, clock)


@dataclass(frozen=True, kw_only=True)
class UnmatchedReadReopened(AuditDetails):
    unmatched_read: int
    bib_as_read: str
    station: str
    time: datetime | None
    device: str
    before: ReadResolvedBy
    after: ReadResolution

    def describe(self, clock: Clock) -> str:
        words = _unmatched_read_words(self, clock)
        if self.before.note:
            words += " · " + _("note before: %s") % self.before.note
        return words


def _unmatched_read_words(change: UnmatchedReadResolved | UnmatchedReadReopened, clock: Clock) -> str:
    parts = [_("read as %s") % change.bib_as_read, change.station]
    if change.time is not None:
        parts.append(clock(change.time))
    if change.device:
        parts.append(_("device %s") % change.device)
    parts.append(f"{_resolution_word(change.before.resolved)} → {_resolution_word(change.after.resolved)}")
    return " · ".join(parts)


def _resolution_word(resolved: bool) -> str:
    return _("dealt with") if resolved else _("open")


def _clock_or_none(moment: datetime | None, clock: Clock) -> str:
    return _("none") if moment is None else clock(moment)


# --- which details each action holds ----------------------------------------------------------

SCHEMAS: dict[str, tuple[type[AuditDetails], ...]] = {
    Action.TEAM_STATUS: (StatusSet,),
    Action.RACE_CLOSED: (RaceClosed,),
    Action.RACE_REOPENED: (RaceReopened,),
    Action.TIMING_ADDED: (SplitAdded,),
    Action.TIMING_VOIDED: (SplitCorrected,),
    Action.TIMING_RESTORED: (SplitCorrected,),
    Action.TIMING_IMPORTED: (TimingImported,),
    # An entries file or a captain's registration form.
    Action.ENTRIES_IMPORTED: (EntriesImported, TeamRegistered),
    Action.TEAM_DELETED: (TeamDeleted,),
    Action.DEVICE_TOKEN_CREATED: (DeviceTokenDetails,),
    Action.DEVICE_TOKEN_REVOKED: (DeviceTokenDetails,),
    Action.UNMATCHED_RESOLVED: (UnmatchedReadResolved,),
    Action.UNMATCHED_REOPENED: (UnmatchedReadReopened,),
    Action.OFFICIAL_NAMED: (OfficialChanged,),
    Action.OFFICIAL_REMOVED: (OfficialChanged,),
    Action.RUNNER_CHANGED: (RunnerChanged,),
    Action.GUN_SET: (GunSet,),
    Action.RACE_OFFICIAL: (RaceMadeOfficial,),
    Action.PROTEST_LODGED: (ProtestLodged,),
    Action.PROTEST_DECIDED: (ProtestDecided,),
}


def read_details(action: str, stored: Any) -> AuditDetails | None:
    """An entry's stored details as its action's dataclass; None if they fit none (an old entry)."""
    for schema in SCHEMAS.get(action, ()):
        try:
            return schema.from_json(stored)
        except DetailsDoNotFit:
            continue
    return None
