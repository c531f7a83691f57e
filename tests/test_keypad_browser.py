"""The station keypad on a phone, in a real browser (Debian's headless Chromium), network cut.

Alice keeps relay station R1 of a race whose gun went an hour ago; Fiona keeps the finish.
An entry's time is the moment of the tap, so the test notes the clock around each tap and
compares it with what the server stored, long after, when the network came back.
"""

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from races.audit import Actor
from races.models import OfficialRole, Race, RaceOfficial, Station
from races.services import entries_import, race_close, race_import
from results.timing.models import TimingRecord
from results.timing.services import timing_record_create
from tests.chromium import launched_chromium, require_chromium
from tests.race_payloads import KL_EKIDEN

PHONE = {"width": 390, "height": 844}
ZONE = "Asia/Kuala_Lumpur"
# The tap and the test's clock readings around it are a few milliseconds apart; the offset the
# page measures to the (same machine's) server clock is a few milliseconds at most.
TOLERANCE_S = 0.3

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser(django_db_setup):
    # Lets the test see and cut the service worker's own requests (see `Network`).
    with launched_chromium(PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS="1") as chromium:
        yield chromium


NO_SIGNAL = "X-Test-No-Signal"


class Network:
    """The phone's signal, cut and restored by the test.

    Chromium's offline mode alone leaks: a service worker's requests pass
    (microsoft/playwright#2311), and now and then a request it reports as failed still reaches
    the server. So a cut also aborts every request Playwright sees, the service worker's
    included, and the live server answers any that slip through with a 503, as if it were not
    there: while cut, nothing is stored, whatever the browser's emulation does.
    """

    def __init__(self, context, live_server):
        self.context = context
        self.server = live_server.thread.httpd
        self.app = self.server.get_app()
        self.cut_at = 0.0
        self.lost: list[str] = []  # what the phone asked for while cut
        self.slipped: list[str] = []  # what reached the server all the same

    def _no_signal(self, route):
        self.lost.append(route.request.url)
        route.abort("internetdisconnected")

    def _unreachable(self, environ, start_response):
        self.slipped.append(environ["REQUEST_METHOD"] + " " + environ["PATH_INFO"])
        start_response("503 Service Unavailable", [("Content-Type", "text/plain"), (NO_SIGNAL, "1")])
        return [b"no signal"]

    def cut(self):
        self.cut_at = time.time()
        self.server.set_app(self._unreachable)
        self.context.set_offline(True)
        self.context.route("**/*", self._no_signal)

    def restore(self):
        self.context.unroute("**/*", self._no_signal)
        self.context.set_offline(False)
        self.server.set_app(self.app)


@pytest.fixture
def screenshots(tmp_path_factory) -> Path:
    return Path(os.environ.get("KEYPAD_SCREENSHOTS") or tmp_path_factory.mktemp("keypad"))


@pytest.fixture
def context(browser):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        timezone_id=ZONE,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def network(context, live_server) -> Network:
    network = Network(context, live_server)
    yield network
    network.restore()


@pytest.fixture
def phone(context, live_server):
    """The phone's tab; it fails the test on a script error, a 5xx or a request off the server."""
    page = context.new_page()
    trouble: list[str] = []
    page.on("pageerror", lambda error: trouble.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            trouble.append(f"{response.status} from {response.url}")
            if response.status >= 500 and not response.headers.get(NO_SIGNAL.lower())
            else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "about:"))
            else trouble.append(f"request off the server: {request.url}")
        ),
    )
    yield page
    assert trouble == []


def entries_csv(bibs: range) -> bytes:
    lines = ["team_bib,team_name,category,leg,runner_name,gender,birth_date"]
    for bib in bibs:
        for leg, (name, gender) in enumerate(
            [("Siti Aminah", "F"), ("Tan Wei Ming", "M"), ("佐藤 花子", "F")], start=1
        ):
            lines.append(f"{bib},Harimau Striders {bib},MX,{leg},{name} {bib},{gender},1980-03-14")
    return "\n".join(lines).encode()


