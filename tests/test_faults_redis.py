"""Redis stops on race day: the site serves from the database, slower, and stores every split.

The site runs under gunicorn on the test database with a Redis of its own (tests/faults.py),
which the test kills as a crash would, then starts again, empty. Meanwhile the phones keep
reading the standings, a tablet keeps posting, and the standings refresh that cannot be queued
is logged, not raised.
"""

import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from ekiden.redis_cache import RedisCache
from races.audit import Actor
from races.models import Race
from races.services import entries_import, race_import
from races.signals import standings_changed
from results.receivers import on_standings_changed
from results.timing.device_tokens import device_token_create
from results.timing.models import TimingRecord
from tests.faults import Device, gunicorn, http, running_redis, site_environment
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql",
        reason="a fault of production mode: needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]
ZONE = "Asia/Kuala_Lumpur"


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def race(transactional_db) -> Race:
    """The KL race, its gun at midnight today, and a token for the R1 tablet.

    Set up without scheduling refreshes on the suite's own queue: the site here has its own.
    """
    standings_changed.disconnect(dispatch_uid="results.schedule_refresh")
    try:
        today = datetime.now(ZoneInfo(ZONE)).date().isoformat()
        race, _ = race_import(payload={**KL_EKIDEN, "date": today, "start_time": "00:00:00"})
        entries_import(race=race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("test"))
        _token, race.r1_token = device_token_create(
            race=race, name="R1 tablet", stations=[race.stations.get(code="R1")]
        )
    finally:
        standings_changed.connect(on_standings_changed, dispatch_uid="results.schedule_refresh")
    race.refresh_from_db()
    return race


def split_at_r1(race: Race, bib: str, minutes: int) -> dict:
    at = race.gun + timedelta(minutes=minutes, milliseconds=500)
    return {"id": str(uuid.uuid4()), "bib": bib, "station": "R1", "time": at.isoformat(), "source": "tablet"}


def r1_cumulative_ms(site: str, bib: str) -> int | None:
    reply = http(f"{site}/api/v1/races/kl-ekiden/results")
    assert reply.status == 200, reply.body[:500]
    team = next(t for t in reply.json()["teams"] if t["bib"] == bib)
    return next(s["cumulative_ms"] for s in team["stations"] if s["station"] == "R1")


def cached_standings_version(redis_url: str, race: Race) -> int | None:
    kept = RedisCache(redis_url, {"KEY_PREFIX": "tasuki"}).get(f"standings:{race.pk}:version")
    return None if kept is None else kept[0]


def test_without_redis_the_pages_serve_from_the_database_the_split_is_stored_and_the_caches_refill(
    race, tmp_path
):
    pages = ["/races/kl-ekiden/", "/races/kl-ekiden/teams/101/", "/api/v1/races/kl-ekiden/results"]
    with running_redis(tmp_path) as redis:
        env = site_environment(database_url(), redis.url(), TASUKI_REDIS_RETRY_SECONDS="1")
        with gunicorn(env, tmp_path) as site:
            assert [http(site + page).status for page in pages] == [200] * 3
            assert cached_standings_version(redis.url(), race) == race.standings_version  # from Redis

            redis.kill()
            replies = [http(site + page) for page in pages]
            assert [reply.status for reply in replies] == [200] * 3, [r.body[:300] for r in replies]

            # The tablet's split is stored although its refresh cannot be queued.
            first = split_at_r1(race, "101", 30)
            posted = http(f"{site}/api/v1/races/kl-ekiden/timings", body=first, token=race.r1_token)
            assert posted.status == 201, posted.body[:500]
            assert TimingRecord.objects.filter(race=race, read_id=first["id"]).count() == 1
            assert r1_cumulative_ms(site, "101") == 30 * 60_000 + 500  # computed from the database
            team_page = http(f"{site}/races/kl-ekiden/teams/101/")
            assert team_page.status == 200 and b"0:30:01" in team_page.body
            without = [http(site + page).seconds for page in pages]

            redis.start()  # empty, as after a crash
            time.sleep(1.5)  # TASUKI_REDIS_RETRY_SECONDS: then each web process tries Redis again
            # A second split after the return is stored once, and the readers fill the cache
            # again with the standings of the new version (what was drawn without Redis stays
            # in each process's memory until the next change).
            second = split_at_r1(race, "102", 31)
            device = Device(f"{site}/api/v1/races/kl-ekiden/timings", race.r1_token, "R1", ["102"], "")
            device.send(second, give_up_at=time.monotonic() + 30)
            assert device.posted == [second["id"]] and device.unexpected == []
            race.refresh_from_db()
            deadline = time.monotonic() + 20
            while cached_standings_version(redis.url(), race) != race.standings_version:
                assert time.monotonic() < deadline, "the standings never came back into Redis"
                assert [http(site + page).status for page in pages] == [200] * 3
                time.sleep(0.2)
            assert r1_cumulative_ms(site, "101") == 30 * 60_000 + 500
            assert r1_cumulative_ms(site, "102") == 31 * 60_000 + 500

    log = (tmp_path / "web.log").read_text()
    assert "Redis cannot be reached" in log
    assert "Traceback" not in log, log[-3000:]
    assert TimingRecord.objects.filter(race=race).count() == 2
    print(f"\npages without Redis: {', '.join(f'{s * 1000:.0f} ms' for s in without)}")
