"""The keypad's logic on its own (results/static/officials/keypad-logic.js), in headless Chromium:
the outbox's back-off, which tap a bib pairs with, the clock offset and how it and a time are
written, what the counts line counts and which teams leave the "next in" list. The functions are
called with page.evaluate.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.chromium import require_chromium, watched_page

ZONE = "Asia/Kuala_Lumpur"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser, live_server):
    with watched_page(browser.new_context(viewport={"width": 390, "height": 844}), live_server.url) as page:
        yield page


def test_the_keypad_logic_on_its_own(phone, live_server):
    phone.goto(f"{live_server.url}/static/officials/keypad-logic.js")
    phone.set_content("<!doctype html><meta charset=utf-8><title>logic</title>")
    phone.add_script_tag(url=f"{live_server.url}/static/officials/keypad-logic.js")
    logic = "window.TasukiKeypad.logic"

    delays = phone.evaluate(
        f"() => {{ const d = [0]; for (let i = 0; i < 7; i++) d.push({logic}.nextRetryDelay(d.at(-1))); return d.slice(1); }}"
    )
    assert delays == [1000, 2000, 4000, 8000, 16000, 30000, 30000]

    taps = [{"id": "a", "bib": "110"}, {"id": "b", "bib": ""}, {"id": "c", "bib": ""}]
    pair = f"([taps, picked]) => ({logic}.pairTarget(taps, picked) || {{}}).id || null"
    assert phone.evaluate(pair, [taps, None]) == "b"  # the oldest without a bib, not the last
    assert phone.evaluate(pair, [taps, "c"]) == "c"  # unless the official picked one
    assert phone.evaluate(pair, [taps[:1], None]) is None

    samples = [
        {"t0": 1000, "t1": 1400, "serverMs": 5000},  # slow: says +3,800
        {"t0": 2000, "t1": 2020, "serverMs": 4510},  # fastest: +2,500
        {"t0": 3000, "t1": 3100, "serverMs": 5600},
    ]
    assert phone.evaluate(f"s => {logic}.offsetFromSamples(s)", samples) == 2500
    assert phone.evaluate(f"s => {logic}.offsetFromSamples(s)", []) is None
    offsets = phone.evaluate(f"ms => ms.map({logic}.formatOffset)", [-40, -49, 0, 40, 50, -1260, 2500])
    assert offsets == ["0.0", "0.0", "0.0", "0.0", "+0.1", "−1.3", "+2.5"]

    entries = [
        {"state": "stored"},
        {"state": "stored", "voidReason": "double"},
        {"state": "waiting"},
        {"state": "refused"},
        {"state": "refused", "dismissed": True},
        {"state": "tap"},
        {"state": "voided"},
    ]
    assert phone.evaluate(f"e => {logic}.counts(e)", entries) == {"stored": 1, "waiting": 2, "refused": 1}

    here = [
        {"bib": "101", "state": "waiting"},
        {"bib": "R102", "state": "stored", "storedAt": 5000},  # a runner bib of team 102
        {"bib": "103", "state": "stored", "storedAt": 1000},  # the list asked at 2000 has it
        {"bib": "104", "state": "stored", "storedAt": 5000, "voidReason": "wrong bib"},
        {"bib": "105", "state": "refused"},
        {"bib": "106", "state": "tap"},
        {"bib": "", "state": "waiting"},
    ]
    recorded = phone.evaluate(
        f"e => Array.from({logic}.recordedHere(e, 2000, (x) => x.bib.replace('R', ''))).sort()", here
    )
    assert recorded == ["101", "102"]

    tapped = datetime(2025, 11, 23, 7, 24, 24, 700_000, tzinfo=ZoneInfo(ZONE)).timestamp() * 1000
    same_day = tapped + 15 * 3_600_000  # 22:24 the same day in Kuala Lumpur
    next_day = tapped + 17 * 3_600_000  # 00:24 the next day there (still the 23rd in UTC)
    written = phone.evaluate(
        f"([at, nows]) => nows.map((now) => {logic}.timeFormatter('en-GB', '{ZONE}')(at, now))",
        [tapped, [tapped, same_day, next_day]],
    )
    assert written == ["07:24:24.7", "07:24:24.7", "23 Nov 2025 07:24:24.7"]
