"""Event arguments are declared by their annotations and checked before a handler runs: a
forged value is refused with a notice and the handler never sees it."""

from __future__ import annotations

import asyncio
import typing

import pytest
from reflex.state import State

from erp_dashboard.states.arguments import (
    FORM_FIELDS,
    FORM_VALUE_LIMIT,
    MAX_ID,
    TEXT_LIMIT,
    Digits,
    Flag,
    Form,
    FormWithBoxes,
    Text,
    Whole,
    Word,
    _checked,
)
from tests.e2e.test_event_security import app_events


class Page:
    """Stands in for a Reflex state: its vars, a notice, and what its handlers received."""

    base_vars: typing.ClassVar = {"notice": "", "notice_ok": True}

    def __init__(self) -> None:
        self.notice, self.notice_ok, self.got = "", True, []


def _handlers(annotation):
    """The same one-argument handler as each kind of callable Reflex runs."""

    def plain(self, value):
        self.got.append(value)

    async def coroutine(self, value):
        self.got.append(value)

    def generator(self, value):
        self.got.append(value)
        yield

    async def async_generator(self, value):
        self.got.append(value)
        yield

    handlers = [plain, coroutine, generator, async_generator]
    for fn in handlers:
        fn.__annotations__ = {"value": annotation}
    return handlers


def _run(handler, page: Page, value) -> None:
    result = handler(page, value)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    elif hasattr(result, "__anext__"):

        async def drain():
            async for _ in result:
                pass

        asyncio.run(drain())
    elif hasattr(result, "__next__"):
        list(result)


def _accepts(annotation, value, *, background: bool = False) -> bool:
    """Whether every kind of handler declared with `annotation` runs with `value`; a
    refusal must leave the handler unrun and say so in the notice (not in a background
    task, whose state is locked)."""
    outcomes = set()
    for fn in _handlers(annotation):
        page = Page()
        _run(_checked(fn, background), page, value)
        ran = page.got == [value]
        assert ran or page.got == []
        told = page.notice.startswith("That request could not be read") and not page.notice_ok
        assert told == (not ran and not background), page.notice
        outcomes.add(ran)
    assert len(outcomes) == 1
    return outcomes.pop()


@pytest.mark.parametrize("value", [0, 1, MAX_ID])
def test_a_whole_number(value):
    assert _accepts(Whole, value)


@pytest.mark.parametrize(
    "value", [True, False, -1, MAX_ID + 1, 2**63, "5", None, 1.5, {"id": 1}, [1]]
)
def test_not_a_whole_number(value):
    assert not _accepts(Whole, value)


def test_a_flag_is_a_real_boolean():
    assert _accepts(Flag, False) and _accepts(Flag, True)
    for forged in ("false", "true", 0, 1, None):
        assert not _accepts(Flag, forged)


@pytest.mark.parametrize("value", ["ready_to_export", "80000001-1234567890", "", "a" * 64])
def test_a_word(value):
    assert _accepts(Word, value)


@pytest.mark.parametrize("value", ["a" * 65, "a\x00b", "<script>", "name;drop", 7, None, ["a"]])
def test_not_a_word(value):
    assert not _accepts(Word, value)


def test_text_is_bounded_and_has_no_nul():
    assert _accepts(Text, "Harbor City: O'Brien & Sons, Ltd. – naïve")
    assert _accepts(Text, "x" * TEXT_LIMIT)
    for forged in ("x" * (TEXT_LIMIT + 1), "a\x00b", None, {"a": "b"}, 12):
        assert not _accepts(Text, forged)


def test_digits():
    assert _accepts(Digits, "12345")
    for forged in ("", "1" * 19, "12a", "١٢", 12):
        assert not _accepts(Digits, forged)


def test_a_form_maps_names_to_text():
    assert _accepts(Form, {"comment": "ok", "is_active": "on"})
    assert _accepts(Form, {})
    assert _accepts(Form, {"comment": "x" * FORM_VALUE_LIMIT})
    forged = [
        {"comment": None},
        {"comment": {"a": "b"}},
        {"comment": ["x"]},
        {"comment": True},
        {"comment": "x" * (FORM_VALUE_LIMIT + 1)},
        {f"f{i}": "x" for i in range(FORM_FIELDS + 1)},
        {"x" * 257: "x"},
        [["email", "x"]],
        "a string",
        True,
    ]
    for value in forged:
        assert not _accepts(Form, value), value


def test_a_form_with_boxes():
    assert _accepts(FormWithBoxes, {"name": "Granite", "is_active": True, "erp_sync": False})
    for forged in ({"name": None}, {"name": 3}, {"name": ["x"]}, {"name": "x\x00" * 20_000}):
        assert not _accepts(FormWithBoxes, forged)


def test_a_background_task_refuses_without_touching_its_locked_state():
    assert not _accepts(Whole, True, background=True)


def test_two_arguments_and_keywords():
    def decide(self, row_id: Whole, decision: Word):
        self.got.append((row_id, decision))

    checked = _checked(decide, False)
    page = Page()
    checked(page, 3, decision="accept")
    checked(page, True, "accept")
    checked(page, 3, "a\x00")
    assert page.got == [(3, "accept")]
    assert "row_id" in page.notice or "decision" in page.notice


def test_a_handler_without_arguments_is_left_as_it_is():
    def close(self):
        return "closed"

    assert _checked(close, False) is close


def test_every_app_handler_declares_its_arguments():
    """Each handler with arguments is checked (declared with `event`) and uses only the
    declared types, so no handler reads a raw browser value."""
    declared = {Whole, Flag, Word, Text, Digits, Form, FormWithBoxes}
    with_args = [(state, name, args) for state, name, args in app_events() if args]
    handlers = {
        (cls.get_full_name(), name): handler.fn
        for cls in State.get_substates()
        for name, handler in cls.event_handlers.items()
    }
    assert len(with_args) > 20
    for state, name, _ in with_args:
        fn = handlers[(state, name)]
        assert hasattr(fn, "__wrapped__"), f"{name} is not declared with states.arguments.event"
        hints = typing.get_type_hints(fn.__wrapped__, include_extras=True)
        hints.pop("return", None)
        assert set(hints.values()) <= declared, f"{name}: {hints}"
