"""`make loadtest`: race day on this machine, then a count of every split.

The demo race (300 teams, live) is served by gunicorn on PostgreSQL and Redis with one real
Celery worker recomputing the standings, over loopback only. For LOADTEST_SECONDS (120) locust
runs LOADTEST_READERS (200) readers polling the results pages and the results API, each
LOADTEST_READER_RATE (1) times a second, and LOADTEST_STATIONS (30) stations posting a split a
second each, with a device token each, retrying as a tablet does (tests/loadtest_locustfile.py).
Then every split a station was told is stored must be in the database exactly once.

Prints splits posted, stored, lost, doubled, the 5xx count, p50/p95/p99 per kind of request and
requests a second. Goals: 0 lost, 0 doubled, 0 5xx, p99 ≤ 300 ms. It exits 1 when a split is
lost or doubled or a 5xx was answered; the latency goal is reported, as it depends on what else
the machine runs. Its own database `tasuki_loadtest` (dropped and made afresh) and Redis
database 8, so it touches neither the tests' data nor `make bench`'s.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "tasuki_loadtest")
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault(
    "BENCH_GUNICORN", "--workers 2 --worker-class gthread --threads 2 --keep-alive 30 --no-control-socket"
)

from tests import benchmarks as bench  # after the environment above, which it reads

SECONDS = int(os.environ.get("LOADTEST_SECONDS", "120"))
READERS = int(os.environ.get("LOADTEST_READERS", "200"))
STATIONS = int(os.environ.get("LOADTEST_STATIONS", "30"))
PROCESSES = int(os.environ.get("LOCUST_PROCESSES", "2"))
P99_GOAL_MS = 300


def prepare(folder: Path) -> tuple[object, Path]:
    """The demo race in a fresh database, a token per station, the plan the crowd reads."""
    bench.prepare_database()
    from django.core.management import call_command

    from races.models import Race
    from results.timing.device_tokens import device_token_create

    call_command("load_demo", "--no-user", verbosity=0)
    race = Race.objects.get(slug="aleps-demo")
    stations = [station for station in race.course if station.code != "START"]
    devices = []
    for number in range(STATIONS):
        station = stations[number % len(stations)]
        _token, plain = device_token_create(
            race=race, name=f"loadtest station {number + 1}", stations=[station]
        )
        devices.append({"token": plain, "station": station.code})
    plan = folder / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "gun": race.gun.isoformat(),
                "bibs": sorted(race.teams.values_list("bib", flat=True)),
                "devices": devices,
                "timings": f"/api/v1/races/{race.slug}/timings",
            }
        )
    )
    # As in production: DEBUG off, the static files from whitenoise's manifest.
    env = {
        **os.environ,
        "DEBUG": "off",
        "SECRET_KEY": "loadtest-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=bench.ROOT,
        env=env,
        check=True,
    )
    return race, plan


def crowd(port: int, plan: Path, out: Path, prefix: Path) -> None:
    users = READERS + STATIONS
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(bench.ROOT / "tests" / "loadtest_locustfile.py"),
         "--headless", "-u", str(users), "-r", str(min(users, 100)), "-t", f"{SECONDS}s",
         "--stop-timeout", "30", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
         "--only-summary", "--processes", str(PROCESSES), "--loglevel", "WARNING"],
        cwd=bench.ROOT, check=False, stdout=subprocess.DEVNULL,
        env={**os.environ, "LOADTEST_PLAN": str(plan), "LOADTEST_OUT": str(out), "LOCUST_RACE": "aleps-demo",
             "LOCUST_RATE": "1", "LOCUST_PROCESSES": str(PROCESSES), "LOADTEST_STATIONS": str(STATIONS)},
    )  # fmt: skip


def told(out: Path) -> list[dict]:
    return [
        json.loads(line) for path in sorted(out.glob("*.jsonl")) for line in path.read_text().splitlines()
    ]


def main() -> int:
    (bench.ROOT / "var").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="tasuki-loadtest-"))
    try:
        return run(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path) -> int:
    out = folder / "out"
    out.mkdir()
    prefix = bench.ROOT / "var" / "loadtest"
    load = os.getloadavg()[0]
    race, plan = prepare(folder)
    print(
        f"loadtest demo race ({race.teams.count()} teams): {READERS} readers, {STATIONS} stations, {SECONDS} s, "
        f"gunicorn {' '.join(bench.GUNICORN)}, one Celery worker; load average at the start {load:.1f} (2 cores)"
    )
    port = bench.free_port()
    started = time.monotonic()
    with bench.celery_worker(), bench.gunicorn(port):
        crowd(port, plan, out, prefix)
    ran = time.monotonic() - started
    return check(race, told(out), prefix, ran)


def check(race, lines: list[dict], prefix: Path, ran: float) -> int:
    from django.db.models import Count

    from results.timing.models import TimingRecord

    stored_here = Counter(
        dict(
            TimingRecord.objects.filter(race=race, device__startswith="loadtest station ")
            .values_list("read_id")
            .annotate(n=Count("id"))
        )
    )
    posted = {line["id"] for line in lines if line["kind"] == "stored"}
    refused = [line for line in lines if line["kind"] == "refused"]
    gave_up = {line["id"] for line in lines if line["kind"] == "gave_up"}
    errors = Counter(line["status"] for line in lines if line["kind"] == "5xx")
    lost = posted - set(stored_here)
    doubled = {read_id for read_id, n in stored_here.items() if n > 1}
    unconfirmed = set(stored_here) - posted  # stored, but the station gave up before it heard
    print(
        f"loadtest splits posted {len(posted)}, stored {sum(stored_here.values())}, lost {len(lost)}, "
        f"doubled {len(doubled)}, 5xx {sum(errors.values())} {dict(errors) or ''}; refused {len(refused)}, "
        f"given up {len(gave_up)} (of which stored {len(gave_up & set(stored_here))}), stored unconfirmed "
        f"{len(unconfirmed - gave_up)}"
    )
    for line in refused[:3]:
        print(f"loadtest refused: {line['body']}")
    worst = 0.0
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            p99 = float(row["99%"])
            if row["Name"] != "Aggregated":
                worst = max(worst, p99)
            print(
                f"loadtest {row['Name']:<14} {float(row['Requests/s']):6.1f} requests/s  p50 {row['50%']:>5} ms  "
                f"p95 {row['95%']:>5} ms  p99 {row['99%']:>5} ms  max {float(row['Max Response Time']):6.0f} ms  "
                f"{row['Request Count']:>7} requests, {row['Failure Count']} failed"
            )
    print(
        f"loadtest goals: 0 lost, 0 doubled, 0 5xx: {'met' if not (lost or doubled or errors) else 'NOT MET'}; "
        f"p99 ≤ {P99_GOAL_MS} ms: {'met' if worst <= P99_GOAL_MS else f'NOT MET ({worst:.0f} ms)'}; "
        f"load average at the end {os.getloadavg()[0]:.1f}; {ran:.0f} s with start-up"
    )
    return 1 if lost or doubled or errors or refused else 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        from django.db import connections

        connections.close_all()
        bench.recreate_database(create=False)
    sys.exit(code)
