"""Settings: the simulator never runs by default (issue 8, fail closed)."""

from __future__ import annotations

import pytest

from erp_dashboard import config


@pytest.mark.parametrize(
    ("demo_data", "qbd_mode", "expected"),
    [
        ("", "", "webconnector"),  # a production start: the real Web Connector
        ("0", "", "webconnector"),
        ("1", "", "simulator"),  # demo data comes with the simulated company
        ("", "simulator", "simulator"),  # asked for by name
        ("", " simulator ", "simulator"),
        ("1", "webconnector", "webconnector"),  # demo data against a real QuickBooks
        ("", "webconnector", "webconnector"),
    ],
)
def test_who_plays_the_web_connector(monkeypatch, demo_data, qbd_mode, expected):
    monkeypatch.setenv("ERP_DEMO_DATA", demo_data)
    monkeypatch.setenv("QBD_MODE", qbd_mode)
    assert config.load().qbd_mode == expected


@pytest.mark.parametrize("bad", ["Simulator", "real", "qbwc", "web connector"])
def test_an_unknown_mode_stops_the_start(monkeypatch, bad):
    monkeypatch.setenv("ERP_DEMO_DATA", "1")
    monkeypatch.setenv("QBD_MODE", bad)
    with pytest.raises(config.ConfigError, match=f"QBD_MODE='{bad}' is not a mode") as err:
        config.load()
    assert "QBD_MODE=webconnector" in str(err.value) and "QBD_MODE=simulator" in str(err.value)
