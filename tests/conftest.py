"""Fixtures: each service test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from tests.builders import QBWC_PASSWORD, QBWC_USER

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"
SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"


@pytest.fixture(autouse=True)
def settings_follow_the_environment(monkeypatch):
    """The app reads its settings once (`config.load`); a test reads them afresh, and again
    after each `monkeypatch.setenv` or `delenv`."""
    from erp_dashboard import config

    def then_reload(change):
        def changed(*args, **kwargs):
            change(*args, **kwargs)
            config.load.cache_clear()

        return changed

    monkeypatch.setenv = then_reload(monkeypatch.setenv)
    monkeypatch.delenv = then_reload(monkeypatch.delenv)
    config.load.cache_clear()


@pytest.fixture(scope="session")
def schema():
    """Intuit's qbXML 13.0 schema from ../shared/spec (absent only outside CI)."""
    from lxml import etree

    if not SPEC.is_dir() and not IN_CI:
        pytest.skip(f"{SPEC} is absent")
    return etree.XMLSchema(etree.parse(str(SPEC / "qbxml" / "qbxmlops130.xsd")))


def _pg_available() -> bool:
    try:
        with create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def new_pg_database():
    """Makes fresh PostgreSQL databases for this test run; drops them afterwards."""
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and unreachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable (allowed outside CI only)")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"erp_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        return made[-1]

    yield make
    from erp_dashboard.db import dispose_all

    dispose_all()
    for url in made:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _migrated(url: str) -> str:
    from erp_dashboard import config
    from erp_dashboard.startup import migrate

    os.environ["REFLEX_DB_URL"] = url
    config.load.cache_clear()
    migrate()
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    """A migrated SQLite file for this test run."""
    return _migrated(f"sqlite:///{tmp_path_factory.mktemp('db') / 'erp.db'}")


@pytest.fixture(scope="session")
def pg_url(new_pg_database) -> str:
    """The migrated PostgreSQL database for this test run."""
    return _migrated(new_pg_database())


def _empty_tables(url: str) -> None:
    from erp_dashboard.db import engine_for
    from erp_dashboard.models import ListCount
    from erp_dashboard.simulator.company import SimulatorTable

    eng = engine_for(url)
    every = [*SQLModel.metadata.sorted_tables, *SimulatorTable.metadata.sorted_tables]
    tables = [t for t in every if t.name != ListCount.__tablename__]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
        conn.execute(ListCount.__table__.update().values(n=0))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path, monkeypatch) -> str:
    """A new database of each kind with no tables yet, for migration tests; REFLEX_DB_URL
    points at it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'new.db'}"
    else:
        url = request.getfixturevalue("new_pg_database")()
    monkeypatch.setenv("REFLEX_DB_URL", url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, monkeypatch) -> str:
    """An empty, migrated database of each kind; REFLEX_DB_URL points at it."""
    url = request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}_url")
    monkeypatch.setenv("REFLEX_DB_URL", url)
    monkeypatch.setenv("QBWC_USERNAME", QBWC_USER)
    monkeypatch.setenv("QBWC_PASSWORD", QBWC_PASSWORD)
    _empty_tables(url)
    return url


@pytest.fixture
def world(db):
    """Users of every role, customers, and projects waiting in Ready To Export."""
    from tests.builders import World

    return World.build()


@pytest.fixture
def synced(world):
    """Project 1, exported and synced under Acme Builders."""
    from erp_dashboard.services import jobs
    from tests.builders import drain

    pid = world.projects[0]
    jobs.export_projects(world.approver, [world.choice(pid)])
    drain()
    assert world.project(pid).erp_state == "synced"
    return pid


@pytest.fixture
def changed(world, synced):
    """Project 1, synced, then changed and sent again: it waits in Ready To Update."""
    from erp_dashboard.services import projects

    projects.update_project(world.admin, synced, city="Tacoma")
    projects.send_to_erp(world.admin, synced)
    return synced


@pytest.fixture
def fake():
    """An in-memory Web Connector service that records every call (SOAP tests)."""
    from tests.test_qbwc_soap import FakeService

    return FakeService()


@pytest.fixture
def url(fake):
    """`fake` behind the real SOAP endpoint on a free local port; yields its /qbwc URL."""
    from erp_dashboard.qbwc.soap import soap_app
    from tests.test_qbwc_soap import serve

    with serve(soap_app(fake)) as base:
        yield f"{base}/qbwc"