@pytest.fixture
def race_today() -> Race:
    """A race whose gun went an hour ago, so that taps made now are after the start (the browser's
    clock is not frozen: the race moves to the test's time instead)."""
    gun = datetime.now(ZoneInfo(ZONE)) - timedelta(hours=1)
    race, _ = race_import(
        payload={**KL_EKIDEN, "date": gun.date().isoformat(), "start_time": gun.strftime("%H:%M:%S")}
    )
    entries_import(race=race, raw=entries_csv(range(101, 111)), filename="entries.csv", actor=Actor("test"))
    users = get_user_model().objects
    for username, code in (("alice", "R1"), ("fiona", "FINISH")):
        user = users.create_user(username, password=f"{username}-pass-123")
        duty = RaceOfficial.objects.create(race=race, user=user, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=race, code=code))
    return race


@pytest.fixture
def race_under_way(race_today) -> Race:
    """Team 110 reached R1 22 minutes after the gun: the other nine are due there, at its pace."""
    gun = race_today.gun.astimezone(ZoneInfo(ZONE))
    timing_record_create(
        race=race_today, bib="110", station="R1", time=(gun + timedelta(minutes=22)).strftime("%H:%M:%S")
    )
    return race_today


def log_in_at(page: Page, live_server, username: str, code: str) -> None:
    keypad = f"{live_server.url}/officials/kl-ekiden/stations/{code}/"
    page.goto(keypad)
    expect(page).to_have_url(f"{live_server.url}/officials/login/?next=/officials/kl-ekiden/stations/{code}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pass-123")
    page.get_by_role("button", name="Log in").tap()
    expect(page).to_have_url(keypad)
    # The keypad is usable, knows the bibs, and its service worker keeps it for offline use.
    expect(page.locator("body[data-keypad-ready='yes'][data-roster='fresh']")).to_have_count(1)
    expect(page.locator("body[data-offline-ready='yes']")).to_have_count(1)


def key(page: Page, label: str) -> None:
    page.locator("#keys").get_by_role("button", name=label, exact=True).tap()


def tap_bib(page: Page, bib: str) -> tuple[float, float]:
    """Type a bib on the on-screen keys and tap Enter; the clock just before and after the tap."""
    for digit in bib:
        key(page, digit)
    before = time.time()
    key(page, "Enter")
    return before, time.time()


def type_bib(page: Page, bib: str) -> tuple[float, float]:
    """Type a bib on the phone's own keyboard and press its Enter key."""
    page.get_by_label("Bib", exact=True).fill(bib)
    before = time.time()
    page.get_by_label("Bib", exact=True).press("Enter")
    return before, time.time()


def stored(race: Race, code: str) -> list[TimingRecord]:
    """The station's records in the order of their times (a batch is inserted in id order)."""
    return list(
        TimingRecord.objects.filter(race=race, station__code=code).select_related("team").order_by("at")
    )


def assert_tap_times(records: list[TimingRecord], windows: list[tuple[float, float]]) -> None:
    for record, (before, after) in zip(records, windows, strict=True):
        at = record.at.timestamp()
        assert before - TOLERANCE_S <= at <= after + TOLERANCE_S, (
            f"{record.team.bib}: stored {record.at.astimezone(UTC):%H:%M:%S.%f}, "
            f"tapped between {datetime.fromtimestamp(before, UTC):%H:%M:%S.%f} "
            f"and {datetime.fromtimestamp(after, UTC):%H:%M:%S.%f}"
        )


