"""The Follow button in a real browser (headless Chromium, a 390 × 844 phone), up to the push
service: the page's script asks for permission, registers the public service worker and
subscribes through PushManager, which is stubbed (a real push service is out of reach offline)
with the keys of a browser made in the test; the site stores what the page posts. A split then
recorded through the timing service sends that browser one notification, which the test
decrypts with the browser's keys.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from results.following.models import PushSubscription
from results.timing.services import timing_record_create
from tests.chromium import require_chromium, wait_until, watch_for_trouble
from tests.following import (
    EXPECTED_AT_RELAY_2,
    SLUG,
    TEAM,
    TEAM_AT_RELAY_2,
    VAPID,
    BrowserKeys,
    eager_tasks,
    follow_race,
    intercepted_push,
    teams_ahead_at_relay_2,
)

PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"
TEAM_PAGE = f"/races/{SLUG}/teams/{TEAM}/"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# PushManager as the page meets it, with what the browser would answer: no subscription yet, then
# the subscription the test's keys make. What the page asked for is kept for the test to read.
STUBBED_PUSH_MANAGER = """
const subscription = %s;
window.__subscribeAsked = [];
PushManager.prototype.getSubscription = async function () { return null; };
PushManager.prototype.subscribe = async function (options) {
  window.__subscribeAsked.push({
    userVisibleOnly: options.userVisibleOnly,
    key: btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)))
      .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""),
  });
  return { endpoint: subscription.endpoint, toJSON: () => subscription };
};
"""


def phone_page(browser, live_server, trouble: list[str], init_script: str | None = None) -> Page:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    context.grant_permissions(["notifications"], origin=live_server.url)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    watch_for_trouble(page, live_server.url, trouble)
    return page


def deliver_to_service_worker(page: Page, live_server, message: dict) -> dict:
    """`message` delivered as a push to the page's service worker; the notification it showed."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    wait_until(page, lambda: registrations)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registrations[-1], "data": json.dumps(message)},
    )
    return page.evaluate(
        """async () => {
             const registration = await navigator.serviceWorker.getRegistration();
             for (let i = 0; i < 50; i++) {
               const [shown] = await registration.getNotifications();
               if (shown) return {title: shown.title, body: shown.body,
                                  actions: shown.actions.map((a) => a.title), url: shown.data.url};
               await new Promise((resolve) => setTimeout(resolve, 100));
             }
             return null;
           }"""
    )


@pytest.fixture
def race():
    with eager_tasks():  # with Redis too: no refresh left pending for a worker that never comes
        yield follow_race()


def test_the_follow_button_subscribes_and_a_split_reaches_the_browser(browser, live_server, settings, race):
    for name, value in VAPID.items():
        setattr(settings, name, value)
    keys = BrowserKeys()
    trouble: list[str] = []
    page = phone_page(browser, live_server, trouble, STUBBED_PUSH_MANAGER % json.dumps(keys.subscription()))
    page.goto(live_server.url + TEAM_PAGE)
    follow = page.get_by_role("button", name="Follow", exact=True)
    expect(follow).to_be_visible()
    expect(page.locator("form.follow-email")).to_be_hidden()  # push works here: e-mail not needed
    expect(page.get_by_role("button", name="Stop following")).to_be_hidden()
    follow.click()
    expect(page.get_by_role("status")).to_have_text(
        "You follow this team: a notification comes each time it passes a station."
    )
    # The page asked PushManager for visible notifications with the site's key...
    assert page.evaluate("window.__subscribeAsked") == [
        {"userVisibleOnly": True, "key": VAPID["TASUKI_VAPID_PUBLIC_KEY"]}
    ]
    # ...through the public service worker, scoped to the team pages.
    worker = page.evaluate(
        """async () => { const r = await navigator.serviceWorker.getRegistration();
                         return [r.scope, (r.active || r.waiting || r.installing).scriptURL]; }"""
    )
    assert worker == [f"{live_server.url}/races/", f"{live_server.url}/races/follow-sw.js"]
    # The site stored what the page posted.
    stored = PushSubscription.objects.get()
    assert (stored.team.bib, stored.endpoint, stored.language) == (TEAM, keys.endpoint, "en")
    assert stored.p256dh == keys.subscription()["keys"]["p256dh"]

    with eager_tasks(), intercepted_push() as push:
        teams_ahead_at_relay_2(race)
        timing_record_create(race=race, bib=TEAM, station="R2", time=TEAM_AT_RELAY_2)
    [message] = push.messages_to(keys)
    assert len(push.posts) == 1 and message["body"] == EXPECTED_AT_RELAY_2

    # The browser's push service hands the message to the service worker (Chromium's DevTools
    # protocol plays that part), which shows it with its Unfollow action.
    shown = deliver_to_service_worker(page, live_server, message)
    assert shown == {
        "title": "301 · Putrajaya Seniors",
        "body": EXPECTED_AT_RELAY_2,
        "actions": ["Unfollow"],
        "url": TEAM_PAGE,
    }

    # Reloaded, the page remembers; "Stop following" stops.
    page.reload()
    stop = page.get_by_role("button", name="Stop following")
    expect(stop).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#follow").screenshot(path=ARTIFACTS / "following-phone.png")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    stop.click()
    expect(page.get_by_role("status")).to_have_text("You no longer follow this team.")
    assert not PushSubscription.objects.exists()

    # Followed again, then stopped elsewhere (a notification's Unfollow, a push service's 410):
    # the page, reloaded, no longer says "you follow".
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("You follow this team")
    PushSubscription.objects.all().delete()
    page.reload()
    expect(page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Stop following")).to_be_hidden()
    page.context.close()
    assert trouble == []


def test_without_vapid_keys_the_page_offers_e_mail(browser, live_server, settings, race):
    settings.TASUKI_VAPID_PUBLIC_KEY = settings.TASUKI_VAPID_PRIVATE_KEY = settings.TASUKI_VAPID_SUBJECT = ""
    trouble: list[str] = []
    page = phone_page(browser, live_server, trouble)
    page.goto(live_server.url + TEAM_PAGE)
    expect(page.get_by_role("button", name="Follow by e-mail")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#follow").screenshot(path=ARTIFACTS / "follow-by-email-phone.png")
    expect(page.get_by_role("button", name="Follow", exact=True)).to_have_count(0)
    page.get_by_label("Get an e-mail each time the team passes a station").fill("mum@example.org")
    page.get_by_role("button", name="Follow by e-mail").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.context.close()
    assert trouble == []
