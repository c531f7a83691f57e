"""A chip file kept between its preview and its confirm: on disk, not in the cache.

A 20 MB file held in the cache for half an hour, once per preview, filled Redis; on disk it costs
nothing while it waits. The file goes under TASUKI_VAR_DIR/uploads/, named by the race, the user
who previewed it and its SHA-256, so only that user can confirm it and a forged name finds
nothing; beside it a small JSON file says its name and what the preview counted. The confirm
deletes it; a file older than HELD_SECONDS is expired, and every new upload sweeps the expired
ones away, so a preview left unconfirmed lasts until the next upload after it expired.
"""

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from races.models import Race

#: A preview not confirmed within this time is forgotten; the official uploads the file again.
HELD_SECONDS = 30 * 60


@dataclass(frozen=True)
class HeldFile:
    path: Path
    filename: str
    previewed: int  # new reads the preview counted

    def forget(self) -> None:
        _remove(self.path)


def _folder() -> Path:
    return Path(settings.TASUKI_VAR_DIR) / "uploads"


def _path(race: Race, user, digest: str) -> Path:
    return _folder() / f"{race.pk}-{user.pk}-{digest}.csv"


def _notes(path: Path) -> Path:
    return path.with_suffix(".json")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    _notes(path).unlink(missing_ok=True)


def hold(race: Race, user, upload: UploadedFile) -> tuple[str, Path]:
    """The upload copied to disk, a chunk at a time, and hashed on the way: its digest and path.
    Django has already spooled an upload over 2.5 MB to a temporary file of its own; that one is
    gone with the request, this one waits for the confirm."""
    sweep()
    _folder().mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=_folder(), suffix=".part", delete=False) as copy:
        for chunk in upload.chunks():
            digest.update(chunk)
            copy.write(chunk)
    path = _path(race, user, digest.hexdigest())
    Path(copy.name).replace(path)  # the same file twice is simply held again
    return digest.hexdigest(), path


def note_preview(path: Path, *, filename: str, previewed: int) -> None:
    _notes(path).write_text(json.dumps({"filename": filename, "previewed": previewed}))


def held(race: Race, user, digest: str) -> HeldFile | None:
    """The file this user previewed for this race, unless it expired or was confirmed."""
    path = _path(race, user, digest)
    try:
        notes = json.loads(_notes(path).read_text())
        expired = time.time() - path.stat().st_mtime > HELD_SECONDS
    except (OSError, ValueError):
        return None
    if expired:
        _remove(path)
        return None
    return HeldFile(path=path, filename=notes["filename"], previewed=notes["previewed"])


def sweep() -> int:
    """Removes the files held longer than HELD_SECONDS (and copies left half-written); returns
    how many."""
    if not _folder().is_dir():
        return 0
    oldest = time.time() - HELD_SECONDS
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
                removed += path.suffix != ".json"
        except OSError:
            continue  # swept by another process meanwhile
    return removed
