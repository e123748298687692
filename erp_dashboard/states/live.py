"""The one per-tab watch: while a tab shows a page, pass this worker's change feed to it.

A page state that shows live data declares `_live_gen: str = ""` and
`_live_token: str = ""` (the session the watch checks, kept so that a live update need
not load the session state) and two hooks, both called while the watch holds the state:

    async def _live_read(self) -> live.Read    # what a reload of this tab reads
    def _live_apply(self, result, health: Health | None) -> None
        # show `result` (the read's, or None when projects did not change) and `health`
        # (None when it did not change)

and a background event that runs `follow`; its on_load ends with
`return State.watch(await live.begin(self))`:

    @rx.event(background=True)
    async def watch(self, gen: str):
        return await live.follow(self, gen, routes.JOBS)

Each on_load makes a new generation, so a reload, a navigation or a reconnect (on this
worker or another) starts one watch and every older one ends at its next wake. A watch
reads nothing while idle; on a change, tabs showing the same thing share one read (each
tab's session is still checked), and each tab takes its state once to apply it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import reflex as rx
from reflex.utils import prerequisites

from erp_dashboard.change_feed import FEED, Change
from erp_dashboard.services import auth
from erp_dashboard.services.errors import NotSignedIn
from erp_dashboard.states.session import asked_for, session_token

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0  # how often an idle watch checks that its tab is still connected here
CATCH_UP_SECONDS = 2.0  # a change this recent may have landed after the page's own read


@dataclasses.dataclass(frozen=True)
class Read:
    """A tab's reload: `fn(*args)` in a worker thread, shared by every tab with the same
    `key`, once the tab's session `token` is checked."""

    token: str
    key: tuple
    fn: Callable[..., Any]
    args: tuple


async def begin(state: rx.State) -> str:
    """A new watch generation for `state` (call in on_load); older watches of it end."""
    state._live_gen = uuid.uuid4().hex
    state._live_token = await session_token(state)
    return state._live_gen


def route_of(path: str) -> str:
    """A path as a route: no query string, no trailing slash."""
    return urlsplit(path).path.rstrip("/") or "/"


def is_connected(client_token: str, sid: str) -> bool:
    """True while the tab behind `client_token` holds websocket `sid` to this worker."""
    namespace = prerequisites.get_app().app.event_namespace
    return namespace is not None and namespace.token_to_sid.get(client_token) == sid


class _Reads:
    """This worker's reads since the feed's last projects change, by key."""

    at = -1
    futures: dict[tuple, asyncio.Future] = {}


async def shared(key: tuple, fn: Callable[..., Any], *args) -> Any:
    """`fn(*args)` in a worker thread, once per change for every caller with `key`
    (a failed read is not shared: each caller then reads with its own arguments)."""
    if _Reads.at != FEED.mark().projects:
        _Reads.at, _Reads.futures = FEED.mark().projects, {}
    if key not in _Reads.futures:
        _Reads.futures[key] = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(_Reads.futures[key])
    except Exception:
        return await asyncio.to_thread(fn, *args)


class _Sessions:
    """Session checks asked for in this turn of the event loop, answered by one query."""

    pending: dict[str, asyncio.Future] = {}


async def _check_session(token: str) -> None:
    """Raise NotSignedIn unless `token` is a live session; the tabs woken by one change
    share one query for all their tokens."""
    future = _Sessions.pending.get(token)
    if future is None:
        if not _Sessions.pending:
            asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(_check_all()))
        future = _Sessions.pending[token] = asyncio.get_running_loop().create_future()
    found = await asyncio.shield(future)
    if isinstance(found, NotSignedIn):
        raise found


async def _check_all() -> None:
    pending, _Sessions.pending = _Sessions.pending, {}
    try:
        found = await asyncio.to_thread(auth.actors_for, list(pending))
    except Exception as exc:  # the database is away: each tab's reload fails alone
        found = dict.fromkeys(pending, exc)
    for token, future in pending.items():
        if isinstance(found[token], Exception) and not isinstance(found[token], NotSignedIn):
            future.set_exception(found[token])
        else:
            future.set_result(found[token])


async def _reload(read: Read) -> Any:
    await _check_session(read.token)
    with auth.watching():  # an update the user did not ask for is not their activity
        return await shared(read.key, read.fn, *read.args)


async def follow(state: rx.State, gen: str, route: str):
    """Apply each change to `state` while generation `gen` shows `route` on this worker."""
    mark = FEED.mark()
    async with state:
        if state._live_gen != gen:  # an old or forged watch: not this tab's
            return None
        client, sid = state.router.session.client_token, state.router.session.session_id
        read = await state._live_read()
    change: Change | None = Change(FEED.changed_within(CATCH_UP_SECONDS), mark.health)
    while True:
        if change is not None:
            result = None
            if change.projects:
                try:
                    result = await _reload(read)
                except NotSignedIn as err:  # back here after signing in again
                    async with state:
                        return rx.redirect(auth.sign_in_path(asked_for(state), err.reason))
                except Exception:  # one failed read must not end the tab's updates
                    log.exception("Live reload of %s failed", type(state).__name__)
            async with state:
                if state._live_gen != gen or route_of(state.router.url.path) != route:
                    return None
                now = await state._live_read()
                if now == read:
                    state._live_apply(result, change.health)
            if now != read:  # the tab changed its view meanwhile: read that one
                read = now
                continue
        if not is_connected(client, sid):
            return None
        change, mark = await FEED.next(mark, CHECK_SECONDS)
