"""The anomaly list in a real browser (Debian's headless Chromium): an unknown bib dealt with.

Olivia organises the KL Ekiden; the R1 tablet read bib 777, which no team has. The list polls
itself (here every second); while she writes what she did about 777 the poll waits, and what
she typed survives the next one.
"""

import time

import pytest
from playwright.sync_api import Page, expect

from races.models import Race
from races.services import race_import
from results.timing.models import UnmatchedRead
from tests.cast import organiser_of
from tests.chromium import log_in, require_chromium, wait_until, watched_page
from tests.race_payloads import KL_EKIDEN

NOTE = "bib 777 was 177, split added by hand"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race() -> Race:
    race, _ = race_import(payload=KL_EKIDEN)
    organiser_of(race)
    return race


@pytest.fixture
def page(browser, live_server, monkeypatch):
    monkeypatch.setattr("results.officials.anomalies.POLL_SECONDS", 1)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    with watched_page(context, live_server.url) as page:
        yield page


def test_an_official_deals_with_an_unknown_bib_while_the_list_polls(page: Page, live_server, race):
    unknown = UnmatchedRead.objects.create(
        race=race, bib_as_read="777", station_code="R1", device="R1 tablet"
    )
    polls: list[float] = []
    page.on(
        "request", lambda request: polls.append(time.time()) if request.headers.get("hx-request") else None
    )
    log_in(page, f"{live_server.url}/officials/kl-ekiden/anomalies/")
    expect(page.get_by_text("R1 tablet read 777 at R1")).to_be_visible()
    wait_until(page, lambda: polls)  # the list polls

    # While she writes, the list waits: a new read shows only once she leaves the field.
    note = page.locator(f"#note-{unknown.pk}")
    note.click()
    note.press_sequentially(NOTE[:10])
    UnmatchedRead.objects.create(race=race, bib_as_read="778", station_code="R2", device="R2 tablet")
    asked = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == asked
    expect(page.get_by_text("read 778")).to_have_count(0)
    note.press_sequentially(NOTE[10:])
    page.get_by_role("heading", name="Anomalies").click()
    expect(page.get_by_text("R2 tablet read 778 at R2")).to_be_visible()
    expect(note).to_have_value(NOTE)

    page.locator(f"form[action$='/unknown-bibs/{unknown.pk}/dealt-with/']").get_by_role(
        "button", name="Dealt with"
    ).click()
    expect(page.get_by_text("Unknown bib 777 at R1 is dealt with")).to_be_visible()
    expect(page.get_by_text("R1 tablet read 777 at R1")).to_have_count(0)
    unknown.refresh_from_db()
    assert unknown.resolved and unknown.resolution_note == NOTE

    page.get_by_role("link", name="1 unknown bib dealt with").click()
    expect(page.get_by_text(NOTE)).to_be_visible()
    page.get_by_role("button", name="Not dealt with after all").click()
    expect(page.get_by_text("Unknown bib 777 at R1 is back on the anomaly list.")).to_be_visible()
    unknown.refresh_from_db()
    assert not unknown.resolved
