"""Arguments from the browser are read strictly: a forged value is refused, never coerced."""

from __future__ import annotations

import pytest

from erp_dashboard.states.arguments import whole


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3), ("25", 25), (True, 0), (False, 0), (None, 0), ({}, 0), ("5" * 5000, 0), ("x", 0)],
)
def test_a_whole_number_from_the_browser(value, number):
    assert whole(value) == number
