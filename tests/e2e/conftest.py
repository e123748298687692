"""Browser fixtures: a real Chromium against the running app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        launch = {"args": CHROMIUM_ARGS, "headless": True}
        if Path(CHROMIUM).exists():
            launch["executable_path"] = CHROMIUM
        browser = pw.chromium.launch(**launch)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (separate cookies, like separate people)."""
    contexts = []

    def make():
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def app_db(monkeypatch, app):
    """Point this test process's service layer at the running app's database."""
    monkeypatch.setenv("REFLEX_DB_URL", app["db_url"])
    return app["db_url"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
