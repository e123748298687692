"""The .qwc download is for signed-in Accounting Approvers only."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from erp_dashboard.qbwc.download import OWNER_ID, PATH, SESSION_COOKIE, download_app
from erp_dashboard.services import auth
from tests.builders import PASSWORD


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def get(cookie: str | None, base: str = "http://localhost:3000") -> httpx.Response:
    transport = httpx.ASGITransport(app=download_app())
    cookies = {SESSION_COOKIE: cookie} if cookie else {}
    async with httpx.AsyncClient(transport=transport, base_url=base, cookies=cookies) as client:
        return await client.get(PATH)


@pytest.mark.anyio
async def test_approver_downloads_a_qwc_naming_this_endpoint(world):
    reply = await get(auth.sign_in("ann@example.com", PASSWORD))
    assert reply.status_code == 200
    assert "attachment" in reply.headers["content-disposition"]
    root = etree.fromstring(reply.content)
    assert root.findtext("AppURL") == "http://localhost:3000/qbwc"
    assert root.findtext("UserName") == "qbwc-test"
    assert root.findtext("OwnerID").startswith("{") and b"password" not in reply.content.lower()
    assert root.findtext("Scheduler/RunEveryNMinutes") == "5"  # QBWC_RUN_EVERY_MINUTES
    # Removing and re-adding the application works: a file downloaded again, by anyone, from
    # any address, names the same application (OwnerID) and the same FileID.
    again = await get(auth.sign_in("bob@example.com", PASSWORD), base="http://127.0.0.1:8080")
    again = etree.fromstring(again.content)
    assert again.findtext("FileID") == root.findtext("FileID")
    assert again.findtext("OwnerID") == root.findtext("OwnerID") == OWNER_ID
    assert root.findtext("FileID") != root.findtext("OwnerID")


@pytest.mark.anyio
async def test_others_are_refused_and_plain_http_needs_localhost(world):
    assert (await get(None)).status_code == 401
    assert (await get(auth.sign_in("vic@example.com", PASSWORD))).status_code == 403
    token = auth.sign_in("ann@example.com", PASSWORD)
    reply = await get(token, base="http://erp.example.com")
    assert reply.status_code == 400 and "QBWC_APP_URL" in reply.text
