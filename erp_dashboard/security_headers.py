"""Security headers on every HTTP response the app serves: pages, assets, /qbwc, /api, CSV.

No page may be framed (clickjacking), nothing is sniffed into another type, the address is
not sent to other sites, and over https browsers are told to stay on https. A header a
route sets itself is left as it is.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")


def security_headers(app: ASGIApp) -> ASGIApp:
    """`app` with HEADERS (and HSTS when the request came over https) on every response;
    websockets pass through untouched. Use as `rx.App(api_transformer=[..., this])`."""

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        wanted = HEADERS + ((HSTS,) if scope.get("scheme") == "https" else ())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [header for header in wanted if header[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers
