"""How the built frontend reaches the browser quickly and stays current after a deploy.

- A page address (`/jobs?filter=…`) is served its page at once. The static files server
  would first answer 307 to `/jobs/`, one more round trip on every page load.
- Scripts and styles under `/assets/` carry a hash of their content in their names, so
  the browser may keep them a year without asking again (`immutable`): a warm page load
  then makes no request for its ~30 scripts instead of one 304 each.
- Pages and the unhashed files beside them (`/keys.js`, `/theme.css`, …) are checked with
  the server on every use (`no-cache`; a 304 when unchanged), so a deploy shows at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHE_CONTROL = b"cache-control"
HASHED = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
ASSETS = "/assets/"


def page_delivery(pages: Iterable[str]):
    """An `api_transformer` for the page addresses `pages` (e.g. "/jobs")."""
    slashed = {page: page + "/" for page in pages if page != "/"}

    def transform(app: ASGIApp) -> ASGIApp:
        async def deliver(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
                await app(scope, receive, send)
                return
            path = scope["path"]
            if path in slashed:
                scope = {**scope, "path": slashed[path], "raw_path": slashed[path].encode()}
            policy = HASHED if path.startswith(ASSETS) else REVALIDATE

            async def send_with_cache_control(message: Message) -> None:
                if message["type"] == "http.response.start" and message["status"] in (200, 304):
                    headers = list(message.get("headers", []))
                    if all(name.lower() != CACHE_CONTROL for name, _ in headers):
                        message = {**message, "headers": [*headers, (CACHE_CONTROL, policy)]}
                await send(message)

            await app(scope, receive, send_with_cache_control)

        return deliver

    return transform
