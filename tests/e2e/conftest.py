"""Browser fixtures: a real Chromium against the running app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, running_app


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module; sync Playwright runs an event loop while it lives, so it
    must end before the async tests that follow the browser tests."""
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


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on its embedded default (SQLite, one worker) with demo data, per module."""
    folder = tmp_path_factory.mktemp("app-sqlite")
    db_url = f"sqlite:///{folder / 'erp.db'}"
    with running_app({"REFLEX_DB_URL": db_url}, folder / "app.log") as (base, pid):
        yield {"base": base, "pid": pid, "db_url": db_url}


@pytest.fixture
def app_db(monkeypatch, app):
    """Point this test process's service layer at the running app's database."""
    monkeypatch.setenv("REFLEX_DB_URL", app["db_url"])
    return app["db_url"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