def test_entries_made_offline_survive_a_reload_and_are_stored_once_with_the_tap_times(
    phone: Page, network, live_server, race_today, screenshots
):
    log_in_at(phone, live_server, "alice", "R1")
    outbox = phone.locator("#outbox")

    entries = phone.locator("#entries li")
    windows = []
    for count, bib in enumerate(("101", "102", "103", "104", "105"), start=1):
        windows.append(tap_bib(phone, bib))
        expect(phone.locator("#message")).to_have_text(re.compile(rf"^{bib} recorded at "))
        expect(entries).to_have_count(count)
    expect(phone.locator("#team-card")).to_contain_text("105 · Harimau Striders 105")
    expect(phone.locator("#team-card")).to_contain_text("Arrived leg 1 · Siti Aminah 105")
    expect(phone.locator("#team-card")).to_contain_text("Next leg 2 · Tan Wei Ming 105")
    expect(entries.locator(".entry-state")).to_have_text(["stored"] * 5)
    expect(outbox).to_have_text("All entries sent")
    assert [r.team.bib for r in stored(race_today, "R1")] == ["101", "102", "103", "104", "105"]
    phone.screenshot(path=screenshots / "keypad-r1.png")

    network.cut()
    for bib in ("106", "107"):
        windows.append(tap_bib(phone, bib))
        # Not "recorded" while the server does not have it.
        expect(phone.locator("#message")).to_have_text(re.compile(rf"^{bib} at .* is kept on this phone"))
    windows.append(type_bib(phone, "108"))
    expect(entries).to_have_count(8)
    expect(outbox).to_contain_text("Waiting to send: 3")
    expect(phone.locator("#net-state")).to_have_text("offline")
    phone.screenshot(path=screenshots / "keypad-r1-offline.png")

    # Offline, the page comes back from the service worker and the waiting entries from IndexedDB.
    response = phone.reload()
    assert response is not None and response.from_service_worker
    assert f"{live_server.url}/officials/kl-ekiden/stations/R1/" in network.lost  # tried, no signal
    expect(phone.locator("body[data-keypad-ready='yes']")).to_have_count(1)
    expect(outbox).to_contain_text("Waiting to send: 3")
    expect(entries).to_have_count(8)
    expect(entries.locator(".entry-state")).to_have_text(["waiting"] * 3 + ["stored"] * 5)
    assert len(stored(race_today, "R1")) == 5
    phone.wait_for_timeout(1500)  # the upload comes well after the taps

    network.restore()
    expect(outbox).to_have_text("All entries sent", timeout=40_000)
    expect(entries.locator(".entry-state")).to_have_text(["stored"] * 8)

    records = stored(race_today, "R1")
    assert [r.team.bib for r in records] == [str(bib) for bib in range(101, 109)]
    assert {r.source for r in records} == {"tablet"}
    assert len({r.read_id for r in records}) == 8
    assert_tap_times(records, windows)
    for record in records[5:]:
        assert (record.created_at - record.at).total_seconds() > 1.5  # the tap's time, not the upload's


def test_time_first_at_the_finish_pairs_taps_and_bibs_in_order(
    phone: Page, live_server, race_today, screenshots
):
    log_in_at(phone, live_server, "fiona", "FINISH")
    phone.get_by_role("button", name="Time first").tap()
    tap = phone.get_by_role("button", name="TAP as a runner crosses")

    windows = []
    for _ in range(6):  # five runners cross; the fourth tap is a thumb that slipped
        before = time.time()
        tap.tap()
        windows.append((before, time.time()))
        phone.wait_for_timeout(150)
    taps = phone.locator("#taps li")
    expect(taps).to_have_count(6)
    phone.get_by_role("button", name="Delete tap 4").tap()
    del windows[3]
    expect(taps).to_have_count(5)
    expect(phone.locator("#taps-count")).to_have_text("Taps without a bib: 5")

    for bib in ("110", "108", "1060", "109", "107"):  # the third is a typo for 106
        tap_bib(phone, bib)
    expect(taps.locator(".tap-bib")).to_have_text(["110", "108", "1060", "109", "107"])
    expect(taps.nth(2)).to_contain_text("Bib 1060 is not in this race's list.")
    phone.screenshot(path=screenshots / "keypad-finish-time-first.png")

    phone.get_by_role("button", name="Tap 3: type the right bib and press Enter.").tap()
    key(phone, "Clear the bib")
    tap_bib(phone, "106")
    expect(taps.locator(".tap-bib")).to_have_text(["110", "108", "106", "109", "107"])
    assert stored(race_today, "FINISH") == []  # nothing leaves the phone before the official says so

    phone.get_by_role("button", name="Send 5 paired").tap()
    expect(taps).to_have_count(0)
    expect(phone.locator("#entries .entry-state")).to_have_text(["stored"] * 5)
    expect(phone.locator("#outbox")).to_have_text("All entries sent")
    records = stored(race_today, "FINISH")
    assert [r.team.bib for r in records] == ["110", "108", "106", "109", "107"]
    assert_tap_times(records, windows)


