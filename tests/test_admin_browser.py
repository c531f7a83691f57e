"""The race's admin page on an organiser's laptop (1,366 × 768), in Debian's headless Chromium.

Root, a superuser, opens the KL Ekiden's page: its stations, categories and officials are
inlines of many columns, and none of it may push the page wider than the screen.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from races.models import OfficialRole, RaceOfficial, Station
from races.services import race_import
from tests.chromium import log_in, require_chromium, watched_page
from tests.race_payloads import KL_EKIDEN

LAPTOP = {"width": 1366, "height": 768}

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race():
    race, _ = race_import(payload=KL_EKIDEN)
    users = get_user_model().objects
    users.create_superuser("root", password="root-pass-123")
    alice = users.create_user("alice")
    duty = RaceOfficial.objects.create(race=race, user=alice, role=OfficialRole.STATION)
    duty.stations.add(*Station.objects.filter(race=race))
    RaceOfficial.objects.create(race=race, user=users.create_user("olivia"), role=OfficialRole.ORGANISER)
    return race


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    with watched_page(context, live_server.url) as page:
        yield page


@pytest.mark.parametrize("path", ["{pk}/change/", "add/"])
def test_the_race_page_fits_a_laptop_screen(page: Page, live_server, race, path):
    log_in(
        page,
        username="root",
        password="root-pass-123",
        url=f"{live_server.url}/admin/races/race/{path.format(pk=race.pk)}",
    )
    expect(page.locator("#race_form")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"], f"the page is {width} px wide"
