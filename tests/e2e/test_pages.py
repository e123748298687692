"""The frame, sign-in, People and Outbox in a real browser: landmarks, return-to, access,
paging and a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from erp_dashboard.db import unit_of_work
from erp_dashboard.models import Email
from tests.e2e.harness import hydrated, sign_in, submit_sign_in

PHONE = {"width": 390, "height": 844}
VIEWER = "manager@example.com"
COMPANY_ADMIN = "admin@example.com"
SIGNED_IN_PAGES = {  # route: an element that shows the page's content has arrived
    "/overview": "#overview-cards",
    "/jobs?filter=ready_to_export": "#jobs-table",
    "/projects": "main h1",
    "/outbox": "#outbox-page",
    "/people": "#people-table",
}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_deep_link_returns_to_the_page_asked_for_after_sign_in(app, new_page):
    page = new_page()
    page.goto(f"{app['base']}/projects?search=Harbor")
    page.wait_for_url(re.compile(r"/login/?(\?next=%2Fprojects%3Fsearch%3DHarbor)?$"))
    expect(page.get_by_label("Email")).to_be_focused()
    submit_sign_in(page, COMPANY_ADMIN)
    page.wait_for_url(re.compile(r"/projects/?\?search=Harbor$"))
    expect(page.locator("main")).to_be_visible()
    expect(page.locator("#nav-projects")).to_have_attribute("aria-current", "page")


@pytest.mark.parametrize("evil", ["//evil.com", "https://evil.com/jobs", "/\\evil.com"])
def test_sign_in_never_leaves_the_site(app, new_page, evil):
    page = new_page()
    page.goto(f"{app['base']}/login?next={evil}")
    submit_sign_in(page, VIEWER)
    page.wait_for_url(f"{app['base']}/overview")  # a Viewer's start page
    expect(page.locator("#overview-cards")).to_be_visible()


def test_pages_and_endpoints_carry_the_security_headers(app, new_page):
    page = new_page()
    for path in ("/login", "/jobs", "/keys.js", "/qbwc?wsdl", "/api/v1/summary"):
        reply = page.request.get(f"{app['base']}{path}")
        assert reply.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"], path
        assert reply.headers["x-content-type-options"] == "nosniff", path
        assert reply.headers["referrer-policy"] == "same-origin", path


def test_a_page_comes_in_one_request_and_its_scripts_from_the_cache_after(app, new_page):
    """No slash redirect before the page, and a second visit asks the server for the page
    alone: every hashed script and style comes from the browser's cache."""
    page = new_page()
    sign_in(page, app["base"], "approver@example.com")
    answers = []
    page.on("response", lambda reply: answers.append((reply.url, reply.status)))
    for _visit in range(2):
        answers.clear()
        page.goto(f"{app['base']}/jobs?filter=synced")
        expect(page.locator("tr[data-project]").first).to_be_visible()
        page.wait_for_load_state("networkidle")  # every chunk the page asks for has come
        assert [status for url, status in answers if "/jobs" in url] == [200]
    assets = page.evaluate(
        "performance.getEntriesByType('resource').filter((r) => r.name.includes('/assets/'))"
        ".map((r) => r.transferSize)"
    )
    assert len(assets) >= 10 and set(assets) == {0}, assets


