"""Database engines and the two kinds of transaction every service uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.engine import CursorResult, Engine, make_url
from sqlalchemy.sql.base import Executable
from sqlmodel import Session, create_engine

from erp_dashboard import config

T = TypeVar("T")

_engines: dict[tuple[str, bool], Engine] = {}


def is_row_id(value) -> bool:
    """Whether a value from the browser can be a row's id: a whole number a primary key
    holds (`true` is not 1, and 2**63 is refused here, not by the database driver)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def must_get(session: Session, model: type[T], key: Any) -> T:
    """The row a foreign key, a session or a seeded table guarantees (`session.get` types
    every row as possibly missing); LookupError if it is not there after all."""
    row = session.get(model, key)
    if row is None:
        raise LookupError(f"no {model.__name__} {key!r}")
    return row


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session and return how many rows it matched.
    SQLAlchemy returns a CursorResult for these; its type hints only promise a Result."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


def _forget_inherited_connections() -> None:
    """In a forked worker, never reuse the parent's pooled connections."""
    for eng in _engines.values():
        eng.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def engine_for(url: str, *, writes: bool = True) -> Engine:
    """One pooled engine per database URL (SQLite: one for writers, one for readers)."""
    if make_url(url).get_backend_name() != "sqlite":
        writes = True  # PostgreSQL needs no distinction
    key = (url, writes)
    if key not in _engines:
        _engines[key] = _new_engine(url, writes)
    return _engines[key]


def dispose_all() -> None:
    """Close every pooled connection (tests dropping a database call this)."""
    for eng in _engines.values():
        eng.dispose()


def _new_engine(url: str, writes: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
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
    def _begin(conn) -> None:
        # Writers take the write lock up front, so a transaction that read a row
        # can always write it and concurrent writers queue instead of failing.
        # Readers take none: under WAL they see a snapshot and never wait.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return eng


def engine(*, writes: bool = True) -> Engine:
    """The engine for the configured database."""
    return engine_for(config.load().db_url, writes=writes)


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


@contextmanager
def read_only() -> Iterator[Session]:
    """A consistent snapshot for reading; never blocks writers, never commits."""
    with Session(engine(writes=False)) as session:
        yield session  # closing ends the transaction; loaded objects stay readable


@contextmanager
def advisory_lock(key: int, *, wait: bool = True) -> Iterator[bool]:
    """Across workers, one holder of `key` at a time (PostgreSQL advisory lock).

    Yields whether this worker holds it: with `wait`, always (after waiting);
    without, only if it was free. SQLite runs a single worker, so it always holds it.
    """
    if engine().dialect.name != "postgresql":
        yield True
        return
    with engine().connect() as conn:
        if wait:
            conn.execute(select(func.pg_advisory_lock(key)))
            held = True
        else:
            held = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
        try:
            yield held
        finally:
            if held:
                conn.execute(select(func.pg_advisory_unlock(key)))
            conn.commit()
