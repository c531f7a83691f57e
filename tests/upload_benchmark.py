"""The `uploads` section of `make bench` (tests/benchmarks.py): a 20 MB chip file through the
officials' upload page while a tablet posts reads and a phone reads the standings."""

import json
import statistics
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POST_EVERY = 0.05  # seconds between a tablet's posts
PAGE_EVERY = 0.2  # seconds between a phone's polls


def resident_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class Meanwhile(threading.Thread):
    """Calls `request()` every `every` seconds until stopped, timing each answer, in its own
    database connection (a web process of its own would have one)."""

    def __init__(self, request, every: float):
        super().__init__()
        self.request, self.every = request, every
        self.stop = threading.Event()
        self.waits: list[float] = []
        self.codes: Counter = Counter()

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(self.every):
                start = time.perf_counter()
                self.codes[self.request()] += 1
                self.waits.append(time.perf_counter() - start)
        finally:
            connection.close()

    def summary(self) -> str:
        if not self.waits:
            return "no request"
        return (
            f"{len(self.waits)} requests, median {statistics.median(self.waits) * 1000:.0f} ms, "
            f"longest {max(self.waits) * 1000:.0f} ms, replies {dict(self.codes)}"
        )


def uploads_benchmark() -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from results.timing.device_tokens import device_token_create
    from results.timing.models import TimingRecord
    from tests.chip_files import race_for_chip_files, write_chip_file

    race = race_for_chip_files(slug="bench-uploads")
    path = ROOT / "var" / "bench-chip-file.csv"
    rows = write_chip_file(path, race)
    official = get_user_model().objects.create_superuser("bench-official", password="unused")
    _token, token = device_token_create(race=race, name="bench tablet", stations=race.course[1:])
    gun = race.gun
    clock = iter(range(10**9))

    def tablet_post() -> int:
        read = {
            "id": str(uuid.uuid4()),
            "bib": race.teams.values_list("bib", flat=True).first(),
            "station": race.course[-1].code,
            "time": (gun + timedelta(seconds=3600 + next(clock))).isoformat(timespec="milliseconds"),
            "source": "tablet",
        }
        return (
            Client()
            .post(
                f"/api/v1/races/{race.slug}/timings",
                json.dumps(read),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            .status_code
        )

    def phone_poll() -> int:
        return Client().get(f"/races/{race.slug}/").status_code

    print(
        f"\nuploads  {rows} reads, {path.stat().st_size / 2**20:.1f} MB, {race.teams.count()} teams (PostgreSQL)"
    )
    phone_poll()  # the standings cached, as on race day
    browser = Client()
    browser.force_login(official)
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on
    idle = resident_mb("VmRSS")
    start = time.perf_counter()
    with open(path, "rb") as chip_file:
        response = browser.post(f"/officials/{race.slug}/upload/", {"file": chip_file})
    preview_seconds = time.perf_counter() - start
    peak = resident_mb("VmHWM") - idle
    page = response.content.decode()
    if 'name="digest"' not in page:
        raise RuntimeError(f"the preview offers no confirm: {page[:3000]}")
    digest = page.split('name="digest" value="', 1)[1].split('"', 1)[0]
    # The test client builds the whole multipart body in memory (about 50 MB more than a server
    # reading it from its socket): tests/upload_measure.py measures the service alone.
    print(
        f"uploads  preview: {preview_seconds:.1f} s, peak memory {peak:.0f} MB above the idle process "
        "(the test client's copy of the request included)"
    )

    tablet, phone = Meanwhile(tablet_post, POST_EVERY), Meanwhile(phone_poll, PAGE_EVERY)
    tablet.start(), phone.start()
    time.sleep(1)  # both answering before the confirm starts
    start = time.perf_counter()
    Path("/proc/self/clear_refs").write_text("5")
    idle = resident_mb("VmRSS")
    response = browser.post(f"/officials/{race.slug}/upload/confirm/", {"digest": digest})
    confirm_seconds = time.perf_counter() - start
    peak = resident_mb("VmHWM") - idle
    time.sleep(1)
    tablet.stop.set(), phone.stop.set()
    tablet.join(), phone.join()
    stored = TimingRecord.objects.filter(race=race, source="chip").count()
    print(
        f"uploads  confirm: {confirm_seconds:.1f} s (reply {response.status_code}), {stored} chip reads "
        f"stored, peak memory {peak:.0f} MB above the idle process"
    )
    print(f"uploads  meanwhile a tablet posting every {POST_EVERY * 1000:.0f} ms: {tablet.summary()}")
    print(f"uploads  meanwhile a phone polling the standings: {phone.summary()}")
    path.unlink()
