"""The Jobs tab with the keyboard only, from a link, and on a 390×844 phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Customer, Email
from tests.e2e.harness import count, filter_tab, hydrated, reject, row, sign_in

PHONE = {"width": 390, "height": 844}


def _focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement?.id || ''")


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"page is {width}px wide"


def test_filters_are_tabs_that_arrow_keys_move_between(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    tabs = page.get_by_role("tablist", name="Filters")
    expect(tabs.get_by_role("tab")).to_have_count(6)
    selected = filter_tab(page, "ready_to_export")
    expect(selected).to_have_attribute("aria-selected", "true")
    expect(selected).to_contain_text(count(page, "ready_to_export").inner_text())
    selected.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/jobs?filter=ready_to_update")
    expect(filter_tab(page, "ready_to_update")).to_have_attribute("aria-selected", "true")
    expect(filter_tab(page, "ready_to_update")).to_be_focused()
    expect(page.get_by_role("tabpanel")).to_contain_text("This list is empty.")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**/jobs?filter=ready_to_import")
    expect(row(page, "Science Annex")).to_be_visible()


def test_approve_with_the_keyboard_only(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    r = row(page, "Cedar Ridge Gym")
    r.get_by_role("button", name="Accept").focus()
    page.keyboard.press("Enter")
    expect(r.get_by_role("button", name="Accept")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")  # Reject
    page.keyboard.press("Tab")  # the customer picker
    expect(r.get_by_label("QuickBooks Customer")).to_be_focused()
    page.keyboard.press("Enter")
    combo = r.get_by_role("combobox", name="Search QuickBooks customers")
    expect(combo).to_be_focused()
    page.keyboard.type("o")
    expect(r.get_by_role("option", name="Oakmont University")).to_be_visible()
    assert r.get_by_role("option").count() > 8  # every customer with an "o", not the first 8
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = r.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(combo).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps to the last
    expect(r.get_by_role("option").last).to_have_attribute("aria-selected", "true")
    page.keyboard.type("akmont")
    expect(r.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")  # the only match
    expect(r.get_by_label("QuickBooks Customer: Oakmont University")).to_be_visible()
    export = page.locator("#export")
    expect(export).to_be_enabled()
    expect(export).to_be_focused()  # the next useful control

    other = row(page, "Delta Warehouse 4")
    other.get_by_role("button", name="Accept").click()
    other.get_by_label("QuickBooks Customer").click()
    expect(other.get_by_role("combobox")).to_be_focused()
    page.keyboard.press("Escape")
    expect(other.get_by_role("combobox")).to_have_count(0)
    expect(other.get_by_label("QuickBooks Customer")).to_be_focused()  # back to the row
    other.get_by_role("button", name="Accept").click()  # a second click clears the decision
    expect(other.get_by_role("button", name="Accept")).to_have_attribute("aria-pressed", "false")
    expect(other.get_by_label("QuickBooks Customer")).to_have_count(0)

    export.focus()
    page.keyboard.press("Enter")
    expect(row(page, "Cedar Ridge Gym")).to_have_count(0, timeout=15_000)
    expect(page.locator("#notice")).to_contain_text("“Cedar Ridge Gym” is in QuickBooks")


def test_more_customers_than_shown_say_keep_typing(app, app_db, new_page):
    with unit_of_work() as s:
        for n in range(25):
            s.add(Customer(list_id=f"E2E-{n:02}", full_name=f"Quarry Partners {n:02}"))
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    r = row(page, "Delta Truck Wash")
    r.get_by_role("button", name="Accept").click()
    r.get_by_label("QuickBooks Customer").click()
    r.get_by_role("combobox").fill("quarry")
    expect(r.get_by_role("option")).to_have_count(20)
    expect(r.get_by_text("More customers match: keep typing")).to_be_visible()
    r.get_by_role("combobox").fill("quarry partners 24")
    expect(r.get_by_role("option")).to_have_count(1)
    expect(r.get_by_text("More customers match: keep typing")).to_have_count(0)


def test_reject_dialog_traps_focus_cancels_and_submits_with_ctrl_enter(app, app_db, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    r = row(page, "Evergreen Clinic Wing")
    trigger = r.get_by_role("button", name="Reject")
    trigger.click()
    dialog = page.get_by_role("dialog", name="Reject “Evergreen Clinic Wing”")
    expect(dialog).to_contain_text("P-1004")
    comment = dialog.get_by_label("Enter a Comment (Optional)")
    expect(comment).to_be_focused()
    for _ in range(4):  # Cancel, Reject, and round again: focus stays inside
        page.keyboard.press("Tab")
        assert dialog.evaluate("(d) => d.contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(trigger).to_be_focused()
    expect(row(page, "Evergreen Clinic Wing")).to_be_visible()

    page.keyboard.press("Enter")
    expect(comment).to_be_focused()
    page.keyboard.type("Address is missing the suite")
    page.keyboard.press("Control+Enter")
    expect(dialog).to_have_count(0)
    expect(row(page, "Evergreen Clinic Wing")).to_have_count(0)
    with unit_of_work() as s:
        email = s.exec(
            select(Email).where(
                Email.subject == "ERP Project Rejection Notification: Evergreen Clinic Wing"
            )
        ).one()
    assert "Address is missing the suite" in email.body


def test_the_view_lives_in_the_address(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    page.fill("#search", "harbor")
    page.wait_for_url(re.compile(r"search=harbor"))
    page.locator("#sort-sent").click()
    page.wait_for_url(re.compile(r"sort=sent&desc=0"))
    page.locator("#sort-sent").click()
    page.wait_for_url(re.compile(r"sort=sent&desc=1"))
    names = page.locator("#jobs-table tbody tr").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.project)"
    )
    assert names and all("Harbor" in n for n in names)
    shown = page.url

    page.reload()
    hydrated(page)
    expect(page.locator("#search")).to_have_value("harbor")
    expect(page.locator("#sort-sent").locator("..")).to_have_attribute("aria-sort", "descending")
    assert (
        page.locator("#jobs-table tbody tr").evaluate_all(
            "(rows) => rows.map((r) => r.dataset.project)"
        )
        == names
    )

    page.locator("#nav-projects").click()
    page.wait_for_url("**/projects**")
    page.go_back()
    page.wait_for_url(shown)
    hydrated(page)
    expect(page.locator("#search")).to_have_value("harbor")

    shared = new_page()
    sign_in(shared, app["base"], "approver@example.com")
    shared.goto(shown)
    hydrated(shared)
    expect(shared.locator("#search")).to_have_value("harbor")
    expect(shared.locator("#jobs-table tbody tr")).to_have_count(len(names))

    shared.goto(f"{app['base']}/jobs?filter=synced&page=abc&size=30")
    hydrated(shared)
    expect(shared.locator("#notice")).to_contain_text("page must be a whole number")
    expect(filter_tab(shared, "synced")).to_have_attribute("aria-selected", "true")
    expect(shared.locator("#jobs-table")).to_be_visible()


def test_rows_per_page_is_a_labelled_select_kept_in_the_address(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    size = page.get_by_label("Rows per page")
    expect(size).to_have_value("25")
    size.focus()
    page.keyboard.press("ArrowUp")  # a native select: the keyboard changes it in place
    page.wait_for_url(re.compile(r"size=10"))
    expect(page.locator("#jobs-table tbody tr")).to_have_count(10)
    expect(page.locator("#jobs-page")).to_contain_text("Page 1 of 2")
    page.reload()
    hydrated(page)
    expect(page.get_by_label("Rows per page")).to_have_value("10")
    expect(page.locator("#jobs-table tbody tr")).to_have_count(10)


def test_phone_approval_loop(app, app_db, browser):
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    try:
        sign_in(page, app["base"], "approver@example.com")
        _no_sideways_scroll(page)
        card = row(page, "Juniper Hotel Spa")
        card.scroll_into_view_if_needed()
        assert card.evaluate("(r) => getComputedStyle(r).display") == "block"  # a card
        card.get_by_role("button", name="Accept").tap()
        card.get_by_label("QuickBooks Customer").tap()
        card.get_by_role("combobox").fill("juniper")
        card.get_by_role("option", name="Juniper Hotels").tap()
        _no_sideways_scroll(page)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        export = page.locator("#export")
        expect(export).to_be_in_viewport()  # sticks while the cards scroll
        export.tap()
        expect(row(page, "Juniper Hotel Spa")).to_have_count(0, timeout=15_000)

        reject(page, "Lakeshore Chapel", "Wrong customer on the contract")
        expect(row(page, "Lakeshore Chapel")).to_have_count(0)
        tabs = page.get_by_role("tablist", name="Filters")
        assert tabs.evaluate("(t) => t.scrollWidth > t.clientWidth")  # scrolls within itself
        page.goto(f"{app['base']}/jobs?filter=archived")
        hydrated(page)
        expect(filter_tab(page, "archived")).to_be_in_viewport()  # scrolled into sight
        _no_sideways_scroll(page)
    finally:
        ctx.close()
