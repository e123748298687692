"""The Jobs tab as a person sees it: Chromium timings from the action to the rows in the DOM.

    python -m benchmarks.browser [--sizes 1000,100000] [--db sqlite|postgresql] [--repeat N]

For each size: seed a fresh database (`benchmarks.bulk_seed`), start the real app on it
(`benchmarks.jobs_tab.serve`), sign in through the login form with Playwright, then play
rounds of (after one warm-up round):

* **load**: a full page load of /jobs?filter=ready_to_export in a new browser context
  (empty HTTP cache, the session cookie kept: "cold") and again in the same context
  ("warm"), from navigation start to the first `tr[data-project]`;
* **search**: `#search` filled with a term that changes the rows, from the `input`
  event to the DOM mutation that shows exactly the expected rows;
* **filter**: a click on another filter tab (a redirect, then the new page's on_load),
  from `pointerdown` to the new list's rows.

An init script, installed before the page's own scripts, times everything in-page with
`performance.now()`: a MutationObserver watches the rows and `#client-token` (filled by
the hydrate delta), a wrapped `WebSocket` records when the transport opens and when
each frame is sent and received (a received frame with `rows_rx_state_` carries the
rows). The expected rows come from the service layer. Medians and p95 per step go to
stdout and `benchmarks/results-browser.md`, with the load average while measuring.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from benchmarks import bulk_seed
from benchmarks.jobs_tab import p95, seed_size, serve
from erp_dashboard.names import JobList
from erp_dashboard.services import auth, job_lists
from erp_dashboard.services.job_lists import PageQuery
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, sign_in

RESULTS = Path(__file__).with_name("results-browser.md")
RTE = JobList.READY_TO_EXPORT.value
START = f"/jobs?filter={RTE}"
SEARCHES = ("harbor", "cedar ridge", "P-10009", "")  # each changes the rows
SWITCHES = (  # each tab click changes the list
    JobList.FAILED_TO_EXPORT.value,
    JobList.SYNCED.value,
    JobList.READY_TO_UPDATE.value,
    RTE,
)
GOALS = {"search": 250.0, "load": 350.0}

Timings = dict[str, list[float]]

INIT_SCRIPT = r"""
(() => {
  const b = (window.__bench = { sent: [], recv: [], marks: {}, watch: null, t0: null });
  const now = () => performance.now();
  const mark = (key) => { b.marks[key] ??= now(); };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      mark("wsCreated");
      this.addEventListener("open", () => mark("wsOpen"));
      this.addEventListener("message", (e) => {
        const data = typeof e.data === "string" ? e.data : "";
        b.recv.push({ t: now(), size: data.length, head: data.slice(0, 400),
          rows: data.includes('"rows_rx_state_"'), redirect: data.includes('"_redirect"') });
      });
    }
    send(data) {
      b.sent.push({ t: now(), head: String(data).slice(0, 300) });
      return super.send(data);
    }
  };
  document.addEventListener("input", (e) => { b.t0 ??= e.timeStamp; }, true);
  document.addEventListener("pointerdown", (e) => { b.t0 ??= e.timeStamp; }, true);
  const check = () => {
    if (document.getElementById("client-token")?.value) mark("hydrated");
    const rows = document.querySelectorAll("tr[data-project]");
    if (rows.length) mark("firstRow");
    const w = b.watch;
    if (w && w.t === undefined && Array.from(rows, (r) => r.id).join() === w.ids) w.t = now();
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
})();
"""

LOAD_JS = """() => {
  const b = window.__bench, nav = performance.getEntriesByType("navigation")[0];
  const scripts = performance.getEntriesByType("resource")
    .filter((r) => r.name.split("?")[0].endsWith(".js"));
  const connected = b.recv.find((m) => m.head.startsWith("40"));
  const rows = b.recv.find((m) => m.rows);
  return {
    "responseEnd": nav.responseEnd,
    "DOMContentLoaded": nav.domContentLoadedEventEnd,
    "scripts loaded": Math.max(0, ...scripts.map((r) => r.responseEnd)),
    "websocket open": b.marks.wsOpen,
    "namespace connected": connected && connected.t,
    "hydrated (#client-token)": b.marks.hydrated,
    "rows delta received": rows && rows.t,
    "first row": b.marks.firstRow,
    "js bytes": scripts.reduce((n, r) => n + r.encodedBodySize, 0),
    "rows delta chars": rows && rows.size,
  };
}"""

STEP_JS = """(handler) => {
  const b = window.__bench, dom = b.watch.t;
  const sent = b.sent.find((m) => m.head.includes(handler));
  const redirect = b.recv.find((m) => m.redirect);
  const onLoad = b.sent.findLast((m) => m.head.includes("on_load_internal") && m.t <= dom);
  const rows = b.recv.findLast((m) => m.rows && m.t <= dom);
  const sends = b.sent.filter((m) => m.head.includes(handler)).length;
  return { t0: b.t0, sent: sent?.t, redirect: redirect?.t, onLoad: onLoad?.t, rows: rows?.t,
           rowsSize: rows?.size, dom, sends };
}"""


def expectations(token: str) -> dict[tuple[str, str], dict]:
    """The row ids (`tr` ids) of each (list, search) a round shows, from the service: many
    lists start with the same project name at 100,000 projects."""
    actor, out = auth.actor_for(token), {}
    views = [(RTE, text) for text in SEARCHES] + [(jl, "") for jl in SWITCHES]
    for job_list, text in views:
        rows = job_lists.list_page(actor, PageQuery(job_list=job_list, search=text)).rows
        if not rows:
            raise AssertionError(f"{job_list} / {text!r} shows no rows: pick another term")
        out[job_list, text] = {"ids": ",".join(f"row-{row.id}" for row in rows)}
    return out


def _record(timings: Timings, label: str, value: float | None) -> None:
    if value is not None:
        timings.setdefault(label, []).append(value)


def _arm(page: Page, watch: dict) -> None:
    """Forget earlier frames and the last action; watch for `watch`'s rows."""
    page.evaluate(
        "(w) => Object.assign(window.__bench, {sent: [], recv: [], t0: null, watch: w})",
        watch,
    )


