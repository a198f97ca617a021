"""Quantities in canonical form, as Quantity.String() prints them (quantity_test.go)."""

from __future__ import annotations

import pytest

from warroom.kinds.quantity import canonical_quantity, quantity

# fmt: off

@pytest.mark.parametrize(("text", "want"), [
    ("100m", "100m"), ("0.1", "100m"), ("1.5", "1500m"), ("2000", "2k"), ("1000m", "1"),
    ("1.5Gi", "1536Mi"), ("1024Mi", "1Gi"), ("1000Mi", "1000Mi"), ("512", "512"),
    ("1536", "1536"), ("129e6", "129e6"), ("12e6", "12e6"), ("1e3", "1e3"),
    ("0.0000000001", "1n"), ("-100m", "-100m"), ("0", "0"), ("0.5Ki", "512"),
    ("1610612736", "1610612736"), ("not-a-quantity", "not-a-quantity"),
])
def test_quantities_print_in_canonical_form(text, want):
    assert canonical_quantity(text) == want


def test_missing_and_numeric_quantities():
    assert quantity(None) == "<nil>"
    assert quantity(2) == "2" and quantity(0.5) == "500m" and quantity(True) == "true"
