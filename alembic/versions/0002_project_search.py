"""Substring search over project name, number and city that uses an index.

SQLite: an FTS5 trigram table kept in step by triggers.
PostgreSQL: a pg_trgm GIN index on the same text (the extension needs
CREATE privilege on the database; a DBA can create it beforehand).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE project_search USING fts5("
    "name, number, city, content='project', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER project_search_ai AFTER INSERT ON project BEGIN "
    "INSERT INTO project_search(rowid, name, number, city) "
    "VALUES (new.id, new.name, new.number, new.city); END",
    "CREATE TRIGGER project_search_ad AFTER DELETE ON project BEGIN "
    "INSERT INTO project_search(project_search, rowid, name, number, city) "
    "VALUES ('delete', old.id, old.name, old.number, old.city); END",
    "CREATE TRIGGER project_search_au AFTER UPDATE OF name, number, city ON project BEGIN "
    "INSERT INTO project_search(project_search, rowid, name, number, city) "
    "VALUES ('delete', old.id, old.name, old.number, old.city); "
    "INSERT INTO project_search(rowid, name, number, city) "
    "VALUES (new.id, new.name, new.number, new.city); END",
    "INSERT INTO project_search(project_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER project_search_au",
    "DROP TRIGGER project_search_ad",
    "DROP TRIGGER project_search_ai",
    "DROP TABLE project_search",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_project_search ON project "
    "USING gin ((name || ' ' || number || ' ' || city) gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX ix_project_search"]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})
