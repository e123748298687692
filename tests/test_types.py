"""Types that are checked (issue 11 §7): mypy, configured in pyproject.toml (`[tool.mypy]`,
whose `files` list the service layer, the QuickBooks modules, the models and the HTTP
routes), reports no error. `make typecheck` runs the same check."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the `files` in the config are relative to the repository
    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache")]
    )
    assert status == 0, f"mypy found errors:\n{stdout}{stderr}"
    assert stdout.startswith("Success: no issues found"), stdout + stderr
