"""Every event of every app state, forged over the websocket: as nobody, as a Viewer, and
as an approver and a Project Admin with hostile arguments. None may change the database,
raise in the app, or drop the socket.

The events come from Reflex's own registry (the `event_handlers` of each `rx.State`
subclass defined in `erp_dashboard/states/`), so a new handler is covered without
touching this file; arguments are named after the handler's signature.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import re
import time
import typing

import pytest
from reflex.state import State
from sqlalchemy import text
from sqlmodel import Session, select

from erp_dashboard import states
from erp_dashboard.db import engine_for
from erp_dashboard.models import Customer, Email, Project, User
from erp_dashboard.services import auth
from tests.e2e.harness import running_app
from tests.e2e.reflex_socket import ReflexSocket

PASSWORD = "demo-password"
WATCHED = [
    "project",
    "user",
    "email_outbox",
    "erp_event",
    "qb_work_item",
    "api_token",
    "people_event",
    "app_setting",
]
FORM_KEYS = [  # the fields any form handler reads, the longest-checked first
    "email",
    "password",
    "person_name",
    "comment",
    "token_name",
    "from",
    "name",
    "description",
    "number",
    "role",
    "to",
]
MAX_PAYLOAD = 1_000_000  # engine.io closes a socket whose message is longer (maxPayload)
FIT = MAX_PAYLOAD // 100_001  # 100 KB fields that fit in one message
LAST = {"sign_out"}  # ends the tab's session: sent after every other event
LOADERS = {"open_page", "load"}  # what opening each page runs
APP_ERROR = re.compile(r"Traceback \(most recent|Backend Exception|^\s*[\w.]*(Error|Exception): ")


def _state_modules() -> list[str]:
    """The modules of `erp_dashboard/states/` that define a state (not a mixin), each
    imported (so its states register with Reflex)."""
    found = []
    for info in pkgutil.iter_modules(states.__path__, f"{states.__name__}."):
        module = importlib.import_module(info.name)
        if any(
            inspect.isclass(v)
            and issubclass(v, State)
            and not v._mixin  # a mixin's events are its users'
            and v.__module__ == info.name
            for v in vars(module).values()
        ):
            found.append(info.name)
    return found


def app_events() -> list[tuple[str, str, dict[str, type]]]:
    """(state full name, handler, {argument: annotation}) of every app-defined event of
    every state in `erp_dashboard/states/`."""
    _state_modules()
    found = []
    for cls in State.get_substates():
        if not cls.__module__.startswith("erp_dashboard.states."):
            continue
        for name, handler in cls.event_handlers.items():
            if not handler.fn.__module__.startswith("erp_dashboard.states."):
                continue  # Reflex's own (setvar)
            params = list(inspect.signature(handler.fn).parameters)[1:]
            hints = typing.get_type_hints(handler.fn)  # the declared type's base: int, str, …
            found.append((cls.get_full_name(), name, {p: hints[p] for p in params}))
    return sorted(found, key=lambda e: (e[1] in LAST, e[0], e[1]))


def _form(value, keys: int = len(FORM_KEYS)) -> dict:
    """A form with `value` in its first `keys` fields ("x" in the rest)."""
    return {k: value if i < keys else "x" for i, k in enumerate(FORM_KEYS)}


def _hostile(kind: str, ann: str, other_id: int):
    """One hostile value of `kind` for an argument annotated `ann`."""
    digits = "9" * 5000
    typed = {  # per annotation: int, str, bool, dict
        "nul": ("1\x00", "a\x00b", "\x00", _form("a\x00b")),
        "100 KB": ("1" * 100_000, "x" * 100_000, "x" * 100_000, _form("x" * 100_000, FIT)),
        "5,000 digits": (digits, digits, digits, _form(digits)),
        "true": (True, True, "true", True),
        "null": (None, None, None, None),
        "dict": ({"id": 1}, {"a": "b"}, {"a": True}, "a string"),
        "list": ([1, 2], ["a"], [True], [["email", "x"]]),
        "negative id": (-1, "no-such-value", "false", _form(["x"])),
        "huge id": (2**63, "no-such-value", "false", _form(["x"])),
        "other row's id": (other_id, "no-such-value", "false", _form(["x"])),
    }[kind]
    return typed[["int", "str", "bool", "dict"].index(ann)]


HOSTILE = [
    "nul",
    "100 KB",
    "5,000 digits",
    "true",
    "null",
    "dict",
    "list",
    "negative id",
    "huge id",
    "other row's id",
]


def _plausible(name: str, ann: str, ids: dict) -> object:
    """A value that would be accepted from someone allowed to send the event."""
    by_name = {
        "decision": "accept",
        "action": "import",
        "job_list": "ready_to_export",
        "column": "name",
        "size": "50",
        "role": "admin",
        "field": "name",
        "list_id": ids["list_id"],
        "full_name": ids["customer"],
        "email_id": str(ids["email"]),
        "user_id": ids["approver"],
        "token_id": 1,
        "page": 2,
        "wanted": False,  # each switch away from its default, so a write would show
        "active": False,
        "admin": True,
        "on": False,
        "is_open": True,
        "form": {
            "email": "approver@example.com",
            "password": "not-the-password",
            "person_name": "Forged Person",
            "role": "admin",
            "comment": "forged",
            "token_name": "forged",
            "from": "2026-01-01",
            "to": "2026-01-31",
            "name": "Forged Project",
            "number": "P-FORGED",
            "description": "forged",
        },
    }
    if name in by_name:
        return by_name[name]
    return {"int": ids["project"], "str": "harbor", "bool": True, "dict": {}}[ann]


def _kind(ann) -> str:
    ann = (typing.get_origin(ann) or ann).__name__
    assert ann in ("int", "str", "bool", "dict"), f"no hostile values for {ann!r}"
    return ann


def snapshot(db_url: str, own: int | None = None) -> dict[str, dict[str, dict]]:
    """Each watched table's rows (column → value), by their first column (the key). The
    sender's own daily-summary choice is left out: everyone may opt out of their own
    summary (tests/test_authorization_matrix.py)."""
    out = {}
    with engine_for(db_url).connect() as conn:
        for table in WATCHED:
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            out[table] = {repr(next(iter(r.values()))): dict(r) for r in rows}
    if own is not None:
        out["user"][repr(own)].pop("daily_summary")
    return out


def difference(before: dict, after: dict) -> str:
    """Per table that changed: the rows gone, the rows new, the columns changed."""
    parts = []
    for table in WATCHED:
        old, new = before[table], after[table]
        gone, added = old.keys() - new.keys(), new.keys() - old.keys()
        edited = {
            key: {c: (old[key][c], v) for c, v in new[key].items() if old[key][c] != v}
            for key in old.keys() & new.keys()
            if old[key] != new[key]
        }
        if gone or added or edited:
            shown = [new[k] for k in list(added)[:2]]
            parts.append(f"{table}: gone {sorted(gone)}, new {shown}, changed {edited}"[:800])
    return "; ".join(parts)


def _ids(db_url: str) -> dict:
    """Real rows the forged events name."""
    with Session(engine_for(db_url)) as s:
        ready = s.exec(select(Project).where(Project.erp_state == "ready_to_export")).first()
        synced = s.exec(select(Project).where(Project.erp_state == "synced")).first()
        customer = s.exec(select(Customer)).first()
        approver = s.exec(select(User).where(User.email == "approver@example.com")).one()
        email = s.exec(select(Email)).first()
        return {
            "project": ready.id,
            "other": synced.id,
            "list_id": customer.list_id,
            "customer": customer.full_name,
            "approver": approver.id,
            "email": email.id,
        }


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app with demo data, its log, and the test process pointed at its database."""
    folder = tmp_path_factory.mktemp("app-security")
    db_url, log = f"sqlite:///{folder / 'erp.db'}", folder / "app.log"
    with (
        running_app({"REFLEX_DB_URL": db_url}, log) as (base, _pid),
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("REFLEX_DB_URL", db_url)
        _wait_for_customer_sync(db_url)
        yield base, db_url, log


def _wait_for_customer_sync(db_url: str) -> None:
    """Until the simulated Web Connector has read QuickBooks' customers once (its next
    read is minutes away), so nothing but the forged events writes meanwhile."""
    for _ in range(600):
        with engine_for(db_url).connect() as conn:
            done = "SELECT count(*) FROM qbwc_session WHERE sync_finished_at IS NOT NULL"
            if conn.execute(text(done)).scalar():
                return
        time.sleep(0.2)
    raise AssertionError("the simulated Web Connector never finished a customer sync")


async def _forge(base: str, token: str, events: list, check) -> int:
    """Send each (label, full name, payload) of `events` on one tab, waiting until the app
    has handled it, then `check(label)`; how many were sent."""
    tab = ReflexSocket(base, token)
    await tab.connect("/login")
    try:
        await tab.settle()
        for label, name, payload in events:
            await tab.emit(name, payload)
            await tab.settle()
            assert tab.sio.connected, f"{label}: the socket was dropped"
            check(label)
        for _ in range(3):  # a write may land after the marker's answer: look again
            await tab.settle()
            check(f"{events[-1][0]} (or just before)")
    finally:
        await tab.close()
    return len(events)


def test_no_forged_event_is_accepted_or_raises(served):
    """Nobody and a Viewer send every event with plausible arguments; an approver and a
    Project Admin send every event that takes arguments with each hostile set, on a tab
    whose pages were first loaded (`LOADERS`, checked too but not counted)."""
    base, db_url, log = served
    events = app_events()
    with_args = [e for e in events if e[2]]
    loaders = [e for e in events if e[1] in LOADERS]
    assert {module.rsplit(".", 1)[-1] for module in _state_modules()} <= {
        e[0].rsplit("____", 1)[-1].removesuffix("_state") for e in events
    }, "a state module has no events"
    ids = _ids(db_url)
    runs = [("nobody", "", None), ("Viewer", "manager@example.com", None)]
    runs += [
        (f"{who} / {kind}", email, kind)
        for who, email in (("approver", "approver@example.com"), ("admin", "admin@example.com"))
        for kind in HOSTILE
    ]
    before, read, own = snapshot(db_url), log.stat().st_size, None
    tried, changed, raised = 0, [], []

    def check(label: str) -> None:
        """The database as it was, and no error in the app's log (a write or a log line
        may land an event later: the label is where it was noticed)."""
        nonlocal before, read
        if (after := snapshot(db_url, own)) != before:
            changed.append(f"{label} changed {difference(before, after)}")
            before = after
        new = log.read_bytes()[read:].decode(errors="replace")
        read += len(new.encode())
        if errors := [line.strip() for line in new.splitlines() if APP_ERROR.search(line)]:
            raised.append(f"{label} logged {errors[-1][:300]}")

    for who, email, kind in runs:
        check(f"before {who}'s first event")
        token = auth.sign_in(email, PASSWORD) if email else ""
        own = auth.actor_for(token).id if email else None
        before = snapshot(db_url, own)
        forged = []
        if kind is None:
            for state, handler, args in events:
                payload = {a: _plausible(a, _kind(t), ids) for a, t in args.items()}
                forged.append((f"{who}: {handler}{tuple(args)}", f"{state}.{handler}", payload))
            setup = []
        else:
            setup = [(f"{who}: {h} (setup)", f"{st}.{h}", {}) for st, h, _ in loaders]
            for state, handler, args in with_args:
                payload = {a: _hostile(kind, _kind(t), ids["other"]) for a, t in args.items()}
                forged.append((f"{who}: {handler}{tuple(args)}", f"{state}.{handler}", payload))
        tried += asyncio.run(_forge(base, token, setup + forged, check)) - len(setup)
    check("after the last event")
    print(
        f"forged {tried} events: {len(events)} handlers as nobody and as a Viewer, and the "
        f"{len(with_args)} that take arguments × {len(HOSTILE)} hostile sets × 2 roles"
    )
    assert tried == 2 * len(events) + 2 * len(HOSTILE) * len(with_args)
    assert len(with_args) > len(events) / 2
    assert not changed, "\n".join(changed)
    assert not raised, "\n".join(raised)