def test_a_wrong_password_is_announced(app, new_page):
    page = new_page()
    page.goto(f"{app['base']}/login")
    submit_sign_in(page, VIEWER, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("incorrect")
    expect(page).to_have_url(re.compile(r"/login/?$"))


def test_a_viewer_is_told_they_may_not_manage_people(app, new_page):
    page = new_page()
    sign_in(page, app["base"], VIEWER)
    page.goto(f"{app['base']}/people")
    hydrated(page)
    expect(page.locator("#people-not-allowed")).to_have_text(
        re.compile("You are not allowed to manage people")
    )
    expect(page.locator("#people-table")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.locator("#nav-people")).to_have_count(0)


def test_company_admins_see_roles_by_their_labels(app, new_page):
    page = new_page()
    sign_in(page, app["base"], COMPANY_ADMIN)
    page.locator("#nav-people").click()
    page.wait_for_url("**/people")
    viewer = page.get_by_role("combobox", name="Role for Morgan Manager")
    expect(viewer).to_have_text("Viewer")
    expect(page.get_by_role("button", name="Deactivate Morgan Manager")).to_be_visible()
    expect(page.get_by_label("Role", exact=True)).to_have_text("Viewer")
    expect(page.locator("main")).not_to_contain_text(re.compile("project_admin|viewer\\b"))
    expect(page.locator("#nav-people")).to_have_attribute("aria-current", "page")


def test_a_company_admin_switches_separate_duties_and_sees_it_recorded(app, new_page):
    page = new_page()
    sign_in(page, app["base"], COMPANY_ADMIN)
    page.goto(f"{app['base']}/people")
    hydrated(page)
    duties = page.get_by_role("switch", name=re.compile("Separate duties"))
    expect(duties).to_be_checked()
    duties.click()
    expect(page.locator("#people-notice")).to_contain_text("Separate duties is off")
    expect(duties).not_to_be_checked()
    latest = page.locator("#people-changes li").first
    expect(latest).to_contain_text("Separate duties turned off")
    expect(latest).to_contain_text("by Pat Admin")
    duties.click()
    expect(page.locator("#people-changes li").first).to_contain_text("Separate duties turned on")
    expect(duties).to_be_checked()


def test_the_outbox_pages_its_emails_and_says_why_they_are_not_sent(app, app_db, new_page):
    with unit_of_work() as s:
        s.add_all(
            Email(to_addrs="pat@example.com", subject=f"Paging {n:02}", body="Hello.")
            for n in range(30)
        )
    page = new_page()
    sign_in(page, app["base"], VIEWER)
    page.locator("#nav-outbox").click()
    pager = page.locator("#outbox-page")
    expect(pager).to_have_text(re.compile(r"^Page 1 of [2-9]"))
    expect(page.locator("#outbox-table tbody tr")).to_have_count(25)
    expect(page.locator("#outbox-previous")).to_be_disabled()
    newest = page.locator('tr[data-subject="Paging 29"]')
    expect(newest).to_contain_text("not sent (no mail server configured)")
    expect(newest).to_contain_text("—")
    expect(page.locator("main")).not_to_contain_text("kept")

    page.locator("#outbox-next").click()
    expect(pager).to_have_text(re.compile(r"^Page 2 of "))
    expect(newest).to_have_count(0)
    page.locator("#outbox-previous").click()
    expect(pager).to_have_text(re.compile(r"^Page 1 of "))
    expect(newest).to_be_visible()


def test_every_signed_in_page_has_a_main_landmark_and_a_skip_link(app, new_page):
    page = new_page()
    sign_in(page, app["base"], COMPANY_ADMIN)
    for route, content in SIGNED_IN_PAGES.items():
        page.goto(f"{app['base']}{route}")
        hydrated(page)
        expect(page.locator(content).first).to_be_visible()
        expect(page.get_by_role("main")).to_have_count(1)
        expect(page.get_by_role("navigation", name="Pages")).to_be_visible()
        expect(page.locator("[aria-current=page]")).to_have_count(1)
        page.locator("body").focus()
        page.keyboard.press("Tab")
        expect(page.locator("#skip-link")).to_be_focused()
        expect(page.locator("#skip-link")).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.get_by_role("main")).to_be_focused()


@pytest.mark.parametrize("who", [COMPANY_ADMIN, VIEWER])
def test_a_phone_never_scrolls_the_page_sideways(app, new_page, who):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{app['base']}/login")
    hydrated(page)
    assert fits_the_width(page)
    sign_in(page, app["base"], who)
    for route, content in SIGNED_IN_PAGES.items():
        page.goto(f"{app['base']}{route}")
        hydrated(page)
        if route == "/people" and who == VIEWER:
            content = "#people-not-allowed"
        expect(page.locator(content).first).to_be_visible()
        assert fits_the_width(page), route
        for link in page.get_by_role("navigation", name="Pages").get_by_role("link").all():
            expect(link).to_be_in_viewport()
