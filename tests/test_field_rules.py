"""QuickBooks' field rules live in `quickbooks_fields` alone (issue 11 §3): the form, the
models, the project service, the qbXML builder and the simulator read the same numbers,
and no module writes a limit down again."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlmodel import Session, create_engine

from erp_dashboard import quickbooks_fields as rules
from erp_dashboard.models import Customer, Project, QbJob
from erp_dashboard.qbxml import TOO_LONG, customer_add_rq, customer_mod_rq, parse_response
from erp_dashboard.qbxml import read_customer_fields as read_fields
from erp_dashboard.services import projects
from erp_dashboard.simulator import QuickBooksSimulator, SimListItem, SimulatorTable, add_customer
from erp_dashboard.simulator.company import CUSTOMER_COLUMNS

PACKAGE = Path(__file__).resolve().parents[1] / "erp_dashboard"
PARENT = "80000001-1700000000"
PROJECT = Project(
    name="Riverside Clinic",
    number="P-1",
    street="12 River Rd",
    city="Springfield",
    state="IL",
    postal_code="62701",
    start_date=date(2026, 5, 1),
    projected_end_date=date(2026, 9, 30),
    description="Two storeys",
    creator_id=1,
)
# Attributes that hold a QuickBooks job field in some table.
HOLDERS = {*rules.EXPORTED, *rules.TEXT_RULES, *CUSTOMER_COLUMNS.values()} | {
    "full_name",
    "customer_full_name",
    "qb_full_name",
}
NUMBERS = {*rules.LIMITS.values(), rules.FULL_NAME_MAX}


def replace_project(**fields) -> Project:
    """PROJECT with `fields` changed."""
    return Project(**{**PROJECT.model_dump(exclude={"id"}), **fields})


def restated_limits(source: str) -> list[str]:
    """Where `source` writes a QuickBooks limit as a number: a job-field column's
    max_length or dict value (`{"city": 31}`), a cut (`[:41]`) or a comparison with a
    length."""
    found = []
    for node in ast.walk(ast.parse(source)):
        numbers: list[ast.expr] = []
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.target.id in HOLDERS and isinstance(node.value, ast.Call):
                numbers = [k.value for k in node.value.keywords if k.arg == "max_length"]
        elif isinstance(node, ast.Dict):
            numbers = [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value in HOLDERS
            ]
        elif isinstance(node, ast.Slice):
            numbers = [n for n in (node.lower, node.upper) if n is not None]
        elif isinstance(node, ast.Compare) and any(
            isinstance(n, ast.Call) and getattr(n.func, "id", "") == "len"
            for n in (node.left, *node.comparators)
        ):
            numbers = [node.left, *node.comparators]
        found += [
            f"line {n.lineno}: {n.value}"
            for n in numbers
            if isinstance(n, ast.Constant) and type(n.value) is int and n.value in NUMBERS
        ]
    return found


@pytest.mark.parametrize(
    "source",
    [
        "class T:\n    city: str = Field(default='', max_length=31)",
        "name = name[:41]",
        "LIMITS = {'name': 41, 'addr1': 41}",
        "ok = len(value) <= 99",
        "too_long = 209 < len(full_name)",
    ],
)
def test_the_check_sees_a_restated_limit(source):
    assert restated_limits(source)


def test_no_module_restates_a_limit():
    found = {
        str(path.relative_to(PACKAGE)): where
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "quickbooks_fields.py"
        and (where := restated_limits(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_rules_module_stands_alone():
    """No Reflex, no simulator, no database: only the standard library and, for its type
    hints, the Project model."""
    imported = set()
    for node in ast.walk(ast.parse((PACKAGE / "quickbooks_fields.py").read_text("utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported == {"__future__", "dataclasses", "datetime", "typing", "erp_dashboard.models"}


def test_columns_are_as_long_as_quickbooks_allows():
    for attr, limit in rules.PROJECT_LIMITS.items():
        assert Project.__table__.c[attr].type.length == limit, attr
    for key, column in CUSTOMER_COLUMNS.items():
        if key in rules.LIMITS:
            assert SimListItem.__table__.c[column].type.length == rules.LIMITS[key], column
    assert QbJob.__table__.c["city"].type.length == rules.LIMITS["city"]
    for table, column in (
        (Project, "qb_full_name"),
        (Customer, "full_name"),
        (QbJob, "full_name"),
        (QbJob, "customer_full_name"),
        (SimListItem, "full_name"),
    ):
        assert table.__table__.c[column].type.length == rules.FULL_NAME_MAX, column


def test_the_form_counts_to_each_limit():
    from erp_dashboard.components.project_form import _counter

    for attr, limit in rules.PROJECT_LIMITS.items():
        assert projects.TEXT_LIMITS[attr] == limit
        rendered = str(_counter(attr))
        assert f'" / {limit}"' in rendered and f'["{attr}"] > {limit})' in rendered, attr


@pytest.mark.parametrize("attr", rules.PROJECT_LIMITS)
def test_the_service_refuses_one_more_than_the_limit(attr):
    limit = rules.PROJECT_LIMITS[attr]
    at_limit = replace_project(**{attr: "x" * limit})
    assert rules.export_problems(at_limit) == []
    over = replace_project(**{attr: "x" * (limit + 1)})
    assert rules.field_problems(over) == {
        attr: f"{rules.TEXT_RULES[rules.EXPORTED[attr]].label} is {limit + 1} characters long; "
        f"QuickBooks allows at most {limit}."
    }
    assert rules.export_problems(over) == list(rules.field_problems(over).values())


def test_the_builder_sends_what_the_mapping_says():
    job = rules.job_fields(PROJECT, PARENT)
    assert job == rules.JobFields(
        name="Riverside Clinic",
        parent_list_id=PARENT,
        addr1="12 River Rd",
        city="Springfield",
        state="IL",
        postal_code="62701",
        start_date=date(2026, 5, 1),
        projected_end_date=date(2026, 9, 30),
        description="Two storeys",
    )
    expected = {key: getattr(PROJECT, attr) for attr, key in rules.EXPORTED.items()}
    for xml, tag in (
        (customer_add_rq("1", job), "CustomerAdd"),
        (customer_mod_rq("1", "80000002-1700000000", "1", job), "CustomerMod"),
    ):
        sent = etree.fromstring(xml.split("?>", 2)[2]).find(f"QBXMLMsgsRq/{tag}Rq/{tag}")
        assert read_fields(sent) == expected | {"job_status": "InProgress"}


@pytest.fixture
def company():
    engine = create_engine("sqlite://")
    SimulatorTable.metadata.create_all(engine)
    with Session(engine) as session:
        yield session, add_customer(session, "Acme")
    engine.dispose()


@pytest.mark.parametrize("attr", rules.PROJECT_LIMITS)
def test_the_simulator_takes_the_limit_and_refuses_one_more(company, attr):
    session, acme = company
    rule = rules.TEXT_RULES[rules.EXPORTED[attr]]
    sim = QuickBooksSimulator()

    def send(value: str):
        job = rules.job_fields(replace_project(**{attr: value}), acme.list_id)
        [result] = parse_response(sim.handle(session, customer_add_rq("1", job)))
        return result

    too_long = "x" * (rule.limit + 1)
    refused = send(too_long)
    assert (refused.status_code, refused.message) == (
        TOO_LONG,
        f'The string "{too_long}" in the field "{rule.element}" is too long.',
    )
    assert send("y" * rule.limit).ok
