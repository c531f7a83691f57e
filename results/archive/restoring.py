"""A race archive restored: every row checked first, then the race written in one transaction.

The rows are checked as the database and the admin would: the JSON type of each value, the
field's own checks (length, choices, blank, validators) and the model's check constraints
(`full_clean`), the unique constraints among the archive's rows, and every reference (a team's
category, a record's team and station). Only then is anything written; a rule of the database
broken after all rolls the whole import back.

Ids are new on this instance: nothing in the exports depends on them. The audit details that
name a record or an unknown-bib read by id are given the new ids. Users are found by username
and never created: a user this instance does not have leaves the link empty (an audit entry
keeps its actor's name, a record its device), and an official who is not a user here is not
restored.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, models, transaction
from django.db.models import Q, UniqueConstraint
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ekiden.plain_sql import insert_as_given
from races.models import AuditEntry, Race, RaceOfficial
from races.problems import InputProblems
from results.archive.parts import (
    DETAILS_IDS,
    FILES_FOLDER,
    PARTS,
    RACE_DOCUMENT,
    RACE_MEMBER,
    ROW_PARTS,
    Part,
)
from results.archive.reading import ArchiveContents
from results.timing.read_store import archived_records_restore


@dataclass
class Row:
    """An archived row made into an unsaved instance; `named` holds its references' keys."""

    where: str
    instance: models.Model
    named: dict[str, Any]
    old_id: int | None = None


@dataclass
class RestoredRace:
    race: Race
    counts: dict[str, int]
    #: Usernames the archive names that this instance has no user for: their links are empty.
    users_missing: list[str] = field(default_factory=list)
    #: Officials not restored, as no user here has their username.
    officials_left_out: list[str] = field(default_factory=list)


def race_archive_restore(contents: ArchiveContents) -> RestoredRace:
    """Create the archived race on this instance, exactly as it was; InputProblems if any row
    is wrong or the race's slug is taken, and then nothing is written."""
    checked = _Checked(contents)
    checked.check()
    try:
        with transaction.atomic():
            return checked.write()
    except (IntegrityError, DataError) as exc:
        raise InputProblems(
            [_("the archive breaks a rule of the database, so nothing was imported: %s") % exc]
        ) from None


