"""GET /jobs.csv?filter=&search=&sort=&desc=: a Jobs view as CSV, for anyone signed in.

Signed in by the session cookie as the .qwc download is; the rows stream from a worker
thread (`services.csv_export`), never the event loop, never all in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from erp_dashboard import routes
from erp_dashboard.models import utcnow
from erp_dashboard.qbwc.download import SESSION_COOKIE
from erp_dashboard.services import auth, csv_export, job_lists
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied, ServiceError

STATUS = ((NotSignedIn, 401), (PermissionDenied, 403), (ServiceError, 422))


def _checked(token: str, params: dict[str, str]) -> tuple[Iterator[bytes], str]:
    """The CSV's chunks and file name, once the session, role and view are accepted."""
    actor = auth.actor_for(token)
    query = job_lists.query_from_url(params)
    return csv_export.csv_chunks(actor, query), csv_export.filename(query, utcnow().date())


async def _in_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk read in a worker thread; however the download ends (finished, or the
    browser gone), the reader is closed there too, which ends its transaction."""
    try:
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(chunks.close)


async def _download(request: Request) -> Response:
    try:
        chunks, name = await run_in_threadpool(
            _checked, request.cookies.get(SESSION_COOKIE, ""), dict(request.query_params)
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


def route() -> Route:
    """The download's route (served by `api.app.api_app`)."""
    return Route(routes.JOBS_CSV, _download, methods=["GET"])
