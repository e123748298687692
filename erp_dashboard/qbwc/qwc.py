"""The .qwc file a QuickBooks user loads into the Web Connector to register this app.

It names the endpoint, the user and two GUIDs; it never holds the password,
which the QuickBooks user types into QBWC.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from lxml import etree

LOCAL_HOSTS = ("localhost", "127.0.0.1")


def qwc_file(
    *,
    app_url: str,
    app_name: str,
    app_support: str,
    username: str,
    owner_id: str,
    file_id: str,
    run_every_minutes: int | None = 5,
    description: str = "",
) -> str:
    """The .qwc XML registering ``app_url`` for ``username``.

    ``app_url`` must be https (QBWC refuses anything else) unless its host is
    localhost or 127.0.0.1; ``app_support`` must be on the same host.
    ``owner_id``/``file_id`` are GUIDs in any form uuid accepts; they are
    written braced and upper-case. ``run_every_minutes=None`` leaves scheduling
    to the user. Raises ValueError for anything QBWC would reject.
    """
    host = _endpoint_host(app_url, "AppURL")
    if _endpoint_host(app_support, "AppSupport") != host:
        raise ValueError(f"AppSupport must be on the AppURL's host ({host})")
    if not app_name.strip() or not username.strip():
        raise ValueError("the .qwc file needs an AppName and a UserName")
    if run_every_minutes is not None and run_every_minutes < 1:
        raise ValueError("RunEveryNMinutes must be at least 1")
    root = etree.Element("QBWCXML")
    for tag, text in (
        ("AppName", app_name),
        ("AppID", ""),
        ("AppURL", app_url),
        ("AppDescription", description),
        ("AppSupport", app_support),
        ("UserName", username),
        ("OwnerID", _braced_guid(owner_id, "OwnerID")),
        ("FileID", _braced_guid(file_id, "FileID")),
        ("QBType", "QBFS"),
        ("Style", "Document"),
    ):
        etree.SubElement(root, tag).text = text
    if run_every_minutes is not None:
        scheduler = etree.SubElement(root, "Scheduler")
        etree.SubElement(scheduler, "RunEveryNMinutes").text = str(run_every_minutes)
    etree.SubElement(root, "IsReadOnly").text = "false"
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def _endpoint_host(url: str, field: str) -> str:
    """The URL's host, if QBWC accepts the URL: https, or plain http on this machine."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("https", "http"):
        raise ValueError(f"{field} must be an absolute http(s) URL: {url!r}")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise ValueError(f"{field} must use https:// unless the host is localhost: {url!r}")
    return host


def _braced_guid(value: str, field: str) -> str:
    try:
        return f"{{{str(uuid.UUID(value)).upper()}}}"
    except ValueError:
        raise ValueError(f"{field} must be a GUID: {value!r}") from None
