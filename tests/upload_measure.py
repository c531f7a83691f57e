"""How much memory and time a 20 MB chip file costs to preview and store, in a process of its own.

`python -m tests.upload_measure [--bytes] [--confirm] [--one-transaction]` prints one JSON line:
the file's rows, the resident memory of the idle process and its peak above that during the
preview (and the confirm: in chunks, as the officials' page; `--one-transaction` as
`import_timing`), in MB, and their seconds. `--bytes` hands the service the whole file as bytes,
as the upload page did before it read the file as a stream. Without DATABASE_URL it runs on a
throwaway SQLite file.
"""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def resident_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """Start VmHWM again from the current resident size (Linux 4.0+)."""
    Path("/proc/self/clear_refs").write_text("5")


def main(argv: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tasuki-upload-measure-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'measure.sqlite3'}")
    # DEBUG off, as on a server: with it on, Django would keep every query's SQL in memory too.
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ekiden.settings",
        TASUKI_VAR_DIR=str(folder),
        DEBUG="0",
        SECRET_KEY="measure-only-not-secret",
        ALLOWED_HOSTS="localhost",
    )
    os.environ.setdefault("REDIS_URL", "")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from results.timing.services import timing_import
    from tests.chip_files import race_for_chip_files, write_chip_file

    call_command("migrate", verbosity=0)
    race = race_for_chip_files()
    path = folder / "reader.csv"
    rows = write_chip_file(path, race)
    figures = {"rows": rows, "file_mb": round(path.stat().st_size / 2**20, 1)}

    def measured(name: str, **options) -> None:
        import gc

        gc.collect()
        reset_peak()
        idle = resident_mb("VmRSS")
        start = time.perf_counter()
        with open(path, "rb") as chip_file:
            raw = chip_file.read() if "--bytes" in argv else chip_file
            summary = timing_import(race=race, raw=raw, filename="reader.csv", **options)
        figures[f"{name}_seconds"] = round(time.perf_counter() - start, 2)
        figures[f"{name}_idle_mb"] = round(idle, 1)
        figures[f"{name}_peak_above_idle_mb"] = round(resident_mb("VmHWM") - idle, 1)
        figures[f"{name}_added"] = summary.added

    try:
        measured("preview", dry_run=True)
        if "--confirm" in argv:
            # The officials' confirm (the same file as a stream; bytes went in one transaction).
            in_one = "--bytes" in argv or "--one-transaction" in argv
            measured("confirm", **({} if in_one else {"in_chunks": True}))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
