"""The managers' overview in a real Chromium: the Viewer's start page, live cards, the
period in the address, and the way from a failure reason to its projects."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlmodel import select

from erp_dashboard.db import read_only
from erp_dashboard.models import Customer, Project
from erp_dashboard.services import auth, jobs
from tests.e2e.harness import hydrated, sign_in, submit_sign_in

LIVE_MS = 2_000
QUICKBOOKS_MS = 20_000  # an export's answer waits for the next Web Connector session
MANAGER = "manager@example.com"


def card(page: Page, key: str):
    return page.locator(f'[data-card="{key}"] .card-value')


def value(page: Page, key: str) -> int:
    expect(card(page, key)).to_have_text(re.compile(r"^\d+$"))
    return int(card(page, key).inner_text())


def open_overview(page: Page, base: str, query: str = "") -> None:
    page.goto(f"{base}/overview{query}")
    hydrated(page)
    expect(page.locator("#overview-cards")).to_be_visible()


def ready_to_export(name_like: str = "") -> list[Project]:
    with read_only() as s:
        return list(
            s.exec(
                select(Project)
                .where(Project.erp_state == "ready_to_export", Project.name.contains(name_like))
                .order_by(Project.name)
            ).all()
        )


def test_a_manager_lands_on_the_overview_and_sees_decisions_live(app, app_db, new_page):
    page = new_page()
    page.goto(f"{app['base']}/login")
    submit_sign_in(page, MANAGER)
    page.wait_for_url(f"{app['base']}/overview")
    expect(page.locator("#nav-overview")).to_have_attribute("aria-current", "page")
    rejected, waiting = value(page, "rejected"), value(page, "ready_to_export")
    synced = value(page, "synced")

    approver = auth.actor_for(auth.sign_in("approver@example.com", "demo-password"))
    first, second = ready_to_export()[:2]
    jobs.reject(approver, first.id, first.erp_version, "Wrong address")
    expect(card(page, "rejected")).to_have_text(str(rejected + 1), timeout=LIVE_MS)
    expect(card(page, "ready_to_export")).to_have_text(str(waiting - 1), timeout=LIVE_MS)
    decided = page.locator("#approver-table tr", has_text="Avery Approver")
    expect(decided).to_be_visible(timeout=LIVE_MS)

    with read_only() as s:
        list_id = s.exec(select(Customer.list_id).where(Customer.is_active)).first()
    [outcome] = jobs.export_projects(
        approver, [jobs.ExportChoice(second.id, second.erp_version, list_id)]
    )
    assert outcome.ok, outcome.message
    expect(card(page, "synced")).to_have_text(str(synced + 1), timeout=QUICKBOOKS_MS)

    for way_in in (page.reload, lambda: open_overview(page, app["base"], "?range=today")):
        way_in()
        hydrated(page)
        rejected = value(page, "rejected")
        third = ready_to_export()[0]
        jobs.reject(approver, third.id, third.erp_version, "")
        expect(card(page, "rejected")).to_have_text(str(rejected + 1), timeout=LIVE_MS)


def test_the_period_lives_in_the_address(app, new_page):
    page = new_page()
    sign_in(page, app["base"], MANAGER)
    open_overview(page, app["base"], "?range=7d")
    expect(page.locator('[data-range="7d"]')).to_have_attribute("aria-current", "true")
    expect(page.locator("#daily-table tbody tr")).to_have_count(7)
    page.reload()
    hydrated(page)
    expect(page.locator('[data-range="7d"]')).to_have_attribute("aria-current", "true")

    page.locator('[data-range="90d"]').click()
    page.wait_for_url(re.compile(r"/overview/?\?range=90d$"))
    expect(page.locator("#trend-heading")).to_have_text("Synced, failed and rejected per week")
    page.go_back()
    page.wait_for_url(re.compile(r"/overview/?\?range=7d$"))
    expect(page.locator("#trend-heading")).to_have_text("Synced, failed and rejected per day")

    page.fill("#range-from", "2026-01-05")
    page.fill("#range-to", "2026-01-07")
    page.locator("#range-apply").click()
    page.wait_for_url(re.compile(r"from=2026-01-05&to=2026-01-07$"))
    expect(page.locator("#period-label")).to_contain_text("2026-01-05 to 2026-01-07")
    expect(page.locator("#daily-table tbody tr")).to_have_count(3)


def test_a_bad_period_is_named_and_the_default_shown(app, new_page):
    page = new_page()
    sign_in(page, app["base"], MANAGER)
    open_overview(page, app["base"], "?from=2026-02-30")
    expect(page.locator("#notice")).to_contain_text("from must be a date")
    expect(page.locator('[data-range="30d"]')).to_have_attribute("aria-current", "true")

    page.fill("#range-from", "2026-03-02")
    page.fill("#range-to", "2026-03-01")
    page.locator("#range-apply").click()
    expect(page.locator("#notice")).to_contain_text("must not be after its end")


def test_a_failure_reason_leads_to_its_projects_and_back_to_all(app, new_page):
    page = new_page()
    sign_in(page, app["base"], MANAGER)
    open_overview(page, app["base"])
    reason = page.locator("#failure-table tbody tr", has_text="3100")
    expect(reason).to_be_visible(timeout=QUICKBOOKS_MS)  # the demo's refused exports
    reason.get_by_role("link", name="Affected projects").click()
    page.wait_for_url(re.compile(r"/jobs/?\?filter=failed_to_export&code=3100$"))
    hydrated(page)
    expect(page.locator("#code-filter")).to_have_text(re.compile("Only QuickBooks status 3100"))
    rows = page.locator("#jobs-table tbody tr")
    expect(rows.first).to_be_visible()
    for text in rows.all_inner_texts():
        assert "3100" in text
    page.locator("#show-every-code").click()
    expect(page.locator("#code-filter")).to_have_count(0)
    page.wait_for_url(re.compile(r"/jobs/?\?filter=failed_to_export$"))
