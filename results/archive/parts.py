"""What a race archive holds: one part per kind of row, each a member of the zip.

Each part names every field of its model: archived with its value, archived by the name of the
row it points to (a team's bib, a station's code, a user's username: ids differ between
instances), or left out, with the reason. A field added to one of these models and named in
none of them fails tests/test_race_archive.py, so nothing that moves the results is silently
left out of a backup.

Version 2 of the format: version 1 had no `protests` part, and is read as a race without
protests.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from races.models import AuditEntry, Category, Protest, Race, RaceOfficial, Runner, Station, Team
from results.timing.models import TimingRecord, UnmatchedRead

FORMAT = "tasuki-race-archive"
VERSION = 2
#: The versions this release reads.
VERSIONS_READ = (1, 2)
MANIFEST = "manifest.json"
#: The race's settings, stations and categories: one JSON document.
RACE_MEMBER = "race.json"
#: The certificate logo, if the race has one, is kept under this folder of the zip.
FILES_FOLDER = "files/"

USERNAME = get_user_model().USERNAME_FIELD

#: Why a field is not archived, said once for the fields every part leaves out.
NEW_ID = "a new id on import; other rows point to it by their part's key"
THE_RACE = "the archive holds one race"


@dataclass(frozen=True)
class Reference:
    """A field pointing to another row, archived as that row's key: a code, a bib, a username."""

    part: str  # the part whose key it is: "categories", "teams", "stations" or "users"
    key: str  # the key's name in that part


@dataclass(frozen=True)
class Part:
    name: str
    model: type[models.Model]
    #: Fields archived with their value, as JSON.
    values: tuple[str, ...]
    #: Fields archived as the key of the row they point to.
    references: dict[str, Reference] = field(default_factory=dict)
    #: Fields not archived, each with the reason.
    left_out: dict[str, str] = field(default_factory=dict)
    #: The row's id on the exporting instance is archived (as "id"), for the audit details that
    #: name it; the imported row gets a new one.
    keeps_old_id: bool = False
    #: The first version of the format with this part; older archives have no rows of it.
    since: int = 1

    @property
    def member(self) -> str:
        return f"{self.name}.jsonl"

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of each archived row, in the order they are written."""
        return (("id",) if self.keeps_old_id else ()) + self.values + tuple(self.references)


CATEGORY = Reference("categories", "code")
TEAM = Reference("teams", "bib")
STATION = Reference("stations", "code")
USER = Reference("users", USERNAME)

#: The race's own row, with its stations and categories: one JSON document (race.json).
RACE = Part(
    "race",
    Race,
    values=(
        "slug", "name", "date", "place", "timezone", "start_time", "kuriage_minutes", "is_closed",
        "registration_open", "registration_closes_at", "changes_deadline", "certificate_logo",
        "certificate_signature_name", "overdue_margin_minutes", "closed_at", "official_at",
        "protest_window_minutes", "results_language", "records",
    ),
    left_out={
        "id": NEW_ID,
        # A version no cache has seen is given on import (results/archive/restoring.py).
        "standings_version": "the version of the cached standings and pages, renewed on import",
    },
)  # fmt: skip
STATIONS = Part(
    "stations",
    Station,
    values=("position", "code", "name", "km", "handoff", "kuriage_minutes"),
    left_out={"id": NEW_ID, "race": THE_RACE},
)
CATEGORIES = Part(
    "categories",
    Category,
    values=("code", "name", "min_women", "min_men", "min_age", "max_age", "min_age_sum"),
    left_out={"id": NEW_ID, "race": THE_RACE},
)

#: The parts of race.json, in its order: the race's fields, then its stations and categories.
RACE_DOCUMENT = (RACE, STATIONS, CATEGORIES)

#: The other parts, one JSON Lines member each, in the order they are written and restored.
ROW_PARTS = (
    Part(
        "teams",
        Team,
        values=(
            "bib", "name", "club", "captain_phone", "official_status", "status_reason", "public_note",
            "created_at", "updated_at",
        ),
        references={"category": CATEGORY},
        left_out={"id": NEW_ID, "race": THE_RACE},
    ),
    Part(
        "runners",
        Runner,
        values=("leg", "name", "gender", "birth_date", "club", "runner_bib", "chip_id", "nationality"),
        references={"team": TEAM},
        left_out={"id": NEW_ID, "race": THE_RACE},
    ),
    Part(
        "timing_records",
        TimingRecord,
        values=(
            "at", "source", "read_id", "bib_as_read", "device", "created_at", "voided", "void_reason",
            "voided_at",
        ),
        references={"team": TEAM, "station": STATION, "recorded_by": USER, "voided_by": USER},
        left_out={"race": THE_RACE},
        keeps_old_id=True,
    ),
    Part(
        "unmatched_reads",
        UnmatchedRead,
        values=(
            "bib_as_read", "station_code", "at", "source", "read_id", "device", "received_at", "resolved",
            "resolved_at", "resolution_note",
        ),
        references={"resolved_by": USER},
        left_out={"race": THE_RACE},
        keeps_old_id=True,
    ),
    Part(
        "protests",
        Protest,
        values=("lodged_by", "about", "lodged_at", "status", "decision", "decided_at"),
        references={"team": TEAM, "decided_by": USER},
        left_out={"race": THE_RACE},
        keeps_old_id=True,
        since=2,
    ),
    Part(
        "audit_trail",
        AuditEntry,
        values=("at", "actor", "action", "reason", "details"),
        references={"user": USER, "team": TEAM},
        left_out={"id": NEW_ID, "race": THE_RACE},
    ),
    Part(
        "officials",
        RaceOfficial,
        values=("role",),
        references={"user": USER, "stations": STATION},
        left_out={"id": NEW_ID, "race": THE_RACE},
    ),
)  # fmt: skip
PARTS = {part.name: part for part in (*RACE_DOCUMENT, *ROW_PARTS)}

#: What the audit details name by id, and the part whose old ids they are (races.audit.details:
#: a split added, voided or restored names its record; an unknown bib dealt with, its read; a
#: protest lodged or decided, the protest).
DETAILS_IDS = {"record": "timing_records", "unmatched_read": "unmatched_reads", "protest": "protests"}

#: Models of a race that no archive holds, and why (the tests check every model of a race is
#: archived or named here).
NOT_ARCHIVED = {
    "results.DeviceToken": "a device token is a secret: make new ones for the devices after an import",
    "results.PrintJob": "a printed book or certificate is made again from the results",
    # Followers are personal data kept for race day only; their announcements go with them.
    "results.PushSubscription": "a follower's browser subscription is for race day, not the record",
    "results.EmailSubscription": "a follower's e-mail address is for race day, not the record",
    "results.AnnouncedPass": "which passes were announced matters only to the followers",
}


def as_json(value: Any) -> Any:
    """A field's value as the archive writes it: moments in UTC ISO 8601 with microseconds,
    dates and times ISO 8601, decimals as strings (exact), the rest as JSON has it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value
