"""Every HTTP response carries the security headers; a route's own header wins."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from erp_dashboard.security_headers import security_headers


def _app() -> Starlette:
    async def page(request):
        return PlainTextResponse("hello")

    async def own(request):
        return PlainTextResponse("mine", headers={"Referrer-Policy": "no-referrer"})

    return Starlette(routes=[Route("/", page), Route("/own", own)])


def test_every_response_gets_the_headers_and_https_also_hsts():
    plain = TestClient(security_headers(_app()), base_url="http://testserver").get("/")
    assert plain.headers["x-frame-options"] == "DENY"
    assert plain.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert plain.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in plain.headers
    secure = TestClient(security_headers(_app()), base_url="https://testserver").get("/")
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    missing = TestClient(security_headers(_app())).get("/nowhere")
    assert missing.status_code == 404 and missing.headers["x-frame-options"] == "DENY"


def test_a_header_the_route_sets_is_kept():
    reply = TestClient(security_headers(_app())).get("/own")
    assert reply.headers.get_list("referrer-policy") == ["no-referrer"]
    assert reply.headers["x-frame-options"] == "DENY"
