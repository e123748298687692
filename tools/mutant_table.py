"""The per-module table of `make mutants`, from mutmut's result files under mutants/.

    python -m tools.mutant_table              # the table (Markdown)
    python -m tools.mutant_table --survivors  # and each surviving mutant, by module
    python -m tools.mutant_table --names      # only the survivors' names (for `mutmut run`)

"Killed" counts a mutant the tests failed on, or that ran past its time limit (a mutant
that loops forever); "no tests" means no SQLite service test runs the mutated function.
Mutants listed in tools/harmless_mutants.txt (each with its reason) are survivors no test
can tell from the original (equivalent code, or code run once at import, before mutmut
switches a mutant on); the last column leaves them out of the total.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "erp_dashboard/services/state_machine.py",
    "erp_dashboard/services/export_queue.py",
    "erp_dashboard/services/jobs.py",
    "erp_dashboard/services/auth.py",
    "erp_dashboard/qbxml.py",
]
KILLED = {1, 3}  # pytest failed, or errored
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0}
NOT_RUN = {None}


def harmless() -> set[str]:
    """Mutant names of tools/harmless_mutants.txt (`name  # reason` per line)."""
    path = ROOT / "tools" / "harmless_mutants.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    return {line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()}


def results(module: str) -> dict[str, int | None]:
    meta = ROOT / "mutants" / f"{module}.meta"
    for _ in range(10):  # mutmut may be rewriting it
        try:
            return json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        except ValueError:
            time.sleep(0.5)
    raise SystemExit(f"{meta} is unreadable")


def main(argv: list[str]) -> int:
    same = harmless()
    if "--names" in argv:
        for module in MODULES:
            print("\n".join(n for n, code in results(module).items() if code in SURVIVED))
        return 0
    print(
        "| module | mutants | killed | survived | no tests / not run | killed % |"
        " harmless | killed % of the rest |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    survivors: dict[str, list[str]] = {}
    for module in MODULES:
        codes = results(module)
        killed = sum(code in KILLED or code in TIMEOUT for code in codes.values())
        alive = sorted(name for name, code in codes.items() if code in SURVIVED)
        other = len(codes) - killed - len(alive)
        explained = [name for name in alive if name in same]
        survivors[module] = alive
        total = len(codes)
        rest = total - len(explained)
        print(
            f"| `{module.removeprefix('erp_dashboard/')}` | {total} | {killed} | {len(alive)} |"
            f" {other} | {100 * killed / total if total else 0:.1f} % | {len(explained)} |"
            f" {100 * killed / rest if rest else 0:.1f} % |"
        )
    if "--survivors" in argv:
        for module, alive in survivors.items():
            print(f"\n{module}: {len(alive)} survived")
            for name in alive:
                print(f"  {name}{'  (harmless)' if name in same else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