def _await_rows(page: Page) -> None:
    page.wait_for_function("window.__bench.watch.t !== undefined", timeout=30_000)


def load(page: Page, base: str, label: str, timings: Timings) -> None:
    """A full page load of the start page; navigation start → each milestone."""
    page.goto(base + START, wait_until="commit")
    page.wait_for_function("window.__bench.marks.firstRow !== undefined", timeout=30_000)
    page.wait_for_load_state("load")
    for key, value in page.evaluate(LOAD_JS).items():
        _record(timings, f"{label}: {key}", value)


def _gap(step: dict, first: str, last: str) -> float | None:
    """Milliseconds from one step to a later one (None when either did not happen)."""
    if step[first] is None or step[last] is None:
        return None
    return step[last] - step[first]


def search(page: Page, text: str, watch: dict, timings: Timings) -> None:
    """Fill the search box; input event → the searched rows in the DOM."""
    _arm(page, watch)
    page.fill("#search", text)
    _await_rows(page)
    s = page.evaluate(STEP_JS, "set_search")
    _record(timings, "search: input → rows in DOM", _gap(s, "t0", "dom"))
    _record(timings, "search: debounce (input → event sent)", _gap(s, "t0", "sent"))
    _record(timings, "search: event sent → rows delta received", _gap(s, "sent", "rows"))
    _record(timings, "search: delta → DOM (React render)", _gap(s, "rows", "dom"))
    _record(timings, "search: rows delta chars", s["rowsSize"])


def switch(page: Page, job_list: str, watch: dict, timings: Timings) -> None:
    """Click a filter tab; pointerdown → the new list's rows in the DOM."""
    _arm(page, watch)
    page.click(f'[role=tab][data-filter="{job_list}"]')
    _await_rows(page)
    s = page.evaluate(STEP_JS, "choose_list")
    _record(timings, "filter: click → rows in DOM", _gap(s, "t0", "dom"))
    _record(timings, "filter: click → choose_list sent", _gap(s, "t0", "sent"))
    _record(timings, "filter: choose_list sent → redirect received", _gap(s, "sent", "redirect"))
    _record(timings, "filter: redirect → on_load sent", _gap(s, "redirect", "onLoad"))
    _record(timings, "filter: on_load sent → rows delta received", _gap(s, "onLoad", "rows"))
    _record(timings, "filter: delta → DOM (React render)", _gap(s, "rows", "dom"))
    _record(timings, "filter: choose_list events sent per click", s["sends"])


