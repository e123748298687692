"""GET /api/v1/…: the read API for other dashboards (bearer API tokens), and /jobs.csv.

Every endpoint is a function `(actor, params) -> dict` registered in `ROUTES` through
`http.api_route`; unknown /api paths answer a JSON 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from erp_dashboard.api import csv_download
from erp_dashboard.api.http import (
    METHODS,
    Params,
    api_route,
    decode_cursor,
    encode_cursor,
    error,
    whole_number,
)
from erp_dashboard.names import JobList
from erp_dashboard.services import list_rows, overview
from erp_dashboard.services.permissions import Actor

PROJECTS = "/api/v1/projects"
SUMMARY = "/api/v1/summary"
DEFAULT_PAGE = 100


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: list_rows.iso(v) if isinstance(v, date) else v for k, v in row.items()}


def projects(actor: Actor, params: Params) -> dict[str, Any]:
    """One page of a Jobs list (`list`, searched by `search`) in name order; `next_cursor`
    continues it (null at the end), `limit` rows per page (1 to 1000, default 100)."""
    job_list = params.get("list", JobList.READY_TO_EXPORT.value)
    search = params.get("search", "")
    scope = f"{PROJECTS}\n{job_list}\n{search}"
    after = decode_cursor(scope, params["cursor"], (str, int)) if "cursor" in params else None
    size = whole_number(params, "limit", DEFAULT_PAGE, 1, list_rows.MAX_PAGE)
    page = list_rows.page(actor, job_list, search, after, size)
    return {
        "list": job_list,
        "search": search,
        "rows": [_json(row) for row in page.rows],
        "next_cursor": encode_cursor(scope, page.next_key) if page.next_key else None,
    }


def summary(actor: Actor, params: Params) -> dict[str, Any]:
    """The managers' overview of a period (`from` and `to` as YYYY-MM-DD, or `range`:
    today, 7d, 30d, 90d; the last 30 days by default): cards, series, refusals, waits."""
    return overview.as_json(
        overview.overview(actor, overview.period_from_url(params, overview.today()))
    )


async def _unknown(request: Request) -> Response:
    return error(404, "not_found", f"There is no API endpoint {request.url.path}.")


ROUTES = [
    api_route(PROJECTS, projects, params=("list", "search", "cursor", "limit")),
    api_route(SUMMARY, summary, params=("from", "to", "range")),
]


def api_app() -> Starlette:
    """The routes, mounted in front of the app by `rx.App(api_transformer=...)`."""
    return Starlette(
        routes=[
            *csv_download.download_routes(),
            *ROUTES,
            Route("/api/{rest:path}", _unknown, methods=METHODS),
        ]
    )
