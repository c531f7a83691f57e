"""The officials' pages on a 390 × 844 phone, in a real browser (Debian's headless Chromium).

Olivia organises the KL Ekiden from her phone at the finish. Team 101's name is long, as club
teams' names are, and 102's is one word a line cannot break. A bad hand time must be seen where
she typed it, with the cursor there; no page scrolls sideways: a wide table scrolls inside itself,
its first column staying in place.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from races.audit import Actor
from races.models import Category, Race, Team
from races.services import race_import
from results.publishing.print_jobs import print_job_request
from results.timing.models import Source
from results.timing.services import timing_record_create
from tests.cast import organiser_of
from tests.chromium import log_in, require_chromium, watched_page
from tests.race_payloads import KL_EKIDEN

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Persatuan Pelari Jarak Jauh Universiti Teknologi Malaysia Kampus Kuala Lumpur"
ONE_WORD = "Laufgemeinschaftsstaffelmannschaftskameraden"

require_chromium()

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race() -> Race:
    race, _ = race_import(payload=KL_EKIDEN)
    olivia = organiser_of(race)
    mixed = Category.objects.get(race=race, code="MX")
    Team.objects.create(race=race, bib="101", name=LONG_NAME, category=mixed)
    Team.objects.create(race=race, bib="102", name=ONE_WORD, category=mixed)
    actor = Actor.of_user(olivia)
    for bib, station, at in (
        ("101", "R1", "06:50:00"),
        ("101", "R2", "07:12:00"),
        ("102", "R1", "06:55:00"),
    ):
        timing_record_create(
            race=race,
            bib=bib,
            station=station,
            time=at,
            source=Source.MANUAL,
            actor=actor,
            reason="station sheet of the relay point, written by the marshal and photographed",
        )
    return race


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    with watched_page(context, live_server.url) as page:
        yield page


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


def test_a_bad_hand_time_is_shown_beside_its_field_which_has_the_focus(page: Page, live_server, race):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/teams/101/")
    expect(page.get_by_role("heading", name="Add a split by hand")).to_be_visible()
    page.get_by_label("Time").fill("25:99")
    page.get_by_label("Reason").fill("station sheet")
    page.get_by_role("button", name="Add the split").click()

    time_field = page.locator("#id_time")
    expect(time_field).to_be_focused()
    assert in_viewport(page, "#id_time"), "the field in error is on the screen"
    assert in_viewport(page, "#id_time_error"), "its error is on the screen too"
    error = page.locator("#id_time_error").bounding_box()
    field = time_field.bounding_box()
    assert abs(field["y"] - (error["y"] + error["height"])) < 40, "the error is right above its field"
    expect(time_field).to_have_attribute("aria-describedby", "id_time_helptext id_time_error")
    # The summary at the top names the field and leads to it.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Time")
    expect(summary.locator("a[href='#id_time']")).to_have_count(1)
    assert page_width(page) <= PHONE["width"]


def test_a_void_without_reason_is_refused_beside_its_field(page: Page, live_server, race):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/teams/101/")
    page.locator("#station-R2").get_by_role("button", name="Void this read").click()
    # Wait for the answer's page before asking what has the focus: the click returns before it loads.
    focused_field = page.locator(":focus")
    expect(focused_field).to_have_attribute("id", re.compile(r"^id_r.*_reason$"))
    focused = focused_field.get_attribute("id")
    assert in_viewport(page, f"#{focused}")
    expect(page.locator(f"#{focused}_error")).to_contain_text("Say why")


@pytest.mark.parametrize(
    "path",
    [
        "teams/101/",
        "teams/102/",
        "teams/101/runners/",
        "audit/",
        "teams/",
        "anomalies/",
        "upload/",
        "print/",
        "officials/",
        "results/",
        "protests/",
    ],
)
def test_no_officials_page_scrolls_sideways_on_a_phone(page: Page, live_server, race, path):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/{path}")
    expect(page.locator("h1")).to_be_visible()
    assert page_width(page) <= PHONE["width"]


def test_a_wide_table_scrolls_inside_itself_with_its_first_column_in_place(page: Page, live_server, race):
    log_in(page, f"{live_server.url}/officials/kl-ekiden/audit/")
    table = page.locator("table.audit")
    expect(table).to_be_visible()
    scroller = page.locator(".table-container").filter(has=table)
    widths = scroller.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
    assert widths[0] > widths[1], "the audit trail is wider than the phone: it scrolls inside its box"
    first_cell = table.locator("tbody tr").first.locator("td").first
    third_cell = table.locator("tbody tr").first.locator("td").nth(2)
    before = (first_cell.bounding_box()["x"], third_cell.bounding_box()["x"])
    scroller.evaluate("(box) => { box.scrollLeft = 200; }")
    after = (first_cell.bounding_box()["x"], third_cell.bounding_box()["x"])
    assert after[0] == pytest.approx(before[0], abs=1), "the first column stays in place"
    assert after[1] < before[1] - 100, "the other columns scroll under it"
    assert page_width(page) <= PHONE["width"]


def test_a_print_button_shows_the_file_is_being_made_while_the_request_runs(
    page: Page, live_server, race, monkeypatch
):
    # The embedded mode, whatever the suite runs on: the file is made in the request (on
    # PostgreSQL and Redis, Celery's configuration was read before any override of the settings).
    from results.tasks import make_print_file

    monkeypatch.setattr(
        "results.publishing.print_jobs._enqueue",
        lambda job: make_print_file.apply(args=(job.pk,), task_id=job.task_id),
    )
    asked = []

    def slow_request(**kwargs):
        # As the embedded mode making a PDF inside the request: the answer takes seconds.
        asked.append(kwargs["kind"])
        time.sleep(1.5)
        return print_job_request(**kwargs)

    monkeypatch.setattr("results.officials.printing.print_job_request", slow_request)
    log_in(page, f"{live_server.url}/officials/kl-ekiden/print/")
    # Playwright waits for a navigation under way before it looks again: the page itself notes
    # what the buttons show half a second into the wait, where the next page can read it.
    page.evaluate(
        """() => document.querySelector("form.print-buttons").addEventListener("submit", () => {
            setTimeout(() => {
                const form = document.querySelector("form.print-buttons");
                const busy = form.querySelector("button.busy");
                sessionStorage.setItem("seen", JSON.stringify({
                    text: busy && busy.textContent,
                    disabled: [...form.querySelectorAll("button")].every((button) => button.disabled),
                    ariaBusy: form.getAttribute("aria-busy"),
                }));
            }, 500);
        })"""
    )
    page.get_by_role("button", name="Make the results book").click()
    expect(page.get_by_text("Results book is ready: download it below.")).to_be_visible(timeout=20_000)
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('seen'))")
    assert seen == {"text": "Making the PDF…", "disabled": True, "ariaBusy": "true"}
    assert asked == ["book"], "the button's kind was sent though the button was disabled"
    expect(page.get_by_role("button", name="Make the results book")).to_be_enabled()


def test_a_runner_change_refused_puts_the_cursor_in_the_field_at_fault(page: Page, live_server, race):
    from races.models import Runner

    team = Team.objects.get(race=race, bib="101")
    for leg in (1, 2, 3):
        Runner.objects.create(
            race=race, team=team, leg=leg, name=f"Runner {leg}", gender="F", birth_date="1980-01-01"
        )
    log_in(page, f"{live_server.url}/officials/kl-ekiden/teams/101/runners/")
    leg3 = page.locator("#leg-3")
    leg3.get_by_label("Gender").select_option("M")
    leg3.get_by_role("button", name="Replace the runner of leg 3").click()
    expect(page.locator("#id_leg3-name")).to_be_focused()
    assert in_viewport(page, "#id_leg3-name")
    assert in_viewport(page, "#id_leg3-name_error")
    assert page_width(page) <= PHONE["width"]
