"""The families' phone (issue 24) in a real browser: headless Chromium at 390 × 844.

The race is the worked example (examples/mini-ekiden), still open, with some teams renamed to
the long names real clubs have. Whole names, ten teams or more on the first screen, in English,
Malay and Japanese; an upcoming race; the clubs' embed in a frame and the rest refused; the
details (+0:00, the chips, the favicon, alignment, pagination). axe-core checks the new pages.
"""

import json
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from races.audit import Actor
from races.models import Race
from races.services import entries_import, race_import
from results.standings.selectors import standings_for_race
from results.timing.services import timing_record_create
from tests.chromium import require_chromium, wait_until
from tests.test_live_browser import (
    DESKTOP,
    MINI,
    PHONE,
    axe_violations,
    horizontal_overflow,
    open_tab,
    rows_in_first_screen,
    screenshot,
)
from tests.test_live_browser import mini_ekiden as mini_ekiden

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Names of the length clubs give their teams; on a phone each wraps, none is cut.
LONG_NAMES = {
    "124": "高橋 & Friends of the Kuala Lumpur Japanese Association",
    "115": "Persatuan Pelari Veteran Negeri Selangor Darul Ehsan",
    "108": "Putrajaya Striders Running Club (Presint 9)",
    "101": "Petaling Jaya Harriers Women's Development Squad",
    "110": "Kelab Larian Universiti Teknologi Malaysia Skudai",
    "102": "Japanese Club of Kuala Lumpur Ekiden Team Three",
}


@pytest.fixture
def long_names(mini_ekiden) -> Race:
    for bib, name in LONG_NAMES.items():
        mini_ekiden.teams.filter(bib=bib).update(name=name)
    mini_ekiden.bump_standings_version()
    return mini_ekiden


def tab(browser, live_server, viewport=PHONE, language="en"):
    """A tab in one language (the language cookie, as the switch sets it); trouble fails the test."""
    trouble: list[str] = []
    page = open_tab(browser, live_server, viewport, trouble)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return page, trouble


NAME_CELLS = """() => [...document.querySelectorAll('table.standings tbody td.team')].slice(0, 12).map(td => {
    const link = td.querySelector('a'), box = link.getBoundingClientRect(), style = getComputedStyle(td);
    return {name: link.textContent, cut: td.scrollWidth > td.clientWidth || style.textOverflow === 'ellipsis'
            || style.overflow === 'hidden', right: box.right, left: box.left};
})"""


