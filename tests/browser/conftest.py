"""Playwright (sync) driving Debian's chromium against pytest-django's live server."""
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError


# On SQLite the test database is in memory and every thread of the live server shares its one
# connection: two requests at once (a save's UPDATE while another request still reads the table) fail
# with "database table is locked", which no deployment sees (a file database waits). The server
# answers one request at a time there (Django closes each connection of a single-threaded server).
class _OneRequestAtATime(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):  # the thread itself holds the override
        super().__init__(*args, **kwargs)


if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    LiveServerThread.server_class = _OneRequestAtATime

# How long any browser step may wait for its condition (an element, a navigation, an expect(...)).
# Generous on purpose: the tests wait for conditions, never for time, so a long limit costs nothing
# when things work and keeps a loaded CI machine (another suite running beside this one) from failing.
TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", "60000"))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make install` (installs Debian's chromium)")
    # Playwright's sync API keeps an event loop running in this thread for the whole session; the
    # ORM calls of test bodies and of pytest-django's database teardown are still synchronous and
    # safe here. Restored when the browser closes.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)  # Playwright's default for expect(...) is 5 s
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield b
            b.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


# bypass_csp: Playwright's own wait_for_function/evaluate helpers run as eval() in the page, which
# our Content-Security-Policy forbids; the policy itself is tested in tests/security/test_headers.py.
@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True,
                                  bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.set_default_navigation_timeout(TIMEOUT_MS)
    pg.base = live_server.url
    yield pg
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A 375 px wide phone screen."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, accept_downloads=True, bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.set_default_navigation_timeout(TIMEOUT_MS)
    pg.base = live_server.url
    yield pg
    context.close()


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str = "pass-12345") -> None:
    page.goto(page.base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    # the next step (often a goto) must not start before the session cookie is set
    try:
        page.wait_for_url(lambda url: "/login/" not in url)
    except PlaywrightTimeoutError:
        problems = page.locator('[data-testid="login-failed"], [data-testid="login-locked"]').all_inner_texts()
        raise AssertionError(f"login as {username} did not leave the login page: {problems}") from None
    page.wait_for_load_state("networkidle")


def fits_width(page, width: int = 375) -> bool:
    """True when nothing makes the page scroll sideways (tables scroll inside their wrapper)."""
    return page.evaluate("document.documentElement.scrollWidth") <= width + 1
