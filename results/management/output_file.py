"""Where the export commands write: checked before the work starts, written in one go."""

import os
from pathlib import Path

from django.utils.translation import gettext as _

from races.problems import InputProblems


def check_writable(path: str) -> None:
    """Refuse an output path that cannot be written before spending seconds on the content."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        problem = _("%(path)s: is a folder; give a file name.")
    elif not folder.is_dir():
        problem = _("%(path)s: the folder %(folder)s does not exist.")
    elif not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        problem = _("%(path)s: cannot be written (permission denied).")
    else:
        return
    raise InputProblems([problem % {"path": path, "folder": folder}])


def write_output(path: str, content: str | bytes) -> None:
    try:
        if isinstance(content, bytes):
            Path(path).write_bytes(content)
        else:
            Path(path).write_text(content, encoding="utf-8")
    except OSError as exc:
        raise InputProblems(
            [_("%(path)s: cannot be written (%(error)s).") % {"path": path, "error": exc.strerror}]
        ) from None
