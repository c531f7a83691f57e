"""`make bench`: how fast the standings are, measured, not asserted.

`python -m tests.benchmarks [standings] [live]` runs the sections named (default: both).

standings: for synthetic races of 300 × 4, 5,000 × 4 and 25,000 × 5 legs (+1 checkpoint):
- engine: full recompute of the pure standings engine (median of several runs);
- import: `import_timing` throughput into PostgreSQL (records/s, the whole file in one go);
- end-to-end: from one committed split to standings cached by a real Celery worker on Redis.

live: the demo race (300 teams) served by gunicorn with PostgreSQL and Redis, a Celery worker
recomputing the standings, while this process posts splits through the timing service; locust
runs 200 readers on the overall page, a category page and the results API (loopback only,
bounded in users and time: LIVE_USERS, LIVE_SECONDS). Goal: 500 requests/s, p99 200 ms, no errors.

It uses its own PostgreSQL database (`tasuki_bench`, dropped and created afresh) and Redis
database 1, so it never touches the data of `make run` or of the tests.
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

# Other checkouts on this machine may run their benchmarks at the same time: this run's queue,
# cache keys and live database are its own.
RUN_ID = os.getpid()
LIVE_DB_NAME = f"tasuki_bench_live_{RUN_ID}"
os.environ.update(
    DJANGO_SETTINGS_MODULE="ekiden.settings",
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS,
    CELERY_TASK_ALWAYS_EAGER="0",
    CACHE_KEY_PREFIX=f"tasuki-bench-{RUN_ID}",
    CELERY_TASK_DEFAULT_QUEUE=f"tasuki-bench-{RUN_ID}",
)
sys.path.insert(0, str(ROOT))


def recreate_database(name: str = DB_NAME, *, create: bool = True) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {name}")


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
        "--queues", os.environ["CELERY_TASK_DEFAULT_QUEUE"], "--without-gossip", "--without-mingle", "--without-heartbeat",
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
    sections = sys.argv[1:] or ["standings", "live"]
    unknown = set(sections) - {"standings", "live"}
    if unknown:
        sys.exit(f"unknown section(s) {', '.join(sorted(unknown))}: choose standings and/or live")
    if "standings" in sections:
        standings_section()
    if "live" in sections:
        live_section()


def standings_section() -> None:
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


# --- live: the public pages under a race-day crowd ----------------------------------------


def free_loopback_address() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


LIVE_ADDRESS = free_loopback_address()  # loopback only
LIVE_USERS = int(os.environ.get("LIVE_USERS", "200"))
LIVE_SECONDS = int(os.environ.get("LIVE_SECONDS", "30"))
LIVE_WORKERS = int(os.environ.get("LIVE_WORKERS", "2"))
# Threads per worker: more than one runs gunicorn's gthread workers, which keep connections open.
LIVE_THREADS = int(os.environ.get("LIVE_THREADS", "4"))
SPLITS_PER_SECOND = float(os.environ.get("LIVE_SPLITS_PER_SECOND", "2"))


def live_section() -> None:
    import django

    django.setup()
    from django.db import connections

    connections.close_all()
    recreate_database(LIVE_DB_NAME)
    connections["default"].settings_dict["NAME"] = LIVE_DB_NAME
    os.environ["DATABASE_URL"] = f"{PG}/{LIVE_DB_NAME}"  # for the worker and gunicorn
    try:
        serve_the_crowd()
    finally:
        connections.close_all()
        recreate_database(LIVE_DB_NAME, create=False)


def serve_the_crowd() -> None:
    import csv
    import random
    import threading

    from django.core.cache import cache
    from django.core.management import call_command

    from races.models import Race

    call_command("migrate", verbosity=0)
    cache.clear()
    call_command("load_demo", "--no-user", verbosity=0)
    race = Race.objects.get(slug="aleps-demo")
    logs = ROOT / "var"
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-not-secret", "ALLOWED_HOSTS": "127.0.0.1"}
    # As in production: DEBUG off, static files from whitenoise's compressed manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(
        f"\nlive     demo race, {race.teams.count()} teams; gunicorn {LIVE_WORKERS} workers × {LIVE_THREADS} threads; "
        f"{LIVE_USERS} readers for {LIVE_SECONDS} s; {SPLITS_PER_SECOND:g} splits/s posted"
    )
    with celery_worker(), open(logs / "bench-gunicorn.log", "w") as web_log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "ekiden.wsgi", "--bind", LIVE_ADDRESS,
             "--workers", str(LIVE_WORKERS), "--threads", str(LIVE_THREADS), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_http(f"http://{LIVE_ADDRESS}/races/aleps-demo/")
            stop = threading.Event()
            posted = []
            poster = threading.Thread(target=post_splits, args=(race, stop, posted, random.Random(7)))
            poster.start()
            web_cpu_before = cpu_seconds(web.pid)
            try:
                prefix = logs / "bench-live"
                subprocess.run(
                    [sys.executable, "-m", "locust", "-f", str(ROOT / "tests" / "locustfile.py"), "--headless",
                     "-u", str(LIVE_USERS), "-r", "50", "-t", f"{LIVE_SECONDS}s", "--stop-timeout", "5",
                     "--host", f"http://{LIVE_ADDRESS}", "--csv", str(prefix), "--only-summary",
                     "--loglevel", "WARNING"],
                    cwd=ROOT, check=False, env={**os.environ, "LOCUST_RACE": "aleps-demo"},
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
            finally:
                stop.set()
                poster.join()
            web_cpu = cpu_seconds(web.pid) - web_cpu_before
        finally:
            web.terminate()
            web.wait(timeout=30)
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                served = int(row["Request Count"])
            print(
                f"live     {row['Name']:<14} {float(row['Requests/s']):7.0f} requests/s  "
                f"median {row['50%']:>4} ms  p99 {row['99%']:>4} ms  max {float(row['Max Response Time']):5.0f} ms  "
                f"{row['Request Count']:>6} requests, {row['Failure Count']} errors"
            )
    print(f"live     {len(posted)} splits posted during the run")
    # What the machine's other load does not change: the web processes' own CPU per request.
    print(
        f"live     gunicorn CPU {web_cpu:.1f} s for {served} requests = {web_cpu / max(served, 1) * 1000:.2f} ms "
        f"a request (renders after splits included); load average now {os.getloadavg()[0]:.1f}"
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children (gunicorn's workers), so far."""
    import psutil

    parent = psutil.Process(pid)
    total = 0.0
    for process in [parent, *parent.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def wait_for_http(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer; see var/bench-gunicorn.log") from None
        time.sleep(0.2)


def post_splits(race, stop, posted: list, rng) -> None:
    """A timing tablet: a new split now and then, each one a new standings version."""
    from django.db import connection

    from results.services import timing_record_create

    bibs = list(race.teams.values_list("bib", flat=True))
    stations = [s.code for s in race.course[1:]]
    second = 0
    try:
        while not stop.wait(1 / SPLITS_PER_SECOND):
            second += 1
            timing_record_create(
                race=race,
                bib=rng.choice(bibs),
                station=rng.choice(stations),
                time=f"{9 + second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{rng.randrange(1000):03d}",
                source="tablet",
            )
            posted.append(second)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