def in_first_screen(page: Page, selector: str) -> bool:
    """Whether the element is wholly on the phone's first screen, the page not scrolled."""
    box = page.locator(selector).bounding_box()
    scrolled = page.evaluate("window.scrollY")
    return box is not None and scrolled == 0 and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def watch_messages(page: Page) -> None:
    """Keep every text the message line shows, however briefly, in window.toldTexts."""
    page.evaluate(
        """() => {
            window.toldTexts = [];
            const line = document.getElementById("message");
            new MutationObserver(() => window.toldTexts.push(line.textContent)).observe(
                line, { childList: true, characterData: true, subtree: true }
            );
        }"""
    )


def test_a_refused_entry_is_red_on_the_first_screen_and_never_said_recorded(
    phone: Page, live_server, race_today, screenshots
):
    log_in_at(phone, live_server, "alice", "R1")
    expect(phone.locator("#counts")).to_have_text("0 stored · 0 waiting · 0 refused")
    tap_bib(phone, "101")
    expect(phone.locator("#counts")).to_have_text("1 stored · 0 waiting · 0 refused")
    watch_messages(phone)

    tap_bib(phone, "999")  # no such bib: the keypad warns, the official records it all the same
    expect(phone.locator("#check")).to_contain_text("Bib 999 is not in this race's list.")
    phone.get_by_role("button", name="Record anyway").tap()

    refused = phone.locator("#refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("999 at ")
    expect(refused).to_contain_text("REFUSED:")
    expect(refused).to_contain_text("is not a team bib, runner bib or chip id of this race.")
    expect(refused).to_contain_text("Fix the bib or the time and enter it again, or dismiss it.")
    expect(phone.locator("#count-refused")).to_have_text("1 refused")
    expect(phone.locator("#message")).to_contain_text("999 at ")
    expect(phone.locator("#message")).to_contain_text("was REFUSED")
    phone.evaluate("window.scrollTo(0, 0)")
    for part in ("#refused", "#counts"):
        assert in_first_screen(phone, part), part
    assert phone.locator("#refused").evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(179, 38, 30)"
    told = phone.evaluate("window.toldTexts")
    assert told and not [text for text in told if "recorded" in text], told
    assert not TimingRecord.objects.filter(race=race_today, team__isnull=True).exists()
    phone.screenshot(path=screenshots / "keypad-refused.png")

    # Fix: the bib corrected keeps the refused entry's time; the refusal is dealt with.
    phone.get_by_role("button", name="Fix").tap()
    expect(phone.locator("#check")).to_contain_text("Fixing 999 at ")
    key(phone, "Clear the bib")
    tap_bib(phone, "102")
    expect(phone.locator("#counts")).to_have_text("2 stored · 0 waiting · 0 refused")
    expect(refused).to_be_hidden()
    expect(phone.locator("#entries li[data-state='dismissed'] .entry-bib")).to_have_text("999")
    fixed = TimingRecord.objects.get(race=race_today, team__bib="102")
    held_ms = phone.evaluate(
        "() => new Promise((ok) => { const r = indexedDB.open('tasuki-keypad'); r.onsuccess = () => {"
        " const q = r.result.transaction('entries').objectStore('entries').getAll();"
        " q.onsuccess = () => ok(q.result.find((e) => e.bib === '999').time); }; })"
    )
    assert round(fixed.at.timestamp() * 1000) == held_ms


def test_a_refused_entry_dismissed_leaves_the_count(phone: Page, live_server, race_today):
    log_in_at(phone, live_server, "alice", "R1")
    tap_bib(phone, "998")
    phone.get_by_role("button", name="Record anyway").tap()
    expect(phone.locator("#count-refused")).to_have_text("1 refused")
    phone.locator("#refused").get_by_role("button", name="Dismiss").tap()
    expect(phone.locator("#refused")).to_be_hidden()
    expect(phone.locator("#counts")).to_have_text("0 stored · 0 waiting · 0 refused")
    expect(phone.locator("#entries .entry-state")).to_have_text(["dismissed"])


def test_undo_of_an_entry_not_yet_sent_removes_it_and_sends_nothing(
    phone: Page, context, live_server, race_today
):
    log_in_at(phone, live_server, "alice", "R1")
    posts: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            posts.append(route.request.url) if route.request.method == "POST" else None,
            route.continue_(),
        ),
    )
    context.set_offline(True)
    tap_bib(phone, "101")
    expect(phone.locator("#counts")).to_have_text("0 stored · 1 waiting · 0 refused")
    expect(phone.locator("#team-card")).to_contain_text("101 · Harimau Striders 101")
    phone.get_by_role("button", name="Undo last entry").tap()
    expect(phone.locator("#message")).to_have_text("Entry 101 removed before it was sent.")
    expect(phone.locator("#void-dialog")).to_be_hidden()
    expect(phone.locator("#team-card")).to_have_text("")
    expect(phone.locator("#counts")).to_have_text("0 stored · 0 waiting · 0 refused")
    expect(phone.locator("#entries li")).to_have_text(["No entries at this station on this phone yet."])

    context.set_offline(False)  # back online: there is nothing to send
    expect(phone.locator("#net-state")).to_have_text("online")
    phone.wait_for_timeout(2500)
    assert posts == []
    assert not TimingRecord.objects.filter(race=race_today).exists()


