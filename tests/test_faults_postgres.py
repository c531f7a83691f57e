"""PostgreSQL restarts on race day while tablets and a station keypad keep sending splits.

The site runs under gunicorn on a private PostgreSQL cluster (tests/faults.py), which the test
stops (fast shutdown: every connection cut, transactions in flight rolled back) and starts
again. While it is down the API answers 503 with Retry-After, never 500; the devices send the
same read ids again, and once it is back every split is stored exactly once.
"""

import json
import re
import threading
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection
from playwright.sync_api import expect

from results.timing.models import TimingRecord
from tests.chromium import require_chromium
from tests.faults import Device, gunicorn, http, manage, running_postgres, running_redis, site_environment
from tests.race_payloads import KL_EKIDEN

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a fault of production mode: runs in the PostgreSQL pass",
    ),
]
ZONE = "Asia/Kuala_Lumpur"
BIBS = [str(bib) for bib in range(101, 111)]  # the tablets'; the keypad records 111 to 113
OUTAGE_SECONDS = 4


def entries_csv() -> str:
    lines = ["team_bib,team_name,category,leg,runner_name,gender,birth_date"]
    for bib in [*BIBS, "111", "112", "113"]:
        for leg, (name, gender) in enumerate(
            [("Siti Aminah", "F"), ("Tan Wei Ming", "M"), ("佐藤 花子", "F")], 1
        ):
            lines.append(f"{bib},Harimau Striders {bib},MX,{leg},{name} {bib},{gender},1980-03-14")
    return "\n".join(lines) + "\n"


class Site:
    def __init__(self, url: str, cluster, database: str, tokens: dict[str, str], gun_iso: str):
        self.url, self.cluster, self.database, self.tokens, self.gun_iso = (
            url,
            cluster,
            database,
            tokens,
            gun_iso,
        )

    def stored(self) -> Counter:
        """How many records each read id has, in the site's own database."""
        table = TimingRecord._meta.db_table
        with psycopg.connect(self.cluster.url(self.database)) as db:
            return Counter(dict(db.execute(f"SELECT read_id, count(*) FROM {table} GROUP BY read_id")))


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup):
    """The KL race (gun at midnight today) on a private cluster and Redis, served by gunicorn; tokens for
    the R1 and R2 tablets; Olivia, the organiser, for the keypad."""
    folder = tmp_path_factory.mktemp("postgres-faults")
    with running_postgres() as cluster, running_redis(folder) as redis:
        cluster.createdb("tasuki")
        # Production mode: the refreshes are queued on Redis (no worker takes them here).
        env = site_environment(cluster.url("tasuki"), redis.url(), CONN_MAX_AGE="60")
        manage(env, "migrate", "--noinput", "-v0")
        today = datetime.now(ZoneInfo(ZONE)).date().isoformat()
        (folder / "race.json").write_text(json.dumps({**KL_EKIDEN, "date": today, "start_time": "00:00:00"}))
        (folder / "entries.csv").write_text(entries_csv())
        manage(env, "import_race", str(folder / "race.json"))
        manage(env, "import_entries", "kl-ekiden", str(folder / "entries.csv"))
        tokens = {
            code: manage(
                env, "create_device_token", "kl-ekiden", "--station", code, "--name", f"{code} tablet"
            )
            .strip()
            .splitlines()[-1]
            for code in ("R1", "R2")
        }
        manage(
            {**env, "DJANGO_SUPERUSER_PASSWORD": "olivia-pass-123"},
            "createsuperuser", "--noinput", "--username", "olivia", "--email", "olivia@example.org",
        )  # fmt: skip
        gun = datetime.fromisoformat(f"{today}T00:00:00").replace(tzinfo=ZoneInfo(ZONE))
        with gunicorn(env, folder) as url:
            yield Site(url, cluster, "tasuki", tokens, gun.isoformat())
        log = (folder / "web.log").read_text()
        assert "Traceback" not in log, log[-3000:]


