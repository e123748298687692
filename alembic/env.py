"""Alembic environment: the app's own engine and the SQLModel metadata."""

from sqlmodel import SQLModel

from alembic import context
from erp_dashboard import models  # noqa: F401  (registers every table)
from erp_dashboard.db import engine


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave SQLite's full-text search tables (migration 0002) out of autogenerate."""
    return not (type_ == "table" and name.startswith("project_search"))


with engine().connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
