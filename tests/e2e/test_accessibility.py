"""Every page, for every role, in its main states: no serious or critical axe-core violation
(WCAG 2.0/2.1 A and AA) at 1440×900, and the main pages again at 390×844.

Locators are roles and labels (what a screen reader announces), never ids or layout, so the
scan follows the pages when their markup changes. Nothing here changes data: Accept, Reject
and the customer picker only open controls, and the refused project is never saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible, axe_available
from tests.e2e.harness import hydrated

PASSWORD = "demo-password"
USERS = {
    "approver": "approver@example.com",
    "admin": "admin@example.com",  # Project Admin and company admin
    "viewer": "manager@example.com",
}
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
JOB_LISTS = (
    "ready_to_import",
    "ready_to_export",
    "ready_to_update",
    "failed_to_export",
    "synced",
    "archived",
)

# Wait until the page has stopped changing: no DOM mutation for 400 ms and no finite
# animation running (dialogs and popovers fade in; axe must not measure them half-way).
_SETTLED = """() => new Promise((resolve) => {
  let timer;
  const done = () => {
    const busy = document.getAnimations().some(
      (a) => a.playState === "running" && a.effect?.getTiming().iterations !== Infinity);
    if (busy) { timer = setTimeout(done, 100); return; }
    observer.disconnect();
    resolve(true);
  };
  const observer = new MutationObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(done, 400);
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
  timer = setTimeout(done, 400);
})"""


def settle(page: Page) -> None:
    page.wait_for_function(_SETTLED, timeout=20_000)


def field(page: Page, label: str | re.Pattern, name: str):
    """A form field by its label, or by its form name while the label is not tied to it
    (the scan reports that; the form's field names are what the server reads)."""
    exact = isinstance(label, str) or None
    return page.get_by_label(label, exact=exact).or_(page.locator(f"input[name={name}]")).first


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    hydrated(page)
    field(page, "Email", "email").fill(email)
    field(page, "Password", "password").fill(password)
    page.get_by_role("button", name="Sign in").click()


# -- the states -------------------------------------------------------------------------


def failed_sign_in(page: Page, base: str) -> None:
    sign_in(page, base, "nobody@example.com", "not-the-password")
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"\w"))).to_be_visible()


def accept_and_open_picker(page: Page, base: str) -> None:
    page.get_by_role("button", name="Accept", exact=True).first.click()
    page.get_by_label("QuickBooks Customer").first.click()
    expect(page.get_by_role("option").first).to_be_visible()


def open_reject_comment(page: Page, base: str) -> None:
    page.get_by_role("button", name="Reject", exact=True).first.click()
    expect(page.get_by_label(re.compile("comment", re.I)).first).to_be_visible()


def open_project_form(page: Page, base: str) -> None:
    page.get_by_role("button", name="New project").click()
    expect(field(page, "Number", "number")).to_be_visible()


def refused_project(page: Page, base: str) -> None:
    open_project_form(page, base)
    field(page, re.compile(r"^Name"), "name").fill("Accessibility Check")
    field(page, "Number", "number").fill("P-1001")  # a demo project has it
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#number-error")).to_contain_text("P-1001")


def told_why(page: Page, base: str) -> None:
    expect(page.locator("#ended-note")).to_contain_text("without activity")


def show_the_numbers(page: Page, base: str) -> None:
    page.get_by_text("Show the numbers", exact=True).click()
    expect(page.locator("#daily-table")).to_be_visible()


@dataclass(frozen=True)
class Scan:
    id: str
    path: str
    role: str | None = None  # None: signed out
    then: Callable[[Page, str], None] | None = None
    viewport: dict | None = None


DESKTOP_SCANS = [
    Scan("login", "/login"),
    Scan("login-failed", "/login", then=failed_sign_in),
    Scan("login-signed-out-idle", "/login?next=%2Foverview&ended=idle", then=told_why),
    *[
        Scan(f"jobs-{job_list}-{role}", f"/jobs?filter={job_list}", role)
        for role in ("approver", "viewer", "admin")
        for job_list in JOB_LISTS
    ],
    Scan(
        "jobs-accept-picker-approver",
        "/jobs?filter=ready_to_export",
        "approver",
        accept_and_open_picker,
    ),
    Scan(
        "jobs-reject-comment-approver",
        "/jobs?filter=ready_to_export",
        "approver",
        open_reject_comment,
    ),
    Scan("projects-admin", "/projects", "admin"),
    Scan("projects-form-admin", "/projects", "admin", open_project_form),
    Scan("projects-refused-admin", "/projects", "admin", refused_project),
    Scan("outbox-approver", "/outbox", "approver"),
    Scan("outbox-viewer", "/outbox", "viewer"),
    Scan("overview-viewer", "/overview", "viewer"),
    Scan("overview-approver", "/overview?range=90d", "approver", show_the_numbers),
    Scan("people-admin", "/people", "admin"),
    Scan("people-viewer", "/people", "viewer"),
]
PHONE_SCANS = [
    Scan(f"phone-{s.id}", s.path, s.role, s.then, PHONE)
    for s in DESKTOP_SCANS
    if s.id
    in {
        "login",
        "jobs-ready_to_export-approver",
        "projects-admin",
        "outbox-approver",
        "people-admin",
        "overview-viewer",
    }
]


@pytest.fixture(scope="module")
def signed_in(app, browser):
    """Each role signs in once per module; its scans reuse the cookies."""
    states: dict[str, dict] = {}

    def storage(role: str) -> dict:
        if role not in states:
            ctx = browser.new_context(viewport=DESKTOP)
            page = ctx.new_page()
            sign_in(page, app["base"], USERS[role])
            page.wait_for_url(re.compile(r"/(jobs|overview)"), timeout=20_000)  # start pages
            states[role] = ctx.storage_state()
            ctx.close()
        return states[role]

    return storage


@pytest.fixture
def open_page(app, browser, signed_in):
    contexts = []

    def make(scan: Scan) -> Page:
        ctx = browser.new_context(
            viewport=scan.viewport or DESKTOP,
            reduced_motion="reduce",
            storage_state=signed_in(scan.role) if scan.role else None,
        )
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.goto(app["base"] + scan.path)
        hydrated(page)
        expect(page).to_have_url(re.compile(re.escape(scan.path.split("?")[0])))
        settle(page)
        if scan.then:
            scan.then(page, app["base"])
            settle(page)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.mark.parametrize("scan", DESKTOP_SCANS + PHONE_SCANS, ids=lambda s: s.id)
def test_no_serious_accessibility_violations(scan: Scan, open_page):
    axe_available()
    page = open_page(scan)
    assert_accessible(page, scan.id)
