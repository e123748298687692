"""In a real browser: the Jobs tab's "Download CSV" saves the view it shows, and a company
admin's API token (made and revoked on /people) opens and closes the read API."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request

from playwright.sync_api import expect

from erp_dashboard.services.csv_export import COLUMNS
from tests.e2e.axe import assert_accessible
from tests.e2e.harness import hydrated, sign_in

PHONE = {"width": 390, "height": 844}


def api_status(base: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/projects?list=synced", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert json.load(reply)["rows"], "the demo has synced projects"
            return reply.status
    except urllib.error.HTTPError as err:
        return err.code


def test_download_csv_saves_the_view_on_screen(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "manager@example.com")
    page.goto(f"{app['base']}/jobs?filter=synced&sort=name&desc=1")
    hydrated(page)
    shown = page.locator("tr[data-project]")
    expect(shown.first).to_be_visible()
    names = [shown.nth(i).get_attribute("data-project") for i in range(shown.count())]
    link = page.get_by_role("link", name="Download CSV")
    expect(link).to_have_attribute("href", "/jobs.csv?filter=synced&sort=name&desc=1")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("synced-")
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == [header for header, _ in COLUMNS]
    assert [r[0] for r in rows[1:]] == names  # one page of the demo's synced projects
    assert page.url.endswith("/jobs?filter=synced&sort=name&desc=1")  # still on the tab

    page.set_viewport_size(PHONE)
    expect(link).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_company_admin_makes_and_revokes_an_api_token(app, new_page):
    page = new_page()
    sign_in(page, app["base"], "admin@example.com")
    page.goto(f"{app['base']}/people")
    hydrated(page)
    section = page.get_by_role("region", name="API tokens")
    section.get_by_label("Token name").fill("E2E dashboard")
    section.get_by_role("button", name="Create token").click()
    secret_field = section.get_by_label("New API token")
    expect(secret_field).to_have_value(re.compile(r"^erp_api_[\w-]{43}$"))
    secret = secret_field.input_value()
    expect(section.locator('tr[data-token="E2E dashboard"]')).to_contain_text("never")
    assert_accessible(page, "/people with a new API token")
    page.set_viewport_size(PHONE)
    copy = section.get_by_role("button", name="Copy token")
    copy.scroll_into_view_if_needed()
    expect(copy).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert api_status(app["base"], secret) == 200

    section.get_by_role("button", name="Done").click()
    expect(secret_field).to_have_count(0)
    page.reload()
    hydrated(page)
    row = page.locator('tr[data-token="E2E dashboard"]')
    expect(row.locator("td").nth(1)).to_have_text(re.compile(r"UTC$"))  # last used, recorded
    expect(page.get_by_label("New API token")).to_have_count(0)  # shown once
    row.get_by_role("button", name="Revoke token E2E dashboard").click()
    expect(row).to_contain_text("Revoked")
    assert api_status(app["base"], secret) == 401
