"""The result reaches the approver where they look: toasts over the page, advice on the row,
the Web Connector's health line (SQLite app with demo data)."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import User
from erp_dashboard.services import auth, projects
from erp_dashboard.simulator.quickbooks import add_customer
from tests.e2e.harness import choose_customer, hydrated, reject, row, sign_in


def send(name: str, number: str) -> None:
    """A new project sent to ERP by the demo Project Admin."""
    with unit_of_work() as s:
        admin = auth.actor_of(s.exec(select(User).where(User.email == "admin@example.com")).one())
    pid = projects.add_project(admin, name=name, number=number, street="9 Pier Rd", city="Tacoma")
    projects.send_to_erp(admin, pid)


def test_a_refusal_stays_on_screen_until_dismissed_and_says_what_to_do(app, app_db, new_page):
    with unit_of_work() as s:  # QuickBooks already has a job of that name under the customer
        add_customer(s, "Pier Lights", parent_full_name="Bayside Properties")
    send("Pier Lights", "T-901")
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    choose_customer(page, "Pier Lights", "Bayside", "Bayside Properties")
    page.locator("#export").click()

    toast = page.locator(".erp-toast-failed", has_text="QuickBooks refused “Pier Lights”")
    expect(toast).to_be_visible(timeout=15_000)
    expect(toast).to_have_attribute("role", "alert")
    expect(toast).to_contain_text("(QuickBooks status 3100)")
    expect(toast).to_contain_text("Retry under another customer")
    expect(toast.get_by_role("link", name="Open the list")).to_have_attribute(
        "href", "/jobs?filter=failed_to_export"
    )
    page.mouse.wheel(0, 5_000)
    expect(toast).to_be_in_viewport()  # fixed over the page, wherever it is scrolled
    page.wait_for_timeout(9_000)  # longer than a success toast lives
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)

    page.goto(f"{app['base']}/jobs?filter=failed_to_export")
    hydrated(page)
    expect(row(page, "Pier Lights").locator(".qb-advice")).to_contain_text(
        "Retry under another customer, or Reject it so the project admin can rename"
    )


def test_success_and_rejection_toasts_and_the_health_line(app, app_db, new_page):
    send("Dock Crane", "T-902")
    send("Net Shed", "T-903")
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    expect(page.locator("#wc-health")).to_contain_text("Web Connector last connected")
    choose_customer(page, "Dock Crane", "Granite", "Granite Holdings")
    page.locator("#export").click()
    toast = page.locator(".erp-toast-ok", has_text="“Dock Crane” is in QuickBooks")
    expect(toast).to_be_visible(timeout=15_000)
    expect(toast).to_contain_text("as Granite Holdings:Dock Crane.")
    expect(toast).to_have_attribute("role", "status")
    expect(page.locator("#health-summary")).to_have_text(re.compile(r"Last session: Exported \d"))
    expect(page.locator("#health-warning")).to_have_count(0)

    reject(page, "Net Shed")
    expect(page.locator(".erp-toast-ok", has_text="“Net Shed” was rejected")).to_be_visible()
    expect(toast).to_be_hidden(timeout=15_000)  # a success fades by itself
