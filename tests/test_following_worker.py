"""The production path of following a team: a real Celery worker on Redis refreshes the standings
after a split commits, announces the pass and sends the follower's e-mail (written to a folder
here: the worker is another process, where the push service's HTTP call cannot be intercepted;
tests/test_following.py covers Web Push itself)."""

import time
from pathlib import Path

import pytest

from results.following.models import EmailSubscription
from results.timing.services import timing_record_create
from tests.following import EXPECTED_AT_RELAY_2, TEAM, TEAM_AT_RELAY_2, follow_race, teams_ahead_at_relay_2
from tests.test_celery_worker import pytestmark, running_worker  # noqa: F401 (the same skip: PostgreSQL and Redis)


@pytest.fixture
def mailing_worker(transactional_db, tmp_path):
    """One real worker on the test database, its e-mails written to `tmp_path / "mail"`."""
    outbox = tmp_path / "mail"
    # The path after the third slash.
    with running_worker(tmp_path, name="test-follow", EMAIL_URL=f"filemail:///{outbox}") as log:
        yield outbox, log


def mails(outbox: Path) -> list[str]:
    return [path.read_text() for path in sorted(outbox.glob("*.log"))] if outbox.exists() else []


def test_a_split_reaches_the_follower_through_the_worker_within_seconds(mailing_worker):
    outbox, log = mailing_worker
    race = follow_race()
    teams_ahead_at_relay_2(race)
    time.sleep(2)  # the worker has refreshed after the set-up's splits
    EmailSubscription.objects.create(team=race.teams.get(bib=TEAM), email="mum@example.org", language="en")
    stored = time.monotonic()
    timing_record_create(race=race, bib=TEAM, station="R2", time=TEAM_AT_RELAY_2)
    while not mails(outbox) and time.monotonic() - stored < 10:
        time.sleep(0.1)
    sent = mails(outbox)
    assert len(sent) == 1, log.read_text()
    assert EXPECTED_AT_RELAY_2 in sent[0] and "To: mum@example.org" in sent[0]
    seconds = time.monotonic() - stored
    assert seconds < 10
    text = log.read_text()
    assert "announce_passes" in text and "deliver_email" in text