class _Checked:
    def __init__(self, contents: ArchiveContents):
        self.contents = contents
        self.problems: list[str] = []
        self.rows: dict[str, list[Row]] = {}
        self.users: dict[str, models.Model] = {}
        self.missing: set[str] = set()

    # --- checking ----------------------------------------------------------------------------

    def check(self) -> None:
        document = self.contents.document
        race_part, stations, categories = RACE_DOCUMENT
        race = self._row(race_part, document["race"], RACE_MEMBER)
        self.rows["stations"] = self._rows(stations, enumerate(document["stations"]), "stations[%d]")
        self.rows["categories"] = self._rows(categories, enumerate(document["categories"]), "categories[%d]")
        for part in ROW_PARTS:
            self.rows[part.name] = self._rows(part, self.contents.rows[part.name], "line %d")
        if self.problems:
            raise InputProblems(self.problems)
        self.race = race.instance
        self._check_race(self.race)
        for name, rows in self.rows.items():
            self._check_unique(PARTS[name], rows)
        self._check_references()
        if self.problems:
            raise InputProblems(self.problems)

    def _rows(self, part: Part, numbered, where: str) -> list[Row]:
        member = RACE_MEMBER if part.name in ("stations", "categories") else part.member
        rows = []
        for number, row in numbered:
            place = f"{member} {where % number}"
            if not isinstance(row, dict):
                self.problems.append(_("%(where)s: a JSON object is expected.") % {"where": place})
            elif (checked := self._row(part, row, place)) is not None:
                rows.append(checked)
        return rows

    def _row(self, part: Part, row: dict, where: str) -> Row | None:
        missing = [key for key in part.keys if key not in row]
        unknown = sorted(set(row) - set(part.keys))
        if missing:
            self.problems.append(
                _("%(where)s: %(keys)s missing.") % {"where": where, "keys": ", ".join(missing)}
            )
        if unknown:
            self.problems.append(
                _("%(where)s: %(keys)s unknown to this release's archive format.")
                % {"where": where, "keys": ", ".join(unknown)}
            )
        if missing or unknown:
            return None
        before = len(self.problems)
        instance = part.model()
        for name in part.values:
            model_field = part.model._meta.get_field(name)
            value = self._value(model_field, row[name], f"{where}, {name}")
            setattr(instance, model_field.attname, value)
        for name in part.references:
            self._reference(part, name, row[name], f"{where}, {name}")
        old_id = row.get("id")
        if part.keeps_old_id and (not isinstance(old_id, int) or isinstance(old_id, bool)):
            self.problems.append(_("%(where)s, id: a whole number is expected.") % {"where": where})
        if len(self.problems) > before:
            return None
        try:
            instance.full_clean(exclude=[*part.references, *part.left_out], validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.problems.append(f"{where}, {name}: {message}")
            return None
        return Row(where, instance, {name: row[name] for name in part.references}, old_id)

    def _value(self, model_field: models.Field, value: Any, where: str) -> Any:
        problem = value_problem(model_field, value)
        if problem is None:
            try:
                return model_field.to_python(value)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
        self.problems.append(f"{where}: {problem}")
        return None

    def _reference(self, part: Part, name: str, value: Any, where: str) -> None:
        model_field = part.model._meta.get_field(name)
        if isinstance(model_field, models.ManyToManyField):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                self.problems.append(_("%(where)s: a list of codes is expected.") % {"where": where})
        elif value is None:
            if not model_field.null:
                self.problems.append(_("%(where)s: a value is needed.") % {"where": where})
        elif not isinstance(value, str):
            self.problems.append(_("%(where)s: text is expected.") % {"where": where})

    def _check_race(self, race: Race) -> None:
        if Race.objects.filter(slug=race.slug).exists():
            self.problems.append(
                _(
                    "race %(slug)s already exists on this instance; an archive is imported as a new "
                    "race. Delete that race first (in the admin) if this archive is to replace it."
                )
                % {"slug": race.slug}
            )
        if race.slug != self.contents.manifest.get("race"):
            self.problems.append(
                _("%(member)s: the race is %(slug)s, the manifest says %(manifest)s.")
                % {"member": RACE_MEMBER, "slug": race.slug, "manifest": self.contents.manifest.get("race")}
            )
        logo = race.certificate_logo.name
        if logo and self._logo() is None:
            self.problems.append(
                _("%(member)s, certificate_logo: the file %(name)s is not in the archive.")
                % {"member": RACE_MEMBER, "name": logo}
            )

    def _logo(self) -> tuple[str, bytes] | None:
        files = [(name, raw) for name, raw in self.contents.files.items() if name.startswith(FILES_FOLDER)]
        return files[0] if files else None

    def _check_unique(self, part: Part, rows: list[Row]) -> None:
        """The model's unique constraints among the archive's rows (all of one race)."""
        for constraint in part.model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or not constraint.fields:
                continue
            names = [name for name in constraint.fields if name != "race"]
            seen: dict[tuple, str] = {}
            for row in rows:
                applies = holds(constraint.condition, row.instance)
                if applies is None:
                    break  # a condition not read here: the database checks it when writing
                if not applies:
                    continue
                key = tuple(row.named[n] if n in row.named else getattr(row.instance, n) for n in names)
                if key in seen:
                    self.problems.append(
                        _("%(where)s: the same %(fields)s as %(other)s; each must be unique in a race.")
                        % {"where": row.where, "fields": ", ".join(names), "other": seen[key]}
                    )
                else:
                    seen[key] = row.where

    def _check_references(self) -> None:
        keys = {
            "categories": {row.instance.code for row in self.rows["categories"]},
            "stations": {row.instance.code for row in self.rows["stations"]},
            "teams": {row.instance.bib for row in self.rows["teams"]},
        }
        usernames = set()
        for name, rows in self.rows.items():
            for reference_name, reference in PARTS[name].references.items():
                for row in rows:
                    value = row.named[reference_name]
                    values = value if isinstance(value, list) else [value]
                    if reference.part == "users":
                        usernames.update(v for v in values if v is not None)
                        continue
                    for v in values:
                        if v is not None and v not in keys[reference.part]:
                            self.problems.append(
                                _("%(where)s, %(field)s: %(value)s is not in the archive's %(part)s.")
                                % {
                                    "where": row.where,
                                    "field": reference_name,
                                    "value": v,
                                    "part": reference.part,
                                }
                            )
        users = get_user_model()
        self.users = {
            getattr(user, users.USERNAME_FIELD): user
            for user in users.objects.filter(**{f"{users.USERNAME_FIELD}__in": usernames})
        }
        self.missing = usernames - set(self.users)

    # --- writing -----------------------------------------------------------------------------

    def write(self) -> RestoredRace:
        race = self.race
        # A version no page or standings cached for a race of this slug (or id) before has.
        race.standings_version = int(time.time() * 1000)
        saved_logo = self._save_logo(race)
        try:
            return self._write_rows(race)
        except BaseException:
            if saved_logo:
                race.certificate_logo.storage.delete(saved_logo)
            raise

    def _save_logo(self, race: Race) -> str | None:
        if not race.certificate_logo.name:
            return None
        name, raw = self._logo()
        race.certificate_logo.save(name.removeprefix(FILES_FOLDER), ContentFile(raw), save=False)
        return race.certificate_logo.name

    def _write_rows(self, race: Race) -> RestoredRace:
        race.save(force_insert=True)
        ids: dict[str, dict] = {}
        for name in ("stations", "categories"):
            instances = [self._linked(PARTS[name], row, race, ids) for row in self.rows[name]]
            PARTS[name].model.objects.bulk_create(instances)
            ids[name] = {instance.code: instance.pk for instance in instances}
        for part in ROW_PARTS:
            rows = self.rows[part.name]
            if part.model is RaceOfficial:
                self._write_officials(race, rows, ids)
                continue
            instances = [self._linked(part, row, race, ids) for row in rows]
            if part.model is AuditEntry:
                for entry in instances:
                    entry.details = details_with_new_ids(entry.details, ids)
            if part.name == "timing_records":
                archived_records_restore(instances)
            else:
                insert_as_given(part.model, instances)
            if part.name == "teams":
                ids["teams"] = {team.bib: team.pk for team in instances}
            elif part.keeps_old_id:
                ids[part.name] = {row.old_id: row.instance.pk for row in rows}
        race.bump_standings_version()
        return RestoredRace(
            race=race,
            counts={name: len(rows) for name, rows in self.rows.items()},
            users_missing=sorted(self.missing),
            officials_left_out=sorted(
                row.named["user"] for row in self.rows["officials"] if row.named["user"] not in self.users
            ),
        )

    def _linked(self, part: Part, row: Row, race: Race, ids: dict[str, dict]) -> models.Model:
        """The row's instance pointing to the rows on this instance its references name."""
        instance = row.instance
        instance.race = race
        for name, reference in part.references.items():
            key = row.named[name]
            if reference.part == "users":
                target = self.users.get(key)
                setattr(instance, part.model._meta.get_field(name).attname, target.pk if target else None)
            elif not isinstance(key, list):
                target_id = ids[reference.part][key] if key is not None else None
                setattr(instance, part.model._meta.get_field(name).attname, target_id)
        return instance

    def _write_officials(self, race: Race, rows: list[Row], ids: dict[str, dict]) -> None:
        kept = [row for row in rows if row.named["user"] in self.users]
        part = PARTS["officials"]
        officials = RaceOfficial.objects.bulk_create([self._linked(part, row, race, ids) for row in kept])
        through = RaceOfficial.stations.through
        through.objects.bulk_create(
            through(raceofficial_id=official.pk, station_id=ids["stations"][code])
            for official, row in zip(officials, kept, strict=True)
            for code in row.named["stations"]
        )


def details_with_new_ids(details: Any, ids: dict[str, dict]) -> Any:
    """An audit entry's details naming the records and reads by their ids on this instance.

    An id the archive does not hold (a read deleted in the admin) is kept as it was.
    """
    if not isinstance(details, dict):
        return details
    renamed = dict(details)
    for key, part in DETAILS_IDS.items():
        old = details.get(key)
        if isinstance(old, int) and old in ids.get(part, {}):
            renamed[key] = ids[part][old]
    return renamed


def value_problem(model_field: models.Field, value: Any) -> str | None:
    """What is wrong with a value's JSON type for the field; None if it is the right one."""
    if value is None:
        return None if model_field.null else _("a value is needed, not null.")
    if isinstance(model_field, models.JSONField):
        return None
    if isinstance(model_field, models.BooleanField):
        return None if isinstance(value, bool) else _("true or false is expected, not %r.") % (value,)
    if isinstance(model_field, models.IntegerField):
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole else _("a whole number is expected, not %r.") % (value,)
    if not isinstance(value, str):
        return _("text is expected, not %r.") % (value,)
    if "\x00" in value:
        return _("it holds a NUL character, which no text field may hold.")
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is None or moment.tzinfo is None:
            return _("an ISO 8601 moment with its UTC offset is expected, not %r.") % (value,)
    return None


class _Unknown(Exception):
    pass


def holds(condition: Q | None, instance: models.Model) -> bool | None:
    """Whether a unique constraint's condition holds for the instance; None when it is not a
    plain combination of equalities (then the database alone checks it)."""
    if condition is None:
        return True
    try:
        return _holds(condition, instance)
    except _Unknown:
        return None


def _holds(condition: Q, instance: models.Model) -> bool:
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_holds(child, instance))
            continue
        lookup, expected = child
        if "__" in lookup:
            raise _Unknown(lookup)
        results.append(getattr(instance, lookup) == expected)
    combined = all(results) if condition.connector == Q.AND else any(results)
    return not combined if condition.negated else combined
