"""The race clock on an organiser's phone (390×844, Debian's headless Chromium).

Olivia organises the KL Ekiden. Team 101 reached R1 at 07:00:00 on race day, 30 minutes after
the gun of 06:30: she starts nothing by a stray tap, and a correction past that split is
refused beside the time field, which gets the focus.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from races.audit import Actor
from races.models import OfficialRole, Race, RaceOfficial
from races.services import entries_import, race_import
from results.timing.services import timing_record_create
from tests.chromium import log_in, require_chromium, watched_page
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race() -> Race:
    race, _ = race_import(payload=KL_EKIDEN)
    entries_import(race=race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))
    olivia = get_user_model().objects.create_user("olivia", password="olivia-pass-123")
    RaceOfficial.objects.create(race=race, user=olivia, role=OfficialRole.ORGANISER)
    return race


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    with watched_page(context, live_server.url) as page:
        yield page


def no_side_scroll(page: Page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_start_now_asks_for_the_tick_then_sets_the_gun(page: Page, live_server, race):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/gun/")
    expect(page.locator("#gun")).to_have_text("2025-11-23 06:30:00.000 (Asia/Kuala_Lumpur time)")
    no_side_scroll(page)
    page.get_by_role("button", name="Start the race now").click()
    expect(page.get_by_text("Tick “I heard the gun” to confirm").first).to_be_visible()
    expect(page.get_by_label("I heard the gun")).to_be_focused()
    no_side_scroll(page)
    race.refresh_from_db()
    assert str(race.start_time) == "06:30:00"

    page.get_by_label("I heard the gun").check()
    page.get_by_role("button", name="Start the race now").click()
    expect(page.get_by_text("The gun is now")).to_be_visible()
    expect(page.locator("#gun-state")).to_contain_text("The race started")
    no_side_scroll(page)


def test_a_correction_past_the_first_split_is_refused_beside_the_time(page: Page, live_server, race):
    timing_record_create(race=race, bib="101", station="R1", time="07:00:00", source="chip")
    log_in(page, f"{live_server.url}/officials/kl-ekiden/gun/")
    expect(page.get_by_role("button", name="Start the race now")).to_have_count(0)
    page.get_by_label("Time of the gun").fill("07:00:01")
    page.get_by_label("Reason").fill("the starter's watch")
    page.get_by_role("button", name="Correct the gun").click()
    field_error = page.locator("#correct .field .error")
    expect(field_error).to_contain_text("team 101 has a split at R1")
    expect(field_error).to_be_in_viewport()
    expect(page.get_by_label("Time of the gun")).to_be_focused()
    no_side_scroll(page)
    race.refresh_from_db()
    assert str(race.start_time) == "06:30:00"
