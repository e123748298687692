"""Arguments from the browser, read strictly (event arguments can be forged)."""

from __future__ import annotations


def whole(value) -> int:
    """A whole number from the browser, or 0 (which the service then refuses): `true` is
    not 1, and a number too long to read, a list or a dict is 0."""
    if isinstance(value, bool):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
