"""A race's archive: every part of results/archive/parts.py as a member of a zip, and the manifest.

The rows are read in one transaction, as one moment of the race (on PostgreSQL a repeatable
read: a split stored meanwhile is in the archive with everything it changed, or not at all).
The archive holds personal data (birth dates, chip ids, the officials' reasons): it is the
organiser's backup, never something to publish.
"""

import hashlib
import json
import tomllib
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from races.models import Race, RaceOfficial
from races.problems import InputProblems
from results.archive.parts import (
    FILES_FOLDER,
    FORMAT,
    MANIFEST,
    RACE_DOCUMENT,
    RACE_MEMBER,
    ROW_PARTS,
    VERSION,
    Part,
    as_json,
)

#: Rows read from the database at a time: a 25,000-team race has half a million reads.
CHUNK = 5000


def release() -> str:
    """The release that made the archive, as pyproject.toml names it."""
    try:
        project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text(encoding="utf-8"))
        return f"{project['project']['name']} {project['project']['version']}"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "tasuki (release unknown)"


def race_archive_write(race: Race, target: BinaryIO) -> dict:
    """Write the race's archive to `target` (a file open for writing); returns its manifest."""
    members: dict[str, str] = {}
    counts: dict[str, int] = {}
    with _one_moment(), zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        race = Race.objects.get(pk=race.pk)
        document = race_document(race)
        members[RACE_MEMBER] = _write(
            archive, RACE_MEMBER, [json.dumps(document, ensure_ascii=False, indent=1)]
        )
        counts.update(race=1, stations=len(document["stations"]), categories=len(document["categories"]))
        for part in ROW_PARTS:
            rows = _counted(part_rows(race, part), counts, part.name)
            members[part.member] = _write(archive, part.member, (_line(row) for row in rows))
        if race.certificate_logo:
            name = FILES_FOLDER + PurePosixPath(race.certificate_logo.name).name
            members[name] = _write(archive, name, [_logo(race)])
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "race": race.slug,
            "release": release(),
            "exported_at": datetime.now(UTC).isoformat(),
            "counts": counts,
            "sha256": members,
        }
        archive.writestr(_entry(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return manifest


def _logo(race: Race) -> bytes:
    try:
        with race.certificate_logo.open("rb") as logo:
            return logo.read()
    except OSError as exc:
        raise InputProblems(
            [
                _(
                    "the certificate logo %(name)s cannot be read (%(error)s); put the file back in the "
                    "media folder, or remove the logo from the race in the admin."
                )
                % {"name": race.certificate_logo.name, "error": exc.strerror or exc}
            ]
        ) from None


@contextmanager
def _one_moment() -> Iterator[None]:
    """A transaction in which every read sees the race as it was at its first read."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def race_document(race: Race) -> dict:
    """race.json: the race's settings, its stations in course order and its categories."""
    race_part, stations, categories = RACE_DOCUMENT
    return {
        "race": {
            name: as_json(value)
            for name, value in zip(race_part.values, _values(race, race_part), strict=True)
        },
        "stations": list(_rows(race.stations.order_by("position"), stations)),
        "categories": list(_rows(race.categories.order_by("code"), categories)),
    }


def _values(race: Race, part: Part) -> tuple:
    return Race.objects.filter(pk=race.pk).values_list(*part.values).get()


def part_rows(race: Race, part: Part) -> Iterator[dict]:
    """The part's rows of the race, in the order they were stored."""
    rows = part.model.objects.filter(race=race).order_by("pk")
    if part.model is RaceOfficial:
        yield from _officials(race, part, rows)
        return
    yield from _rows(rows, part)


def _rows(queryset, part: Part) -> Iterator[dict]:
    lookups = [f"{name}__{reference.key}" for name, reference in part.references.items()]
    columns = (["pk"] if part.keeps_old_id else []) + list(part.values) + lookups
    for values in queryset.values_list(*columns).iterator(chunk_size=CHUNK):
        yield {key: as_json(value) for key, value in zip(part.keys, values, strict=True)}


def _officials(race: Race, part: Part, officials) -> Iterator[dict]:
    """An official's stations are many: a list of station codes, in course order."""
    stations = defaultdict(list)
    through = RaceOfficial.stations.through.objects.filter(raceofficial__race=race)
    for official_id, code in through.order_by("station__position").values_list(
        "raceofficial_id", "station__code"
    ):
        stations[official_id].append(code)
    user = f"user__{part.references['user'].key}"
    for pk, role, username in officials.values_list("pk", "role", user):
        yield {"role": role, "user": username, "stations": stations[pk]}


def _counted(rows: Iterable[dict], counts: dict[str, int], name: str) -> Iterator[dict]:
    counts[name] = 0
    for row in rows:
        counts[name] += 1
        yield row


def _line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _write(archive: zipfile.ZipFile, name: str, chunks: Iterable[str | bytes]) -> str:
    """Write a member from its chunks (text lines end with a newline); returns its SHA-256."""
    digest = hashlib.sha256()
    with archive.open(_entry(name), "w", force_zip64=True) as member:
        for chunk in chunks:
            raw = chunk if isinstance(chunk, bytes) else (chunk + "\n").encode("utf-8")
            digest.update(raw)
            member.write(raw)
    return digest.hexdigest()


def _entry(name: str) -> zipfile.ZipInfo:
    """A member dated now (a zip tool shows when the archive was made), compressed."""
    entry = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry
