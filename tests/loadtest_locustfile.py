"""`make loadtest`'s crowd (tests/loadtest.py): phones polling the results, tablets posting splits.

Readers are tests/locustfile.py's spectators (overall page, a category page, the results API).
Stations post one split a second each through the device API with their own token, and send a
read again, with the same id, after a 5xx or no answer (waiting Retry-After, at most a second)
until the server says it has it; one read in twenty is sent a second time after it was stored,
as a tablet does that lost the answer. What each station was told is written, a line a read, to
LOADTEST_OUT/<pid>.jsonl, with every 5xx seen by anyone, for the check after the run.
"""

import json
import os
import random
import time
import uuid
from datetime import datetime, timedelta
from itertools import count

from locust import FastHttpUser, constant_pacing, events, task

from tests.locustfile import Spectator

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115 - read once at import
OUT = os.environ["LOADTEST_OUT"]
GUN = datetime.fromisoformat(PLAN["gun"])
_stations = count()
_written = open(os.path.join(OUT, f"{os.getpid()}.jsonl"), "a", buffering=1)  # noqa: SIM115 - the run's life


def note(**line) -> None:
    _written.write(json.dumps(line) + "\n")


@events.request.add_listener
def on_request(name, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        note(kind="5xx", name=name, status=status)


class Reader(Spectator):
    abstract = False
    wait_time = constant_pacing(1 / float(os.environ.get("LOADTEST_READER_RATE", "1")))


class Station(FastHttpUser):
    fixed_count = int(os.environ.get("LOADTEST_STATIONS", "30"))
    wait_time = constant_pacing(1)

    def on_start(self):
        processes = int(os.environ.get("LOCUST_PROCESSES", "1"))
        index = next(_stations) * processes + getattr(self.environment.runner, "worker_index", 0)
        self.device = PLAN["devices"][index % len(PLAN["devices"])]
        self.headers = {"Authorization": f"Bearer {self.device['token']}", "Content-Type": "application/json"}
        self.rng = random.Random(index)

    def read(self) -> dict:
        # Within the race's first three hours, and never ahead of the server's clock.
        since_gun = int((datetime.now(GUN.tzinfo) - GUN).total_seconds() * 1000)
        latest = max(min(since_gun - 1000, 3 * 3600_000), 600_001)
        at = GUN + timedelta(milliseconds=self.rng.randrange(600_000, latest))
        return {
            "id": str(uuid.uuid4()),
            "bib": self.rng.choice(PLAN["bibs"]),
            "station": self.device["station"],
            "time": at.isoformat(timespec="milliseconds"),
            "source": "tablet",
        }

    @task
    def post_split(self):
        read = self.read()
        status = self.send(read)
        if status in (200, 201) and self.rng.random() < 0.05:
            self.send(read)  # the answer was "lost": the same read again, stored once

    def send(self, read: dict, patience: float = 60) -> int:
        give_up_at = time.monotonic() + patience
        body = json.dumps(read)
        while True:
            with self.client.post(
                PLAN["timings"], data=body, headers=self.headers, name="split post", catch_response=True
            ) as response:
                status = response.status_code or 0
                if status in (200, 201, 400, 409):
                    response.success()
                else:
                    response.failure(f"{status}")
            if status in (200, 201):
                note(kind="stored", id=read["id"], status=status)
                return status
            if status in (400, 409):
                note(kind="refused", id=read["id"], status=status, body=response.text[:300])
                return status
            if time.monotonic() > give_up_at:
                note(kind="gave_up", id=read["id"], status=status)
                return status
            retry_after = float(response.headers.get("Retry-After") or 1) if response.headers else 1
            time.sleep(min(retry_after, 1) + random.uniform(0, 0.2))


# The spectators' own class is imported for Reader to extend; only Reader is to run.
Spectator.abstract = True