@pytest.mark.parametrize("language", ["en", "ms", "ja"])
def test_every_team_s_whole_name_on_a_phone_and_ten_teams_on_the_first_screen(
    browser, live_server, long_names, language
):
    page, trouble = tab(browser, live_server, language=language)
    page.goto(live_server.url + "/races/mini-ekiden/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    screenshot(page, f"families-standings-{language}")
    cells = page.evaluate(NAME_CELLS)
    assert len(cells) == 12
    names = set(long_names.teams.values_list("name", flat=True))
    for cell in cells:
        assert cell["name"] in names  # the whole name, not a shortened one
        assert not cell["cut"], cell
        assert cell["left"] >= 0 and cell["right"] <= PHONE["width"], cell
    assert rows_in_first_screen(page) >= 10
    assert horizontal_overflow(page, PHONE["width"]) <= 0
    page.context.close()
    assert trouble == []


@pytest.mark.parametrize("language", ["ms", "ja"])
def test_headings_never_break_inside_a_word_and_the_team_tables_fit(
    browser, live_server, long_names, language
):
    page, trouble = tab(browser, live_server, language=language)
    for path in (
        "/races/mini-ekiden/teams/108/",
        "/races/mini-ekiden/?category=MX",
        "/races/mini-ekiden/?leg=2",
    ):
        page.goto(live_server.url + path)
        # Each table as wide as its box at most: no column cut off behind a sideways scroll.
        widths = page.evaluate(
            "() => [...document.querySelectorAll('.table-container')].map(c => c.scrollWidth - c.clientWidth)"
        )
        assert widths and max(widths) <= 0, (path, widths)
        assert horizontal_overflow(page, PHONE["width"]) <= 0, path
        # A heading's word on one line: the lines of each of its words.
        broken = page.evaluate(
            """() => [...document.querySelectorAll('table.table th')].flatMap(th => {
                const text = th.innerText.trim();
                if (!text || th.classList.contains('time')) return [];
                const range = document.createRange(); range.selectNodeContents(th);
                const tops = new Set([...range.getClientRects()].filter(r => r.width > 1).map(r => Math.round(r.top)));
                // Japanese has no spaces: a heading is one word; elsewhere words break at spaces.
                return (document.documentElement.lang === 'ja' && tops.size > 1) ? [text] : [];
            })"""
        )
        assert broken == [], (path, broken)
        screenshot(page, f"families-{language}-{path.strip('/').replace('/', '-').replace('?', '-')}")
    page.context.close()
    assert trouble == []


@pytest.fixture
def upcoming_race(db) -> Race:
    payload = {**json.loads((MINI / "race.json").read_text(encoding="utf-8")), "slug": "next-spring"}
    race, _ = race_import(payload={**payload, "date": "2027-03-07", "name": "Mini Ekiden 2027"})
    entries_import(
        race=race, raw=(MINI / "entries.csv").read_bytes(), filename="entries.csv", actor=Actor("test")
    )
    return race


def test_an_upcoming_race_is_a_start_list_without_dns(browser, live_server, upcoming_race):
    page, trouble = tab(browser, live_server)
    page.goto(live_server.url + "/races/next-spring/")
    expect(page.locator("#live-status")).to_have_text("Starts 7 March, 06:30")
    expect(page.get_by_role("heading", name="Start list")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("DNS")
    expect(page.locator("main")).not_to_contain_text("Live")
    screenshot(page, "families-upcoming")
    assert horizontal_overflow(page, PHONE["width"]) <= 0
    assert not (report := axe_violations(page)), report
    page.get_by_role("link", name="Japanese Club of KL 3").tap()
    expect(page.locator("dl.facts")).to_contain_text("Starts 7 March, 06:30")
    expect(page.locator("main")).not_to_contain_text("Did not start")
    assert not (report := axe_violations(page)), report
    page.goto(live_server.url + "/")
    expect(page.locator('section[aria-labelledby="races-upcoming"]')).to_contain_text("Mini Ekiden 2027")
    page.context.close()
    assert trouble == []


def test_a_team_on_the_course_says_when_it_is_expected(browser, live_server, long_names):
    page, trouble = tab(browser, live_server)
    page.goto(live_server.url + "/races/mini-ekiden/teams/108/")
    expect(page.locator(".expected")).to_contain_text("Expected at FINISH about ")
    assert not (report := axe_violations(page)), report
    page.goto(live_server.url + "/races/mini-ekiden/")
    assert not (report := axe_violations(page)), report
    page.context.close()
    assert trouble == []


def test_only_the_embed_may_be_framed(browser, live_server, mini_ekiden):
    page, trouble = tab(browser, live_server, viewport=DESKTOP)
    # A club's page (served by the browser itself) framing the embed and the standings page.
    club_page = (
        f'<!doctype html><title>Club</title><iframe id="embed" title="embed" src="{live_server.url}'
        f'/races/mini-ekiden/embed/?category=MX"></iframe><iframe id="page" title="page" '
        f'src="{live_server.url}/races/mini-ekiden/"></iframe>'
    )
    page.route("**/club/", lambda route: route.fulfill(body=club_page, content_type="text/html"))
    page.goto(live_server.url + "/club/")
    embed = page.frame_locator("#embed")
    expect(embed.get_by_role("table")).to_be_visible()
    expect(embed.locator("td.team a").first).to_have_attribute("target", "_blank")
    # The standings page itself says DENY: Chromium shows its error page in that frame instead.
    refused = page.locator("#page").element_handle().content_frame()
    wait_until(page, lambda: refused.url.startswith("chrome-error://"))
    page.context.close()
    assert trouble == []


def test_the_details(browser, live_server, mini_ekiden, monkeypatch):
    results = standings_for_race(mini_ekiden)
    ranked = sorted((t for t in results.teams if t.rank), key=lambda t: t.rank)
    winner, second = ranked[0], next(t for t in ranked[1:] if not t.has_kuriage)
    # The second finishes 0.4 s after the winner: the same second on the page, "+0:00".
    at = mini_ekiden.gun + timedelta(milliseconds=winner.total_ms + 400)
    timing_record_create(
        race=mini_ekiden, bib=second.bib, station="FINISH", time=at.isoformat(), source="manual"
    )
    page, trouble = tab(browser, live_server, viewport=DESKTOP)
    page.goto(live_server.url + "/races/mini-ekiden/")
    row = page.locator("table.standings tbody tr", has_text=second.name)
    expect(row.locator("td.gap")).to_have_text("+0:00")
    # Numbers right-aligned under their right-aligned headings.
    aligned = page.evaluate(
        """() => ['td.time', 'td.place', 'th.time', 'th.place'].map(s => getComputedStyle(document.querySelector('table.standings ' + s)).textAlign)"""
    )
    assert aligned == ["right"] * 4
    # The chips keep the search.
    page.goto(live_server.url + "/races/mini-ekiden/?q=Striders")
    page.locator("details#filters > summary").click()
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="MX", exact=True).click()
    expect(page).to_have_url(live_server.url + "/races/mini-ekiden/?category=MX&q=Striders")
    expect(page.locator("#standings-heading")).to_contain_text("“Striders”")
    # The favicon.
    assert page.request.get(live_server.url + "/favicon.ico").status == 200
    page.context.close()
    assert trouble == []


@pytest.mark.parametrize("language", ["en", "ms"])
def test_the_pagination_fits_a_phone(browser, live_server, mini_ekiden, monkeypatch, language):
    monkeypatch.setattr("results.publishing.views.TEAMS_PER_PAGE", 3)
    page, trouble = tab(browser, live_server, language=language)
    page.goto(live_server.url + "/races/mini-ekiden/?page=4")
    pagination = page.locator(".pagination")
    expect(pagination.locator("[rel=prev]")).to_be_visible()
    assert pagination.evaluate("p => p.scrollWidth - p.clientWidth") <= 0
    right = pagination.evaluate(
        "p => Math.max(...[...p.querySelectorAll(':scope > li > a, :scope > li > span')].map(a => a.getBoundingClientRect().right))"
    )
    assert right <= PHONE["width"]
    assert horizontal_overflow(page, PHONE["width"]) <= 0
    page.context.close()
    assert trouble == []
