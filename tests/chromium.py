"""Debian's Chromium for the browser tests, driven by Playwright: found, launched, closed."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# This machine's network is closed: without these, Chromium keeps calling home at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the calling test module where Chromium is missing; on CI that is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"{CHROMIUM} is missing on CI: install Debian's chromium before the browser tests.",
            pytrace=False,
        )
    pytest.skip(
        f"{CHROMIUM} is missing: `apt-get install chromium fonts-noto-cjk` to run the browser tests.",
        allow_module_level=True,
    )


@contextmanager
def launched_chromium(**environment: str):
    """A headless Chromium for a module's tests; call it once the test database exists.

    Playwright's sync API keeps an asyncio loop running in this thread (in a greenlet), and
    Django takes every ORM call made meanwhile (the test's own, the flush after it) for a call
    from async code: those calls are allowed while the browser runs.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for name, value in environment.items():
            patch.setenv(name, value)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


def watch_for_trouble(page, server_url: str, trouble: list[str]) -> None:
    """Note a script error, a 5xx or a request off the test server in `trouble`; the test then fails."""
    page.on("pageerror", lambda error: trouble.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            trouble.append(f"{response.status} from {response.url}") if response.status >= 500 else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((server_url, "data:", "about:"))
            else trouble.append(f"request off the server: {request.url}")
        ),
    )


@contextmanager
def watched_page(context, server_url: str):
    """A tab of this browser context; once the test is done, it fails on any `watch_for_trouble`
    found, and the context is closed."""
    context.set_default_timeout(10_000)
    page = context.new_page()
    trouble: list[str] = []
    watch_for_trouble(page, server_url, trouble)
    yield page
    context.close()
    assert trouble == []
