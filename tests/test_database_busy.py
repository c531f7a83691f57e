"""A busy database: a command or an upload that cannot get the write lock says so in one line.

Race day: a chip file of 100,000 reads is being imported while Olivia closes the race from a
script and Rita uploads the R2 reads in the admin. Whoever comes second waits a bounded time,
then is told the database is busy and that nothing was changed; never a traceback or a 500.
"""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from ekiden.database_busy import is_database_busy
from races.audit import Actor
from races.models import AuditEntry, Race
from races.services import entries_import, race_import
from results.timing.device_tokens import device_token_create, stations_by_code
from results.timing.models import TimingRecord
from results.timing.services import timing_record_create
from tests.commands import run, write
from tests.race_payloads import KL_EKIDEN

ROOT = Path(__file__).resolve().parents[1]

BUSY = (
    "The database is busy (another import or the standings are being written); nothing was changed. "
    "Try again in a minute."
)

ENTRIES = """team_bib,team_name,category,leg,runner_name,gender,birth_date
101,Harimau Striders,MX,1,Siti Aminah binti Ibrahim,F,1980-03-14
101,Harimau Striders,MX,2,Tan Wei Ming,M,1978-07-01
101,Harimau Striders,MX,3,Lakshmi Menon,F,1975-12-19
"""

READS = "bib,station,time,source,read_id\n101,R1,07:00:00,chip,R1-1\n101,R2,07:30:00,chip,R2-1\n"


def locked(*args, **kwargs):
    raise OperationalError("database is locked")


class BusyTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.olivia = get_user_model().objects.create_superuser("olivia", "olivia@example.org", "tasuki")
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))


class BusyCommandTest(BusyTestCase):
    def test_a_timing_import_that_finds_the_database_locked_says_so_in_one_line(self):
        path = write(self.tmp(), "r1.csv", READS)
        with mock.patch("results.timing.read_store._insert_reads", side_effect=locked):
            outcome = run("import_timing", "kl-ekiden", path)
        self.assertFalse(outcome.ok)
        self.assertEqual(outcome.problems, [BUSY])
        self.assertFalse(TimingRecord.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_IMPORTED).exists())

    def test_closing_a_race_on_a_locked_database_exits_1_and_leaves_it_open(self):
        with mock.patch("races.models.AuditEntry.objects.create", side_effect=locked):
            outcome = run("close_race", "kl-ekiden")
        self.assertFalse(outcome.ok)
        self.assertEqual(outcome.problems, [BUSY])
        self.assertFalse(Race.objects.get(pk=self.race.pk).is_closed)  # rolled back with the audit entry

    def test_another_database_error_is_not_passed_off_as_busy(self):
        broken = OperationalError("no such table: races_race")
        with (
            mock.patch("results.management.commands.close_race.race_close_counting_dnf", side_effect=broken),
            self.assertRaisesMessage(OperationalError, "no such table"),
        ):
            run("close_race", "kl-ekiden")

    def tmp(self) -> Path:
        return Path(self.enterContext(tempfile.TemporaryDirectory()))


class BusyUploadTest(BusyTestCase):
    def setUp(self):
        self.client.force_login(self.olivia)

    def test_a_timing_upload_on_a_locked_database_shows_the_message_and_stores_nothing(self):
        url = reverse("admin:races_race_import_timing", args=[self.race.pk])
        with mock.patch("results.timing.read_store._insert_reads", side_effect=locked):
            response = self.client.post(url, {"file": SimpleUploadedFile("r1.csv", READS.encode())})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, BUSY)
        self.assertNotContains(response, "Nothing was stored; fix the file")  # the file was fine
        self.assertFalse(TimingRecord.objects.exists())

    def test_an_entries_upload_on_a_locked_database_shows_the_message(self):
        url = reverse("admin:races_race_import_entries", args=[self.race.pk])
        late = ENTRIES.replace("101,Harimau Striders", "102,Harimau Two").replace("101-", "102-")
        with mock.patch("races.services.entries._store_entries", side_effect=locked):
            response = self.client.post(url, {"file": SimpleUploadedFile("late.csv", late.encode())})
        self.assertContains(response, BUSY)
        self.assertFalse(self.race.teams.filter(bib="102").exists())