def test_the_team_card_clears_once_its_entry_is_voided(phone: Page, live_server, race_today):
    log_in_at(phone, live_server, "alice", "R1")
    tap_bib(phone, "103")
    expect(phone.locator("#message")).to_have_text(re.compile(r"^103 recorded at "))
    expect(phone.locator("#team-card")).to_contain_text("103 · Harimau Striders 103")
    phone.get_by_role("button", name="Undo last entry").tap()
    expect(phone.locator("#void-dialog")).to_be_visible()
    phone.get_by_role("button", name="Void", exact=True).tap()
    expect(phone.locator("#team-card")).to_have_text("")
    expect(phone.locator("#entries .entry-state")).to_have_text(["voided"])
    assert TimingRecord.objects.get(race=race_today, team__bib="103").voided


def test_time_first_names_the_tap_the_next_bib_pairs_with(phone: Page, live_server, race_today, screenshots):
    log_in_at(phone, live_server, "fiona", "FINISH")
    phone.get_by_role("button", name="Time first").tap()
    tap = phone.get_by_role("button", name="TAP as a runner crosses")
    for _ in range(4):
        tap.tap()
        phone.wait_for_timeout(120)
    taps = phone.locator("#taps li")
    expect(taps).to_have_count(4)
    first = taps.nth(0).locator(".tap-pick").inner_text()
    second = taps.nth(1).locator(".tap-pick").inner_text()
    expect(phone.locator("#message")).to_have_text(
        re.compile(rf"^Tap 4 at .* kept\. Next bib goes to tap 1 at {first}\.$")
    )
    expect(taps.nth(0)).to_have_class(re.compile(r"\bnext\b"))
    height = taps.first.evaluate("e => e.parentElement.getBoundingClientRect().height")
    row = taps.first.bounding_box()["height"]

    tap_bib(phone, "1060")  # an unknown bib: its tap shows a warning
    expect(phone.locator("#message")).to_have_text(f"Tap 1 is 1060. Next bib goes to tap 2 at {second}.")
    expect(taps.nth(0)).to_contain_text("Bib 1060 is not in this race's list.")
    expect(taps.nth(1)).to_have_class(re.compile(r"\bnext\b"))
    tap_bib(phone, "1070")
    expect(taps.nth(1)).to_contain_text("Bib 1070 is not in this race's list.")
    # The warnings take no room from the list: it keeps its height, and shows as many rows.
    assert taps.first.evaluate("e => e.parentElement.getBoundingClientRect().height") == height
    assert abs(taps.first.bounding_box()["height"] - row) < 1
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=screenshots / "keypad-time-first-warnings.png")
    assert in_first_screen(phone, "#bib-form > label")
    expect(phone.locator("#bib-form > label")).to_have_text("Bib")
    assert in_first_screen(phone, "#enter")


