"""Race archives in the tests: made, emptied out of the database, read back part by part."""

import io
import json
import zipfile
from pathlib import Path

from races.models import Race
from results.archive.parts import DETAILS_IDS, MANIFEST, RACE_MEMBER, ROW_PARTS
from tests.commands import run


def results_json(slug: str) -> str:
    """`export_results SLUG --format json`, exactly as written."""
    outcome = run("export_results", slug, "--format", "json")
    assert outcome.ok, outcome.stderr
    return outcome.stdout


def export_archive(slug: str, folder: Path, name: str = "race.zip") -> Path:
    target = folder / name
    outcome = run("export_race_archive", slug, "--output", str(target))
    assert outcome.ok, outcome.stderr
    return target


def delete_race(slug: str) -> None:
    """The race and everything of it gone, as on an instance that never had it."""
    Race.objects.get(slug=slug).delete()


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def rows(archive: Path, member: str) -> list[dict]:
    return [json.loads(line) for line in members(archive)[member].decode().splitlines()]


def comparable(archive: Path) -> dict:
    """Every part of an archive with the ids of this instance replaced by the row's place in its
    part (the ids are new after an import, nothing else may be)."""
    contents = members(archive)
    parts = {"race": json.loads(contents[RACE_MEMBER])}
    places: dict[str, dict[int, int]] = {}
    for part in ROW_PARTS:
        part_rows = [json.loads(line) for line in contents[part.member].decode().splitlines()]
        if part.keeps_old_id:
            places[part.name] = {row.pop("id"): place for place, row in enumerate(part_rows)}
        parts[part.name] = part_rows
    for entry in parts["audit_trail"]:
        for key, part in DETAILS_IDS.items():
            if key in entry["details"]:
                entry["details"][key] = places[part][entry["details"][key]]
    return parts


def rewritten(archive: Path, *, replace: dict[str, bytes | None] = (), manifest=None) -> bytes:
    """The archive's zip with members replaced (None: left out) and the manifest changed by
    `manifest(dict)`, as someone altering a copy would make it."""
    contents = members(archive)
    for name, content in dict(replace).items():
        if content is None:
            contents.pop(name)
        else:
            contents[name] = content
    if manifest is not None:
        document = json.loads(contents[MANIFEST])
        manifest(document)
        contents[MANIFEST] = json.dumps(document).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, content in contents.items():
            target.writestr(name, content)
    return buffer.getvalue()