class BusyPageTest(BusyTestCase):
    """Every other page and API call: the middleware answers 503 with the message, not a 500."""

    def test_an_officials_upload_confirmed_on_a_locked_database_is_a_503_page(self):
        self.client.force_login(self.olivia)
        # The previewed file waits on disk; here in a folder of this test's own.
        self.enterContext(self.settings(TASUKI_VAR_DIR=self.enterContext(tempfile.TemporaryDirectory())))
        preview = self.client.post(
            f"/officials/{self.race.slug}/upload/", {"file": SimpleUploadedFile("r1.csv", READS.encode())}
        )
        digest = preview.context["confirm_form"].initial["digest"]
        with mock.patch("results.timing.read_store._insert_reads", side_effect=locked):
            response = self.client.post(f"/officials/{self.race.slug}/upload/confirm/", {"digest": digest})
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertContains(response, BUSY, status_code=503)
        self.assertFalse(TimingRecord.objects.exists())
        # Nothing was stored and the file is still kept: "try again in a minute" can be done.
        response = self.client.post(f"/officials/{self.race.slug}/upload/confirm/", {"digest": digest})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(TimingRecord.objects.count(), 2)

    def test_an_api_call_on_a_locked_database_is_a_503_with_the_message(self):
        with mock.patch("results.publishing.api.standings_for_race", side_effect=locked):
            response = self.client.get(f"/api/v1/races/{self.race.slug}/results")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        # The API's documented error shape, as every other refusal of the API.
        self.assertEqual(response.json(), {"errors": [{"index": None, "field": None, "message": BUSY}]})

    def test_a_device_post_on_a_locked_database_is_a_503_the_tablet_retries(self):
        _token, plain = device_token_create(
            race=self.race, name="R1", stations=stations_by_code(self.race, ["R1"])
        )
        read = {"id": str(uuid.uuid4()), "bib": "101", "station": "R1", "time": "2025-11-23T07:01:02+08:00"}
        with mock.patch("results.timing.read_store.lock_race_shared", side_effect=locked):
            response = self.client.post(
                f"/api/v1/races/{self.race.slug}/timings",
                json.dumps(read),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {plain}",
            )
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertEqual(response.json(), {"errors": [{"index": None, "field": None, "message": BUSY}]})
        self.assertFalse(TimingRecord.objects.exists())

    def test_the_keypad_s_void_on_a_locked_database_is_a_503_in_json(self):
        record, _ = timing_record_create(
            race=self.race, bib="101", station="R1", time="07:00:00", source="tablet", read_id="R1-1"
        )
        self.client.force_login(self.olivia)
        with mock.patch("results.timing.services.audit", side_effect=locked):
            response = self.client.post(
                f"/officials/{self.race.slug}/stations/R1/void",
                json.dumps({"read_id": "R1-1", "reason": "typo"}),
                content_type="application/json",
            )
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"errors": [{"field": None, "message": BUSY}]})
        record.refresh_from_db()
        self.assertFalse(record.voided)

    def test_the_schema_declares_the_503_of_the_device_api(self):
        schema = self.client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
        busy = schema["paths"]["/api/v1/races/{slug}/timings"]["post"]["responses"]["503"]
        self.assertEqual(
            busy["content"]["application/json"]["schema"], {"$ref": "#/components/schemas/ProblemsReply"}
        )
        self.assertIn("Retry-After", busy["headers"])

    def test_another_database_error_still_fails_loudly(self):
        def broken(*args, **kwargs):
            raise OperationalError("no such table: races_race")

        self.client.raise_request_exception = True
        with (
            mock.patch("results.publishing.api.standings_for_race", side_effect=broken),
            self.assertRaises(OperationalError),
        ):
            self.client.get(f"/api/v1/races/{self.race.slug}/results")


class BusyErrorTest(SimpleTestCase):
    def test_sqlite_and_postgresql_lock_errors_are_busy_and_others_are_not(self):
        class LockNotAvailable(Exception):
            sqlstate = "55P03"

        class UndefinedTable(Exception):
            sqlstate = "42P01"

        def wrapped(cause: Exception) -> OperationalError:
            error = OperationalError(str(cause))
            error.__cause__ = cause
            return error

        self.assertTrue(is_database_busy(OperationalError("database is locked")))
        self.assertTrue(
            is_database_busy(wrapped(LockNotAvailable("canceling statement due to lock timeout")))
        )
        self.assertFalse(is_database_busy(wrapped(UndefinedTable("relation does not exist"))))
        self.assertFalse(is_database_busy(OperationalError("unable to open database file")))
        self.assertFalse(is_database_busy(ValueError("database is locked")))


class RealLockTest(SimpleTestCase):
    """On a real SQLite file: another connection holds the write lock; the command waits 1 s."""

    def manage(self, directory: str, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            DATABASE_URL=f"sqlite:///{directory}/tasuki.sqlite3",
            TASUKI_VAR_DIR=directory,
            TASUKI_DATABASE_BUSY_TIMEOUT="1",
            DJANGO_SETTINGS_MODULE="ekiden.settings",
        )
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_close_race_waits_for_the_lock_then_fails_in_one_line_and_changes_nothing(self):
        directory = self.enterContext(tempfile.TemporaryDirectory())
        self.assertEqual(self.manage(directory, "migrate", "-v0").returncode, 0)
        race_file = write(Path(directory), "race.json", json.dumps(KL_EKIDEN))
        self.assertEqual(self.manage(directory, "import_race", race_file).returncode, 0)

        database = f"{directory}/tasuki.sqlite3"
        holder = sqlite3.connect(database, isolation_level=None)  # another import, mid-transaction
        try:
            holder.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            closing = self.manage(directory, "close_race", "kl-ekiden")
            waited = time.monotonic() - started
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        self.assertEqual(closing.returncode, 1)
        self.assertEqual(closing.stderr.strip().splitlines(), [f"CommandError: {BUSY}"])
        self.assertGreaterEqual(waited, 1)
        with sqlite3.connect(database) as reader:
            (closed,) = reader.execute("SELECT is_closed FROM races_race WHERE slug = 'kl-ekiden'").fetchone()
        self.assertEqual(closed, 0)
