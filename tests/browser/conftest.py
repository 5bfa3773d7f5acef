"""Real headless Chromium for the browser tests: one browser per test, tabs that
sign in, and a test that fails when any of its pages throws an uncaught error."""

import os
from pathlib import Path

import pytest

from tests.builders import PASSWORD

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE = {"width": 1280, "height": 860}
NARROW = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Browser tests run on SQLite only, as what they test is the page, unless their module
    sets BOTH_DATABASES (reviewers racing for one item, say)."""
    here = Path(__file__).parent
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if (
            on_postgresql
            and item.path.is_relative_to(here)
            and not getattr(item.module, "BOTH_DATABASES", False)
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class Chromium:
    """A launched browser whose tabs remember their dialogs and script errors."""

    def __init__(self, launched, base: str):
        self.launched = launched
        self.base = base
        self.tabs: list = []

    def tab(self, viewport: dict = WIDE):
        tab = self.launched.new_context(viewport=viewport).new_page()
        tab.set_default_timeout(10_000)
        tab.base = self.base
        tab.dialogs = []
        tab.page_errors = []
        tab.console_errors = []
        tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("pageerror", lambda error: tab.page_errors.append(f"{tab.url}: {error}"))
        tab.on(
            "console",
            lambda message: message.type == "error" and tab.console_errors.append(message.text),
        )
        self.tabs.append(tab)
        return tab

    def page_errors(self) -> list[str]:
        return [error for tab in self.tabs for error in tab.page_errors]


@pytest.fixture
def browser(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        chromium = Chromium(launched, live_server)
        yield chromium
        launched.close()
    # A script that throws stops whatever it was to do next on that page (a
    # broken app.js once left every page's controls dead while tests of one page passed).
    assert chromium.page_errors() == []


@pytest.fixture
def page(browser):
    """One wide tab."""
    return browser.tab()


def sign_in(tab, username: str) -> None:
    tab.goto(f"{tab.base}/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{tab.base}/")


def shot(tab, name: str) -> None:
    """Keep a full-page screenshot in tests/screenshots/ (git-ignored) to look at."""
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
