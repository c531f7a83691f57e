from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from ekiden import memo

# The worked examples of the standings rules, with the exact export each must give.
EXAMPLES = Path(__file__).resolve().parent / "examples"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cached standings are keyed by race id, and SQLite may hand out an id again after a
    # rolled-back test: start every test from an empty cache.
    cache.clear()
    memo.forget_all()
    yield
    cache.clear()
    memo.forget_all()


@pytest.fixture(autouse=True)
def _in_english():
    # A request in Malay or Japanese leaves its language active in the thread (LocaleMiddleware
    # does not undo it): every test starts in English, whatever ran before it.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _pages_follow_every_change(settings):
    # On a server a page is rendered again at most once a second (ekiden/page_cache.py); a test
    # that records a split and reads the page at once expects the new page.
    settings.TASUKI_PAGE_REFRESH_SECONDS = 0
    settings.TASUKI_ROSTER_REFRESH_SECONDS = 0


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Debian's Chromium, once per browser test module (each calls `require_chromium()`)."""
    from tests.chromium import launched_chromium

    with launched_chromium() as chromium:
        yield chromium


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture, as a skip mark is: a class's setUpTestData would already read PDFs.
    if item.get_closest_marker("pdf_tools"):
        from tests.printing import require_pdf_tools

        require_pdf_tools()
