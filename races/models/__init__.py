"""The race as the organisers set it up: course, categories, teams and their runners, who
works the race, and what they changed. One module each; every model is imported from here."""

from races.choices import (
    Gender,
    Language,
    OfficialRole,
    OfficialStatus,
    ProtestStatus,
    RegistrationClosed,
    ResultsState,
    Schedule,
    validate_timezone,
)
from races.models.entries import Category, Runner, Team
from races.models.officials import AuditEntry, RaceOfficial
from races.models.protests import Protest
from races.models.race import Leg, Race, Station, legs_of

__all__ = [
    "AuditEntry",
    "Category",
    "Gender",
    "Language",
    "Leg",
    "OfficialRole",
    "OfficialStatus",
    "Protest",
    "ProtestStatus",
    "Race",
    "RaceOfficial",
    "RegistrationClosed",
    "ResultsState",
    "Runner",
    "Schedule",
    "Station",
    "Team",
    "legs_of",
    "validate_timezone",
]
