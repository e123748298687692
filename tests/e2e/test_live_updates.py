"""Every way into a page keeps it live: another user's change shows within 2 s, and the tab
sees the outcome of its own export (a real Chromium against the app on SQLite)."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select, update

from erp_dashboard.db import read_only, unit_of_work
from erp_dashboard.models import Project, User, UserSession, utcnow
from erp_dashboard.services import auth, projects
from tests.e2e import harness
from tests.e2e.harness import (
    choose_customer,
    count,
    filter_tab,
    hydrated,
    row,
    running_app,
    sign_in,
    submit_sign_in,
)

LIVE_MS = 2_000
QUICKBOOKS_MS = 15_000  # an export's answer waits for the next Web Connector session
TOGGLED = "Granite Data Center"  # unsent in the demo data: the admin sends and retrieves it
RTE = "ready_to_export"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on SQLite, restartable on the same port and database (`restart()`)."""
    folder = tmp_path_factory.mktemp("app-live")
    env = {"REFLEX_DB_URL": f"sqlite:///{folder / 'erp.db'}"}
    port = harness.free_port()
    with contextlib.ExitStack() as run:
        run.enter_context(running_app(env, folder / "app.log", port))

        def restart() -> None:
            run.close()
            run.enter_context(running_app(env, folder / "app-restarted.log", port))

        yield {
            "base": f"http://127.0.0.1:{port}",
            "db_url": env["REFLEX_DB_URL"],
            "restart": restart,
        }


def toggle() -> bool:
    """The Project Admin sends TOGGLED to ERP, or retrieves it; True when it was sent."""
    admin = auth.actor_for(auth.sign_in("admin@example.com", "demo-password"))
    with read_only() as s:
        project = s.exec(select(Project).where(Project.name == TOGGLED)).one()
    sending = project.erp_state != RTE
    (projects.send_to_erp if sending else projects.retrieve)(admin, project.id)
    return sending


def admin_toggles(page: Page, timeout: int = LIVE_MS) -> None:
    """The Project Admin sends or retrieves TOGGLED (service layer, another session); the
    tab's Ready To Export count, and the row if that list is shown, follow within `timeout`."""
    # A tab that just reconnected to a restarted server shows its counts once on_load has run.
    expect(count(page, RTE)).to_have_text(re.compile(r"^\d+$"), timeout=timeout)
    before = int(count(page, RTE).inner_text())
    sending = toggle()
    expect(count(page, RTE)).to_have_text(str(before + (1 if sending else -1)), timeout=timeout)
    if page.url.endswith(f"filter={RTE}"):
        expect(row(page, TOGGLED)).to_have_count(1 if sending else 0, timeout=timeout)


def open_jobs(page: Page, url: str) -> None:
    page.goto(url)
    hydrated(page)
    expect(page.locator("#jobs-table")).to_be_visible()


def test_after_the_redirect_from_sign_in(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    admin_toggles(page)
    admin_toggles(page)


def test_after_a_reload(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    page.reload()
    hydrated(page)
    admin_toggles(page)
    admin_toggles(page)


@pytest.mark.parametrize("path", ["/jobs", "/jobs/", f"/jobs?filter={RTE}", "/jobs/?filter=synced"])
def test_after_a_typed_address(app, app_db, new_page, path):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    open_jobs(page, app["base"] + path)
    admin_toggles(page)


def test_after_a_deep_link_to_another_list(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    open_jobs(page, f"{app['base']}/jobs?filter=failed_to_export")
    expect(filter_tab(page, "failed_to_export")).to_have_attribute("aria-selected", "true")
    admin_toggles(page)


def test_after_back_and_forward(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    filter_tab(page, "synced").click()
    page.wait_for_url("**/jobs?filter=synced")
    page.go_back()
    page.wait_for_url(f"**/jobs?filter={RTE}")
    admin_toggles(page)
    page.go_forward()
    page.wait_for_url("**/jobs?filter=synced")
    admin_toggles(page)


def test_own_export_after_a_reload(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    page.reload()
    hydrated(page)
    choose_customer(page, "Cedar Ridge Gym", "Cedar", "Cedar Ridge Schools")
    page.locator("#export").click()
    expect(row(page, "Cedar Ridge Gym")).to_have_count(0, timeout=QUICKBOOKS_MS)
    expect(page.locator("#notice")).to_have_text(
        "“Cedar Ridge Gym” is in QuickBooks as Cedar Ridge Schools:Cedar Ridge Gym.",
        timeout=QUICKBOOKS_MS,
    )


def test_own_refused_export_after_a_typed_address_with_a_slash(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    open_jobs(page, f"{app['base']}/jobs/")
    failed = int(count(page, "failed_to_export").inner_text())
    choose_customer(page, "Harbor View Renovation", "Bayside", "Bayside Properties")
    page.locator("#export").click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text(
        "“Harbor View Renovation” was refused by QuickBooks", timeout=QUICKBOOKS_MS
    )
    expect(notice).to_contain_text("(QuickBooks status 3100)")
    expect(count(page, "failed_to_export")).to_have_text(str(failed + 1))


def test_projects_page_follows_changes_after_a_reload(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "admin@example.com")
    page.goto(f"{app['base']}/projects")
    hydrated(page)
    page.reload()
    hydrated(page)
    library = row(page, "Harbor City Library")
    expect(library).to_be_visible()
    expect(library).not_to_contain_text("Waiting for an approver")
    admin = auth.actor_for(auth.sign_in("admin@example.com", "demo-password"))
    with read_only() as s:
        project_id = s.exec(select(Project.id).where(Project.name == "Harbor City Library")).one()
    projects.send_to_erp(admin, project_id)
    expect(library).to_contain_text("Waiting for an approver", timeout=LIVE_MS)


def test_an_idle_tab_goes_to_sign_in_says_why_and_comes_back(app, app_db, new_page):
    """A session idle past the limit ends at the next live update: the tab lands on sign-in,
    which says why, and signing in again returns to the list it showed."""
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    open_jobs(page, f"{app['base']}/jobs?filter=failed_to_export")
    with unit_of_work() as s:  # three hours without the approver's own action
        approver = s.exec(select(User.id).where(User.email == "approver@example.com")).one()
        s.exec(
            update(UserSession)
            .where(UserSession.user_id == approver)
            .values(last_seen_at=utcnow() - timedelta(hours=3))
        )
    toggle()
    expect(page).to_have_url(
        re.compile(r"/login\?next=%2Fjobs%3Ffilter%3Dfailed_to_export&ended=idle$"), timeout=LIVE_MS
    )
    expect(page.locator("#ended-note")).to_contain_text("120 minutes without activity")
    submit_sign_in(page, "approver@example.com")
    expect(page).to_have_url(re.compile(r"/jobs\?filter=failed_to_export$"))
    expect(page.locator("#jobs-table")).to_be_visible()


def test_resumes_after_the_server_restarts(app, app_db, new_page):
    """Last in this module: the tab reconnects by itself and on_load starts a new watch."""
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    admin_toggles(page)
    app["restart"]()
    admin_toggles(page, timeout=30_000)  # the tab reconnects with backoff (≤ 2 s apart)
    admin_toggles(page)
