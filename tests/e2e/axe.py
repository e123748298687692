"""axe-core in a Playwright page: inject it, run the WCAG 2.0/2.1 A+AA rules, report readably.

axe-core comes from npm, pinned in the Makefile (`make test` installs it into .venv/axe);
AXE_CORE_JS points elsewhere. Set AXE_REPORT=<file> to append each scan's violations as
one JSON line (page/state, rule id, impact, node count) for before/after tables.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(
    os.environ.get(
        "AXE_CORE_JS", ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    )
)
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("critical", "serious")
TARGETS_SHOWN = 3

_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)),
      summary: n.failureSummary || "",
      html: n.html,
    })),
  }));
}"""


def axe_available() -> None:
    """Fail when axe-core is not installed (`make test` installs it)."""
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is not installed at {AXE_JS}: run `make test` (it installs it)")


def run_axe(page: Page) -> list[dict]:
    """axe's WCAG 2.0/2.1 A and AA violations for the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text())  # a <script> tag would be refused by the CSP
    return page.evaluate(_RUN, list(WCAG_TAGS))


def describe(violations: list[dict]) -> str:
    """One block per violation: impact, rule id, help, node count, the first targets."""
    lines = []
    for v in violations:
        nodes = v["nodes"]
        lines.append(
            f"[{v['impact']}] {v['id']}: {v['help']} ({len(nodes)} node(s)) {v['helpUrl']}"
        )
        for node in nodes[:TARGETS_SHOWN]:
            reason = node["summary"].splitlines()[1:2] or [""]
            lines.append(f"    {', '.join(node['target'])}  {reason[0].strip()}")
        if len(nodes) > TARGETS_SHOWN:
            lines.append(f"    … and {len(nodes) - TARGETS_SHOWN} more")
    return "\n".join(lines)


def record(where: str, violations: list[dict]) -> None:
    """Append this scan to $AXE_REPORT (JSON lines), when set."""
    path = os.environ.get("AXE_REPORT")
    if not path:
        return
    entry = {
        "where": where,
        "violations": [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations
        ],
    }
    with open(path, "a") as out:
        out.write(json.dumps(entry) + "\n")


def assert_accessible(page: Page, where: str) -> list[dict]:
    """Scan the page; fail listing every serious or critical violation (others are printed)."""
    violations = run_axe(page)
    record(where, violations)
    if violations:
        print(f"axe on {where}:\n{describe(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, (
        f"{where}: {len(blocking)} serious/critical accessibility violation(s)\n"
        + describe(blocking)
    )
    return violations