def test_a_team_recorded_here_leaves_next_in_at_once_and_the_list_is_asked_again(
    phone: Page, network, live_server, race_under_way
):
    log_in_at(phone, live_server, "alice", "R1")
    due = phone.locator("#next-in li[data-bib]")
    expect(due).to_have_count(9)
    asked: list[str] = []
    phone.on("request", lambda request: asked.append(request.url) if "/next-in" in request.url else None)

    tap_bib(phone, "101")
    expect(phone.locator("#message")).to_have_text(re.compile(r"^101 recorded at "))
    # Not at the next poll (every 20 s): at once; and the server, asked again, leaves it out too.
    expect(phone.locator("#next-in li[data-bib='101']")).to_be_hidden(timeout=2_000)
    expect(phone.locator("#next-in li[data-bib='101']")).to_have_count(0, timeout=5_000)
    assert asked
    expect(due).to_have_count(8)

    network.cut()  # an entry waiting in the outbox counts as recorded here as well
    tap_bib(phone, "102")
    expect(phone.locator("#message")).to_have_text(re.compile(r"^102 at .* is kept on this phone"))
    expect(phone.locator("#next-in li[data-bib='102']")).to_be_hidden(timeout=2_000)
    expect(phone.locator("#next-in li[data-bib='103']")).to_be_visible()

    # The signal back, the entry is sent and the list asked again: the test ends with nothing
    # in flight (a read still being stored deadlocked with the database's flush after the test).
    network.restore()
    expect(phone.locator("#message")).to_have_text(re.compile(r"^102 recorded at "), timeout=15_000)
    expect(phone.locator("#next-in li[data-bib='102']")).to_have_count(0, timeout=5_000)


def test_once_every_team_due_is_recorded_here_next_in_says_none_is_due(
    phone: Page, network, live_server, race_under_way
):
    log_in_at(phone, live_server, "alice", "R1")
    due = phone.locator("#next-in li[data-bib]")
    expect(due).to_have_count(9)
    bibs = [row.get_attribute("data-bib") for row in due.all()]
    network.cut()  # the phone alone hides them: the server is not asked again
    for bib in bibs:
        tap_bib(phone, bib)
    expect(phone.locator("#next-in .next-in-none")).to_have_text("No team is due here at the moment.")
    network.restore()  # and the test ends with every entry sent
    expect(phone.locator("#outbox")).to_have_text("All entries sent", timeout=20_000)


def test_the_keypad_of_a_closed_race_says_so_first_and_takes_no_entry(phone: Page, live_server, race_today):
    race_close(race=race_today, actor=Actor("test"))
    log_in_at(phone, live_server, "alice", "R1")
    banner = phone.locator("#race-closed")
    expect(banner).to_have_text(
        "The race is closed. This keypad records no more entries: corrections go to the results desk."
    )
    phone.evaluate("window.scrollTo(0, 0)")
    assert in_first_screen(phone, "#race-closed")
    for control in ("#bib", "#enter", "#record-anyway", "#tap-button", "#undo"):
        expect(phone.locator(control)).to_be_disabled()
    expect(phone.locator("#keys").get_by_role("button", name="1", exact=True)).to_be_disabled()
    expect(phone.get_by_role("button", name="Time first")).to_be_disabled()
    expect(phone.locator("#entry-area")).to_have_attribute("aria-describedby", "race-closed")


