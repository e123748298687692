"""Pages are served at their own address (no slash redirect) and revalidated; hashed assets
are kept a year; what a route says of caching itself wins; nothing but GET and HEAD changes."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from erp_dashboard import routes
from erp_dashboard.page_delivery import page_delivery

YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def client(tmp_path):
    """Reflex's layout of a built frontend: a folder per page, hashed /assets/, files
    beside them, served by Starlette's StaticFiles in html mode as Reflex does."""
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "index.html").write_text("<p>jobs page</p>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "entry.client-BW7OzoOE.js").write_text("export {}")
    (tmp_path / "keys.js").write_text("// keys")

    async def api(request):
        return PlainTextResponse("rows", headers={"Cache-Control": "no-store"})

    async def echo(request):
        return PlainTextResponse(request.url.path)

    app = Starlette(
        routes=[
            Route("/api/v1/projects", api),
            Route("/people", echo, methods=["POST"]),
            Mount("/", StaticFiles(directory=tmp_path, html=True)),
        ]
    )
    return TestClient(page_delivery(routes.PAGES)(app), follow_redirects=False)


def test_a_page_address_is_served_its_page_without_a_redirect(client):
    got = client.get("/jobs?filter=ready_to_export&page=2")
    assert got.status_code == 200
    assert got.text == "<p>jobs page</p>"
    assert got.headers["cache-control"] == "no-cache"


def test_without_the_transform_the_static_server_redirects(tmp_path):
    """What the transform saves: one round trip per page load."""
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "index.html").write_text("<p>jobs page</p>")
    bare = Starlette(routes=[Mount("/", StaticFiles(directory=tmp_path, html=True))])
    got = TestClient(bare, follow_redirects=False).get("/jobs?filter=synced")
    assert got.status_code == 307
    assert got.headers["location"].endswith("/jobs/?filter=synced")


def test_hashed_assets_are_kept_a_year_and_their_revalidation_too(client):
    first = client.get("/assets/entry.client-BW7OzoOE.js")
    assert first.headers["cache-control"] == YEAR
    again = client.get(
        "/assets/entry.client-BW7OzoOE.js", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == YEAR


def test_unhashed_files_are_revalidated_on_every_use(client):
    first = client.get("/keys.js")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/keys.js", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.headers["cache-control"]) == (304, "no-cache")


def test_a_routes_own_cache_control_wins(client):
    assert client.get("/api/v1/projects").headers["cache-control"] == "no-store"


def test_a_missing_file_gets_no_caching_advice(client):
    got = client.get("/assets/gone-00000000.js")
    assert got.status_code == 404
    assert "cache-control" not in got.headers


def test_only_reads_are_rewritten_or_given_advice(client):
    got = client.post("/people")
    assert got.text == "/people"
    assert "cache-control" not in got.headers
