"""The whole loop across two people: the admin sends, the approver rejects, the admin
fixes and re-sends, the approver exports (a real Chromium against the running app)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.harness import choose_customer, count, hydrated, row, sign_in


def open_projects(page, base: str, search: str = "") -> None:
    page.goto(f"{base}/projects")
    hydrated(page)
    expect(page.locator("#projects-table")).to_be_visible()
    if search:
        page.get_by_label("Search projects").fill(search)
        expect(page.locator("#projects-table tbody tr").first).to_contain_text(search)


def test_send_reject_fix_resend_export(app, new_page):
    admin, approver = new_page(), new_page()
    sign_in(admin, app["base"], "admin@example.com")
    sign_in(approver, app["base"], "approver@example.com")
    waiting = int(count(approver, "ready_to_export").inner_text())

    open_projects(admin, app["base"])
    admin.locator("#new-project").click()
    admin.fill("#name", "Pier 9 Warehouse")
    admin.fill("#number", "P-9009")
    admin.fill("#street", "9 Pier Rd")
    admin.fill("#city", "Seattle")
    admin.locator("#save-project").click()
    expect(admin.locator("#projects-notice")).to_contain_text("was added")
    admin.get_by_label("Search projects").fill("Pier 9")
    row(admin, "Pier 9 Warehouse").get_by_role("button", name="Send to ERP").click()
    expect(row(admin, "Pier 9 Warehouse")).to_contain_text("Waiting for an approver")

    expect(count(approver, "ready_to_export")).to_have_text(str(waiting + 1), timeout=5_000)
    r = row(approver, "Pier 9 Warehouse")
    r.get_by_role("button", name="Reject").click()
    r.get_by_label("Enter a Comment (Optional)").fill("Use the contract name: Pier 9 Cold Store")
    r.locator("button[id^=reject-]").click()
    expect(row(approver, "Pier 9 Warehouse")).to_have_count(0)

    open_projects(admin, app["base"], "Pier 9")
    rejected = row(admin, "Pier 9 Warehouse")
    expect(rejected.locator(".rejection")).to_contain_text("Pier 9 Cold Store")
    rejected.get_by_role("button", name="Edit").click()
    admin.fill("#name", "Pier 9 Cold Store")
    admin.locator("#save-project").click()
    expect(admin.locator("#projects-notice")).to_contain_text("saved")
    row(admin, "Pier 9 Cold Store").get_by_role("button", name="Re-send to ERP").click()
    expect(row(admin, "Pier 9 Cold Store")).to_contain_text("Waiting for an approver")

    choose_customer(approver, "Pier 9 Cold Store", "Harbor", "Harbor City Council")
    approver.locator("#export").click()
    expect(approver.locator("#notice")).to_contain_text(
        "is in QuickBooks as Harbor City Council:Pier 9 Cold Store", timeout=15_000
    )
    open_projects(admin, app["base"], "Pier 9")
    expect(row(admin, "Pier 9 Cold Store")).to_contain_text(re.compile("Synced"))


def test_locked_while_waiting_and_retrieve(app, new_page):
    admin = new_page()
    sign_in(admin, app["base"], "admin@example.com")
    open_projects(admin, app["base"])
    waiting = row(admin, "Granite Tower Lobby")
    waiting.get_by_role("button", name="Edit").click()
    expect(admin.locator("#name")).to_be_disabled()
    expect(admin.locator("#number")).to_be_enabled()
    waiting.get_by_role("button", name="Retrieve from ERP").click()
    expect(admin.locator("#projects-notice")).to_contain_text("retrieved")
    row(admin, "Granite Tower Lobby").get_by_role("button", name="Edit").click()
    expect(admin.locator("#name")).to_be_enabled()


def test_bad_input_is_refused_with_a_message(app, new_page):
    admin = new_page()
    sign_in(admin, app["base"], "admin@example.com")
    open_projects(admin, app["base"])
    admin.locator("#new-project").click()
    admin.fill("#name", "Café ☕ Annex")
    admin.fill("#number", "P-1001")  # taken by a demo project
    admin.fill("#street", "1, Main St")
    admin.locator("#save-project").click()
    expect(admin.locator("#form-error")).to_contain_text("P-1001")
    admin.fill("#number", "P-7777")
    admin.locator("#save-project").click()
    expect(admin.locator("#form-error")).to_contain_text("QuickBooks cannot store")
    expect(admin.locator("#form-error")).to_contain_text("comma")


def test_company_admin_deactivates_a_user_whose_session_ends_at_once(app, new_page):
    admin, manager = new_page(), new_page()
    sign_in(manager, app["base"], "manager@example.com")
    sign_in(admin, app["base"], "admin@example.com")
    admin.goto(f"{app['base']}/people")
    hydrated(admin)
    person = admin.locator('tr[data-person="manager@example.com"]')
    person.get_by_role("button", name="Deactivate").click()
    expect(admin.locator("#people-notice")).to_contain_text("deactivated")
    manager.locator("#filter-synced").click()
    manager.wait_for_url(re.compile(r"/login/?(\?next=.*)?$"))
    admin.fill("#email", "temp@example.com")
    admin.fill("#person_name", "Temp Worker")
    admin.fill("#password", "short")
    admin.locator("#add-person").click()
    expect(admin.locator("#people-notice")).to_contain_text("12 characters")
    admin.fill("#password", "a-long-first-password")
    admin.locator("#add-person").click()
    expect(admin.locator('tr[data-person="temp@example.com"]')).to_be_visible()


def test_people_page_is_for_company_admins_only(app, new_page):
    approver = new_page()
    sign_in(approver, app["base"], "approver@example.com")
    expect(approver.locator("#nav-people")).to_have_count(0)
    approver.goto(f"{app['base']}/people")
    hydrated(approver)
    expect(approver.locator("#people-not-allowed")).to_contain_text("not allowed to manage people")
    expect(approver.locator('tr[data-person="admin@example.com"]')).to_have_count(0)
