"""The JSON API's plumbing: bearer-token auth, JSON errors, query parameters, cursors.

An endpoint is one function `read(actor, params) -> dict` (run in a worker thread, after
the token is checked there); `api_route` makes it a route:

    api_route("/api/v1/summary", summary, params=("from", "to"))
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from erp_dashboard.services import api_tokens
from erp_dashboard.services.errors import (
    InvalidInput,
    NotFound,
    NotSignedIn,
    PermissionDenied,
    ServiceError,
)
from erp_dashboard.services.permissions import Actor

log = logging.getLogger(__name__)

Params = dict[str, str]
Read = Callable[[Actor, Params], dict[str, Any]]
NO_STORE = {"Cache-Control": "no-store"}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")  # all but GET/HEAD get a JSON 405
BEARER = {"WWW-Authenticate": 'Bearer realm="erp-integrations"'}
REFUSALS = (  # first match wins
    (NotSignedIn, 401, "unauthorized"),
    (PermissionDenied, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (ServiceError, 422, "invalid_request"),
)
CURSOR_LIMIT = 1000
BAD_CURSOR = "This cursor was not made for this list and search; start again without one."


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """A JSON error: {"error": code, "message": message}."""
    return JSONResponse(
        {"error": code, "message": message},
        status_code=status,
        headers=NO_STORE | (headers or {}),
    )


def refusal(err: ServiceError) -> Response:
    """A service's refusal as its HTTP status (401 asks for a Bearer token)."""
    status, code = next((s, c) for kind, s, c in REFUSALS if isinstance(err, kind))
    return error(status, code, str(err), BEARER if status == 401 else None)


def bearer_token(request: Request) -> str:
    """The token of an `Authorization: Bearer …` header (NotSignedIn without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("Send an API token: Authorization: Bearer <token>.")
    return token.strip()


def params_of(request: Request, allowed: tuple[str, ...]) -> Params:
    """The query parameters, each known and given once (InvalidInput otherwise)."""
    params: Params = {}
    for key, value in request.query_params.multi_items():
        if key not in allowed:
            raise InvalidInput(
                f"Unknown parameter {key!r}; this endpoint takes: {', '.join(allowed)}."
            )
        if key in params:
            raise InvalidInput(f"Give {key!r} once.")
        params[key] = value
    return params


def whole_number(params: Params, key: str, default: int, low: int, high: int) -> int:
    """Parameter `key` as a whole number from `low` to `high` (`default` when absent)."""
    value = params.get(key, str(default))
    if not (value.isascii() and value.isdigit() and len(value) <= 9 and low <= int(value) <= high):
        raise InvalidInput(f"{key} must be a whole number from {low} to {high}.")
    return int(value)


def _scope(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def encode_cursor(scope: str, key: tuple) -> str:
    """An opaque cursor for the position `key` within `scope` (the endpoint and its filters)."""
    payload = json.dumps({"s": _scope(scope), "k": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(scope: str, cursor: str, shape: tuple[type, ...]) -> tuple:
    """The position in a cursor made by `encode_cursor` for the same `scope`, its values of
    the types `shape`; InvalidInput for any other text."""
    try:
        if len(cursor) > CURSOR_LIMIT:
            raise ValueError(cursor)
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidInput(BAD_CURSOR) from None
    key = data.get("k") if isinstance(data, dict) and data.get("s") == _scope(scope) else None
    if not (
        isinstance(key, list)
        and len(key) == len(shape)
        and all(type(value) is kind for value, kind in zip(key, shape, strict=True))
    ):
        raise InvalidInput(BAD_CURSOR)
    return tuple(key)


def _authorised_read(token: str, read: Read, request: Request, allowed: tuple[str, ...]) -> dict:
    actor = api_tokens.actor_for_token(token)
    return read(actor, params_of(request, allowed))


def api_route(path: str, read: Read, *, params: tuple[str, ...]) -> Route:
    """GET `path`: bearer auth, then `read(actor, params)` in a worker thread, as JSON.

    `params` are the query parameters it takes (any other is a 422). Refusals are JSON
    401/403/404/422, other methods 405; anything unexpected is logged and a JSON 500.
    """

    async def handle(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return error(405, "method_not_allowed", "Use GET.", {"Allow": "GET"})
        try:
            token = bearer_token(request)
            body = await run_in_threadpool(_authorised_read, token, read, request, params)
        except ServiceError as err:
            return refusal(err)
        except Exception:
            log.exception("API request %s failed", request.url.path)
            return error(500, "internal_error", "Something went wrong on the server; it is logged.")
        return JSONResponse(body, headers=NO_STORE)

    return Route(path, handle, methods=METHODS)
