"""The .qwc file: well-formed, what QBWC expects, never a password."""

from __future__ import annotations

import inspect
import re
import uuid

import pytest
from lxml import etree

from erp_dashboard.qbwc.qwc import qwc_file

OWNER = "57f3b9b1-86f1-4fcc-b1ee-566de1813d20"
FILE = "{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}"
BRACED_GUID = re.compile(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}")


def make(**overrides) -> str:
    args = {
        "app_url": "https://erp.example.com/qbwc",
        "app_name": "ERP Integrations — Jobs",
        "app_support": "https://erp.example.com/support",
        "username": "qbwc",
        "owner_id": OWNER,
        "file_id": FILE,
        "description": "Exports projects as QuickBooks jobs & more",
    }
    return qwc_file(**{**args, **overrides})


def test_the_file_has_every_element_qbwc_reads_in_order():
    root = etree.fromstring(make().encode())
    assert root.tag == "QBWCXML"
    assert [child.tag for child in root] == [
        "AppName",
        "AppID",
        "AppURL",
        "AppDescription",
        "AppSupport",
        "UserName",
        "OwnerID",
        "FileID",
        "QBType",
        "Style",
        "Scheduler",
        "IsReadOnly",
    ]
    assert root.findtext("AppName") == "ERP Integrations — Jobs"
    assert root.findtext("AppID") == ""
    assert root.findtext("AppURL") == "https://erp.example.com/qbwc"
    assert root.findtext("AppDescription") == "Exports projects as QuickBooks jobs & more"
    assert root.findtext("UserName") == "qbwc"
    assert root.findtext("QBType") == "QBFS"
    assert root.findtext("Style") == "Document"
    assert root.findtext("Scheduler/RunEveryNMinutes") == "5"
    assert root.findtext("IsReadOnly") == "false"


def test_guids_are_braced_and_upper_case():
    root = etree.fromstring(make().encode())
    assert root.findtext("OwnerID") == "{" + OWNER.upper() + "}"
    assert root.findtext("FileID") == FILE
    assert all(BRACED_GUID.fullmatch(root.findtext(tag)) for tag in ("OwnerID", "FileID"))
    assert uuid.UUID(root.findtext("OwnerID")) == uuid.UUID(OWNER)


def test_there_is_no_password_anywhere():
    assert not any("password" in name for name in inspect.signature(qwc_file).parameters)
    text = make(username="qbwc-user")
    assert "password" not in text.lower()


def test_scheduling_can_be_left_to_the_user():
    root = etree.fromstring(make(run_every_minutes=None).encode())
    assert root.find("Scheduler") is None
    assert (
        etree.fromstring(make(run_every_minutes=60).encode()).findtext("Scheduler/RunEveryNMinutes")
        == "60"
    )


@pytest.mark.parametrize(
    "url", ["http://localhost:3000/qbwc", "http://127.0.0.1:8000/qbwc", "https://LOCALHOST/qbwc"]
)
def test_plain_http_is_allowed_on_this_machine_only(url):
    support = url.rsplit("/", 1)[0] + "/help"
    assert (
        etree.fromstring(make(app_url=url, app_support=support).encode()).findtext("AppURL") == url
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"app_url": "http://erp.example.com/qbwc"}, "https"),
        ({"app_url": "ftp://erp.example.com/qbwc"}, "absolute http"),
        ({"app_url": "/qbwc"}, "absolute http"),
        ({"app_support": "https://support.example.org/"}, "same|host"),
        ({"app_support": "http://erp.example.com/support"}, "https"),
        ({"owner_id": "not-a-guid"}, "OwnerID must be a GUID"),
        ({"file_id": ""}, "FileID must be a GUID"),
        ({"username": " "}, "UserName"),
        ({"app_name": ""}, "AppName"),
        ({"run_every_minutes": 0}, "at least 1"),
    ],
)
def test_what_qbwc_would_reject_is_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        make(**overrides)
