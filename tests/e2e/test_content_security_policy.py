"""The Content-Security-Policy in a real Chromium, and the origins: served with its
ERP_PUBLIC_URL set to where it runs, every page renders with no CSP violation, and the
websocket and CORS answer that origin only."""

from __future__ import annotations

import base64
import http.client
import os
import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import filter_tab, free_port, hydrated, running_app, sign_in

EVIL = "https://evil.example"
RECORD = """window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app with ERP_PUBLIC_URL its own address (so the websocket and CORS are limited)."""
    folder = tmp_path_factory.mktemp("app-public-url")
    port = free_port()
    env = {
        "REFLEX_DB_URL": f"sqlite:///{folder / 'erp.db'}",
        "ERP_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    with running_app(env, folder / "app.log", port) as (base, pid):
        yield {"base": base, "pid": pid}


@pytest.fixture
def watched(new_page):
    """New pages that record CSP violations: the DOM events in the page, Chromium's
    console errors in the list that comes with it."""

    def make() -> tuple[Page, list[str]]:
        page, console = new_page(), []
        page.add_init_script(RECORD)
        page.on(
            "console",
            lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        return page, console

    return make


def no_violations(page: Page, console: list[str]) -> None:
    """Nothing the policy refused since the page loaded, nor in the console since the start."""
    assert page.evaluate("window.__cspViolations") == [], page.url
    assert console == []


def visit(page: Page, console: list[str], url: str, shown: str) -> None:
    page.goto(url)
    hydrated(page)
    expect(page.locator(shown).first).to_be_visible()
    no_violations(page, console)


def test_the_approver_pages_run_under_the_policy(app, watched):
    (page, console), base = watched(), app["base"]
    visit(page, console, f"{base}/login", "#sign-in")
    sign_in(page, base, "approver@example.com")
    no_violations(page, console)
    for job_list in ("failed_to_export", "synced", "ready_to_import", "ready_to_export"):
        filter_tab(page, job_list).click()
        page.wait_for_url(f"**/jobs?filter={job_list}")
        expect(filter_tab(page, job_list)).to_have_attribute("aria-selected", "true")
        expect(page.locator("#jobs-table")).to_be_visible()
    page.locator("#sort-sent").click()  # the address follows by rx.call_script (eval)
    page.wait_for_url(re.compile(r"sort=sent&desc=0"))
    first = page.locator("#jobs-table tr[data-project]").first
    first.get_by_role("button", name="Reject").click()  # Radix locks the scroll with a <style>
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    no_violations(page, console)
    visit(page, console, f"{base}/overview", "#overview-cards")
    visit(page, console, f"{base}/outbox", "#outbox-page")


def test_the_admin_pages_run_under_the_policy(app, watched):
    (page, console), base = watched(), app["base"]
    sign_in(page, base, "admin@example.com")
    visit(page, console, f"{base}/projects", "#projects-table")
    page.locator("#new-project").click()
    page.fill("#name", "Café ☕ Annex")
    page.locator("#save-project").click()
    expect(page.locator("#name")).to_be_focused()  # focused by rx.call_script (eval)
    no_violations(page, console)
    visit(page, console, f"{base}/people", "#people-table")
    page.fill("#api-token-name", "CSP check")
    page.locator("#create-api-token").click()
    token = page.locator("#new-api-token")
    expect(token).to_have_value(re.compile("^erp_api_"))
    token.focus()  # selected by rx.call_script (eval)
    page.wait_for_function(
        "(e) => e.selectionEnd - e.selectionStart > 0", arg=token.element_handle()
    )
    no_violations(page, console)


def websocket_handshake(base: str, origin: str) -> int:
    """The status a websocket upgrade of Reflex's event socket gets from a page at `origin`
    (101: accepted)."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    try:
        conn.request(
            "GET",
            "/_event/?EIO=4&transport=websocket",
            headers={
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                "Origin": origin,
            },
        )
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_websocket_is_refused_to_another_origin(app):
    assert websocket_handshake(app["base"], app["base"]) == 101
    assert websocket_handshake(app["base"], EVIL) == 403


@pytest.mark.parametrize("path", ["/ping", "/api/v1/summary"])
def test_cors_answers_the_public_origin_only(app, path):
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            f"{app['base']}{path}",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )

    assert preflight(app["base"]).headers["access-control-allow-origin"] == app["base"]
    refused = preflight(EVIL)
    assert "access-control-allow-origin" not in refused.headers
    plain = httpx.get(f"{app['base']}{path}", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in plain.headers
