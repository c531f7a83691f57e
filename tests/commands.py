"""Running the contract commands from tests, as an organiser's script would."""

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass
class Outcome:
    ok: bool
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run(*args: str) -> Outcome:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return Outcome(False, out.getvalue(), err.getvalue() + str(exc))
    return Outcome(True, out.getvalue(), err.getvalue())


def write(tmp: Path, name: str, content: str | bytes) -> str:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)