def test_tablets_posting_through_a_restart_get_503_with_retry_after_and_every_split_is_stored_once(site):
    devices = [
        Device(f"{site.url}/api/v1/races/kl-ekiden/timings", site.tokens[code], code, BIBS, site.gun_iso)
        for code in ("R1", "R2", "R1", "R2")
    ]
    stop = threading.Event()
    give_up_at = time.monotonic() + 50
    threads = [threading.Thread(target=device.run, args=(stop, give_up_at)) for device in devices]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        assert http(f"{site.url}/api/v1/races/kl-ekiden/results").status == 200
        site.cluster.stop()
        time.sleep(1)
        reading = http(f"{site.url}/api/v1/races/kl-ekiden/results")
        time.sleep(OUTAGE_SECONDS - 1)
        site.cluster.start()
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    # Down, the results API says so too, in the API's error shape.
    assert reading.status == 503, reading.body[:500]
    assert reading.headers["Retry-After"] == "5"
    assert "cannot be reached" in reading.json()["errors"][0]["message"]

    replies = sum((device.replies for device in devices), Counter())
    assert [problem for device in devices for problem in device.unexpected] == []
    assert replies[503] > 0, replies  # the devices did meet the outage
    assert set(replies) <= {200, 201, 503}, replies  # never a 500, never a dropped connection
    posted = [read_id for device in devices for read_id in device.posted]
    stored = site.stored()
    assert len(posted) == len(set(posted)) > 20
    assert {read_id: stored[read_id] for read_id in posted} == dict.fromkeys(
        posted, 1
    )  # none lost or doubled
    assert sum(stored.values()) == len(posted)  # nothing stored that no device was told of
    print(
        f"\nreplies through a {OUTAGE_SECONDS} s restart: {dict(replies)}; {len(posted)} splits stored once"
    )


def test_the_keypad_keeps_entries_through_a_restart_and_says_recorded_only_once_stored(site, browser):
    require_chromium()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", timezone_id=ZONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    answers: list[tuple[int, str]] = []
    page.on("response", lambda response: answers.append((response.status, response.url)))
    page.on("pageerror", lambda error: answers.append((-1, str(error))))
    try:
        page.goto(f"{site.url}/officials/kl-ekiden/stations/R1/")
        page.get_by_label("Username").fill("olivia")
        page.get_by_label("Password").fill("olivia-pass-123")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("body[data-keypad-ready='yes'][data-roster='fresh']")).to_have_count(1)
        # Every message the line shows, in order, noted by the page itself.
        page.evaluate(
            """() => { window.told = [];
                new MutationObserver(() => window.told.push(document.getElementById('message').textContent))
                  .observe(document.getElementById('message'), {childList: true, characterData: true, subtree: true}); }"""
        )
        message, outbox = page.locator("#message"), page.locator("#outbox")
        states = page.locator("#entries .entry-state")

        enter_bib(page, "111")
        expect(message).to_have_text(re.compile(r"^111 recorded at "))
        expect(states).to_have_text(["stored"])

        site.cluster.stop()
        stopped_at = len(page.evaluate("window.told"))
        try:
            for bib in ("112", "113"):
                enter_bib(page, bib)
            expect(message).to_have_text(re.compile(r"^113 at .* is kept on this phone; sending"))
            expect(outbox).to_contain_text("Waiting to send: 2")
            expect(outbox).to_contain_text("The server did not answer (503)")
            page.wait_for_timeout(1500)  # more tries meet the outage
            expect(states).to_have_text(["waiting", "waiting", "stored"])
            told_while_down = page.evaluate("window.told")[stopped_at:]
        finally:
            site.cluster.start()

        expect(outbox).to_have_text("All entries sent", timeout=40_000)
        expect(states).to_have_text(["stored"] * 3)
        told = page.evaluate("window.told")
    finally:
        context.close()

    assert not [line for line in told_while_down if "recorded" in line], told_while_down
    assert re.search(r"^113 recorded at ", told[-1]), told  # said once the server had it
    ids = page_ids(site)
    assert sorted(ids.values()) == [1, 1, 1]  # 111, 112 and 113, once each
    troubles = [(status, url) for status, url in answers if status >= 500 or status < 0]
    assert troubles and {status for status, _url in troubles} == {503}, troubles


def enter_bib(page, bib: str) -> None:
    page.get_by_label("Bib", exact=True).fill(bib)
    page.get_by_label("Bib", exact=True).press("Enter")


def page_ids(site: Site) -> Counter:
    """The keypad's records (source tablet, at R1, no device name) by read id."""
    table = TimingRecord._meta.db_table
    with psycopg.connect(site.cluster.url(site.database)) as db:
        rows = db.execute(
            f"SELECT read_id, count(*) FROM {table} WHERE device = '' GROUP BY read_id"
        ).fetchall()
    return Counter(dict(rows))
