"""Settings: read once, each bad value named; the simulator never runs by default (issue 8)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

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


def test_the_readme_table_lists_every_setting_and_no_other():
    """The README's configuration table names exactly the settings' variables (besides
    Reflex's own, Granian's and make's)."""
    readme = (config.ROOT / "README.md").read_text()
    table = readme.split("## Configuration (environment)\n\n")[1].split("\n\n")[0]
    first_column = [row.split("|")[1] for row in table.splitlines()[2:]]
    listed = {name for cell in first_column for name in re.findall(r"`([A-Z_]+)`", cell)}
    ours = {n for n in listed if re.match(r"(ERP|QBWC|SMTP)_|QBD_MODE$|REFLEX_DB_URL$", n)}
    assert ours == {field.alias for field in config.Settings.model_fields.values()}


def test_the_settings_are_read_once(monkeypatch):
    monkeypatch.delenv("ERP_SESSION_HOURS", raising=False)
    first = config.load()
    monkeypatch.setitem(os.environ, "ERP_SESSION_HOURS", "3")  # not seen: already read
    assert config.load() is first and first.session_hours == 12
    config.load.cache_clear()
    assert config.load().session_hours == 3


def test_blank_is_unset_and_only_credentials_keep_their_spaces(monkeypatch):
    monkeypatch.setenv("ERP_SESSION_HOURS", " ")
    monkeypatch.setenv("SMTP_TIMEOUT", "")
    monkeypatch.setenv("QBWC_COMPANY_FILE", r" C:\Books\Company.QBW ")
    monkeypatch.setenv("QBWC_PASSWORD", " secret ")
    settings = config.load()
    assert (settings.session_hours, settings.smtp_timeout) == (12, 10)
    assert settings.qbwc_company_file == r"C:\Books\Company.QBW"
    assert settings.qbwc_password == " secret "


@pytest.mark.parametrize(
    ("name", "good", "allowed", "bad"),
    [
        ("SMTP_PORT", ["1", "2525", "65535"], "a port from 1 to 65535", ["0", "65536", "smtp"]),
        ("SMTP_TIMEOUT", ["0.5", "30"], "a number of seconds above 0", ["0", "-1", "inf", "x"]),
        ("ERP_SUMMARY_HOUR", ["0", "23"], "an hour (UTC) from 0 to 23", ["-1", "24", "7am"]),
        ("QBWC_BATCH", ["1", " 50 "], "a whole number", ["1.5", "many"]),
        ("ERP_SIMULATOR_SECONDS", ["0.5"], "a number of seconds", ["soon"]),
    ],
)
def test_a_number_out_of_range_stops_the_start(monkeypatch, name, good, allowed, bad):
    field = next(n for n, f in config.Settings.model_fields.items() if f.alias == name)
    for value in good:
        monkeypatch.setenv(name, value)
        assert getattr(config.load(), field) == float(value)
    for value in bad:
        monkeypatch.setenv(name, value)
        with pytest.raises(config.ConfigError) as err:
            config.load()
        assert (
            str(err.value) == f"{name}={value!r} is not allowed: set {allowed}, or leave it unset."
        )


def test_every_bad_value_gets_a_line_naming_its_variable(monkeypatch):
    numbers = [
        f.alias
        for f in config.Settings.model_fields.values()
        if f.annotation in (int, float, int | None)
    ]
    for name in numbers:
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("ERP_PUBLIC_URL", "erp.example.com")
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    monkeypatch.delenv("SMTP_FROM", raising=False)
    with pytest.raises(config.ConfigError) as err:
        config.load()
    lines = str(err.value).splitlines()
    assert len(lines) == len(numbers) + 2 and "None" not in str(err.value)
    assert {line.split("=")[0] for line in lines} >= {*numbers, "ERP_PUBLIC_URL"}
    assert "SMTP_HOST is set but SMTP_FROM is not: set the sender address." in lines


@pytest.mark.parametrize("bad", ["erp.example.com", "ftp://erp.example.com", "http://erp:port/"])
def test_a_public_url_that_is_no_http_address_stops_the_start(monkeypatch, bad):
    monkeypatch.setenv("ERP_PUBLIC_URL", bad)
    with pytest.raises(config.ConfigError, match="is not an http"):
        config.load()


def test_a_bad_smtp_port_stops_the_app_start_not_the_first_email(tmp_path):
    env = {**os.environ, "REFLEX_DB_URL": f"sqlite:///{tmp_path / 'erp.db'}", "SMTP_PORT": "x"}
    done = subprocess.run(
        [sys.executable, "-c", "import erp_dashboard.erp_dashboard"],
        cwd=config.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "ConfigError: SMTP_PORT='x' is not allowed" in done.stderr
    assert not (tmp_path / "erp.db").exists()  # before the database is touched
