"""Race control on a phone (headless Chromium, 390 × 844): a new split shows within 15 seconds.

Olivia organises the KL Ekiden and has race control open; the R1 reader stores a split through
the timing services meanwhile. The page polls every TASUKI_LIVE_POLL_SECONDS (10 s by default),
so the split, the station's count and the carry-over time appear without a reload. Nothing
makes the page wider than the phone, and every team name is read whole.
"""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from races.models import Category, Race, Runner, Team
from races.services import race_import
from results.timing.services import timing_record_create
from tests.cast import organiser_of
from tests.chromium import log_in, require_chromium, watched_page
from tests.race_payloads import KL_EKIDEN

ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"
LONG_NAME = "Persatuan Pelari Jarak Jauh Kuala Lumpur dan Selangor Darul Ehsan"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race() -> Race:
    race, _ = race_import(payload=KL_EKIDEN)
    organiser_of(race)
    mixed = Category.objects.get(race=race, code="MX")
    for bib, name in (("101", "Harimau"), ("102", LONG_NAME)):
        team = Team.objects.create(race=race, bib=bib, name=name, category=mixed)
        for leg in (1, 2, 3):
            Runner.objects.create(
                race=race, team=team, leg=leg, name=f"{name} {leg}", gender="F", birth_date=date(1990, 1, 1)
            )
    timing_record_create(race=race, bib="102", station="R1", time="06:52:00", source="chip")
    return race


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
    with watched_page(context, live_server.url) as page:
        yield page


def test_race_control_shows_a_new_split_within_15_seconds(page: Page, live_server, race):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/control/")
    r1 = page.locator("#board-R1")
    expect(r1).to_contain_text("1 through")
    expect(r1).to_contain_text("Carry-over start at 07:12:00")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 391

    timing_record_create(race=race, bib="101", station="R1", time="06:50:00", source="tablet")

    expect(r1).to_contain_text("2 through", timeout=15_000)
    expect(r1).to_contain_text("Carry-over start at 07:10:00")
    expect(page.locator("table.latest-records")).to_contain_text("06:50:00.0")
    # The long name wraps: whole, and the page no wider than the phone.
    name = page.locator("#board-R1 dd", has_text=LONG_NAME)
    expect(name).to_contain_text(LONG_NAME)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 391
    # The countdown was written by the server; the script keeps it to what the clock says.
    expect(page.locator("#board-R1 .countdown")).to_have_text("passed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "race-control-phone.png", full_page=True)


def test_the_keypad_shows_the_teams_due_under_the_entry_area(page: Page, live_server, race):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/stations/R1/")
    # 101 has no time yet: at the median pace to R1 (102's 22 minutes) it is due at 06:52:00,
    # and its leg 2 runner waits in the zone.
    panel = page.locator(".next-in-panel")
    expect(panel).to_contain_text("06:52:00")
    expect(panel).to_contain_text("101 Harimau → Harimau 2")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 391
    # The entry area above it works as before (tests/test_keypad_browser.py records with it).
    page.locator("#bib").fill("101")
    expect(page.locator("#team-card")).to_contain_text("Harimau")
