"""Local time as officers read it: zone names, an office's local day and its bounds, moments rendered."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime

import pytest

from handlers import localtime
from handlers.localtime import day_bounds, local_date, local_time, zone_abbreviation

MOMENT = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)


def test_doctests():
    assert doctest.testmod(localtime).failed == 0


@pytest.mark.parametrize(("tz", "name", "shown", "day"), [
    ("Asia/Jakarta", "WIB", "23/11/2026 23:05 WIB", date(2026, 11, 23)),
    ("Asia/Pontianak", "WIB", "23/11/2026 23:05 WIB", date(2026, 11, 23)),
    ("Asia/Makassar", "WITA", "24/11/2026 00:05 WITA", date(2026, 11, 24)),
    ("Asia/Jayapura", "WIT", "24/11/2026 01:05 WIT", date(2026, 11, 24)),
    ("Europe/Amsterdam", "Europe/Amsterdam", "23/11/2026 17:05 Europe/Amsterdam", date(2026, 11, 23)),
])
def test_each_zone_is_named_and_a_moment_falls_on_its_local_day(tz, name, shown, day):
    assert zone_abbreviation(tz) == name == zone_abbreviation(localtime.zone(tz))
    assert local_time(MOMENT, tz) == shown
    assert local_date(MOMENT, tz) == day


def test_a_local_day_runs_from_local_midnight_to_the_next():
    assert day_bounds(date(2026, 11, 24), "Asia/Jayapura") == (datetime(2026, 11, 23, 15, tzinfo=UTC),
                                                                datetime(2026, 11, 24, 15, tzinfo=UTC))
