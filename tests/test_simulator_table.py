"""The simulator's company file: a table in metadata of its own, made by migration 0016 alone
(0001 made it before: such a database keeps its table and rows)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from alembic import command
from erp_dashboard.config import ROOT
from erp_dashboard.db import engine, read_only, unit_of_work
from erp_dashboard.simulator.company import SimulatorTable, list_customers
from erp_dashboard.simulator.quickbooks import add_customer

BEFORE = "0016-1"  # the revision 0016 follows


def alembic() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def has_table() -> bool:
    with engine().connect() as conn:
        return inspect(conn).has_table("qbsim_list_item")


def drift() -> list:
    """How the simulator's table in the database differs from its model (autogenerate)."""
    ours = SimulatorTable.metadata.tables

    def only_ours(obj, name, type_, reflected, compare_to) -> bool:
        return type_ != "table" or name in ours

    with engine().connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": only_ours}
        )
        return compare_metadata(context, SimulatorTable.metadata)


def test_the_product_metadata_holds_no_simulator_table():
    assert set(SimulatorTable.metadata.tables) == {"qbsim_list_item"}
    assert not set(SQLModel.metadata.tables) & set(SimulatorTable.metadata.tables)


def test_a_new_database_gets_the_table_from_0016_alone(empty_db):
    command.upgrade(alembic(), BEFORE)
    assert not has_table()
    command.upgrade(alembic(), "head")
    assert has_table() and drift() == []
    command.downgrade(alembic(), BEFORE)
    assert not has_table()


def test_a_database_made_before_0016_keeps_its_company_file(empty_db):
    command.upgrade(alembic(), BEFORE)
    SimulatorTable.metadata.create_all(engine())  # as 0001 made it then
    with unit_of_work() as s:
        add_customer(s, "Acme Builders", city="Tacoma")
        add_customer(s, "Harbor View", parent_full_name="Acme Builders")

    command.upgrade(alembic(), "head")

    with read_only() as s:
        kept = [(c.full_name, c.city, c.sublevel) for c in list_customers(s)]
    assert kept == [("Acme Builders", "Tacoma", 0), ("Acme Builders:Harbor View", "", 1)]
    assert drift() == []
