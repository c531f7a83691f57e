"""Chromium for the browser tests, driven by Playwright: found on PATH, launched, closed."""

import os
import shutil
from contextlib import contextmanager

import pytest
from playwright.sync_api import sync_playwright

# What Chromium is called where it is installed: Debian, Ubuntu's and other distributions'
# packages, Google's build.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# This machine's network is closed: without these, Chromium keeps calling home at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The first Chromium on PATH; None where there is none."""
    return next(filter(None, (shutil.which(name) for name in CHROMIUM_NAMES)), None)


def require_chromium() -> str:
    """Chromium's path; skip the calling test module where it is missing, and on CI fail:
    there a browser test skipped is a browser test that silently stopped running."""
    path = chromium_path()
    if path is not None:
        return path
    if os.environ.get("CI"):
        pytest.fail(
            f"Chromium is missing on CI (none of {', '.join(CHROMIUM_NAMES)} is on PATH): "
            "install Debian's chromium before the browser tests.",
            pytrace=False,
        )
    pytest.skip(
        f"Chromium is missing (none of {', '.join(CHROMIUM_NAMES)} is on PATH): "
        "`apt-get install chromium fonts-noto-cjk` to run the browser tests.",
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
            chromium = playwright.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)
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


def log_in(page, url: str, username: str = "olivia", password: str = "olivia-pass-123") -> None:
    """Open `url` and sign in on the login page it leads to (the officials' and the admin's)."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Signed in once the page asked for is loaded with its scripts: a test that clicks sooner
    # would press a button before its script has taken hold of it.
    page.wait_for_url(lambda address: "/login/" not in address)
    page.wait_for_load_state("load")


def wait_until(page, condition, *, seconds: float = 10.0, step_ms: int = 100) -> None:
    """Let the page run until `condition()` holds; fail after `seconds` (a loaded machine is slow)."""
    for _ in range(int(seconds * 1000 / step_ms)):
        if condition():
            return
        page.wait_for_timeout(step_ms)
    assert condition(), f"still not so after {seconds} s"
