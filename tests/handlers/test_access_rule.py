"""The one jurisdiction rule that chat (/laporan, /status, agreements) and the web view both call."""

import pytest

from handlers.guard import within


@pytest.mark.parametrize(("scope", "code", "sees"), [
    ("63.71", "63.71.01", True),    # a kota office sees its kecamatan
    ("63.71", "63.71", True),       # and its own region
    ("63", "63.71.01", True),       # a province sees everything under it
    ("63", "63.71", True),
    ("63.71", "63.72.01", False),   # not a neighbour's
    ("63.7", "63.71.01", False),    # a prefix of digits is not a parent region
    ("63.71", "63", False),         # nor the province above it
    ("63.71.01", "63.71", False),
])
def test_an_office_sees_its_region_and_what_lies_under_it(scope: str, code: str, sees: bool) -> None:
    assert within(scope, code) is sees
