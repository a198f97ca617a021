"""How a signal's value reads on the panels, the graphs' axes and the checklist's evidence."""

from __future__ import annotations

import pytest

from warroom.state.signals import format_value


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.24, "s", "240ms"),
        (1.25, "s", "1.25s"),
        (0.0, "s", "0ms"),
        # Seed 003's circuit-breaker p99 SLO is 1.5 ms: it must not read as 2ms.
        (0.0015, "s", "1.5ms"),
        (0.00125, "s", "1.2ms"),
        (0.001, "s", "1ms"),
        (0.0008, "s", "800µs"),
        (0.0042, "ratio", "0.42%"),
        (73.0, "percent", "73%"),
        (12_345.0, "rps", "12k"),
        (0.0, "count", "0"),
        (8.0, "count", "8"),
        (13.9, "count", "13.9"),
        (3.9, "rps", "3.9"),
        (float("nan"), "s", "–"),
    ],
)
def test_values_read_short_and_keep_what_an_slo_needs(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text
