"""Every HTTP response carries the security headers; a route's own header wins. An HTML
page's CSP names the hashes of its inline scripts; ERP_PUBLIC_URL gives the one origin."""

from __future__ import annotations

import gzip

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from erp_dashboard.config import ConfigError, public_origin
from erp_dashboard.security_headers import security_headers

PAGE = (
    "<!DOCTYPE html><html><head><script src='/assets/app.js'></script>"
    "<script>alert('Hello, world.');</script></head><body><p>hi</p></body></html>"
)
HELLO = "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"  # MDN's example hash
BASE = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-eval'"
)


def _app() -> Starlette:
    async def page(request):
        return PlainTextResponse("hello")

    async def own(request):
        return PlainTextResponse("mine", headers={"Referrer-Policy": "no-referrer"})

    async def html(request):
        return HTMLResponse(PAGE)

    async def zipped(request):
        return Response(
            gzip.compress(PAGE.encode()),
            media_type="text/html",
            headers={"Content-Encoding": "gzip"},
        )

    async def own_policy(request):
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": "sandbox"})

    async def not_modified(request):
        return Response(status_code=304, headers={"ETag": '"1"'})

    return Starlette(
        routes=[
            Route("/", page),
            Route("/own", own),
            Route("/page", html),
            Route("/zipped", zipped),
            Route("/own-policy", own_policy),
            Route("/cached", not_modified),
        ]
    )


def test_every_response_gets_the_headers_and_https_also_hsts():
    plain = TestClient(security_headers(_app()), base_url="http://testserver").get("/")
    assert plain.headers["x-frame-options"] == "DENY"
    assert plain.headers["content-security-policy"] == (
        f"{BASE}; connect-src 'self' ws://testserver wss://testserver"
    )
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert plain.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in plain.headers
    secure = TestClient(security_headers(_app()), base_url="https://testserver").get("/")
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    assert secure.headers["content-security-policy"].endswith(
        "; connect-src 'self' wss://testserver"
    )
    missing = TestClient(security_headers(_app())).get("/nowhere")
    assert missing.status_code == 404 and missing.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in missing.headers["content-security-policy"]


def test_a_header_the_route_sets_is_kept():
    reply = TestClient(security_headers(_app())).get("/own")
    assert reply.headers.get_list("referrer-policy") == ["no-referrer"]
    assert reply.headers["x-frame-options"] == "DENY"
    page = TestClient(security_headers(_app())).get("/own-policy")
    assert page.headers.get_list("content-security-policy") == ["sandbox"]
    assert page.text == PAGE


@pytest.mark.parametrize("path", ["/page", "/zipped"])
def test_a_page_may_run_its_own_inline_scripts_only(path):
    reply = TestClient(security_headers(_app())).get(path)
    assert reply.text == PAGE  # passed on whole (and unzipped by the client)
    assert reply.headers["content-security-policy"] == (
        f"{BASE} {HELLO}; connect-src 'self' ws://testserver wss://testserver"
    )


def test_a_page_sent_as_a_file_is_hashed_too(tmp_path):
    """Granian hands files over as `http.response.pathsend`; the page is read to hash it."""
    file = tmp_path / "index.html"
    file.write_text(PAGE)

    async def app(scope, receive, send):
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(file)})

    reply = TestClient(security_headers(app)).get("/")
    assert reply.text == PAGE
    assert f"'unsafe-eval' {HELLO};" in reply.headers["content-security-policy"]


def test_a_not_modified_answer_leaves_the_stored_policy_alone():
    reply = TestClient(security_headers(_app())).get("/cached")
    assert reply.status_code == 304 and reply.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in reply.headers


def test_a_forged_host_adds_no_source():
    reply = TestClient(security_headers(_app())).get("/", headers={"Host": "x; script-src *"})
    assert reply.headers["content-security-policy"] == f"{BASE}; connect-src 'self'"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://ERP.example.com/", "https://erp.example.com"),
        ("https://erp.example.com:443/jobs", "https://erp.example.com"),
        ("http://127.0.0.1:3917", "http://127.0.0.1:3917"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("", None),
    ],
)
def test_the_public_origin_is_what_a_browser_sends(monkeypatch, url, origin):
    monkeypatch.setenv("ERP_PUBLIC_URL", url)
    assert public_origin() == origin


def test_a_public_url_without_a_scheme_stops_the_start(monkeypatch):
    monkeypatch.setenv("ERP_PUBLIC_URL", "erp.example.com")
    with pytest.raises(ConfigError, match="ERP_PUBLIC_URL"):
        public_origin()
