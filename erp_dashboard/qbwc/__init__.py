"""The QuickBooks Web Connector endpoint: the service it calls, its SOAP wire and its .qwc file.

QBWC calls, in order: ``serverVersion`` → ``clientVersion`` → ``authenticate``
→ (``sendRequestXML`` ↔ ``receiveResponseXML``)* → ``closeConnection``, with
``connectionError`` when QuickBooks cannot be opened and ``getLastError`` after
a negative ``receiveResponseXML``. ``qbwc.soap`` serves that SOAP contract and
hands each call to a WebConnectorService; ``qbwc.qwc`` writes the file a
QuickBooks user loads into QBWC.
"""

from __future__ import annotations

from typing import Protocol


class WebConnectorService(Protocol):
    """What answers the Web Connector, one method per SOAP operation.

    Methods are synchronous (they block on the database); the SOAP layer calls
    them off the event loop. They must answer every input sanely, an unknown or
    expired ticket included; an exception becomes a SOAP ``soap:Server`` fault.
    """

    def server_version(self) -> str:
        """This service's version, shown in the QBWC log."""
        ...

    def client_version(self, version: str) -> str:
        """``""`` go on, ``"W:text"`` warn, ``"E:text"`` abort, ``"O:ver"`` newer QBWC needed."""
        ...

    def authenticate(self, username: str, password: str) -> list[str]:
        """``[ticket, X, …]``; X is ``""`` (use the open company file), ``"none"`` (no work),
        ``"nvu"`` (not a valid user), ``"busy"``, or a company-file path; optional third and
        fourth strings are seconds to postpone and the minimum run interval."""
        ...

    def send_request_xml(
        self,
        ticket: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: int,
        minor: int,
    ) -> str:
        """The next qbXML request document, ``""`` when there is nothing more, or ``"NoOp"``.

        ``hcp_response`` (HostQuery/CompanyQuery/PreferencesQuery responses) is
        filled only on the first call of a session.
        """
        ...

    def receive_response_xml(self, ticket: str, response: str, hresult: str, message: str) -> int:
        """Take QuickBooks' response; 1–99 percent done (more to send), 100 done, negative error.

        ``hresult``/``message`` are set, and ``response`` empty, when QuickBooks
        failed the request (e.g. ``0x80040400``: the qbXML did not parse).
        """
        ...

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        """QBWC could not open QuickBooks: ``"done"``, or a company-file path to retry."""
        ...

    def get_last_error(self, ticket: str) -> str:
        """The message QBWC shows its user after a negative ``receive_response_xml``."""
        ...

    def close_connection(self, ticket: str) -> str:
        """End the session; the text QBWC shows as its status."""
        ...
