"""The race's audit trail: who changed what on race day, when, why, and what it changed.

Services write an entry with `audit(race=..., action=..., actor=Actor..., details=...)`, whose
details are the action's typed dataclass (races.audit.details); the officials' trail page reads
them back with `read_details` and lets them describe themselves.
"""

from races.audit.details import (
    SCHEMAS,
    AuditDetails,
    DeviceTokenDetails,
    DeviceTokenShown,
    EffectiveTime,
    EntriesImported,
    GunSet,
    LegRunner,
    OfficialChanged,
    OfficialDuty,
    RaceClosed,
    RaceReopened,
    ReadResolution,
    ReadResolvedBy,
    RunnerChanged,
    RunnerNamed,
    SplitAdded,
    SplitCorrected,
    SplitState,
    StatusSet,
    TeamDeleted,
    TeamRegistered,
    TimingImported,
    UnmatchedReadReopened,
    UnmatchedReadResolved,
    read_details,
)
from races.audit.schema import Clock, DetailsDoNotFit
from races.audit.writing import COMMAND_LINE, SOMEONE_AT_THE_COMMAND_LINE, Actor, audit

__all__ = [
    "COMMAND_LINE",
    "SCHEMAS",
    "SOMEONE_AT_THE_COMMAND_LINE",
    "Actor",
    "AuditDetails",
    "Clock",
    "DetailsDoNotFit",
    "DeviceTokenDetails",
    "DeviceTokenShown",
    "EffectiveTime",
    "EntriesImported",
    "GunSet",
    "LegRunner",
    "OfficialChanged",
    "OfficialDuty",
    "RaceClosed",
    "RaceReopened",
    "ReadResolution",
    "ReadResolvedBy",
    "RunnerChanged",
    "RunnerNamed",
    "SplitAdded",
    "SplitCorrected",
    "SplitState",
    "StatusSet",
    "TeamDeleted",
    "TeamRegistered",
    "TimingImported",
    "UnmatchedReadReopened",
    "UnmatchedReadResolved",
    "audit",
    "read_details",
]
