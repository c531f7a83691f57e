"""A race archive read whole before anything of it is used: a zip, its manifest, the version of
its format, every member against the manifest's SHA-256, and each member as rows.

Every problem is one line naming the member (and the line of a JSON Lines member) at fault.
A damaged or altered archive is refused whole: a backup restored with a part missing would be
a different race.
"""

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from races.problems import InputProblems
from results.archive.parts import (
    FILES_FOLDER,
    FORMAT,
    MANIFEST,
    RACE_DOCUMENT,
    RACE_MEMBER,
    ROW_PARTS,
    VERSION,
    VERSIONS_READ,
)


@dataclass
class ArchiveContents:
    manifest: dict
    #: race.json: the race's fields, its stations and categories.
    document: dict
    #: Each row part's rows with their line in the member.
    rows: dict[str, list[tuple[int, dict]]]
    #: Files kept beside the rows (the certificate logo), by member name.
    files: dict[str, bytes] = field(default_factory=dict)


def read_archive(source: BinaryIO, name: str) -> ArchiveContents:
    """The archive's contents, or InputProblems saying what is wrong with it."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputProblems(
            [
                _("%(file)s: not a race archive: it is not a readable zip file (%(error)s).")
                % {"file": name, "error": exc}
            ]
        ) from None
    with archive:
        manifest = _manifest(archive, name)
        members = _checked_members(archive, manifest, name)
        document = _race_document(members.pop(RACE_MEMBER))
        rows, problems = {}, []
        for part in ROW_PARTS:
            if part.since > manifest["version"]:
                rows[part.name] = []  # an older archive: none of these then
                continue
            rows[part.name] = _json_lines(part.member, members.pop(part.member), problems)
        if problems:
            raise InputProblems(problems)
        contents = ArchiveContents(manifest=manifest, document=document, rows=rows, files=members)
        _check_counts(contents)
        return contents


def _manifest(archive: zipfile.ZipFile, name: str) -> dict:
    if MANIFEST not in archive.namelist():
        raise InputProblems(
            [
                _("%(file)s: no %(manifest)s in it; a race archive is made by export_race_archive.")
                % {"file": name, "manifest": MANIFEST}
            ]
        )
    manifest = _json(MANIFEST, _member_bytes(archive, MANIFEST))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputProblems(
            [
                _("%(manifest)s: not the manifest of a race archive (its format is not %(format)r).")
                % {"manifest": MANIFEST, "format": FORMAT}
            ]
        )
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputProblems([_("%(manifest)s: no version number in it.") % {"manifest": MANIFEST}])
    if version not in VERSIONS_READ:
        raise InputProblems(
            [
                _(
                    "%(manifest)s: the archive is version %(version)d of the format, made by %(release)s; "
                    "this release reads version %(known)d. Import it with the release that made it, or a newer one."
                )
                % {
                    "manifest": MANIFEST,
                    "version": version,
                    "release": manifest.get("release") or _("an unknown release"),
                    "known": VERSION,
                }
            ]
        )
    for key in ("sha256", "counts"):
        if not isinstance(manifest.get(key), dict):
            raise InputProblems(
                [_("%(manifest)s: the %(key)s table is missing.") % {"manifest": MANIFEST, "key": key}]
            )
    return manifest


def _checked_members(archive: zipfile.ZipFile, manifest: dict, name: str) -> dict[str, bytes]:
    """Every member the manifest lists, each checked against its SHA-256; nothing else allowed."""
    listed: dict = manifest["sha256"]
    required = [RACE_MEMBER, *(part.member for part in ROW_PARTS if part.since <= manifest["version"])]
    problems = [
        _("%(manifest)s: %(member)s is not listed; the archive is incomplete.")
        % {"manifest": MANIFEST, "member": member}
        for member in required
        if member not in listed
    ]
    present = set(archive.namelist()) - {MANIFEST}
    for member in sorted(present - set(listed)):
        problems.append(
            _("%(file)s: %(member)s is not in the manifest; the archive was changed after it was made.")
            % {"file": name, "member": member}
        )
    members: dict[str, bytes] = {}
    for member, expected in sorted(listed.items()):
        if member not in required and not member.startswith(FILES_FOLDER):
            problems.append(
                _("%(manifest)s: %(member)s is no part of a race archive.")
                % {"manifest": MANIFEST, "member": member}
            )
        elif member not in present:
            problems.append(
                _("%(file)s: %(member)s is missing from the zip; use a complete copy of the archive.")
                % {"file": name, "member": member}
            )
        else:
            try:
                raw = _member_bytes(archive, member)
            except InputProblems as damaged:
                problems.extend(damaged.problems)
                continue
            if hashlib.sha256(raw).hexdigest() != expected:
                problems.append(
                    _(
                        "%(member)s: its SHA-256 is not the manifest's; the archive was changed or damaged "
                        "after it was made. Use an intact copy."
                    )
                    % {"member": member}
                )
            members[member] = raw
    if problems:
        raise InputProblems(problems)
    return members


def _member_bytes(archive: zipfile.ZipFile, member: str) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise InputProblems(
            [_("%(member)s: cannot be read from the zip (%(error)s).") % {"member": member, "error": exc}]
        ) from None


def _json(member: str, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputProblems([_("%(member)s: not UTF-8 text.") % {"member": member}]) from None
    except json.JSONDecodeError as exc:
        raise InputProblems(
            [
                _("%(member)s line %(line)d: not valid JSON (%(error)s).")
                % {"member": member, "line": exc.lineno, "error": exc.msg}
            ]
        ) from None


def _race_document(raw: bytes) -> dict:
    document = _json(RACE_MEMBER, raw)
    wanted = [part.name for part in RACE_DOCUMENT]
    if not isinstance(document, dict) or sorted(document) != sorted(wanted):
        raise InputProblems(
            [
                _("%(member)s: an object with the keys %(keys)s is expected.")
                % {"member": RACE_MEMBER, "keys": ", ".join(wanted)}
            ]
        )
    problems = [
        _("%(member)s: %(key)s is not a list.") % {"member": RACE_MEMBER, "key": key}
        for key in wanted[1:]
        if not isinstance(document[key], list)
    ]
    if not isinstance(document["race"], dict):
        problems.append(_("%(member)s: race is not an object.") % {"member": RACE_MEMBER})
    if problems:
        raise InputProblems(problems)
    return document


def _json_lines(member: str, raw: bytes, problems: list) -> list[tuple[int, dict]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(_("%(member)s: not UTF-8 text.") % {"member": member})
        return []
    rows = []
    for line, content in enumerate(text.splitlines(), 1):
        try:
            row = json.loads(content)
        except json.JSONDecodeError as exc:
            problems.append(
                _("%(member)s line %(line)d: not valid JSON (%(error)s).")
                % {"member": member, "line": line, "error": exc.msg}
            )
            continue
        if not isinstance(row, dict):
            problems.append(
                _("%(member)s line %(line)d: a JSON object is expected.") % {"member": member, "line": line}
            )
            continue
        rows.append((line, row))
    return rows


def _check_counts(contents: ArchiveContents) -> None:
    """The manifest's count of each part against the rows read: a member cut short is refused."""
    version = contents.manifest["version"]
    found = {part.name: len(contents.rows.get(part.name, ())) for part in ROW_PARTS if part.since <= version}
    found.update({part.name: len(contents.document[part.name]) for part in RACE_DOCUMENT[1:]})
    found[RACE_DOCUMENT[0].name] = 1
    counts = contents.manifest["counts"]
    problems = [
        _("%(manifest)s: it counts %(counted)s %(part)s, the archive holds %(found)d.")
        % {"manifest": MANIFEST, "counted": counts.get(part), "part": part, "found": number}
        for part, number in found.items()
        if counts.get(part) != number
    ]
    if problems:
        raise InputProblems(problems)
