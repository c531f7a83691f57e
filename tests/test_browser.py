"""What a spectator and a team captain meet on a phone, in a real browser (headless Chromium).

The race is the shared worked example (examples/mini-ekiden): 24 teams over four legs, team 124
wins, team 108 is still on the course with a carry-over start (kuriage) on leg 4, and three teams
are DNS, DQ and DNF. Playwright drives Debian's Chromium (/usr/bin/chromium): no browser is
downloaded, and every request must stay on the live test server.
"""

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from races.audit import Actor
from races.models import Race
from races.services import entries_import, race_import, team_status_set
from results.standings.display import format_duration
from results.timing.services import timing_import
from tests.chromium import require_chromium, watched_page
from tests.conftest import EXAMPLES

PHONE = {"width": 412, "height": 900}
MINI = EXAMPLES / "mini-ekiden"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def phone(browser, live_server):
    """A phone's browser tab; it fails the test on a script error, a 5xx or a request off the server."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        timezone_id="Asia/Kuala_Lumpur",
    )
    with watched_page(context, live_server.url) as page:
        yield page


@pytest.fixture
def mini_ekiden() -> Race:
    race, _ = race_import(payload=json.loads((MINI / "race.json").read_text(encoding="utf-8")))
    entries_import(
        race=race, raw=(MINI / "entries.csv").read_bytes(), filename="entries.csv", actor=Actor("test")
    )
    timing_import(
        race=race, raw=(MINI / "timing.csv").read_bytes(), filename="timing.csv", actor=Actor("test")
    )
    with (MINI / "status.tsv").open(encoding="utf-8") as f:
        for bib, status, reason in csv.reader(f, delimiter="\t"):
            team_status_set(race=race, bib=bib, status=status, reason=reason, actor=Actor("test"))
    return race


def expected_team(bib: str) -> dict:
    expected = json.loads((MINI / "expected.json").read_text(encoding="utf-8"))
    return next(team for team in expected["teams"] if team["bib"] == bib)


def table_rows(page: Page, selector: str = "table.standings") -> list[dict[str, str]]:
    """The rendered table as the reader sees it: one dict per row, keyed by the column heading."""
    table = page.locator(selector).first
    headings = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    return [
        dict(zip(headings, (c.strip() for c in row.locator("td").all_inner_texts()), strict=True))
        for row in table.locator("tbody tr").all()
    ]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the phone's screen (0 or less: no sideways scroll)."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    return width - (PHONE["width"] + 1)


def test_a_spectator_finds_the_winner_a_category_and_a_runner_s_team(
    phone: Page, live_server, mini_ekiden, screenshots
):
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="Mini Ekiden (worked example)").tap()
    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/")
    expect(phone.get_by_role("heading", level=2)).to_have_text("Overall")
    phone.screenshot(path=screenshots / "overall.png", full_page=True)

    rows = table_rows(phone)
    assert len(rows) == 24
    winner = rows[0]
    # The whole name on the first line; a plain finish has no status badge, the others carry
    # theirs under the name (issues 16 and 24).
    assert (winner["Place"], winner["Bib"], winner["Team"].splitlines()[0]) == ("1", "124", "高橋 & Friends")
    assert not re.search(r"\b(FIN|RUN|DNF|DNS|DQ)\b", winner["Team"])
    assert winner["Time"] == "1:48:41"  # 1:48:40.145, rounded up
    assert [row["Bib"] for row in rows[-3:]] == ["120", "105", "111"]  # DNF, DNS, DQ after the ranked

    # The category filter sits behind a disclosure, as on a phone; tap it open and choose.
    phone.get_by_text("Filter:").tap()
    phone.get_by_label("Category", exact=True).select_option(label="Mixed Senior")
    phone.get_by_role("button", name="Show").tap()
    expect(phone).to_have_url(re.compile(r"/races/mini-ekiden/\?.*\bcategory=MXS\b"))
    expect(phone.get_by_role("heading", level=2)).to_have_text("Mixed Senior")
    expect(phone.locator(".chips [aria-current]").first).to_have_text("MXS")
    phone.screenshot(path=screenshots / "mixed-senior.png", full_page=True)
    rows = table_rows(phone)
    assert [
        (row["Cat. place"], row["Bib"], row["Team"].split()[0], "DQ" in row["Team"].split()) for row in rows
    ] == [
        ("1", "124", "高橋", False),
        ("2", "115", "Firdaus", False),
        ("", "111", rows[2]["Team"].split()[0], True),  # disqualified: no place, the badge under the name
    ]

    # Back to every category, then a runner's name in Japanese script.
    phone.get_by_text("Filter:").tap()
    phone.get_by_role("navigation", name="Categories").get_by_role("link", name="All").tap()
    expect(phone.get_by_role("heading", level=2)).to_have_text("Overall")
    phone.get_by_text("Filter:").tap()
    search = phone.get_by_role("searchbox")
    search.tap()
    search.press_sequentially("伊藤 さくら")
    phone.get_by_role("button", name="Show").tap()
    expect(phone.get_by_role("heading", level=2)).to_have_text("Overall · “伊藤 さくら”")
    rows = table_rows(phone)
    assert [(row["Bib"], row["Team"].splitlines()[0]) for row in rows] == [("108", "Putrajaya Striders 3")]
    # The row says whose name matched, and on which leg (issue 24).
    assert re.search(r"found: leg \d, 伊藤 さくら", rows[0]["Team"])
    phone.screenshot(path=screenshots / "search.png", full_page=True)

    phone.get_by_role("link", name="Putrajaya Striders 3").tap()
    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/teams/108/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("108 · Putrajaya Striders 3")
    expect(phone.locator("dl.facts")).to_contain_text("On the course")
    phone.screenshot(path=screenshots / "team-108.png", full_page=True)

    legs = table_rows(phone, "table.team-legs")
    expected = expected_team("108")["legs"]
    assert [row["Leg"] for row in legs] == ["1", "2", "3", "4"]
    assert [row["Runner"].splitlines()[0] for row in legs] == [leg["runner"] for leg in expected]
    assert [row["Time"] for row in legs[:3]] == [format_duration(leg["time_ms"]) for leg in expected[:3]]
    assert [row["Time"] for row in legs[:3]] == ["0:39:53", "0:38:06", "0:39:49"]
    assert [row["Place"] for row in legs[:3]] == ["22", "22", "21"]
    # Leg 4 set off at the kuriage cutoff and is not in yet: the mark, no time, no place.
    assert legs[3]["Time"].endswith("*")
    assert "*" not in "".join(row["Time"] for row in legs[:3])
    assert legs[3]["Place"] == "–"
    expect(phone.get_by_text("carry-over start (kuriage)")).to_be_visible()


def test_a_kuriage_leg_without_a_time_shows_the_dash_and_the_mark(phone: Page, live_server, mini_ekiden):
    phone.goto(live_server.url + "/races/mini-ekiden/teams/108/")
    leg4 = table_rows(phone, "table.team-legs")[3]
    assert leg4["Time"].startswith("–") and leg4["Time"].endswith("*")


def test_a_winner_s_team_page_shows_every_leg_time_without_a_kuriage_legend(
    phone: Page, live_server, mini_ekiden
):
    phone.goto(live_server.url + "/races/mini-ekiden/")
    phone.get_by_role("link", name="高橋 & Friends").first.tap()
    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/teams/124/")
    legs = table_rows(phone, "table.team-legs")
    expected = expected_team("124")["legs"]
    assert [(row["Runner"].splitlines()[0], row["Time"], row["Place"]) for row in legs] == [
        (leg["runner"], format_duration(leg["time_ms"]), str(leg["rank"])) for leg in expected
    ]
    expect(phone.get_by_text("carry-over start (kuriage)")).to_have_count(0)


@pytest.mark.parametrize(
    "path",
    [
        "/races/mini-ekiden/",
        "/races/mini-ekiden/?category=MX",
        "/races/mini-ekiden/?leg=4",
        "/races/mini-ekiden/?station=CP1",
        "/races/mini-ekiden/teams/108/",
        "/races/mini-ekiden/teams/122/",  # a leg winner: its badge under the time
        "/",
    ],
)
def test_no_page_scrolls_sideways_on_a_phone(phone: Page, live_server, mini_ekiden, screenshots, path):
    phone.goto(live_server.url + path)
    phone.evaluate("document.fonts.ready")
    name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
    phone.screenshot(path=screenshots / f"{name}.png", full_page=True)
    assert horizontal_overflow(phone) <= 0, f"{path} is wider than a {PHONE['width']} px phone"


def fill_runner(
    page: Page, leg: int, *, name: str, gender: str, born: str, club: str = "", country: str = ""
):
    fieldset = page.get_by_role("group", name=f"Leg {leg} runner")
    fieldset.get_by_label("Name", exact=True).fill(name)
    fieldset.get_by_label("Gender").select_option(label=gender)
    fieldset.get_by_label("Birth date").fill(born)
    if club:
        fieldset.get_by_label("Club").fill(club)
    if country:
        fieldset.get_by_label("Nationality").fill(country)


def test_a_captain_registers_a_team_fixes_an_ineligible_runner_and_gets_a_bib(
    phone: Page, live_server, mini_ekiden, screenshots, monkeypatch
):
    Race.objects.filter(pk=mini_ekiden.pk).update(registration_open=True)
    # Three weeks before the gun: entries close at the start of the race (23 November 2025).
    three_weeks_before = datetime(2025, 11, 2, 12, 0, tzinfo=ZoneInfo("Asia/Kuala_Lumpur"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: three_weeks_before)

    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="Register a team").tap()
    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/register/")
    assert horizontal_overflow(phone) <= 0

    phone.get_by_label("Team name").fill("ベテラン襷クラブ")
    phone.get_by_label("Category").select_option(label="Mixed Senior")
    fill_runner(
        phone, 1, name="Chandra Devi", gender="Female", born="1980-03-14", club="KL Harriers", country="my"
    )
    fill_runner(phone, 2, name="佐藤 花子", gender="Female", born="1972-11-02", country="JP")
    fill_runner(phone, 3, name="Tan Wei Ming", gender="Male", born="1978-07-01")
    # Leg 4 is 35 on race day: too young for Mixed Senior (every runner 40 or older).
    fill_runner(phone, 4, name="Hafiz bin Osman", gender="Male", born="1990-05-01")
    phone.get_by_role("button", name="Register the team").tap()

    alert = phone.get_by_role("alert")
    expect(alert).to_contain_text("The team cannot be registered yet")
    expect(alert).to_be_in_viewport()  # the captain sees why without hunting down a long form
    expect(alert).to_contain_text(
        "category MXS (Mixed Senior) needs every runner to be at least 40 on race day (2025-11-23); "
        "leg 4 runner Hafiz bin Osman will be 35."
    )
    phone.screenshot(path=screenshots / "register-refused.png", full_page=True)
    assert mini_ekiden.teams.count() == 24
    # Nothing typed is lost: the captain changes one date, not the whole form.
    expect(phone.get_by_label("Team name")).to_have_value("ベテラン襷クラブ")
    leg2 = phone.get_by_role("group", name="Leg 2 runner")
    expect(leg2.get_by_label("Name", exact=True)).to_have_value("佐藤 花子")
    expect(leg2.get_by_label("Birth date")).to_have_value("1972-11-02")
    leg4 = phone.get_by_role("group", name="Leg 4 runner")
    expect(leg4.get_by_label("Birth date")).to_have_value("1990-05-01")

    leg4.get_by_label("Birth date").fill("1975-05-01")
    phone.get_by_role("button", name="Register the team").tap()

    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/register/125/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your team is registered")
    expect(phone.locator("p.bib")).to_have_text("125")
    expect(phone.get_by_text("ベテラン襷クラブ, in Mixed Senior.")).to_be_visible()
    phone.screenshot(path=screenshots / "registered.png", full_page=True)
    team = mini_ekiden.teams.get(bib="125")
    assert (team.name, team.category.code) == ("ベテラン襷クラブ", "MXS")
    assert list(team.runners.order_by("leg").values_list("name", "birth_date__year")) == [
        ("Chandra Devi", 1980),
        ("佐藤 花子", 1972),
        ("Tan Wei Ming", 1978),
        ("Hafiz bin Osman", 1975),
    ]

    # A reload of the success page registers nothing twice.
    phone.reload()
    expect(phone.locator("p.bib")).to_have_text("125")
    assert mini_ekiden.teams.count() == 25

    phone.get_by_role("link", name="Your team's page").tap()
    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/teams/125/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("125 · ベテラン襷クラブ")
