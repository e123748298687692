"""The whole loop across two people: the admin sends, the approver rejects, the admin
fixes and re-sends, the approver exports (a real Chromium against the running app)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.harness import (
    choose_customer,
    count,
    filter_tab,
    hydrated,
    reject,
    row,
    sign_in,
)

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
# What sticks out past the right edge (outside boxes that scroll on their own).
STICKING_OUT = """() => {
  const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement)
    if (getComputedStyle(a).overflowX !== 'visible') return a !== document.body; return false; };
  return [...document.querySelectorAll('body *')].filter(e =>
    e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e))
    .map(e => e.id || e.tagName); }"""


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
    reject(approver, "Pier 9 Warehouse", "Use the contract name: Pier 9 Cold Store")
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
    expect(admin.locator("#name")).to_be_focused()  # the form takes the focus when it opens
    admin.fill("#name", "Café ☕ Annex")
    admin.fill("#number", "P-1001")  # taken by a demo project
    admin.fill("#street", "1, Main St")
    admin.locator("#save-project").click()
    expect(admin.locator("#name-error")).to_contain_text("QuickBooks cannot store")
    expect(admin.locator("#number-error")).to_contain_text("already has number P-1001")
    expect(admin.locator("#form-error")).to_contain_text("comma")
    expect(admin.locator("#name")).to_be_focused()  # the first field in error
    expect(admin.locator("#name")).to_have_attribute("aria-invalid", "true")
    admin.fill("#name", "Annex")
    admin.fill("#number", "P-7777")
    admin.fill("#street", "1 Main St")
    admin.fill("#start_date", "2026-06-02")
    admin.fill("#projected_end_date", "2026-06-01")
    admin.locator("#save-project").click()
    expect(admin.locator("#projected_end_date-error")).to_have_text(
        "The projected end (2026-06-01) is before the start (2026-06-02)."
    )
    expect(admin.locator("#projected_end_date")).to_be_focused()
    expect(admin.locator("#name-error")).to_have_text("")
    expect(admin.locator("#projects-notice")).to_have_count(0)  # nothing was saved


def test_counters_and_too_long_input_is_refused_not_cut(app, new_page):
    admin = new_page()
    sign_in(admin, app["base"], "admin@example.com")
    open_projects(admin, app["base"])
    admin.locator("#new-project").click()
    expect(admin.locator("#name-count")).to_have_text("0 / 41")
    admin.locator("#name").press_sequentially("Harbor")
    expect(admin.locator("#name-count")).to_have_text("6 / 41")
    long_name = "Harbor View Renovation, East Wing Phase 2B"  # 42 characters
    admin.fill("#name", long_name)  # as a paste does
    expect(admin.locator("#name-count")).to_have_text("42 / 41 (1 too many)")
    expect(admin.locator("#name-count")).to_have_css("color", "rgb(206, 44, 49)")
    assert admin.input_value("#name") == long_name  # the browser kept every character
    admin.fill("#number", "P-4242")
    admin.locator("#save-project").click()
    expect(admin.locator("#name-error")).to_have_text(
        "Name is 42 characters long; QuickBooks allows at most 41."
    )
    expect(admin.locator("#name")).to_be_focused()
    admin.locator("#name").press("Backspace")
    expect(admin.locator("#name-count")).to_have_text("41 / 41")
    expect(admin.locator("#name-count")).not_to_have_css("color", "rgb(206, 44, 49)")


def test_send_without_an_address_says_what_is_missing_on_the_form(app, new_page):
    admin = new_page()
    sign_in(admin, app["base"], "admin@example.com")
    open_projects(admin, app["base"])
    admin.locator("#new-project").click()
    admin.fill("#name", "Bare Lot")
    admin.fill("#number", "P-8080")
    admin.locator("#save-project").click()
    expect(admin.locator("#projects-notice")).to_contain_text("was added")
    admin.get_by_label("Search projects").fill("Bare Lot")
    row(admin, "Bare Lot").get_by_role("button", name="Send to ERP").click()
    expect(admin.locator("#projects-notice")).to_have_text(
        "“Bare Lot” cannot be sent to ERP: its street and city are missing."
    )
    expect(admin.locator("#street-error")).to_have_text(
        "The street is required to send the project to ERP."
    )
    expect(admin.locator("#city-error")).to_contain_text("city is required")
    expect(admin.locator("#street")).to_be_focused()
    expect(row(admin, "Bare Lot")).to_contain_text("Not sent")


def test_an_email_link_opens_the_project_it_names(app, new_page):
    admin = new_page()
    sign_in(admin, app["base"], "admin@example.com")
    admin.goto(f"{app['base']}/projects?search=P-1001")
    hydrated(admin)
    expect(admin.get_by_label("Search projects")).to_have_value("P-1001")
    expect(admin.locator("#projects-table tbody tr")).to_have_count(1)
    expect(row(admin, "Harbor View Renovation")).to_contain_text("P-1001")
    for bad in ("P-0000", "%3Cscript%3E", "x" * 101):
        admin.goto(f"{app['base']}/projects?search={bad}")
        hydrated(admin)
        expect(admin.locator("#projects-table tbody tr")).to_have_count(0)
        if len(bad) > 100:
            expect(admin.locator("#projects-notice")).to_have_text(
                "Search for at most 100 characters."
            )
        else:
            expect(admin.locator("#projects-empty")).to_contain_text("No project matches")
            expect(admin.locator("#projects-empty").get_by_role("link")).to_have_attribute(
                "href", "/projects"
            )


def test_a_failed_export_says_why_and_what_to_do(app, new_page):
    admin = new_page()
    sign_in(admin, app["base"], "admin@example.com")
    open_projects(admin, app["base"], "Juniper Rooftop Bar")  # QuickBooks refused it (3100)
    failed = row(admin, "Juniper Rooftop Bar")
    expect(failed.locator(".erp-status")).to_have_text("Failed To Export")
    reason = failed.locator(".failure")
    expect(reason).to_contain_text("(QuickBooks status 3100)")
    expect(reason).to_contain_text("Retry under another customer")
    expect(reason).to_contain_text("Retry is an Accounting Approver's action on the Jobs tab")
    expect(reason.get_by_role("link", name="Failed To Export")).to_have_attribute(
        "href", "/jobs?filter=failed_to_export"
    )
    dates = failed.locator("td").nth(1).locator("p").first
    assert dates.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"


def test_fits_a_phone_without_sideways_scrolling(app, browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        phone = ctx.new_page()
        sign_in(phone, app["base"], "admin@example.com")
        open_projects(phone, app["base"], "Lakeshore Daycare")
        expect(row(phone, "Lakeshore Daycare").locator(".failure")).to_be_visible()
        assert phone.evaluate(FITS), f"scrolls sideways: {phone.evaluate(STICKING_OUT)}"
        phone.locator("#new-project").click()
        expect(phone.locator("#name")).to_be_focused()
        assert phone.evaluate(FITS), f"the form scrolls sideways: {phone.evaluate(STICKING_OUT)}"
        state, zip_code = (phone.locator(f"#{f}").bounding_box() for f in ("state", "postal_code"))
        assert zip_code["y"] > state["y"] + state["height"]  # one column
    finally:
        ctx.close()


def test_company_admin_deactivates_a_user_whose_session_ends_at_once(app, new_page):
    admin, manager = new_page(), new_page()
    sign_in(manager, app["base"], "manager@example.com")
    sign_in(admin, app["base"], "admin@example.com")
    admin.goto(f"{app['base']}/people")
    hydrated(admin)
    person = admin.locator('tr[data-person="manager@example.com"]')
    person.get_by_role("button", name="Deactivate").click()
    expect(admin.locator("#people-notice")).to_contain_text("deactivated")
    filter_tab(manager, "synced").click()
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
