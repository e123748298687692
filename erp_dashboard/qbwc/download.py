"""GET /qbwc/erp-integrations.qwc: the Web Connector registration file, for approvers."""

from __future__ import annotations

import asyncio
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from erp_dashboard import config
from erp_dashboard.db import unit_of_work
from erp_dashboard.models import AppSetting
from erp_dashboard.qbwc.qwc import qwc_file
from erp_dashboard.services import auth
from erp_dashboard.services.errors import NotSignedIn, PermissionDenied
from erp_dashboard.services.permissions import Role, require_role

PATH = "/qbwc/erp-integrations.qwc"
SESSION_COOKIE = "erp_session"


# OwnerID names the application to the Web Connector and QuickBooks (QBWC keeps its data
# extension in the company file under it): one GUID for the product, the same in every file.
OWNER_ID = "{3F2D7C61-8E0B-4C57-9B1A-6D2E4F8A0C35}"
FILE_ID_KEY = "qwc_file_id"  # AppSetting: this installation's FileID, made once


def _allowed_file_id(token: str) -> str:
    """The installation's FileID, for a signed-in Accounting Approver.

    QBWC writes the FileID into the company file; a re-downloaded file must carry the same
    one, whatever address it was downloaded from, or re-adding the application fails.
    """
    actor = auth.actor_for(token)
    require_role(actor, Role.APPROVER, "download the Web Connector file")
    with unit_of_work() as session:
        row = session.get(AppSetting, FILE_ID_KEY)
        if row is None:
            row = AppSetting(key=FILE_ID_KEY, value=str(uuid.uuid4()))
            session.add(row)
        return row.value


async def _download(request: Request) -> Response:
    try:
        file_id = await asyncio.to_thread(_allowed_file_id, request.cookies.get(SESSION_COOKIE, ""))
    except NotSignedIn as err:
        return PlainTextResponse(str(err), status_code=401)
    except PermissionDenied as err:
        return PlainTextResponse(str(err), status_code=403)
    settings = config.load()
    app_url = settings.qbwc_app_url or f"{request.base_url}qbwc"
    try:
        body = qwc_file(
            app_url=app_url,
            app_name="ERP Integrations",
            app_support=app_url.rsplit("/", 1)[0] + "/",
            username=settings.qbwc_username or "qbwc",
            owner_id=OWNER_ID,
            file_id=file_id,
            run_every_minutes=settings.qbwc_run_every_minutes,
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
