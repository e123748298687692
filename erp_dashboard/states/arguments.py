"""Event arguments, declared once by their annotations and checked before a handler runs.

Arguments come from the browser and can be forged. Every handler is declared with `event`
(in place of `rx.event`) and annotates its arguments with the types below; a value that
does not fit (`true` for a row id, a 5,000-digit page, a NUL in a search, a list for a
form) is refused before the handler runs: the page's `notice` says so and nothing changes.
Reflex has already turned a string into a declared `int` (a select's "50"); nothing else
is coerced.
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from typing import Annotated

import pydantic
import reflex as rx
from pydantic import Field, Strict

log = logging.getLogger(__name__)

MAX_ID = 2**53 - 1  # the largest whole number a browser sends exactly
TEXT_LIMIT = 2_000  # typed text: a search, a comment
FORM_VALUE_LIMIT = 20_000  # any one form field (the service holds the field's own limit)
FORM_FIELDS = 40

Whole = Annotated[int, Strict(), Field(ge=0, le=MAX_ID)]
"""A row id, a page number, a count: never `true`, negative or longer than a browser sends."""
Flag = Annotated[bool, Strict()]
"""A switch's true or false (the text "false" is not a boolean)."""
Word = Annotated[str, Strict(), Field(max_length=64, pattern=r"^[\w\-. ]*$")]
"""A name from a fixed set (a list, a column, a role, a decision), checked by its owner."""
Digits = Annotated[str, Strict(), Field(max_length=18, pattern=r"^[0-9]+$")]
"""An id sent as text."""
Text = Annotated[str, Strict(), Field(max_length=TEXT_LIMIT, pattern=r"^[^\x00]*$")]
"""Typed text, without NUL (the services refuse other control characters themselves)."""
FormName = Annotated[str, Field(max_length=256)]  # a field name, or the id Reflex reads it by
FormText = Annotated[str, Strict(), Field(max_length=FORM_VALUE_LIMIT)]
Form = Annotated[dict[FormName, FormText], Strict(), Field(max_length=FORM_FIELDS)]
"""A submitted form of text fields."""
FormWithBoxes = Annotated[dict[FormName, FormText | Flag], Strict(), Field(max_length=FORM_FIELDS)]
"""A submitted form whose check boxes send true or false."""

REFUSED = "That request could not be read, so nothing was changed ({detail}). Reload the page."


def event(fn=None, *, background: bool = False):
    """`rx.event` whose arguments are checked against the handler's annotations first."""
    if fn is None:
        return functools.partial(event, background=background)
    return rx.event(_checked(fn, background), background=background)


def _checked(fn, background: bool):
    """`fn`, refusing arguments that do not fit its annotations: the same kind of callable
    with the same signature, so Reflex sees the handler it wraps."""
    signature = inspect.signature(fn)
    params = list(signature.parameters)[1:]
    if not params:
        return fn
    hints = typing.get_type_hints(fn, include_extras=True)
    model = pydantic.create_model(
        f"{fn.__name__}_arguments",
        __config__=pydantic.ConfigDict(extra="forbid"),
        **{name: (hints[name], ...) for name in params},
    )

    def refused(self, args, kwargs) -> bool:
        """True (after telling the page, unless it is a background task's locked state)
        when an argument does not fit."""
        try:
            model.model_validate(dict(zip(params, args, strict=False)) | kwargs)
        except pydantic.ValidationError as err:
            first = err.errors()[0]
            where = str(first["loc"][0]) if first["loc"] else "arguments"
            log.warning("refused %s: %s %s", fn.__qualname__, where, first["msg"])
            if not background and "notice" in self.base_vars:
                self.notice = REFUSED.format(detail=f"{where}: {first['msg'].lower()}")
                if "notice_ok" in self.base_vars:
                    self.notice_ok = False
            return True
        return False

    if inspect.isasyncgenfunction(fn):

        async def checked(self, *args, **kwargs):
            if not refused(self, args, kwargs):
                async for update in fn(self, *args, **kwargs):
                    yield update

    elif inspect.iscoroutinefunction(fn):

        async def checked(self, *args, **kwargs):
            return None if refused(self, args, kwargs) else await fn(self, *args, **kwargs)

    elif inspect.isgeneratorfunction(fn):

        def checked(self, *args, **kwargs):
            if not refused(self, args, kwargs):
                yield from fn(self, *args, **kwargs)

    else:

        def checked(self, *args, **kwargs):
            return None if refused(self, args, kwargs) else fn(self, *args, **kwargs)

    return functools.wraps(fn)(checked)
