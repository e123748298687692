"""pytest plugin for `make mutants` only (see [tool.mutmut] in pyproject.toml).

- argon2 at its cheapest settings. Every test world hashes four passwords; at argon2's
  default cost (64 MiB, 3 passes) that is most of each test's set-up, and the mutation run
  repeats the covering tests for every mutant. The hashes stay real argon2 hashes, checked
  the same way; only the cost differs.
- Tests without a database first, then the rest, each fastest first (by the durations of
  mutmut's own stats run): mutmut stops at the first failure, so a mutant that some quick
  test kills costs only that test.
"""

from __future__ import annotations

import json
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


def pytest_collection_modifyitems(session, config, items) -> None:
    durations = _durations()
    items.sort(key=lambda item: ("db" in item.fixturenames, durations.get(item.nodeid, 1.0)))
