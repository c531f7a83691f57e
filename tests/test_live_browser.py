"""Live results on a phone, in a real browser (headless Chromium on a 390 × 844 viewport).

The race is the shared worked example (examples/mini-ekiden, as in tests/test_browser.py), still
open: team 108 is on the course. Screenshots are kept in var/test-artifacts/ (git-ignored) for a
person to look at. axe-core checks every public page on a phone and on a desktop.
"""

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from races.audit import Actor
from races.models import Race
from races.services import entries_import, race_close, race_import, race_make_official, team_status_set
from results.timing.services import timing_import, timing_record_create
from tests.chromium import require_chromium, watch_for_trouble
from tests.conftest import EXAMPLES

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MINI = EXAMPLES / "mini-ekiden"
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_tab(browser, live_server, viewport: dict, trouble: list[str], locale: str = "en-GB") -> Page:
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=2 if viewport is PHONE else 1,
        is_mobile=viewport is PHONE,
        has_touch=viewport is PHONE,
        locale=locale,
        timezone_id="Asia/Kuala_Lumpur",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch_for_trouble(page, live_server.url, trouble)
    return page


@pytest.fixture
def phone(browser, live_server):
    """A phone's tab; the test fails on a script error, a 5xx or a request off the server."""
    trouble: list[str] = []
    page = open_tab(browser, live_server, PHONE, trouble)
    yield page
    page.context.close()
    assert trouble == []


@pytest.fixture
def desktop(browser, live_server):
    trouble: list[str] = []
    page = open_tab(browser, live_server, DESKTOP, trouble)
    yield page
    page.context.close()
    assert trouble == []


@pytest.fixture
def mini_ekiden() -> Race:
    race, _ = race_import(
        payload={
            **json.loads((MINI / "race.json").read_text(encoding="utf-8")),
            "place": "Putrajaya, Malaysia",
        }
    )
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


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    page.screenshot(path=ARTIFACTS / f"{name}-first-screen.png")


def horizontal_overflow(page: Page, width: int) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth") - (width + 1)


def rows_in_first_screen(page: Page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('table.standings tbody tr')]
              .filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )


AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
PUBLIC_PAGES = [
    "/",
    "/races/mini-ekiden/",
    "/races/mini-ekiden/?category=MX",
    "/races/mini-ekiden/?leg=4",
    "/races/mini-ekiden/?station=CP1",
    "/races/mini-ekiden/?q=%E4%BC%8A%E8%97%A4",
    "/races/mini-ekiden/teams/108/",
    "/races/mini-ekiden/teams/124/",
    "/races/mini-ekiden/register/",
    "/races/mini-ekiden/embed/?category=MX",
]


def axe_violations(page: Page) -> str:
    """axe-core's report of what fails WCAG 2.2 AA (and its best practices); empty when none."""
    results = AXE.run(page, options=AXE_OPTIONS)
    return results.generate_report() if results.violations_count else ""


def team_row_cells(page: Page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("table.standings tbody td.team").all_inner_texts()]


def test_the_overall_standings_show_twelve_teams_on_the_first_screen(phone: Page, live_server, mini_ekiden):
    phone.goto(live_server.url + "/races/mini-ekiden/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mini Ekiden (worked example)")
    expect(phone.locator("#live-status")).to_contain_text("updated")
    screenshot(phone, "standings-overall")
    assert rows_in_first_screen(phone) >= 12
    assert horizontal_overflow(phone, PHONE["width"]) <= 0
    # The title and the time of the last update are on the first screen too.
    expect(phone.locator("#live-status")).to_be_in_viewport()
    expect(phone.get_by_role("table", name="Overall")).to_be_visible()


def test_a_spectator_picks_a_category_then_finds_a_japanese_runner(phone: Page, live_server, mini_ekiden):
    phone.goto(live_server.url + "/races/mini-ekiden/")
    phone.get_by_text("Filter:").tap()
    phone.get_by_label("Category", exact=True).select_option(label="Mixed Senior")
    phone.get_by_role("button", name="Show").tap()
    expect(phone.get_by_role("heading", level=2)).to_have_text("Mixed Senior")
    expect(phone).to_have_title("Mixed Senior · Mini Ekiden (worked example)")
    cells = team_row_cells(phone)
    assert [cell.split()[0] for cell in cells[:2]] == ["高橋", "Firdaus"]
    assert "DQ" in cells[2].split()
    screenshot(phone, "standings-mixed-senior")

    phone.get_by_text("Filter:").tap()
    search = phone.get_by_role("searchbox")
    search.fill("")
    search.press_sequentially("伊藤")
    phone.get_by_label("Category", exact=True).select_option(label="All")
    phone.get_by_role("button", name="Show").tap()
    expect(phone.get_by_role("heading", level=2)).to_have_text("Overall · “伊藤”")
    [found] = team_row_cells(phone)
    assert found.startswith("Putrajaya Striders 3 RUN")
    screenshot(phone, "standings-search")


def test_a_new_split_appears_without_a_reload(phone: Page, live_server, mini_ekiden, settings):
    settings.TASUKI_LIVE_POLL_SECONDS = 0.5
    phone.goto(live_server.url + "/races/mini-ekiden/")
    phone.get_by_text("Filter:").tap()  # open: the poll must leave it open
    phone.evaluate("window.scrollTo(0, 200); window.notReloaded = true")
    row = phone.locator("table.standings tbody tr", has_text="Putrajaya Striders 3")
    expect(row).to_contain_text("RUN")

    timing_record_create(race=mini_ekiden, bib="108", station="FINISH", time="08:40:00", source="tablet")

    expect(row).not_to_contain_text("RUN", timeout=10_000)
    expect(row.locator("td.time").first).to_have_text(re.compile(r"^2:\d\d:\d\d"))
    assert phone.evaluate("window.notReloaded") is True
    assert phone.evaluate("window.scrollY") == 200
    expect(phone.locator("details#filters")).to_have_attribute("open", "")


