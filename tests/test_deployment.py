"""Running it for real: the Procfile under honcho, `make serve`, the activity log, error reports
and `make install`'s translations wherever it is started from."""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import path

from ekiden.celery import app
from ekiden.error_reporting import error_reporting_init

ROOT = Path(__file__).resolve().parents[1]
# make's own prerequisite (the venv's install) is taken as done: these tests run in it already.
MAKE = ["make", "-C", str(ROOT), "-o", ".venv/.installed"]
SERVICES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")


def environment(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICES}
    clean.update(env)
    return clean


@contextmanager
def logged(name: str):
    """The records of a logger that does not propagate to the root (where caplog listens)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


# -- make install: the translations, compiled through manage.py


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")
def test_translations_compile_with_the_settings_module_exported_from_another_directory(tmp_path):
    compiled = [ROOT / "locale" / language / "LC_MESSAGES" / "django.mo" for language in ("ja", "ms")]
    for mo in compiled:
        mo.unlink(missing_ok=True)  # compilemessages leaves a .mo newer than its .po alone
    made = subprocess.run(
        [*MAKE, "messages"],
        cwd=tmp_path,
        env=environment(DJANGO_SETTINGS_MODULE="ekiden.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert "translations compiled" in made.stdout
    assert all(mo.stat().st_size > 0 for mo in compiled)


# -- make serve and the Procfile


def test_make_serve_refuses_without_postgresql_and_redis(tmp_path):
    for env, missing in (({}, "DATABASE_URL"), ({"DATABASE_URL": "postgres://x@127.0.0.1/x"}, "REDIS_URL")):
        made = subprocess.run(
            [*MAKE, "serve"],
            cwd=tmp_path,
            env=environment(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode != 0
        refusal = [line for line in made.stderr.splitlines() if line.startswith("make serve runs on")]
        assert len(refusal) == 1 and f"set {missing}" in refusal[0], made.stderr
        assert "honcho" not in made.stdout  # nothing was started


def test_the_procfile_runs_web_and_worker_and_no_beat():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line and line[0] != "#"
    )
    assert sorted(processes) == ["web", "worker"]
    assert processes["web"].split()[:2] == ["gunicorn", "ekiden.wsgi"]
    assert processes["worker"].split()[:4] == ["celery", "-A", "ekiden", "worker"]
    assert not getattr(settings, "CELERY_BEAT_SCHEDULE", None)  # nothing for a beat to run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER,
    reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL with a real broker",
)
@pytest.mark.django_db(transaction=True)
def test_honcho_serves_the_site_and_starts_a_worker_from_the_procfile(tmp_path):
    port = free_port()
    log = tmp_path / "honcho.log"
    env = environment(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
    )
    with log.open("w") as out:
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "--procfile", "Procfile", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert honcho.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    health = answer.status, answer.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        while "ready." not in log.read_text():  # the worker's "celery@host ready."
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=30)
    assert health[0] == 200 and '"broker": {"status": "ok"' in health[1]
    output = log.read_text()
    assert "tasuki.requests: GET /healthz 200" in output  # one line per request, from gunicorn's worker
    assert "Traceback" not in output


# -- the activity log


def test_each_request_is_one_line(db):
    with logged("tasuki.requests") as records:
        Client().get("/healthz")
    lines = [record.getMessage() for record in records]
    assert len(lines) == 1
    method, path_, status, duration, size = lines[0].split()
    assert (method, path_, status) == ("GET", "/healthz", "200")
    assert duration.endswith("ms") and size.endswith("B")


def test_the_query_string_is_not_logged(db):
    with logged("tasuki.requests") as records:
        Client().get("/", {"q": "Siti Aminah"})
    assert "Siti" not in records[0].getMessage()


@app.task(name="tests.relay_total")
def relay_total(*legs_ms: int) -> int:
    return sum(legs_ms)


@app.task(name="tests.dropped_tasuki")
def dropped_tasuki() -> None:
    raise ValueError("the tasuki fell")


def test_each_task_is_one_line_with_name_id_state_and_duration():
    with logged("tasuki.tasks") as records:
        done = relay_total.apply(args=(1_201_000, 1_300_500))
        failed = dropped_tasuki.apply(throw=False)
    lines = [record.getMessage().split() for record in records]
    assert [line[:3] for line in lines] == [
        ["tests.relay_total", done.id, "SUCCESS"],
        ["tests.dropped_tasuki", failed.id, "FAILURE"],
    ]
    assert all(line[3].endswith("ms") for line in lines)


# -- error reporting


def failing_registration(request):
    raise RuntimeError("the printer is on fire")


urlpatterns = [path("register-broken", failing_registration)]


@pytest.fixture
def reported():
    events: list[dict] = []

    class Recorded(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    error_reporting_init("https://public@errors.example.org/1", environment="test", transport=Recorded)
    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again for the other tests


@override_settings(ROOT_URLCONF=__name__)
def test_an_error_is_reported_without_the_people_in_it(reported, db):
    Client(raise_request_exception=False).post(
        "/register-broken?q=Siti+Aminah",
        {"runner_name": "Siti Aminah", "birth_date": "1984-03-02", "phone": "+60 12-345 6789"},
        HTTP_COOKIE="sessionid=secret-session",
        REMOTE_ADDR="203.0.113.9",
    )
    sentry_sdk.flush()
    assert len(reported) == 1
    event = reported[0]
    assert event["exception"]["values"][-1]["value"] == "the printer is on fire"
    text = str(event)
    for personal in ("Siti", "1984-03-02", "345 6789", "secret-session", "203.0.113.9"):
        assert personal not in text, personal
    assert "register-broken" in event["transaction"]  # where it failed: the path


def test_without_a_dsn_nothing_is_reported():
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())",
        ],
        cwd=ROOT,
        env=environment(DJANGO_SETTINGS_MODULE="ekiden.settings"),
        capture_output=True,
        text=True,
    )
    assert started.stdout.strip() == "False", started.stderr


def test_with_a_dsn_django_and_celery_are_reported_and_no_personal_data():
    probe = (
        "import django, json, sentry_sdk; django.setup(); client = sentry_sdk.get_client(); "
        "print(json.dumps({'active': client.is_active(), 'integrations': sorted(client.integrations), "
        "'collected': client.options['data_collection']}))"
    )
    started = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment(
            DJANGO_SETTINGS_MODULE="ekiden.settings", SENTRY_DSN="https://public@errors.example.org/1"
        ),
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr
    reporting = json.loads(started.stdout)
    assert reporting["active"] is True
    assert {"celery", "django"} <= set(reporting["integrations"])
    collected = reporting["collected"]
    assert collected["user_info"] is False and collected["http_bodies"] == []
    assert collected["stack_frame_variables"] is False
    assert collected["cookies"]["mode"] == collected["url_query_params"]["mode"] == "off"
