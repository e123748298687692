"""CSV downloads for anyone signed in: GET /jobs.csv?filter=&search=&sort=&desc=&code= (a
Jobs view) and GET /overview.csv?range= or ?from=&to= (the overview's daily table).

Signed in by the session cookie as the .qwc download is; the rows stream from a worker
thread (`services.csv_export`), never the event loop, never all in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator

import anyio
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from erp_dashboard import routes
from erp_dashboard.models import utcnow
from erp_dashboard.qbwc.download import SESSION_COOKIE
from erp_dashboard.services import auth, csv_export, job_lists, overview
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied, ServiceError
from erp_dashboard.services.permissions import Actor

STATUS = ((NotSignedIn, 401), (PermissionDenied, 403), (ServiceError, 422))


Made = tuple[Generator[bytes, None, None], str]  # the CSV's chunks and its file name


def _jobs(actor: Actor, params: dict[str, str]) -> Made:
    query = job_lists.query_from_url(params)
    return csv_export.csv_chunks(actor, query), csv_export.filename(query, utcnow().date())


def _overview(actor: Actor, params: dict[str, str]) -> Made:
    period = overview.period_from_url(params, overview.today())
    return overview.daily_csv(actor, period), overview.csv_filename(period)


def _checked(make: Callable[[Actor, dict[str, str]], Made], token: str, params) -> Made:
    """The CSV, once the session and the parameters are accepted (ServiceError)."""
    return make(auth.actor_for(token), params)


async def _in_thread(chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Each chunk read in a worker thread; however the download ends (finished, or the
    browser gone), the reader is closed there too, which ends its transaction."""
    try:
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(chunks.close)


def _route(path: str, make: Callable[[Actor, dict[str, str]], Made]) -> Route:
    async def download(request: Request) -> Response:
        try:
            chunks, name = await run_in_threadpool(
                _checked, make, request.cookies.get(SESSION_COOKIE, ""), dict(request.query_params)
            )
        except ServiceError as err:
            status = next(code for kind, code in STATUS if isinstance(err, kind))
            return PlainTextResponse(str(err), status_code=status)
        return StreamingResponse(
            _in_thread(chunks),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return Route(path, download, methods=["GET"])


def download_routes() -> list[Route]:
    """The downloads' routes (served by `api.app.api_app`)."""
    return [_route(routes.JOBS_CSV, _jobs), _route(routes.OVERVIEW_CSV, _overview)]
