"""pytest plugin for `make mutants` only (see [tool.mutmut] in pyproject.toml).

- argon2 at its cheapest settings. Every test world hashes four passwords; at argon2's
  default cost (64 MiB, 3 passes) that is most of each test's set-up, and the mutation run
  repeats the covering tests for every mutant. The hashes stay real argon2 hashes, checked
  the same way; only the cost differs.
- The tests most about the mutated module first (FIRST), then those without a database,
  each fastest first (by the durations of mutmut's own stats run): mutmut stops at the
  first failure, so a mutant that some quick, close test kills costs only that test.
- With MUTANTS_FIRST_TESTS=n, only the first n of those: a first pass that a mutant
  survives is cheap, and `make mutants` then runs each survivor again against every test
  that covers it (so a survivor is one that all of them let through).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from argon2 import PasswordHasher


def pytest_configure(config) -> None:
    from erp_dashboard.services import auth

    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    auth._DUMMY_HASH = auth._hasher.hash("not-a-password")


def _durations() -> dict[str, float]:
    stats = Path("mutmut-stats.json")  # mutmut runs the tests from inside mutants/
    try:
        return json.loads(stats.read_text())["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return {}


FIRST = {
    "erp_dashboard.qbxml": ["qbxml", "simulator", "exact_rules", "quickbooks_unhappy"],
    "erp_dashboard.services.export_queue": [
        "export_queue",
        "exact_rules",
        "web_connector_service",
        "quickbooks_unhappy",
        "qbwc_unhappy_http",
        "updates_service",
    ],
    "erp_dashboard.services.jobs": ["jobs", "jobs_service", "exact_rules", "updates_service"],
    "erp_dashboard.services.state_machine": ["state_machine", "jobs_service", "exact_rules"],
    "erp_dashboard.services.auth": ["auth", "auth_service", "auth_hardening", "session_idle"],
}


def _first(mutant: str) -> list[str]:
    """The test files (tests/test_<name>.py, tests/test_mutant_killers_<name>.py) closest
    to the mutant's module, closest first."""
    module = mutant.rsplit(".", 1)[0]
    return FIRST.get(module, [])


def pytest_collection_modifyitems(session, config, items) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return  # mutmut collecting, timing or checking the tests themselves: all of them
    durations = _durations()
    first = _first(mutant)

    def rank(item) -> int:
        name = item.nodeid.split("::")[0].removeprefix("tests/").removesuffix(".py")
        name = name.removeprefix("test_mutant_killers_").removeprefix("test_")
        return first.index(name) if name in first else len(first)

    items.sort(
        key=lambda item: (
            rank(item),
            "db" in item.fixturenames,
            durations.get(item.nodeid, 1.0),
        )
    )
    first_n = int(os.environ.get("MUTANTS_FIRST_TESTS") or 0)
    if first_n and len(items) > first_n:
        config.hook.pytest_deselected(items=items[first_n:])
        del items[first_n:]
