"""Alembic environment: the app's own engine; the product's and the simulator's metadata."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from alembic import context
from erp_dashboard import models  # noqa: F401  (registers every product table)
from erp_dashboard.db import engine


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave SQLite's full-text search tables (migration 0002) out of autogenerate."""
    return not (type_ == "table" and name.startswith("project_search"))


def target_metadata() -> list[MetaData]:
    """What autogenerate compares with the database: the product's tables and the simulator's
    (migration 0016). The app's own upgrade on start (`startup.migrate` sets "upgrade_only")
    compares nothing, so it leaves the simulator unloaded."""
    if context.config.attributes.get("upgrade_only"):
        return [SQLModel.metadata]
    from erp_dashboard.simulator.company import SimulatorTable

    return [SQLModel.metadata, SimulatorTable.metadata]


with engine().connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
