"""`make bench`: how fast the standings, the device API and the printed results are, measured.

`python -m tests.benchmarks [standings] [api] [pdf] [live] [uploads]` runs the sections named
(default: all).

standings: for simulated races of 300 × 4, 5,000 × 4 and 25,000 × 5 legs (+1 checkpoint):
- engine: full recompute of the pure standings engine (median of several runs);
- import: `import_timing` throughput into PostgreSQL (records/s, the whole file in one go);
- end-to-end: from one committed split to standings cached by a real Celery worker on Redis.

api: the device API under gunicorn for a 300-team race: single posts per second and their
latency from several tablets at once (and from one alone), records per second in batches of
1,000, and the CPU each post costs the web processes and PostgreSQL (this machine is shared,
so rates swing with whatever else runs; the CPU cost swings less). The load comes from
threads with keep-alive connections over loopback, a fixed number of requests. No Celery
worker runs (BENCH_API_WORKER=1 starts one): the recompute is measured above, and on two
cores it would take its share from the API.

pdf: the results book of 300 teams and the certificates of 1,200 runners of the demo race,
rendered by the same functions as the workers, with the files' sizes. It runs in a process of
its own and needs no services: an SQLite file in a temporary folder, tasks in-process.

live: the demo race (300 teams) served by gunicorn with PostgreSQL and Redis, a Celery worker
recomputing the standings, while this process posts splits through the timing service; locust
runs 200 readers on the overall page, a category page and the results API (loopback only,
bounded in users and time: LIVE_USERS, LIVE_SECONDS). Goal: 500 requests/s, p99 200 ms, no errors.

uploads: a 20 MB chip file (about 330,000 reads of a 300-team race) through the officials' upload
page on PostgreSQL: the preview's seconds and its peak resident memory above the idle process,
the confirm's seconds, and meanwhile a tablet posting a read through the device API every
50 ms and a phone reading the standings page: their longest wait and their replies.

It uses its own PostgreSQL database (`tasuki_bench`, or BENCH_DATABASE; dropped and created
afresh) and Redis database 1 (or BENCH_REDIS_URL), so it never touches the data of `make run`
or of the tests.
"""

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Another checkout benchmarking on the same machine at the same time names its own database.
DB_NAME = os.environ.get("BENCH_DATABASE", "tasuki_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
SIZES = [(300, 4, 0), (5_000, 4, 0), (25_000, 5, 1)]
SECTIONS = ("standings", "api", "pdf", "live", "uploads", "control")

API_TEAMS = 300
API_TABLETS = 8  # client threads posting at once
API_ALONE_POSTS = 300  # posted one after another, for the latency without queueing
API_SINGLE_POSTS = int(os.environ.get("BENCH_API_POSTS", "4000"))
API_BATCHES = int(os.environ.get("BENCH_API_BATCHES", "30"))
API_BATCH_SIZE = 1_000
# As docs/deploy.md: a worker a core; gthread workers keep the tablets' connections alive (sync
# workers close each one), and more than two threads a worker cost CPU in switching.
GUNICORN = os.environ.get(
    "BENCH_GUNICORN", "--workers 2 --worker-class gthread --threads 2 --keep-alive 30"
).split()

# Other checkouts on this machine may run their benchmarks at the same time: this run's queue,
# cache keys and live database are its own.
RUN_ID = os.getpid()
LIVE_DB_NAME = f"tasuki_bench_live_{RUN_ID}"
os.environ.update(
    DJANGO_SETTINGS_MODULE="ekiden.settings",
    DATABASE_URL=f"{PG}/{DB_NAME}",
    REDIS_URL=REDIS,
    CELERY_TASK_ALWAYS_EAGER="0",
    TASUKI_CACHE_KEY_PREFIX=f"tasuki-bench-{RUN_ID}",
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
    from results.standings import cache as standings_cache

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


_database_ready = False


def prepare_database() -> None:
    """A fresh, migrated benchmark database, once per run."""
    global _database_ready
    if _database_ready:
        return
    recreate_database()
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()
    _database_ready = True


def main(argv: list[str]) -> None:
    sections = argv or list(SECTIONS)
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        sys.exit(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    # The web and worker logs go to var/, which a fresh clone does not have yet.
    (ROOT / "var").mkdir(exist_ok=True)
    print("Tasuki benchmark (2-core machine; medians)\n")
    if "standings" in sections:
        standings_benchmark()
    if "api" in sections:
        api_benchmark()
    if "live" in sections:
        live_section()
    if "control" in sections:
        control_benchmark()
    if "uploads" in sections:
        from tests.upload_benchmark import uploads_benchmark

        prepare_database()
        uploads_benchmark()
    if "pdf" in sections:
        # Its own process: it runs on a throwaway SQLite file, set before Django starts.
        if sections == ["pdf"]:
            pdf_main()
        else:
            print()
            subprocess.run([sys.executable, "-m", "tests.benchmarks", "pdf"], cwd=ROOT, check=True)


def standings_benchmark() -> None:
    prepare_database()  # the simulation writes its files with the entries' columns of races/
    from results.simulation.race import simulate_race
    from results.standings.engine import compute_standings
    from tests.standings_reference import course_and_entries

    races = {}
    for teams, legs, checkpoints in SIZES:
        start = time.perf_counter()
        race = simulate_race(seed=7, teams=teams, legs=legs, checkpoints=checkpoints, slug=f"bench-{teams}")
        generated = time.perf_counter() - start
        course, entries = course_and_entries(race)
        runs = 21 if teams <= 5_000 else 5
        engine = median_seconds(partial(compute_standings, course, entries), runs)
        races[(teams, legs, checkpoints)] = race
        print(
            f"engine   {teams:>6} teams × {legs} legs (+{checkpoints} cp): {len(race.timing):>7} reads, "
            f"full recompute {engine * 1000:8.1f} ms   (generated in {generated:.1f} s)"
        )

    prepare_database()
    from races.services import entries_import, race_import
    from results.standings import cache as standings_cache
    from results.timing.services import timing_import, timing_record_create

    print()
    with celery_worker():
        for (teams, _legs, _checkpoints), simulated in races.items():
            race, _ = race_import(payload=simulated.payload)
            entry_columns = list(simulated.entries[0])
            start = time.perf_counter()
            entries_import(race=race, raw=csv_bytes(simulated.entries, entry_columns))
            entries_seconds = time.perf_counter() - start
            timing_raw = csv_bytes(simulated.timing, ["bib", "station", "time", "source", "read_id"])
            # Let the worker finish the recompute the entries caused: on two cores it would
            # otherwise share the CPU with the import being measured.
            wait_for_cached_version(race)
            start = time.perf_counter()
            summary = timing_import(race=race, raw=timing_raw)
            seconds = time.perf_counter() - start
            print(
                f"import   {teams:>6} teams: entries {len(simulated.entries)} rows in {entries_seconds:.1f} s; "
                f"timing {summary.added} records in {seconds:.2f} s = {summary.added / seconds:,.0f} records/s"
            )
            standings_cache.refresh(race.pk)
            delays = []
            finish = simulated.payload["stations"][-1]["code"]
            bib = simulated.entries[0]["team_bib"]
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


# --- race control: projections and station boards ----------------------------------------

CONTROL_SIZES = [(300, 4, 0), (25_000, 5, 1)]


def control_benchmark() -> None:
    """Race control's projections and boards computed afresh (a new standings version), and its
    page as an organiser polls it (kept per version), in the middle of a race."""
    prepare_database()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from races.services import entries_import, race_import
    from results.simulation.race import simulate_race
    from results.standings import cache as standings_cache
    from results.standings.selectors import _race_control, race_control_for
    from results.timing.services import timing_import

    print()
    user = get_user_model().objects.create_superuser("bench-organiser", password="x")
    for teams, legs, checkpoints in CONTROL_SIZES:
        simulated = simulate_race(
            seed=7, teams=teams, legs=legs, checkpoints=checkpoints, slug=f"control-{teams}"
        )
        race, _ = race_import(payload=simulated.payload)
        entries_import(race=race, raw=csv_bytes(simulated.entries, list(simulated.entries[0])))
        # Half the reads: the race is under way, most teams out on the course.
        reads = sorted(simulated.timing, key=lambda row: row["time"])[: len(simulated.timing) // 2]
        timing_import(race=race, raw=csv_bytes(reads, ["bib", "station", "time", "source", "read_id"]))
        standings_cache.refresh(race.pk)
        race.refresh_from_db()
        computed = median_seconds(partial(_race_control, race), 5)
        race_control_for(race)
        client = Client()
        client.force_login(user)
        url = f"/officials/{race.slug}/control/"
        page = median_seconds(partial(client.get, url), 5)
        print(
            f"control  {teams:>6} teams: {len(reads):>7} reads; projections and boards {computed * 1000:7.1f} ms, "
            f"race control page {page * 1000:6.1f} ms (projections kept)"
        )


# --- the device API under gunicorn ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(port: int):
    log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115 - closed below
    command = [
        sys.executable, "-m", "gunicorn", "ekiden.wsgi", "--bind", f"127.0.0.1:{port}",
        *GUNICORN, "--log-level", "warning",
    ]  # fmt: skip
    # Production settings: with DEBUG on, Django would also keep every query in memory. The
    # connections live through the run, so that the CPU of their backends can be counted.
    env = {
        **os.environ,
        "DEBUG": "off",
        "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback, as behind the TLS proxy that a server has in front.
        "SECURE_SSL_REDIRECT": "off",
        "CONN_MAX_AGE": "3600",
    }
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start; see var/bench-gunicorn.log")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def post_all(
    port: int, path: str, token: str, bodies: list[bytes], tablets: int
) -> tuple[float, list[float], Counter]:
    """Send every body once from `tablets` threads, each over its own keep-alive connection.

    Returns the wall time, each request's latency and the count of each reply code.
    """
    pending = iter(bodies)
    take = threading.Lock()
    latencies: list[float] = []
    codes: Counter = Counter()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def tablet() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, mine_codes = [], Counter()
        while True:
            with take:
                body = next(pending, None)
            if body is None:
                break
            start = time.perf_counter()
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            mine_codes[response.status] += 1
        connection.close()
        with take:
            latencies.extend(mine)
            codes.update(mine_codes)

    threads = [threading.Thread(target=tablet) for _ in range(tablets)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, codes


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def busy_pids(gunicorn_pid: int) -> tuple[list[int], list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving them."""
    from django.db import connection

    children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return [int(pid) for pid in children], backends


def api_reads(
    bibs: list[str], stations: list[str], gun: datetime, count: int, rng: random.Random
) -> list[dict]:
    return [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "bib": rng.choice(bibs),
            "station": rng.choice(stations),
            "time": (gun + timedelta(milliseconds=rng.randrange(600_000, 10_800_000))).isoformat(
                timespec="milliseconds"
            ),
            "source": "tablet",
        }
        for _ in range(count)
    ]


def api_benchmark() -> None:
    prepare_database()
    from results.simulation.race import simulate_race

    simulated = simulate_race(seed=7, teams=API_TEAMS, legs=4, checkpoints=0, slug="bench-api")
    from races.services import entries_import, race_import
    from results.timing.device_tokens import device_token_create
    from results.timing.models import TimingRecord

    race, _ = race_import(payload=simulated.payload)
    entries_import(race=race, raw=csv_bytes(simulated.entries, list(simulated.entries[0])))
    stations = [station for station in race.course if station.code != "START"]
    _token, token = device_token_create(race=race, name="bench tablet", stations=stations)
    bibs = sorted({row["team_bib"] for row in simulated.entries})
    codes = [station.code for station in stations]
    rng = random.Random(7)
    singles = [json.dumps(read).encode() for read in api_reads(bibs, codes, race.gun, API_SINGLE_POSTS, rng)]
    batches = [
        json.dumps(api_reads(bibs, codes, race.gun, API_BATCH_SIZE, rng)).encode() for _ in range(API_BATCHES)
    ]
    path = f"/api/v1/races/{race.slug}/timings"
    alone, singles = singles[:API_ALONE_POSTS], singles[API_ALONE_POSTS:]

    print(f"\napi      {API_TEAMS} teams, gunicorn {' '.join(GUNICORN)}, {API_TABLETS} tablets")
    port = free_port()
    with (
        celery_worker() if os.environ.get("BENCH_API_WORKER") == "1" else nullcontext(),
        gunicorn(port) as web,
    ):
        post_all(port, path, token, singles[:200], API_TABLETS)  # warm up: imports, connections
        web_pids, database_pids = busy_pids(web)
        web_cpu, database_cpu = cpu_seconds(web_pids), cpu_seconds(database_pids)
        seconds, latencies, replies = post_all(port, path, token, singles[200:], API_TABLETS)
        web_cpu = (cpu_seconds(web_pids) - web_cpu) / len(latencies)
        database_cpu = (cpu_seconds(database_pids) - database_cpu) / len(latencies)
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"api      single posts: {len(latencies)} in {seconds:.1f} s = {len(latencies) / seconds:,.0f} posts/s "
            f"(goal ≥ 300); latency p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms "
            f"(goal ≤ 100 ms); CPU a post {(web_cpu + database_cpu) * 1000:.1f} ms (web "
            f"{web_cpu * 1000:.1f}, PostgreSQL {database_cpu * 1000:.1f}); "
            f"replies {dict(replies)}"
        )
        _seconds, latencies, replies = post_all(port, path, token, alone, 1)
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"api      single posts from one tablet alone: {len(latencies)}, latency p50 "
            f"{cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms; replies {dict(replies)}"
        )
        pids = [pid for group in busy_pids(web) for pid in group]
        cpu = cpu_seconds(pids)
        seconds, latencies, replies = post_all(port, path, token, batches, API_TABLETS // 2)
        records = API_BATCHES * API_BATCH_SIZE
        cpu_per_record = (cpu_seconds(pids) - cpu) / records
        print(
            f"api      batches of {API_BATCH_SIZE}: {records} records in {seconds:.1f} s = "
            f"{records / seconds:,.0f} records/s (goal ≥ 5,000); batch p50 "
            f"{statistics.median(latencies) * 1000:.0f} ms; CPU {cpu_per_record * 1e6:.0f} µs a record; "
            f"replies {dict(replies)}"
        )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"api      load average of the machine at the end: {load} (2 cores)")
    stored = TimingRecord.objects.filter(race=race).count()
    expected = API_SINGLE_POSTS + records
    if stored != expected:
        sys.exit(f"api      {stored} records stored, {expected} expected: see var/bench-gunicorn.log")
    from ekiden.celery import app

    app.control.purge()  # the recomputes queued for a worker that may not have run


# --- the printed results ------------------------------------------------------------------


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

    from races.audit import Actor
    from races.services import entries_import, race_close, race_import
    from results.publishing.pdf import fonts
    from results.publishing.pdf.book import results_book
    from results.publishing.pdf.certificates import certificates_pdf, certificates_zip, finished_teams
    from results.publishing.pdf.printed_race import printed_race
    from results.simulation.demo import DEMO_TEAMS, demo_race
    from results.standings.selectors import standings_for_race
    from results.timing.services import timing_import

    start = time.perf_counter()
    fonts.register()
    fonts_seconds = time.perf_counter() - start
    call_command("migrate", verbosity=0)
    # A few more teams than the race has, so that as many as it has finish.
    demo = demo_race(teams=DEMO_TEAMS + 30)
    race, _ = race_import(payload=demo.payload)
    entries_import(race=race, raw=demo.entries_csv)
    timing_import(race=race, raw=demo.timing_csv)
    race_close(race=race, actor=Actor("bench"))
    race.refresh_from_db()
    results = standings_for_race(race)
    printed = printed_race(race)
    book_input = replace(results, teams=results.teams[:DEMO_TEAMS])
    teams = finished_teams(results)[:DEMO_TEAMS]
    runners = sum(len(t.legs) for t in teams)
    made_at = datetime.now(UTC)

    print(f"Printed results of the demo race (fonts loaded once per process: {fonts_seconds:.2f} s)")
    print(
        "wall-clock seconds, and in brackets the CPU seconds, which another busy process does not inflate\n"
    )
    timed(
        f"book of {DEMO_TEAMS} teams (goal ≤ 3 s)",
        partial(results_book, printed, book_input, made_at=made_at),
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
    """Time one render; a PDF's pages are counted too (the ZIP's come with it, as Certificates)."""
    start, cpu = time.perf_counter(), time.process_time()
    made = render()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    content = made if isinstance(made, bytes) else made.content
    pages = pdf_page_count(content) if content.startswith(b"%PDF") else made.pages
    print(
        f"pdf      {label}: {seconds:.2f} s ({cpu_seconds:.2f} s CPU), {len(content) / 1e6:.2f} MB, "
        f"{pages:,} pages"
    )


def pdf_page_count(content: bytes) -> int:
    import tempfile

    from tests.printing import pdf_pages

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return pdf_pages(Path(file.name))


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
LIVE_THREADS = int(os.environ.get("LIVE_THREADS", "2"))
SPLITS_PER_SECOND = float(os.environ.get("LIVE_SPLITS_PER_SECOND", "2"))
# One locust process a core: a single one, busy with 200 readers, adds its own delay to what it
# measures (against a trivial server here: p99 81 ms with one process, 15 ms with two).
LOCUST_PROCESSES = int(os.environ.get("LOCUST_PROCESSES", "2"))


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
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "off",  # plain HTTP on the loopback, as behind a TLS proxy
    }
    # As in production: DEBUG off, static files from whitenoise's compressed manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(
        f"\nlive     demo race, {race.teams.count()} teams; gunicorn at {LIVE_ADDRESS}, {LIVE_WORKERS} workers × {LIVE_THREADS} threads; "
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
            web_cpu_before = tree_cpu_seconds(web.pid)
            readers_cpu_before = children_cpu_seconds()
            try:
                prefix = logs / "bench-live"
                subprocess.run(
                    [sys.executable, "-m", "locust", "-f", str(ROOT / "tests" / "locustfile.py"), "--headless",
                     "-u", str(LIVE_USERS), "-r", "50", "-t", f"{LIVE_SECONDS}s", "--stop-timeout", "5",
                     "--host", f"http://{LIVE_ADDRESS}", "--csv", str(prefix), "--only-summary",
                     "--processes", str(LOCUST_PROCESSES),
                     "--loglevel", "WARNING"],
                    cwd=ROOT, check=False, env={**os.environ, "LOCUST_RACE": "aleps-demo"},
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
            finally:
                stop.set()
                poster.join()
            web_cpu = tree_cpu_seconds(web.pid) - web_cpu_before
            readers_cpu = children_cpu_seconds() - readers_cpu_before
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
        f"a request (renders after splits included); locust's own CPU {readers_cpu:.1f} s; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


def children_cpu_seconds() -> float:
    """User and system CPU of the child processes waited for so far (here: locust)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU of gunicorn and its workers so far (they live through the run)."""
    import psutil

    return cpu_seconds([pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))])


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
    from datetime import timedelta

    from django.db import connection

    from results.timing.services import timing_record_create

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
                # After the gun and before now: the demo race is live today (load_demo).
                time=(
                    race.gun + timedelta(minutes=10, seconds=second, milliseconds=rng.randrange(1000))
                ).isoformat(),
                source="tablet",
            )
            posted.append(second)
    finally:
        connection.close()


if __name__ == "__main__":
    main(sys.argv[1:])
