"""Whether a browser tab is still connected to this worker."""

from __future__ import annotations

from reflex.utils import prerequisites


def is_connected(client_token: str) -> bool:
    """True while the tab behind `client_token` holds a websocket to this worker."""
    namespace = prerequisites.get_app().app.event_namespace
    return namespace is not None and client_token in namespace.token_to_sid
