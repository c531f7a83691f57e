"""`make bench`: how fast the standings and the printed results are, measured, not asserted.

Prints, for synthetic races of 300 × 4, 5,000 × 4 and 25,000 × 5 legs (+1 checkpoint):
- engine: full recompute of the pure standings engine (median of several runs);
- import: `import_timing` throughput into PostgreSQL (records/s, the whole file in one go);
- end-to-end: from one committed split to standings cached by a real Celery worker on Redis.

It uses its own PostgreSQL database (`tasuki_bench`, dropped and created afresh) and Redis
database 1, so it never touches the data of `make run` or of the tests.

Then, in a process of its own (`python -m tests.benchmarks pdf` runs only this part):
- pdf: the results book of 300 teams and the certificates of 1,200 runners of the demo race,
  rendered by the same functions as the workers, with the files' sizes. It needs no services:
  an SQLite file in a temporary folder, tasks in-process.
"""

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "tasuki_bench"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
SIZES = [(300, 4, 0), (5_000, 4, 0), (25_000, 5, 1)]

os.environ.update(
    DJANGO_SETTINGS_MODULE="ekiden.settings",
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS,
    CELERY_TASK_ALWAYS_EAGER="0",
    CACHE_KEY_PREFIX="tasuki-bench",
    CELERY_TASK_DEFAULT_QUEUE="tasuki-bench",
)
sys.path.insert(0, str(ROOT))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@contextmanager
def celery_worker():
    log = open(ROOT / "var" / "bench-worker.log", "w")  # noqa: SIM115 - closed below
    command = [
        sys.executable, "-m", "celery", "-A", "ekiden", "worker", "--pool", "solo",
        "--queues", "tasuki-bench", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "warning", "--hostname", f"bench-{os.getpid()}@%h",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    from ekiden.celery import app

    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Celery worker did not start; see var/bench-worker.log")
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def wait_for_cached_version(race) -> None:
    from races.models import Race
    from results import standings_cache

    wanted = Race.objects.get(pk=race.pk).standings_version
    while (standings_cache.cached_version(race.pk) or 0) < wanted:
        time.sleep(0.002)


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from results.standings import compute_standings
    from tests.synthetic import course_and_entries, generate_race

    print("Tasuki benchmark (2-core machine; medians)\n")
    races = {}
    for teams, legs, checkpoints in SIZES:
        start = time.perf_counter()
        race = generate_race(seed=7, teams=teams, legs=legs, checkpoints=checkpoints, slug=f"bench-{teams}")
        generated = time.perf_counter() - start
        course, entries = course_and_entries(race)
        runs = 21 if teams <= 5_000 else 5
        engine = median_seconds(partial(compute_standings, course, entries), runs)
        races[(teams, legs, checkpoints)] = race
        print(
            f"engine   {teams:>6} teams × {legs} legs (+{checkpoints} cp): {len(race.timing):>7} reads, "
            f"full recompute {engine * 1000:8.1f} ms   (generated in {generated:.1f} s)"
        )

    recreate_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()
    from races.services import entries_import, race_import
    from results import standings_cache
    from results.services import timing_import, timing_record_create

    print()
    with celery_worker():
        for (teams, _legs, _checkpoints), synthetic in races.items():
            race, _ = race_import(payload=synthetic.race)
            entry_columns = list(synthetic.entries[0])
            start = time.perf_counter()
            entries_import(race=race, raw=csv_bytes(synthetic.entries, entry_columns))
            entries_seconds = time.perf_counter() - start
            timing_raw = csv_bytes(synthetic.timing, ["bib", "station", "time", "source", "read_id"])
            # Let the worker finish the recompute the entries caused: on two cores it would
            # otherwise share the CPU with the import being measured.
            wait_for_cached_version(race)
            start = time.perf_counter()
            summary = timing_import(race=race, raw=timing_raw)
            seconds = time.perf_counter() - start
            print(
                f"import   {teams:>6} teams: entries {len(synthetic.entries)} rows in {entries_seconds:.1f} s; "
                f"timing {summary.added} records in {seconds:.2f} s = {summary.added / seconds:,.0f} records/s"
            )
            standings_cache.refresh(race.pk)
            delays = []
            finish = synthetic.race["stations"][-1]["code"]
            bib = synthetic.entries[0]["team_bib"]
            for i in range(7):
                start = time.perf_counter()
                timing_record_create(
                    race=race, bib=bib, station=finish, time=f"09:59:{50 - i:02d}.000", source="tablet"
                )
                wait_for_cached_version(race)
                delays.append(time.perf_counter() - start)
            print(
                f"e2e      {teams:>6} teams: one new split to cached standings (worker, Redis): "
                f"median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
            )


# --- the printed results ------------------------------------------------------------------

PDF_TEAMS = 300  # the ALEPS race: 300 teams of four, 1,200 runners


def pdf_main() -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tasuki-bench-pdf-"))
    try:
        pdf_bench(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def pdf_bench(folder: Path) -> None:
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        REDIS_URL="",
        CELERY_TASK_ALWAYS_EAGER="1",
        TASUKI_VAR_DIR=str(folder),
    )
    import django

    django.setup()
    from datetime import UTC, datetime

    from django.core.management import call_command

    from races.demo import demo_race
    from races.services import entries_import, race_close, race_import
    from results.pdf import fonts
    from results.pdf.book import results_book
    from results.pdf.certificates import certificates_pdf, certificates_zip, finished_teams
    from results.selectors import printed_race, standings_for_race
    from results.services import timing_import

    start = time.perf_counter()
    fonts.register()
    fonts_seconds = time.perf_counter() - start
    call_command("migrate", verbosity=0)
    # A few more teams than the race has, so that 300 of them finish.
    demo = demo_race(teams=PDF_TEAMS + 30)
    race, _ = race_import(payload=demo.payload)
    entries_import(race=race, raw=demo.entries_csv)
    timing_import(race=race, raw=demo.timing_csv)
    race_close(race=race, actor="bench")
    race.refresh_from_db()
    results = standings_for_race(race)
    printed = printed_race(race)
    book_input = {**results, "teams": results["teams"][:PDF_TEAMS]}
    teams = finished_teams(results)[:PDF_TEAMS]
    runners = sum(len(t["legs"]) for t in teams)
    made_at = datetime.now(UTC)

    print(f"Printed results of the demo race (fonts loaded once per process: {fonts_seconds:.2f} s)")
    print(
        "wall-clock seconds, and in brackets the CPU seconds, which another busy process does not inflate\n"
    )
    timed(
        f"book of {PDF_TEAMS} teams (goal ≤ 3 s)", partial(results_book, printed, book_input, made_at=made_at)
    )
    timed(
        f"certificates of {runners} runners (goal ≤ 15 s, < 2 MB)",
        partial(certificates_pdf, printed, results, teams),
    )
    timed(
        f"team certificates of {len(teams)} teams",
        partial(certificates_pdf, printed, results, teams, runner_pages=False, team_pages=True),
    )
    timed(
        f"ZIP of {len(teams)} team files (team page + runners)",
        partial(certificates_zip, printed, results, teams),
    )


def timed(label: str, render) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    content = render()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"pdf      {label}: {seconds:.2f} s ({cpu_seconds:.2f} s CPU), {len(content) / 1e6:.2f} MB")


if __name__ == "__main__":
    if sys.argv[1:] == ["pdf"]:
        pdf_main()
    elif sys.argv[1:]:
        sys.exit("usage: python -m tests.benchmarks [pdf]")
    else:
        main()
        print()
        subprocess.run([sys.executable, "-m", "tests.benchmarks", "pdf"], cwd=ROOT, check=True)
