"""The approval loop in a real Chromium against the app on its embedded default (SQLite)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Email, Project, User
from erp_dashboard.services import auth, projects
from erp_dashboard.states.jobs import CustomerPickerState, JobsState
from tests.e2e.harness import (
    choose_customer,
    count,
    filter_tab,
    hydrated,
    reject,
    row,
    sign_in,
)
from tests.e2e.reflex_socket import ReflexSocket


def test_accept_choose_customer_export_lands_in_synced(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    synced_before = int(count(page, "synced").inner_text())
    export = page.locator("#export")
    expect(export).to_be_disabled()

    row(page, "Bayside Seawall").get_by_role("button", name="Accept").click()
    expect(export).to_be_disabled()
    expect(page.locator("#export-blocker")).to_have_text(
        "Choose a QuickBooks customer for: Bayside Seawall"
    )
    choose_customer(page, "Bayside Seawall", "bays", "Bayside Properties")
    expect(export).to_be_enabled()
    export.click()

    expect(row(page, "Bayside Seawall")).to_have_count(0, timeout=15_000)
    expect(page.locator("#notice")).to_have_text(
        "“Bayside Seawall” is in QuickBooks as Bayside Properties:Bayside Seawall."
    )
    expect(count(page, "synced")).to_have_text(str(synced_before + 1))
    filter_tab(page, "synced").click()
    page.wait_for_url("**/jobs?filter=synced")
    synced = row(page, "Bayside Seawall")
    expect(synced).to_contain_text("Bayside Properties:Bayside Seawall")


def test_refused_export_lands_in_failed_then_retry_under_another_customer(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    failed_before = int(count(page, "failed_to_export").inner_text())
    choose_customer(page, "Harbor View Renovation", "Bayside", "Bayside Properties")
    page.locator("#export").click()
    expect(count(page, "failed_to_export")).to_have_text(str(failed_before + 1), timeout=15_000)
    expect(page.locator("#notice")).to_contain_text(
        "“Harbor View Renovation” was refused by QuickBooks"
    )
    expect(page.locator("#notice")).to_contain_text("(QuickBooks status 3100)")
    page.goto(f"{app['base']}/jobs?filter=failed_to_export")
    hydrated(page)
    failed = row(page, "Harbor View Renovation")
    expect(failed.locator(".qb-error")).to_contain_text("already in use")
    expect(failed.locator(".qb-error")).to_contain_text("QuickBooks status 3100")

    failed.get_by_role("button", name="Retry").click()
    picker = failed.get_by_label("QuickBooks Customer")
    expect(picker).to_have_text(re.compile("Bayside Properties"))  # the customer it failed under
    picker.click()
    failed.get_by_label("Search QuickBooks customers").fill("granite")
    failed.get_by_role("option", name="Granite Holdings", exact=True).click()
    page.locator("#export").click()
    expect(row(page, "Harbor View Renovation")).to_have_count(0, timeout=15_000)
    filter_tab(page, "synced").click()
    expect(row(page, "Harbor View Renovation")).to_contain_text(
        "Granite Holdings:Harbor View Renovation"
    )


def test_reject_with_comment_leaves_the_list_and_queues_the_email(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    reject(page, "City Hall Roof", "<b>Fix</b> the project number")
    expect(row(page, "City Hall Roof")).to_have_count(0)
    expect(page.locator("#notice")).to_contain_text("City Hall Roof")
    with unit_of_work() as s:
        email = s.exec(
            select(Email).where(
                Email.subject == "ERP Project Rejection Notification: City Hall Roof"
            )
        ).one()
    assert email.subject == "ERP Project Rejection Notification: City Hall Roof"
    assert "<b>Fix</b> the project number" in email.body
    assert "admin@example.com" in email.to_addrs and "approver@example.com" in email.to_addrs
    page.goto(f"{app['base']}/outbox")
    hydrated(page)
    shown = page.locator('tr[data-subject="ERP Project Rejection Notification: City Hall Roof"]')
    expect(shown).to_contain_text("not sent (no mail server configured)")  # readable here


def test_markup_in_data_is_shown_as_text(app, app_db, new_page):
    with unit_of_work() as s:
        actor = auth.actor_of(s.exec(select(User).where(User.email == "admin@example.com")).one())
    pid = projects.add_project(
        actor, name="<img src=x onerror=alert(1)>", number="X-1", street="1 Main St", city="Boise"
    )
    projects.send_to_erp(actor, pid)
    page = new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, app["base"], "approver@example.com")
    page.fill("#search", "onerror")
    expect(page.locator("#jobs-table")).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("#jobs-table img").count() == 0 and dialogs == []


def test_viewer_sees_no_action_controls(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    expect(page.locator("#user-role")).to_have_text("Viewer")
    expect(row(page, "Cedar Ridge Gym")).to_be_visible()
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)
    expect(page.locator("#export")).to_have_count(0)


def test_second_browser_sees_counts_and_rows_change_without_reload(app, new_page):
    approver, manager = new_page(), new_page()
    sign_in(approver, app["base"], "approver@example.com")
    sign_in(manager, app["base"], "manager@example.com")
    before = int(count(manager, "ready_to_export").inner_text())
    expect(row(manager, "Delta Truck Wash")).to_be_visible()
    reject(approver, "Delta Truck Wash")
    expect(count(manager, "ready_to_export")).to_have_text(str(before - 1), timeout=5_000)
    expect(row(manager, "Delta Truck Wash")).to_have_count(0, timeout=5_000)


def test_filter_lives_in_the_url_and_survives_reload(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    page.goto(f"{app['base']}/jobs?filter=archived")
    hydrated(page)
    expect(filter_tab(page, "archived")).to_have_attribute("aria-selected", "true")
    page.reload()
    hydrated(page)
    expect(filter_tab(page, "archived")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#jobs-table")).to_contain_text("Granite Holdings:Old Vault")
    page.goto(f"{app['base']}/jobs?filter=ready_to_update")
    expect(page.locator("#empty-list")).to_have_text("This list is empty.")


def test_wrong_password_is_refused_without_a_hint_and_pages_need_a_session(app, new_page):
    page = new_page()
    page.goto(f"{app['base']}/jobs?filter=synced")
    page.wait_for_url(re.compile(r"/login\?next=%2Fjobs%3Ffilter%3Dsynced$"))  # back there after
    hydrated(page)
    page.fill("#email", "approver@example.com")
    page.fill("#password", "wrong-password")
    page.click("#sign-in")
    expect(page.locator("#login-error")).to_have_text("Email or password is incorrect.")


def test_log_out_ends_the_session(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    page.locator("#logout").click()
    page.wait_for_url("**/login")
    page.goto(f"{app['base']}/jobs")
    page.wait_for_url(re.compile(r"/login\?next=%2Fjobs$"))


def test_second_approver_is_told_when_someone_else_acted_first(app, new_page):
    first, second = new_page(), new_page()
    sign_in(first, app["base"], "approver@example.com")
    sign_in(second, app["base"], "approver@example.com")
    choose_customer(second, "Oakmont Library", "Oakmont", "Oakmont University")
    reject(first, "Oakmont Library")
    expect(second.locator("#notice")).to_contain_text(
        "Someone else acted first; your decision was cleared for: Oakmont Library", timeout=5_000
    )
    expect(row(second, "Oakmont Library")).to_have_count(0)
    expect(second.locator("#export")).to_be_disabled()


def test_import_and_archive_quickbooks_jobs(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    synced = int(count(page, "synced").inner_text())
    filter_tab(page, "ready_to_import").click()
    page.wait_for_url("**/jobs?filter=ready_to_import")
    row(page, "Science Annex").get_by_role("button", name="Import").click()
    expect(row(page, "Science Annex")).to_have_count(0)
    expect(count(page, "synced")).to_have_text(str(synced + 1))
    row(page, "Lobby Refresh").get_by_role("button", name="Archive").click()
    expect(row(page, "Lobby Refresh")).to_have_count(0)
    filter_tab(page, "archived").click()
    expect(row(page, "Lobby Refresh")).to_be_visible()
    filter_tab(page, "ready_to_import").click()
    linking = row(page, "Fleet Garage")
    linking.get_by_role("button", name="Link…").click()
    linking.get_by_label("Project number to link").fill("P-1028")  # Evergreen Lab, never sent
    linking.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("now linked to project “Evergreen Lab”")
    filter_tab(page, "synced").click()
    expect(row(page, "Science Annex")).to_contain_text("Oakmont University:Science Annex")
    expect(row(page, "Evergreen Lab")).to_contain_text("Delta Logistics:Fleet Garage")


def test_approver_downloads_the_web_connector_file(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    with page.expect_download() as download:
        page.locator("#qwc-download").click()
    text = download.value.path().read_text()
    assert f"<AppURL>{app['base']}/qbwc</AppURL>" in text
    viewer = new_page()
    sign_in(viewer, app["base"], "manager@example.com")
    expect(viewer.locator("#qwc-download")).to_have_count(0)


def test_project_changes_are_updated_in_quickbooks(app, app_db, new_page):
    with unit_of_work() as s:
        admin = s.exec(select(User).where(User.email == "admin@example.com")).one()
        project = s.exec(select(Project).where(Project.name == "Bayside Marina")).one()
    actor = auth.actor_of(admin)
    projects.update_project(actor, project.id, description="Marina with fuel dock")
    projects.send_to_erp(actor, project.id)
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    filter_tab(page, "ready_to_update").click()
    page.wait_for_url("**/jobs?filter=ready_to_update")
    r = row(page, "Bayside Marina")
    expect(r.locator(".changes")).to_contain_text("description:")
    expect(r.locator(".changes")).to_contain_text("→ Marina with fuel dock")
    r.get_by_role("button", name="Update").click()
    expect(row(page, "Bayside Marina")).to_have_count(0, timeout=15_000)
    expect(page.locator("#notice")).to_contain_text("“Bayside Marina” is in QuickBooks as")


def test_a_customer_search_keystroke_changes_only_the_pickers_state(app, app_db):
    """The picker is a state of its own: the update a keystroke brings is its own few vars,
    never the Jobs page (with Redis, only they are written)."""
    jobs, picker = JobsState.get_full_name(), CustomerPickerState.get_full_name()
    with unit_of_work() as s:
        row_id = s.exec(
            select(Project.id).where(Project.erp_state == "ready_to_export").order_by(Project.name)
        ).first()

    async def search_as_the_approver() -> dict:
        tab = ReflexSocket(app["base"], auth.sign_in("approver@example.com", "demo-password"))
        await tab.connect("/jobs?filter=ready_to_export")
        while not any(
            "rows_rx_state_" in u.get("delta", {}).get(jobs, {}) for u in await tab.settle()
        ):
            pass  # until on_load has shown the rows
        await tab.emit(f"{jobs}.decide", {"row_id": row_id, "decision": "accept"})
        await tab.emit(f"{picker}.open_for_row", {"row_id": row_id})
        await tab.settle()
        await tab.emit(f"{picker}.search", {"text": "bay"})
        async with asyncio.timeout(30):  # the picker's events need not wait for the marker's
            while True:
                delta = (await tab.inbox.get()).get("delta") or {}
                if delta.get(picker, {}).get("query_rx_state_") == "bay":
                    await tab.close()
                    return delta

    with ThreadPoolExecutor(1) as pool:  # Playwright's own event loop runs in this thread
        searched = pool.submit(asyncio.run, search_as_the_approver()).result()
    assert set(searched) == {picker}
    found = [option["full_name"] for option in searched[picker]["options_rx_state_"]]
    assert found and all("bay" in name.lower() for name in found), found