def test_an_official_race_says_so_and_does_not_poll(phone: Page, live_server, mini_ekiden):
    race_close(race=mini_ekiden, actor=Actor("test"))
    phone.goto(live_server.url + "/races/mini-ekiden/")
    expect(phone.locator("#live-status")).to_have_text(
        re.compile(r"^Provisional results: protests until \d\d:\d\d")
    )
    race_make_official(race=mini_ekiden, actor=Actor("test"))
    phone.goto(live_server.url + "/races/mini-ekiden/")
    expect(phone.locator("#live-status")).to_have_text("Official results")
    assert phone.locator("[hx-trigger]").count() == 0


def test_the_team_page_on_a_phone(phone: Page, live_server, mini_ekiden):
    phone.goto(live_server.url + "/races/mini-ekiden/teams/108/")
    expect(phone.get_by_role("img", name="Place of Putrajaya Striders 3 at each station")).to_be_visible()
    expect(phone.get_by_role("table", name="Legs")).to_be_visible()
    screenshot(phone, "team-108")
    assert horizontal_overflow(phone, PHONE["width"]) <= 0
    phone.goto(live_server.url + "/races/mini-ekiden/teams/124/")
    screenshot(phone, "team-124")
    assert horizontal_overflow(phone, PHONE["width"]) <= 0


def test_keyboard_focus_is_visible_and_the_skip_link_leads_to_the_content(
    desktop: Page, live_server, mini_ekiden
):
    desktop.goto(live_server.url + "/races/mini-ekiden/")
    desktop.keyboard.press("Tab")
    skip = desktop.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    desktop.keyboard.press("Enter")
    expect(desktop.locator("main")).to_be_focused()
    desktop.locator("details#filters > summary").click()
    show = desktop.get_by_role("button", name="Show")
    show.focus()
    desktop.keyboard.press("Shift+Tab")
    desktop.keyboard.press("Tab")  # back to the button by keyboard: :focus-visible applies
    outline = show.evaluate(
        "b => [getComputedStyle(b).outlineStyle, getComputedStyle(b).outlineWidth, getComputedStyle(b).outlineColor]"
    )
    assert outline == ["solid", "3px", "rgb(11, 87, 208)"]  # 6.5:1 against the white page
    border = desktop.get_by_role("searchbox").evaluate("i => getComputedStyle(i).borderTopColor")
    assert border == "rgb(118, 118, 118)"  # 4.5:1 against white (was 1.9:1)


def test_the_print_stylesheet_leaves_the_table(phone: Page, live_server, mini_ekiden):
    phone.goto(live_server.url + "/races/mini-ekiden/teams/124/")
    phone.emulate_media(media="print")
    expect(phone.locator("header.site")).to_be_hidden()
    expect(phone.get_by_role("table", name="Legs")).to_be_visible()
    phone.goto(live_server.url + "/races/mini-ekiden/")
    expect(phone.locator("details#filters")).to_be_hidden()
    expect(phone.locator(".downloads")).to_be_hidden()
    screenshot(phone, "standings-print")


@pytest.mark.parametrize("language", ["ms", "ja"])
def test_the_language_switch_changes_the_page_language(phone: Page, live_server, mini_ekiden, language):
    phone.goto(live_server.url + "/races/mini-ekiden/?category=MX")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.get_by_role("form", name="Language").locator(f'button[value="{language}"]').tap()
    expect(phone.locator("html")).to_have_attribute("lang", language)
    expect(phone).to_have_url(live_server.url + "/races/mini-ekiden/?category=MX")
    # The switcher's own name is now in the chosen language ("Bahasa", "言語").
    chosen = phone.locator(f'header form button[value="{language}"]')
    expect(chosen).to_have_attribute("aria-current", "true")
    screenshot(phone, f"standings-{language}")


def test_a_failed_registration_puts_focus_on_the_error_summary(
    phone: Page, live_server, mini_ekiden, monkeypatch
):
    Race.objects.filter(pk=mini_ekiden.pk).update(registration_open=True)
    three_weeks_before = datetime(2025, 11, 2, 12, 0, tzinfo=ZoneInfo("Asia/Kuala_Lumpur"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: three_weeks_before)
    phone.goto(live_server.url + "/races/mini-ekiden/register/")
    phone.get_by_role("button", name="Register the team").tap()
    summary = phone.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Team name: This field is required.")
    report = axe_violations(phone)
    assert not report, report
    screenshot(phone, "register-errors")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_public_page_passes_axe(request, live_server, mini_ekiden, monkeypatch, viewport):
    Race.objects.filter(pk=mini_ekiden.pk).update(registration_open=True)
    three_weeks_before = datetime(2025, 11, 2, 12, 0, tzinfo=ZoneInfo("Asia/Kuala_Lumpur"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: three_weeks_before)
    page = request.getfixturevalue(viewport)
    width = (PHONE if viewport == "phone" else DESKTOP)["width"]
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        screenshot(page, f"{viewport}-{name}")
        if report := axe_violations(page):
            found[path] = report
        # With the filters open too, and keyboard focus on a control.
        if page.locator("details#filters").count():
            page.locator("details#filters > summary").click()
            page.keyboard.press("Tab")
            if report := axe_violations(page):
                found[f"{path} (filters open)"] = report
        assert horizontal_overflow(page, width) <= 0, f"{path} scrolls sideways"
    assert found == {}
