"""Projected metres read back whichever way the file groups thousands."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sereno.ingest._coords import _number


class _Log:
    def __init__(self) -> None:
        self.rejected = 0

    def add(self, mask: Any, column: str | None, values: Any, reason: Any) -> None:
        self.rejected += int(np.asarray(mask, dtype=bool).sum())


def _es_cl(cents: int) -> str:
    """``6.298.500,25``: dots group thousands, comma before the cents."""
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    whole = f"{cents // 100:,}".replace(",", ".")
    return f"{sign}{whole},{cents % 100:02d}" if cents % 100 else f"{sign}{whole}"


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(cents=st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=20))
def test_grouped_metres_round_trip(cents: list[int]) -> None:
    expected = np.array(cents, dtype=np.float64) / 100
    for decimal, texts in (
        (",", [_es_cl(c) for c in cents]),
        (".", [f"{c / 100:,.2f}" for c in cents]),
        (".", [f"{c / 100:.2f}" for c in cents]),
        (",", [f"{c / 100:.2f}".replace(".", ",") for c in cents]),
    ):
        log = _Log()
        got = _number(pd.Series(texts, dtype="str"), "x", "coordenada X", False, decimal, log)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6, err_msg=str(texts))
        assert log.rejected == 0
