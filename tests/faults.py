"""Services that the fault tests may stop: a private Redis, a private PostgreSQL cluster, and the
site under gunicorn in front of them, with a timing device that retries like a real one.

The machine's own PostgreSQL (5432) and Redis (6379) are never stopped: a fault test starts
its own on a free loopback port, in a temporary folder, and removes both when it ends, however
it ends. A private cluster rather than a proxy in front of the machine's server: what the site
meets is then a real restart (backends terminated, "the database system is starting up",
connections refused), not a cut that a proxy imitates.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on {port}:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.05)


# --- Redis -------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test's own: killed and started again on the same port."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        log = self.folder / "redis.log"
        command = [
            shutil.which("redis-server") or "redis-server", "--port", str(self.port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.folder),
        ]  # fmt: skip
        with log.open("a") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, log)

    def kill(self) -> None:
        """As a crash: no shutdown, the data gone with it (nothing is saved)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def running_redis(folder: Path):
    """A private Redis for the block, killed at its end; skips the test without redis-server."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH")
    redis = PrivateRedis(folder)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder, on a free port, trusting loopback.

    Run as the `postgres` user when this process is root (PostgreSQL refuses root).
    """

    def __init__(self, folder: Path):
        self.bin = postgres_bin()
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], check=check, capture_output=True, text=True, timeout=120, cwd=self.folder
        )

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        """Fast shutdown: every backend is terminated, transactions in flight roll back."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def createdb(self, name: str) -> None:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


@contextmanager
def running_postgres():
    """A private cluster for the block, stopped and removed at its end; skips the test where
    PostgreSQL's server programs are missing."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL's server programs are not in /usr/lib/postgresql/*/bin")
    folder = Path(tempfile.mkdtemp(prefix="tasuki-faults-pg-"))
    cluster = PrivatePostgres(folder)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    """A management command against `env`'s database; its output. Fails the test on an error."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# --- the site ----------------------------------------------------------------------------------


def site_environment(database_url: str, redis_url: str = "", **more: str) -> dict:
    """The site's environment: development settings (no HTTPS, static files from the apps) on
    the given services; tasks go to a worker only when there is Redis."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ekiden.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0" if redis_url else "1",
        TASUKI_PAGE_REFRESH_SECONDS="0",
        TASUKI_LOG_LEVEL="WARNING",
        **more,
    )
    return env


@contextmanager
def gunicorn(env: dict, folder: Path, *, workers: int = 2):
    """The site under gunicorn on a free loopback port; yields its URL. The log is web.log."""
    port = free_port()
    log = folder / "web.log"
    command = [
        sys.executable, "-m", "gunicorn", "ekiden.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", "2", "--timeout", "60",
        "--no-control-socket",  # several sites may run on this machine at once
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Reply:
    status: int  # 0: no answer (connection refused or dropped)
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def http(url: str, *, body: dict | list | None = None, token: str = "", timeout: float = 30) -> Reply:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(
                response.status, dict(response.headers), response.read(), time.perf_counter() - started
            )
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read(), time.perf_counter() - started)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return Reply(0, {}, b"", time.perf_counter() - started)


@dataclass
class Device:
    """A timing tablet: posts each split until the server says it has it (201 or 200), sending
    the same read id again after a 503 or no answer, as the device API asks."""

    url: str
    token: str
    station: str
    bibs: list[str]
    gun_iso: str  # any time after the gun will do; the split's time is the gun plus a count
    posted: list[str] = field(default_factory=list)  # ids the server said it has
    replies: Counter = field(default_factory=Counter)  # every status seen, 0 for no answer
    unexpected: list[str] = field(default_factory=list)  # a 5xx other than 503, a 503 unsaid

    def split(self, number: int) -> dict:
        from datetime import datetime, timedelta

        at = datetime.fromisoformat(self.gun_iso) + timedelta(minutes=10, milliseconds=number)
        return {
            "id": str(uuid.uuid4()),
            "bib": self.bibs[number % len(self.bibs)],
            "station": self.station,
            "time": at.isoformat(timespec="milliseconds"),
            "source": "tablet",
        }

    def send(self, read: dict, give_up_at: float) -> None:
        while time.monotonic() < give_up_at:
            reply = http(self.url, body=read, token=self.token, timeout=20)
            self.replies[reply.status] += 1
            if reply.status in (200, 201):
                self.posted.append(read["id"])
                return
            if reply.status == 503:
                problems = reply.json().get("errors") if reply.body.startswith(b"{") else None
                if "Retry-After" not in reply.headers or not problems:
                    self.unexpected.append(f"503 without Retry-After or errors: {reply.body[:200]!r}")
            elif reply.status != 0:
                self.unexpected.append(f"{reply.status}: {reply.body[:300]!r}")
                return
            time.sleep(0.2)  # a real device waits Retry-After; the test keeps it short
        self.unexpected.append(f"{read['id']} not stored before the end")

    def run(self, stop: threading.Event, give_up_at: float) -> None:
        number = 0
        while not stop.is_set():
            self.send(self.split(number), give_up_at)
            number += 1
            time.sleep(0.02)
