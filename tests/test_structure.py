"""Modules keep to their job (issue 11). The product never imports the simulator: a
production start with a real Web Connector loads no fake QuickBooks and no demo data (both
live in `erp_dashboard.simulator`). `names` imports nothing from the app, so any module can
use its names. The Outbox page's reads, what the customer sync finds, the emails and the
page addresses each live in one module."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from importlib.util import resolve_name
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "erp_dashboard"
SIMULATOR = "erp_dashboard.simulator"
PRODUCT = sorted(
    [
        *(PACKAGE / "services").rglob("*.py"),
        *(PACKAGE / "qbwc").rglob("*.py"),
        PACKAGE / "models.py",
        PACKAGE / "startup.py",
    ]
)
LOADED = f"sorted(m for m in sys.modules if m.startswith({SIMULATOR!r}))"  # in a subprocess


def module_of(path: Path) -> str:
    """`erp_dashboard/services/jobs.py` -> `erp_dashboard.services.jobs`."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported(source: str, module: str) -> set[str]:
    """The modules and names `source` (module `module`) imports anywhere, in a function too;
    relative imports resolved, `from erp_dashboard import simulator` counted as both
    `erp_dashboard` and `erp_dashboard.simulator`."""
    package = module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve_name("." * node.level + (node.module or ""), package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def simulator_imports(source: str, module: str) -> set[str]:
    """The simulator's modules `source` (module `module`) imports."""
    names = imported(source, module)
    return {name for name in names if name == SIMULATOR or name.startswith(f"{SIMULATOR}.")}


def run(code: str, **env: str):
    """What `code` prints last (JSON) in a fresh interpreter at the repository root, neither
    demo data nor QBD_MODE set unless given."""
    clean = {k: v for k, v in os.environ.items() if k not in {"ERP_DEMO_DATA", "QBD_MODE"}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "source",
    [
        "import erp_dashboard.simulator",
        "import erp_dashboard.simulator.quickbooks as qb",
        "from erp_dashboard.simulator.quickbooks import add_customer",
        "from erp_dashboard import simulator",
        "from ..simulator import demo_seed",
        "def later():\n    from erp_dashboard.simulator.company import SimListItem",
    ],
)
def test_the_check_sees_every_way_to_import_the_simulator(source):
    assert simulator_imports(source, "erp_dashboard.services.jobs")


def test_the_check_ignores_other_modules():
    source = "from erp_dashboard import models, simulator_free\nfrom . import jobs, simulator_x"
    assert simulator_imports(source, "erp_dashboard.services.jobs") == set()


def test_services_qbwc_models_and_startup_never_import_the_simulator():
    found = {
        str(path.relative_to(ROOT)): sorted(names)
        for path in PRODUCT
        if (names := simulator_imports(path.read_text(), module_of(path)))
    }
    assert len(PRODUCT) > 20  # the globs found the packages
    assert found == {}


def test_importing_the_product_loads_no_simulator_module():
    imports = "".join(f"import {module_of(path)}; " for path in PRODUCT)
    assert run(f"import json, sys; {imports}print(json.dumps({LOADED}))") == []


def test_names_import_nothing_from_the_app():
    path = PACKAGE / "names.py"
    found = imported(path.read_text(), module_of(path))
    assert found  # the check reads its imports
    assert {name for name in found if name.partition(".")[0] == "erp_dashboard"} == set()


@pytest.fixture(scope="module")
def app_db(tmp_path_factory) -> str:
    """A SQLite file the app's starts below migrate (the first) and share."""
    return f"sqlite:///{tmp_path_factory.mktemp('start') / 'erp.db'}"


SIMULATOR_START = [
    SIMULATOR,
    *(f"{SIMULATOR}.{m}" for m in ("background", "company", "quickbooks", "web_connector")),
]


@pytest.mark.parametrize(
    ("env", "loaded"),
    [
        ({}, []),  # a production start: a real Web Connector, no demo data
        ({"QBD_MODE": "simulator"}, SIMULATOR_START),  # without demo data: no demo_seed
    ],
)
def test_only_a_simulator_start_loads_the_simulator(app_db, env, loaded):
    """The app module as a worker imports it: it migrates, then registers its loops."""
    tasks = "[getattr(t, '__name__', '') for t in app.get_lifespan_tasks()]"
    started = run(
        "import json, sys; from erp_dashboard.erp_dashboard import app; "
        f"print(json.dumps({{'tasks': {tasks}, 'loaded': {LOADED}}}))",
        REFLEX_DB_URL=app_db,
        **env,
    )
    assert started["loaded"] == loaded
    assert ("simulated_web_connector" in started["tasks"]) is bool(loaded)
    assert "purge_loop" in started["tasks"]


def defined(path: Path) -> set[str]:
    """The names a module defines at its top level (functions, classes, constants)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign):
            found.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return found


SERVICES = PACKAGE / "services"


def test_the_outbox_page_reads_outbox_and_mail_delivery_only_delivers():
    read_model = {"outbox_page", "OutboxPage", "EmailView", "DELIVERY_WORDS", "requeue"}
    assert read_model <= defined(SERVICES / "outbox.py")
    assert read_model & defined(SERVICES / "mail_delivery.py") == set()
    assert "deliver_due" in defined(SERVICES / "mail_delivery.py")


def test_the_web_connector_holds_the_session_and_imports_keeps_what_the_sync_finds():
    path = SERVICES / "web_connector.py"
    discovery = {"request_customer_sync", "discover", "retire_customers"}
    assert discovery <= defined(SERVICES / "imports.py")
    assert discovery & defined(path) == set()
    assert "WebConnector" in defined(path)
    tables = {f"erp_dashboard.models.{table}" for table in ("Customer", "QbJob", "Project")}
    assert tables & imported(path.read_text(), module_of(path)) == set()


def test_the_daily_summary_is_written_by_notifications():
    path = SERVICES / "daily_summary.py"
    assert "erp_dashboard.models.Email" not in imported(path.read_text(), module_of(path))


def query_strings(source: str) -> list[str]:
    """String pieces (docstrings aside) that spell an address's query, like "?search=" in
    f"/projects?search={n}"."""
    tree = ast.parse(source)
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in docs
        and re.search(r"[?&]\w+=", n.value)
    ]


def test_addresses_are_built_by_routes_not_by_hand():
    assert query_strings('def f(n):\n    """/jobs?filter="""\n    return f"/x?search={n}"')
    found = {
        str(path.relative_to(ROOT)): strings
        for path in [*SERVICES.rglob("*.py"), *(PACKAGE / "components").rglob("*.py")]
        if (strings := query_strings(path.read_text()))
    }
    assert found == {}
