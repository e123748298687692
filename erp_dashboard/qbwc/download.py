"""GET /qbwc/erp-integrations.qwc: the Web Connector registration file, for approvers."""

from __future__ import annotations

import asyncio
import os
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from erp_dashboard import config
from erp_dashboard.qbwc.qwc import qwc_file
from erp_dashboard.services import auth
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied
from erp_dashboard.services.permissions import Actor, Role, require_role

PATH = "/qbwc/erp-integrations.qwc"
SESSION_COOKIE = "erp_session"


def _guid(app_url: str, purpose: str) -> str:
    """A GUID that stays the same for one AppURL (QBWC keys its settings on it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{app_url}#{purpose}"))


def _allowed(token: str) -> Actor:
    actor = auth.actor_for(token)
    require_role(actor, Role.APPROVER, "download the Web Connector file")
    return actor


async def _download(request: Request) -> Response:
    try:
        await asyncio.to_thread(_allowed, request.cookies.get(SESSION_COOKIE, ""))
    except NotSignedIn as err:
        return PlainTextResponse(str(err), status_code=401)
    except PermissionDenied as err:
        return PlainTextResponse(str(err), status_code=403)
    app_url = os.environ.get("QBWC_APP_URL") or f"{request.base_url}qbwc"
    try:
        body = qwc_file(
            app_url=app_url,
            app_name="ERP Integrations",
            app_support=app_url.rsplit("/", 1)[0] + "/",
            username=config.load().qbwc_username or "qbwc",
            owner_id=_guid(app_url, "owner"),
            file_id=_guid(app_url, "file"),
            description="Exports approved projects to QuickBooks Desktop as jobs.",
        )
    except ValueError as err:
        return PlainTextResponse(f"Cannot make the .qwc file: {err}. Set QBWC_APP_URL.", 400)
    return Response(
        body,
        media_type="application/xml",
        headers={"Content-Disposition": 'attachment; filename="erp-integrations.qwc"'},
    )


def download_app() -> Starlette:
    """The route, mounted in front of the app by `rx.App(api_transformer=...)`."""
    return Starlette(routes=[Route(PATH, _download, methods=["GET"])])
