"""Start the real app (`reflex run --env prod`) on a free port and drive it with Chromium."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import Session

from erp_dashboard.db import engine_for
from erp_dashboard.services import export_queue

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(env: dict[str, str], log_path: Path, port: int | None = None):
    """Serve the app with demo data on `port` (a free one by default); yields its base URL;
    stops every process after."""
    port = port or free_port()
    full_env = (
        os.environ
        | {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "ERP_DEMO_DATA": "1",
            "ERP_SIMULATOR_SECONDS": "0.5",
            "QBWC_USERNAME": "qbwc-e2e",
            "QBWC_PASSWORD": secrets.token_urlsafe(16),
        }
        | env
    )
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "reflex"),
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log_path)
        _wait_for_exports(env["REFLEX_DB_URL"], proc, log_path)
        yield base, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _wait_until_up(base: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log_path.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base}/ping", timeout=2) as resp:
                if resp.status == 200:
                    with urllib.request.urlopen(f"{base}/login", timeout=5):
                        return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"app did not come up:\n{log_path.read_text()[-4000:]}")


def _wait_for_exports(db_url: str, proc: subprocess.Popen, log_path: Path) -> None:
    """Until the simulated Web Connector has exported what the demo data queued."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with Session(engine_for(db_url)) as s:
            if export_queue.count(s, "queued") + export_queue.count(s, "sent") == 0:
                return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise RuntimeError(f"demo exports did not finish:\n{log_path.read_text()[-4000:]}")


def hydrated(page: Page) -> None:
    """Wait until the websocket is up (the hidden client token is filled)."""
    expect(page.locator("#client-token")).not_to_have_value("", timeout=20_000)


def submit_sign_in(page: Page, email: str, password: str = "demo-password") -> None:
    """Fill and send the sign-in form of the /login page the browser shows."""
    hydrated(page)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#sign-in")


def sign_in(page: Page, base: str, email: str, password: str = "demo-password") -> None:
    """Sign in from /login, asking for the Jobs tab's Ready To Export list (a Viewer's own
    start page is the overview)."""
    page.goto(f"{base}/login?next=%2Fjobs%3Ffilter%3Dready_to_export")
    submit_sign_in(page, email, password)
    page.wait_for_url("**/jobs?filter=ready_to_export", timeout=20_000)
    hydrated(page)
    expect(page.locator("#jobs-table")).to_be_visible(timeout=20_000)


def row(page: Page, project: str):
    return page.locator(f'tr[data-project="{project}"]')


def filter_tab(page: Page, job_list: str):
    """The Jobs-tab filter (a tab) of one list."""
    return page.locator(f'[role=tab][data-filter="{job_list}"]')


def reject(page: Page, project: str, comment: str = "") -> None:
    """Reject a row through its dialog."""
    row(page, project).get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(project)
    if comment:
        dialog.get_by_label("Enter a Comment (Optional)").fill(comment)
    dialog.get_by_role("button", name="Reject").click()
    expect(dialog).to_have_count(0)


def count(page: Page, job_list: str):
    """The count badge of a Jobs-tab filter."""
    return page.locator(f'[data-count="{job_list}"]').first


def choose_customer(page: Page, project: str, search: str, customer: str) -> None:
    """Accept a Ready To Export row and pick its QuickBooks customer."""
    r = row(page, project)
    accept = r.get_by_role("button", name="Accept")
    if accept.get_attribute("aria-pressed") != "true":  # a second press would clear it
        accept.click()
    r.get_by_label("QuickBooks Customer").click()
    r.get_by_label("Search QuickBooks customers").fill(search)
    r.get_by_role("option", name=customer, exact=True).click()
    expect(r.get_by_role("button", name=f"QuickBooks Customer: {customer}")).to_be_visible()
