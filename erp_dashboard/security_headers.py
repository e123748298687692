"""Security headers on every HTTP response the app serves: pages, assets, /qbwc, /api, CSV.

No page may be framed (clickjacking), nothing is sniffed into another type, the address is
not sent to other sites, over https browsers are told to stay on https, and the
Content-Security-Policy lets a page run only this server's scripts and the inline scripts
it was served with. A header a route sets itself is left as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from base64 import b64encode
from functools import lru_cache
from html.parser import HTMLParser

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
CSP = b"content-security-policy"
# Only this origin; no plugins, no <base> or form posts elsewhere, no framing. Two
# exceptions the built page needs:
# - style-src 'unsafe-inline': emotion (Reflex's CSS-in-JS) and Radix's scroll lock (open
#   dialogs and menus) insert <style> elements with run-time CSS, which no hash can know;
# - script-src 'unsafe-eval': Reflex's state.js runs rx.call_script with eval(), which the
#   app uses (Jobs address bar, focusing an invalid Projects field, selecting a new token).
# script-src also gets the sha256 of each inline <script> of the page (React Router's and
# Reflex's boot scripts), connect-src the websocket of the host the page was asked from.
POLICY = (
    b"default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    b"frame-ancestors 'none'; style-src 'self' 'unsafe-inline'; "
    b"script-src 'self' 'unsafe-eval'"
)
HOST = re.compile(rb"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class _InlineScripts(HTMLParser):
    """The text of each <script> without src, as the browser hashes it."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and all(name != "src" for name, _ in attrs):
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._text is not None:
            self.texts.append("".join(self._text))
            self._text = None


@lru_cache(maxsize=64)
def _script_hashes(body: bytes, encoding: bytes) -> bytes:
    """` 'sha256-…'` for each inline script of an HTML body, plain or gzip (the only
    encoding Reflex precompresses pages with here)."""
    html = gzip.decompress(body) if encoding == b"gzip" else body
    parser = _InlineScripts()
    parser.feed(html.decode(errors="replace"))
    parser.close()
    digests = (hashlib.sha256(text.encode()).digest() for text in parser.texts)
    return b"".join(b" 'sha256-" + b64encode(digest) + b"'" for digest in digests)


def _policy(scope: Scope, scripts: bytes) -> bytes:
    """POLICY with the page's script hashes and a connect-src for the websocket of the
    requested host (wss, and ws unless the request came over https)."""
    host = dict(scope["headers"]).get(b"host", b"")
    sockets = b""
    if HOST.fullmatch(host):
        sockets = (
            b" wss://" + host
            if scope.get("scheme") == "https"
            else b" ws://%s wss://%s" % (host, host)
        )
    return POLICY + scripts + b"; connect-src 'self'" + sockets


def security_headers(app: ASGIApp) -> ASGIApp:
    """`app` with HEADERS, the CSP (and HSTS when the request came over https) on every
    response; an HTML body is held back until its inline scripts are hashed; a 304 gets no
    CSP (the browser keeps the one stored with the body); websockets pass through
    untouched. Use as `rx.App(api_transformer=[..., this])`."""

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        wanted = HEADERS + ((HSTS,) if scope.get("scheme") == "https" else ())
        held: Message | None = None
        encoding, chunks = b"", []

        async def send_with_headers(message: Message) -> None:
            nonlocal held, encoding
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                given = {name.lower(): value for name, value in headers}
                headers += [header for header in wanted if header[0] not in given]
                message = {**message, "headers": headers}
                if CSP in given or message["status"] == 304:
                    await send(message)
                elif given.get(b"content-type", b"").startswith(b"text/html"):
                    held, encoding = message, given.get(b"content-encoding", b"")
                else:
                    headers.append((CSP, _policy(scope, b"")))
                    await send(message)
                return
            if held is None:
                await send(message)
                return
            if message["type"] == "http.response.pathsend":  # granian's zero-copy file
                chunks.append(await anyio.Path(message["path"]).read_bytes())
            else:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
            body = b"".join(chunks)
            held["headers"].append((CSP, _policy(scope, _script_hashes(body, encoding))))
            await send(held)
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, send_with_headers)

    return with_headers
