"""The live load test's readers (`python -m tests.benchmarks live`): phones on race day.

Each simulated reader asks for a page LOCUST_RATE times a second (3: 200 readers offer 600
requests/s, what 6,000 phones polling every ten seconds would): the overall standings most, then a category page, then the
results API. They send no If-None-Match, so every answer is a full page from the page cache
(the cost of a reader's first visit and of every poll after a new split); LOCUST_HOST and
LOCUST_RACE say where. Run only against this machine's loopback.
"""

import os

from locust import FastHttpUser, constant_throughput, task

RACE = os.environ.get("LOCUST_RACE", "aleps-demo")
CATEGORY = os.environ.get("LOCUST_CATEGORY", "MX")
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "en"}


class Spectator(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("LOCUST_RATE", "3")))

    @task(6)
    def overall(self):
        self.client.get(f"/races/{RACE}/", headers=HEADERS, name="overall page")

    @task(3)
    def category(self):
        self.client.get(f"/races/{RACE}/?category={CATEGORY}", headers=HEADERS, name="category page")

    @task(1)
    def results_api(self):
        self.client.get(
            f"/api/v1/races/{RACE}/results",
            headers={**HEADERS, "Accept": "application/json"},
            name="results API",
        )
