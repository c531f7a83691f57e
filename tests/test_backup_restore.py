"""The restore procedure of docs/deploy.md, done: a race with timing dumped with `pg_dump -Fc`,
restored with `pg_restore` into a fresh database, gives the same export to the byte."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from races.audit import Actor
from races.services import team_status_set
from results.timing.services import timing_record_create, timing_record_void
from tests.test_pages import build_hand_race

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL pointing at PostgreSQL"),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None, reason="needs the PostgreSQL client (pg_dump, pg_restore)"
    ),
    pytest.mark.django_db(transaction=True),  # committed, so that pg_dump sees it
]


def server_options() -> list[str]:
    db = connection.settings_dict
    return ["--host", db["HOST"] or "127.0.0.1", "--port", str(db["PORT"] or 5432), "--username", db["USER"]]


def database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def export_json(database: str) -> bytes:
    """`export_results --format json` run as an operator would, on `database`, with no cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    exported = subprocess.run(
        [sys.executable, "manage.py", "export_results", "hand", "--format", "json"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url(database), "DJANGO_SETTINGS_MODULE": "ekiden.settings"},
        capture_output=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr.decode()
    return exported.stdout


def test_a_restored_dump_exports_the_same_results_to_the_byte(tmp_path):
    race = build_hand_race()
    late, _created = timing_record_create(
        race=race, bib="107", station="R2", time="07:30:00.250", source="tablet"
    )
    timing_record_void(record=late, reason="read twice", actor=Actor("olivia"))
    team_status_set(race=race, bib="104", status="DNF", reason="injured at R1", actor=Actor("olivia"))
    original = connection.settings_dict["NAME"]
    dump = tmp_path / "tasuki.dump"
    subprocess.run(["pg_dump", "-Fc", *server_options(), "--file", str(dump), original], check=True)

    restored = f"tasuki_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *server_options(), restored], check=True)
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                *server_options(),
                "--dbname",
                restored,
                str(dump),
            ],
            check=True,
        )
        before = export_json(original)
        after = export_json(restored)
    finally:
        subprocess.run(["dropdb", *server_options(), "--if-exists", restored], check=True)
    teams = {team["bib"]: team for team in json.loads(before)["teams"]}
    assert teams["104"]["status"] == "DNF" and teams["101"]["total_ms"]  # a race with its timing
    assert after == before
