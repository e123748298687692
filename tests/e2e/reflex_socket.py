"""A browser tab over socket.io, speaking the Reflex 0.10 protocol of `.web/utils/state.js`.

* connect to `/_event?token=<tab token>` with `auth={"event": hydrate_and_load}` (the
  hydrate event rides in the CONNECT packet; the session cookie goes in its `vars`, as
  the browser sends it);
* each user action is one `event` message `{name, payload, router_data}`;
* the server answers with `event` messages `{delta, events}`.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import socketio
from reflex.state import OnLoadInternalState, State

from erp_dashboard.config import ROOT
from erp_dashboard.states.session import SessionState

COOKIE_VAR = f"{SessionState.get_full_name()}.token_rx_state_"
NAMESPACE = "/_event"  # the socket.io path *and* namespace (io("ws://host/_event"))
ROOT_STATE = State.get_full_name()
HYDRATED = "is_hydrated_rx_state_"


def router(path: str) -> dict:
    """The `router_data` the browser attaches (state.js `withRouterData`)."""
    pathname, _, query = path.partition("?")
    data = {"pathname": pathname, "asPath": path}
    if query:
        data["query"] = dict(p.split("=", 1) for p in query.split("&"))
    return data


def initial_hashes() -> list[str] | None:
    """The compiled-state hashes a first hydrate sends, read from the built front end."""
    context = ROOT / ".web" / "utils" / "context.jsx"
    found = re.search(r"initialStateHashes = (\[.*?\])", context.read_text())
    return json.loads(found.group(1)) if found else None


class ReflexSocket:
    """One tab's socket: `session_token` is the cookie it sends ("" for nobody)."""

    def __init__(self, base: str, session_token: str):
        self.base, self.session_token = base, session_token
        self.client_token = str(uuid.uuid4())
        self.path = ""
        self.sio = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[dict] = asyncio.Queue()
        self.sio.on("event", self.inbox.put_nowait, namespace=NAMESPACE)
        self._hydrated = True

    def event(self, name: str, payload: dict | None = None) -> dict:
        return {"name": name, "payload": payload or {}, "router_data": router(self.path)}

    async def emit(self, name: str, payload: dict | None = None) -> None:
        """Send one event, as state.js `applyEvent` does."""
        await self.sio.emit("event", self.event(name, payload), namespace=NAMESPACE)

    async def connect(self, path: str) -> None:
        """Open `path`: connect with the hydrate (and on_load) event in the CONNECT packet."""
        self.path = path
        payload = {"vars": {COOKIE_VAR: self.session_token}}
        if hashes := initial_hashes():
            payload["hashes"] = hashes
        await self.sio.connect(
            f"{self.base}?token={self.client_token}",
            auth={"event": self.event(f"{ROOT_STATE}.hydrate_and_load", payload)},
            transports=["websocket"],
            namespaces=[NAMESPACE],
            socketio_path=NAMESPACE,
            wait_timeout=30,
        )

    async def settle(self, timeout: float = 60) -> list[dict]:
        """Every update until the server has handled all events sent so far: a marker
        event (flipping `is_hydrated`) is queued behind them and its delta awaited."""
        self._hydrated = not self._hydrated
        name = f"{OnLoadInternalState.get_full_name()}.set_is_hydrated"
        await self.emit(name, {"value": self._hydrated})
        updates = []
        async with asyncio.timeout(timeout):
            while True:
                update = await self.inbox.get()
                updates.append(update)
                root = (update.get("delta") or {}).get(ROOT_STATE, {})
                if root.get(HYDRATED) is self._hydrated:
                    return updates

    async def close(self) -> None:
        """Disconnect, as closing the tab does."""
        await self.sio.disconnect()