def test_an_entry_refused_because_the_race_closed_says_so_and_offers_no_fix(
    phone: Page, live_server, race_today
):
    log_in_at(phone, live_server, "alice", "R1")
    expect(phone.locator("#race-closed")).to_be_hidden()
    race_close(race=race_today, actor=Actor("test"))  # the results desk closes it meanwhile

    tap_bib(phone, "101")
    refused = phone.locator("#refused")
    expect(refused).to_contain_text("101 at ")
    expect(refused).to_contain_text("the race is closed: ask the results desk.")
    expect(refused).to_contain_text(
        "No fix is possible at this keypad: dismiss it, and tell the results desk."
    )
    expect(refused).not_to_contain_text("Fix the bib or the time")
    expect(refused.get_by_role("button", name="Fix")).to_have_count(0)
    expect(phone.locator("#message")).to_contain_text(
        "was REFUSED: the race is closed: ask the results desk."
    )
    # From then on the keypad is that of a closed race.
    expect(phone.locator("#race-closed")).to_be_visible()
    expect(phone.locator("#enter")).to_be_disabled()
    refused.get_by_role("button", name="Dismiss").tap()
    expect(phone.locator("#counts")).to_have_text("0 stored · 0 waiting · 0 refused")
    assert not TimingRecord.objects.filter(race=race_today).exists()


def test_after_a_stopped_bib_the_next_digits_start_a_new_entry_with_its_own_time(
    phone: Page, live_server, race_today
):
    log_in_at(phone, live_server, "alice", "R1")
    bib, check = phone.get_by_label("Bib", exact=True), phone.locator("#check")
    tap_bib(phone, "9999")
    expect(check).to_contain_text("Bib 9999 is not in this race's list.")
    phone.wait_for_timeout(1200)  # the next runner comes a little later
    window = tap_bib(phone, "101")  # typed over the unknown bib: a new entry, not 9999101
    expect(phone.locator("#message")).to_have_text(re.compile(r"^101 recorded at "))
    expect(check).to_be_hidden()

    tap_bib(phone, "9998")  # the same on the phone's own keyboard
    expect(check).to_contain_text("Bib 9998 is not in this race's list.")
    bib.press_sequentially("102")
    expect(bib).to_have_value("102")
    expect(check).to_be_hidden()
    windows = [window, type_bib(phone, "102")]

    # ⌫ corrects the bib shown instead, and the entry keeps the time of its first Enter.
    windows.append(tap_bib(phone, "1033"))
    expect(check).to_contain_text("Bib 1033 is not in this race's list.")
    phone.wait_for_timeout(1200)
    key(phone, "Delete the last digit")
    key(phone, "Enter")
    expect(phone.locator("#message")).to_have_text(re.compile(r"^103 recorded at "))
    assert_tap_times(stored(race_today, "R1"), windows)

    # A refused entry: fixing it, digits replace its bib (keeping its time); dismissed, the field is empty.
    tap_bib(phone, "9997")
    phone.get_by_role("button", name="Record anyway").tap()
    expect(phone.locator("#count-refused")).to_have_text("1 refused")
    phone.get_by_role("button", name="Fix").tap()
    expect(bib).to_have_value("9997")
    key(phone, "1")
    expect(bib).to_have_value("1")
    expect(check).to_contain_text("Fixing 9997 at ")
    phone.locator("#refused").get_by_role("button", name="Dismiss").tap()
    expect(bib).to_have_value("")
    expect(check).to_be_hidden()
