"""Bounded uploads: a 20 MB chip file on race day costs little memory, waits on disk between
its preview and its confirm, and is stored in short chunks while the tablets keep posting.

Olivia organises the KL Ekiden and uploads the R2 reader's file; Dana works the results desk.
Teams 101 and 102 run; 101 already has a read at R1 (no read id) and one at R2 (id "r2-101").
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client, TestCase

from races.models import AuditEntry, Category, OfficialRole, Race, RaceOfficial, Team
from races.problems import InputProblems
from races.services import race_import
from results.officials import held_files
from results.timing import services, timing_files
from results.timing.models import Source, TimingRecord
from results.timing.services import timing_import, timing_record_create
from tests.race_payloads import KL_EKIDEN

ROOT = Path(__file__).resolve().parents[1]
HEADER = b"bib,station,time,source,read_id\n"
# Nine reads, five of them new: line 5 repeats line 2, line 7 repeats line 4 (no id), line 8 is
# stored already by id, line 3 by content.
FILE = HEADER + (
    b"101,FINISH,07:40:00,chip,f1\n"
    b"101,R1,06:50:00,tablet,\n"
    b"102,R1,06:55:00,chip,\n"
    b"101,FINISH,07:40:00,chip,f1\n"
    b"102,R2,07:20:00,chip,f2\n"
    b"102,R1,06:55:00,chip,\n"
    b"101,R2,07:12:00.250,chip,r2-101\n"
    b"102,FINISH,07:45:00,chip,f3\n"
    b"102,R2,07:21:00,chip,\n"
)


class UploadTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        cls.olivia = users.create_user("olivia")
        cls.dana = users.create_user("dana")
        for official in (cls.olivia, cls.dana):
            RaceOfficial.objects.create(race=cls.race, user=official, role=OfficialRole.ORGANISER)
        mixed = Category.objects.get(race=cls.race, code="MX")
        Team.objects.create(race=cls.race, bib="101", name="Harimau", category=mixed)
        Team.objects.create(race=cls.race, bib="102", name="Sakura", category=mixed)
        timing_record_create(race=cls.race, bib="101", station="R1", time="06:50:00", source=Source.TABLET)
        timing_record_create(
            race=cls.race, bib="101", station="R2", time="07:12:00.250", source=Source.CHIP, read_id="r2-101"
        )

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.var = Path(folder.name)
        held_here = self.settings(TASUKI_VAR_DIR=folder.name)
        held_here.enable()
        self.addCleanup(held_here.disable)
        self.client.force_login(self.olivia)

    def preview(self, content: bytes = FILE, client=None):
        upload = SimpleUploadedFile("r2-reader.csv", content, content_type="text/csv")
        return (client or self.client).post("/officials/kl-ekiden/upload/", {"file": upload})

    def digest(self, response) -> str:
        return re.search(r'name="digest" value="([0-9a-f]{64})"', response.content.decode()).group(1)

    def confirm(self, digest: str, client=None):
        return (client or self.client).post(
            "/officials/kl-ekiden/upload/confirm/", {"digest": digest}, follow=True
        )

    def held(self) -> list[str]:
        folder = self.var / "uploads"
        return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []

    def chip_reads(self) -> int:
        return TimingRecord.objects.filter(race=self.race).count() - 2


class TestThePreviewWaitsOnDisk(UploadTestCase):
    def test_the_previewed_file_waits_on_disk_not_in_the_cache(self):
        with mock.patch.object(cache, "set", wraps=cache.set) as cached:
            digest = self.digest(self.preview())
        assert f"{self.race.pk}-{self.olivia.pk}-{digest}.csv" in self.held()
        assert (self.var / "uploads" / f"{self.race.pk}-{self.olivia.pk}-{digest}.csv").read_bytes() == FILE
        assert not [call for call in cached.call_args_list if "upload" in str(call.args[0])]

    def test_the_confirm_deletes_the_file(self):
        self.confirm(self.digest(self.preview()))
        assert self.held() == []
        assert self.chip_reads() == 5

    def test_a_refused_file_and_a_file_with_nothing_new_are_not_kept(self):
        self.assertContains(self.preview(HEADER + b"999,R1,07:00:00,chip,\n"), "is not a team bib")
        self.assertContains(self.preview(HEADER + b"101,R1,06:50:00,tablet,\n"), "Nothing new in this file")
        assert self.held() == []

    def test_an_expired_preview_cannot_be_confirmed_and_is_deleted(self):
        digest = self.digest(self.preview())
        path = self.var / "uploads" / f"{self.race.pk}-{self.olivia.pk}-{digest}.csv"
        long_ago = time.time() - held_files.HELD_SECONDS - 1
        os.utime(path, (long_ago, long_ago))
        self.assertContains(
            self.confirm(digest), "That preview is no longer kept (it is kept for 30 minutes)"
        )
        assert self.held() == [] and self.chip_reads() == 0

    def test_the_next_upload_sweeps_away_expired_previews_of_anyone(self):
        forgotten = self.digest(self.preview(HEADER + b"101,FINISH,07:40:00,chip,f1\n"))
        for name in self.held():
            long_ago = time.time() - held_files.HELD_SECONDS - 1
            os.utime(self.var / "uploads" / name, (long_ago, long_ago))
        dana = Client()
        dana.force_login(self.dana)
        kept = self.digest(self.preview(client=dana))
        assert [name for name in self.held() if name.endswith(".csv")] == [
            f"{self.race.pk}-{self.dana.pk}-{kept}.csv"
        ]
        assert forgotten != kept

    def test_another_official_cannot_confirm_my_preview_and_it_stays_mine(self):
        digest = self.digest(self.preview())
        dana = Client()
        dana.force_login(self.dana)
        self.assertContains(self.confirm(digest, client=dana), "That preview is no longer kept")
        assert self.chip_reads() == 0
        self.assertContains(self.confirm(digest), "5 timing records added, 4 already stored")


@mock.patch.object(timing_files, "CHUNK_READS", 2)
class TestTheConfirmStoresInChunks(UploadTestCase):
    def test_chunks_give_the_counts_and_the_audit_entry_of_one_transaction(self):
        preview = timing_import(race=self.race, raw=FILE, dry_run=True)
        version = Race.objects.get(pk=self.race.pk).standings_version
        with mock.patch.object(services, "timing_reads_store", wraps=services.timing_reads_store) as store:
            summary = timing_import(race=self.race, raw=FILE, filename="r2.csv", in_chunks=True)
        assert store.call_count == 5  # nine reads, two at a time
        assert summary == preview
        assert (summary.added, summary.already_stored) == (5, 4)
        assert summary.added_at == {"R1": 1, "R2": 2, "FINISH": 2}
        assert summary.already_stored_at == {"R1": 2, "R2": 1, "FINISH": 1}
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_IMPORTED)
        assert entry.details == {
            "file": "r2.csv",
            "added": 5,
            "already_stored": 4,
            "added_at": {"R1": 1, "R2": 2, "FINISH": 2},
        }
        # The standings are marked stale once, after the whole file, not once per chunk.
        assert Race.objects.get(pk=self.race.pk).standings_version == version + 1
        assert self.chip_reads() == 5

    def test_the_one_transaction_import_counts_the_same(self):
        preview = timing_import(race=self.race, raw=FILE, dry_run=True)
        assert timing_import(race=self.race, raw=FILE, filename="r2.csv") == preview
        assert self.chip_reads() == 5

    def test_a_bad_row_at_the_end_stores_nothing_of_the_chunks_before_it(self):
        bad = FILE + b"103,R1,07:00:00,chip,\n102,R2,07:21:00,chip,f2\n"
        with pytest.raises(InputProblems) as refusal:
            timing_import(race=self.race, raw=bad, in_chunks=True)
        assert [str(problem) for problem in refusal.value.problems] == [
            "line 11, bib: '103' is not a team bib, runner bib or chip id of this race.",
        ]
        bad = FILE + b"102,R2,07:21:00,chip,f2\n"
        with pytest.raises(InputProblems) as refusal:
            timing_import(race=self.race, raw=bad, in_chunks=True)
        assert [str(problem) for problem in refusal.value.problems] == [
            "line 11, read_id: f2 is used on line 6 for another read; each read needs its own id.",
        ]
        assert self.chip_reads() == 0
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_IMPORTED).exists()

    def test_a_database_failing_halfway_is_stated_and_the_same_file_again_stores_exactly_the_rest(self):
        digest = self.digest(self.preview())
        calls = []
        real_store = services.timing_reads_store

        def failing_at_the_fourth_chunk(**chunk):
            calls.append(chunk)
            if len(calls) == 4:
                raise OperationalError("server closed the connection unexpectedly")
            return real_store(**chunk)

        with mock.patch.object(services, "timing_reads_store", side_effect=failing_at_the_fourth_chunk):
            page = self.confirm(digest)
        self.assertContains(page, "r2-reader.csv was stored only in part: 3 of its 5 new reads were stored")
        self.assertContains(page, "The database failed while storing the file.")
        self.assertContains(page, "Store the rest")
        assert self.chip_reads() == 3
        partial = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_IMPORTED)
        assert (partial.details["added"], partial.details["already_stored"]) == (3, 3)

        # Confirmed again (the file is still kept): exactly the rest is stored.
        self.assertContains(self.confirm(digest), "2 timing records added, 7 already stored")
        assert self.chip_reads() == 5
        assert self.held() == []
        rest = AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_IMPORTED).latest("pk")
        assert rest.details["added"] == 2
        # And uploaded again later: nothing new.
        self.assertContains(self.preview(), "Nothing new in this file")

    def test_a_read_stored_meanwhile_that_contradicts_a_later_chunk_is_stated(self):
        digest = self.digest(self.preview())
        calls = []
        real_store = services.timing_reads_store

        def a_device_posts_meanwhile(**chunk):
            calls.append(chunk)
            if len(calls) == 2:  # between the first and the second chunk
                timing_record_create(
                    race=self.race, bib="101", station="FINISH", time="07:41:00", source="chip", read_id="f3"
                )
            return real_store(**chunk)

        with mock.patch.object(services, "timing_reads_store", side_effect=a_device_posts_meanwhile):
            page = self.confirm(digest)
        self.assertContains(page, "was stored only in part: 3 of its 5 new reads were stored")
        self.assertContains(page, "A read stored meanwhile contradicts the file:")
        self.assertContains(page, "line 9, read_id: read id f3 is already stored for team 101")
        assert self.chip_reads() == 4  # three of the file, and the device's read


class TestAFileReadAsAStream(UploadTestCase):
    def test_a_byte_that_is_not_utf8_far_into_the_file_is_found_by_line(self):
        good = b"".join(b"101,R1,07:%02d:%02d,chip,id-%d\n" % (i // 60 % 60, i % 60, i) for i in range(3000))
        with open(self.var / "reader.csv", "w+b") as chip_file:
            chip_file.write(HEADER + good + b"102,R2,07:20:00,chip,caf\xe9\n")
            with pytest.raises(InputProblems) as refusal:
                timing_import(race=self.race, raw=chip_file, filename="reader.csv", dry_run=True)
        assert [str(problem) for problem in refusal.value.problems] == [
            "line 3002: reader.csv is not UTF-8 text (byte 0xe9); save it as 'CSV UTF-8' and import it again."
        ]

    def test_a_byte_order_mark_and_windows_line_ends_are_read_as_before(self):
        content = b"\xef\xbb\xbf" + FILE.replace(b"\n", b"\r\n")
        assert timing_import(race=self.race, raw=content, dry_run=True) == timing_import(
            race=self.race, raw=FILE, dry_run=True
        )


class TestTheLimitStays(UploadTestCase):
    def test_an_oversized_file_is_refused_with_the_limit_and_not_kept(self):
        with self.settings(TASUKI_UPLOAD_MAX_BYTES=len(FILE) - 1):
            response = self.preview()
        self.assertContains(response, "an upload may be at most")
        self.assertContains(response, "run “manage.py import_timing” on the server")
        assert self.held() == []
        with self.settings(TASUKI_UPLOAD_MAX_BYTES=len(FILE)):
            self.assertContains(self.preview(), "5 new reads would be stored")


# --- a 20 MB file, measured in a process of its own ----------------------------------------


def test_a_20_mb_chip_file_is_previewed_and_stored_in_bounded_memory():
    """Before: 410 MB above the idle process to preview, 540 MB to store (the file as bytes, then
    a list of reads). Streamed: about 50 MB to preview (a number per read id) and 90 MB to store
    in chunks, on SQLite; on PostgreSQL the same (docs/performance.md)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    measured = subprocess.run(
        [sys.executable, "-m", "tests.upload_measure", "--confirm"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert measured.returncode == 0, measured.stderr
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    assert figures["file_mb"] >= 19.9 and figures["rows"] > 300_000
    assert figures["preview_added"] == figures["confirm_added"] == figures["rows"]
    assert figures["preview_peak_above_idle_mb"] < 100, figures
    # The confirm reads the file twice and writes a chunk at a time: generous, yet a third of before.
    assert figures["confirm_peak_above_idle_mb"] < 150, figures


# --- on PostgreSQL: a tablet and a phone while a large confirm runs ------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL pointing at PostgreSQL")
def test_while_a_large_file_is_stored_a_tablet_is_stored_and_the_standings_answer(transactional_db, tmp_path):
    """Before, the confirm held the race's lock to the end: a tablet waited for all of it and was
    refused with a 503 after TASUKI_DATABASE_BUSY_TIMEOUT. Now it gets in between two chunks."""
    from results.timing.device_tokens import device_token_create
    from tests.chip_files import race_for_chip_files, write_chip_file

    race = race_for_chip_files(slug="busy-day", teams=60)
    path = tmp_path / "reader.csv"
    rows = write_chip_file(path, race, size=4 * 2**20)  # about 66,000 reads: fourteen chunks
    _token, token = device_token_create(race=race, name="finish tablet", stations=[race.course[-1]])
    phone, tablet = Client(), Client()
    assert phone.get("/races/busy-day/").status_code == 200

    def store_the_file():
        try:
            with open(path, "rb") as chip_file:
                return timing_import(race=race, raw=chip_file, filename="reader.csv", in_chunks=True)
        finally:
            connection.close()

    chip_reads = TimingRecord.objects.filter(race=race, source=Source.CHIP)
    replies, midway, pages, waits = [], [], [], []
    importing = threading.Thread(target=lambda: replies.append(store_the_file()))
    importing.start()
    tick = 0
    while importing.is_alive():
        tick += 1
        read = {
            "id": str(uuid.uuid4()),
            "bib": race.teams.order_by("bib").first().bib,
            "station": race.course[-1].code,
            "time": (race.gun + timedelta(hours=2, milliseconds=tick)).isoformat(),
            "source": "tablet",
        }
        start = time.perf_counter()
        posted = tablet.post(
            "/api/v1/races/busy-day/timings",
            json.dumps(read),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        waits.append(time.perf_counter() - start)
        assert posted.status_code == 201, posted.content
        stored = chip_reads.count()
        midway.append(0 < stored < rows)
        pages.append(phone.get("/races/busy-day/").status_code)
        time.sleep(0.05)
    importing.join()
    assert replies and replies[0].added == rows
    # Tablet reads were stored while the file was part-way in, not only before or after it.
    assert sum(midway) >= 3, (midway, waits)
    assert set(pages) == {200}
    assert TimingRecord.objects.filter(race=race, source=Source.TABLET).count() == tick
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_IMPORTED).get().details["added"] == rows


class TestAReadPackedIsTheSameReadUnpacked(TestCase):
    """A file's reads are kept packed into one number each while it is compared with the stored
    ones; unpacked, for a message, each is the read it was, whenever it was."""

    def test_reads_before_and_after_1970(self):
        from datetime import UTC, datetime

        for at in (
            datetime(1900, 1, 1, 15, 13, 0, 1000, tzinfo=UTC),
            datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
            datetime(2025, 11, 23, 0, 1, 2, 345000, tzinfo=UTC),
        ):
            with self.subTest(at=at):
                read = timing_files.unpacked(timing_files.packed(7, 3, at, Source.CHIP), "r-1")
                self.assertEqual((read.team_id, read.station_id, read.at, read.source), (7, 3, at, "chip"))
