"""Database engine and the unit-of-work used by every service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from erp_dashboard import config

_engines: dict[str, Engine] = {}


def _forget_inherited_connections() -> None:
    """In a forked worker, never reuse the parent's pooled connections."""
    for eng in _engines.values():
        eng.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def engine_for(url: str) -> Engine:
    """One pooled engine per database URL."""
    if url not in _engines:
        _engines[url] = _new_engine(url)
    return _engines[url]


def _new_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin_immediate(conn) -> None:
            # Take the write lock up front: a transaction that read a row can
            # then always write it, and concurrent writers queue instead of failing.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(config.load().db_url)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back on any error."""
    with Session(engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