def one_round(browser: Browser, base: str, signed_in: dict, expect: dict, timings: Timings):
    """Cold and warm page loads, every search, every filter switch, in a new context."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, storage_state=signed_in)
    context.add_init_script(INIT_SCRIPT)
    try:
        page = context.new_page()
        load(page, base, "load cold", timings)
        load(page, base, "load warm", timings)
        page.wait_for_function("document.getElementById('client-token').value !== ''")
        for text in SEARCHES:
            search(page, text, expect[RTE, text], timings)
        for job_list in SWITCHES:
            switch(page, job_list, expect[job_list, ""], timings)
    finally:
        context.close()


def run_size(n: int, db: str, repeat: int, folder: Path) -> tuple[Timings, tuple, tuple]:
    """Seed `n` projects, start the app, sign in, play a warm-up and `repeat` rounds."""
    with bulk_seed.fresh_database(db, folder) as url:
        _counts, token = seed_size(url, n)
        expect = expectations(token)
        with serve(url, folder / f"app-{n}.log") as base, sync_playwright() as pw:
            launch = {"args": CHROMIUM_ARGS, "headless": True}
            if Path(CHROMIUM).exists():
                launch["executable_path"] = CHROMIUM
            browser = pw.chromium.launch(**launch)
            context = browser.new_context()
            page = context.new_page()
            sign_in(page, base, bulk_seed.APPROVER_EMAIL, bulk_seed.PASSWORD)
            signed_in = context.storage_state()
            context.close()
            timings: Timings = {}
            one_round(browser, base, signed_in, expect, {})
            load_before = os.getloadavg()
            for _ in range(repeat):
                one_round(browser, base, signed_in, expect, timings)
            load_after = os.getloadavg()
            browser.close()
    return timings, load_before, load_after


def table(results: dict[int, Timings], loads: dict, db: str, repeat: int) -> str:
    """The Markdown report: median and p95 per step and size, and the verdict."""
    sizes = sorted(results)
    head = " | ".join(f"{n:,} median | {n:,} p95" for n in sizes)
    load_text = "; ".join(
        f"{n:,}: {' '.join(f'{x:.1f}' for x in loads[n][0])} → "
        f"{' '.join(f'{x:.1f}' for x in loads[n][1])}"
        for n in sizes
    )
    lines = [
        f"# Jobs tab in Chromium ({db}, {repeat} rounds, {os.cpu_count()} CPUs)",
        "",
        "Times in ms. Load: from navigation start to each milestone. Search and filter: "
        "the first line from the user's input event (`input`, `pointerdown`) to the rows in "
        "the DOM, the next lines the gaps between its steps. `js bytes` (as served, "
        "compressed) and `chars` are sizes. Goals at the largest size: search "
        "input → rows ≤ "
        f"{GOALS['search']:g} ms, navigation → first row ≤ {GOALS['load']:g} ms. "
        f"Load average (1, 5, 15 min) before → after the rounds: {load_text}.",
        "",
        f"| step | {head} |",
        "|---" * (2 * len(sizes) + 1) + "|",
    ]
    for label in results[sizes[0]]:
        cells = []
        for n in sizes:
            values = results[n].get(label) or [float("nan")]
            cells += [f"{statistics.median(values):.0f}", f"{p95(values):.0f}"]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the arguments, run every size, print and write the table."""
    parser = argparse.ArgumentParser(description="Time the Jobs tab in Chromium.")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results, loads = {}, {}
    with tempfile.TemporaryDirectory(prefix="erp-browser-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            results[n], *loads[n] = run_size(n, args.db, args.repeat, folder)
    report = table(results, loads, args.db, args.repeat)
    print(report)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
