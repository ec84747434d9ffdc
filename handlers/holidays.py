"""Indonesian national holidays and cuti bersama (PyPI `holidays`, government category), when nobody is nagged."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

LANGUAGES = {"id": "id", "en": "en_US"}


@cache
def _calendar(year: int, lang: str) -> holidays.HolidayBase:
    # `government` adds the cuti bersama days the government declares around the public holidays.
    return holidays.country_holidays("ID", years=year, categories=("public", "government"),
                                     language=LANGUAGES.get(lang, "id"))


def holiday_name(day: date, lang: str = "id") -> str | None:
    """Return the holiday's name if `day` is a national holiday or cuti bersama, else None.

    >>> holiday_name(date(2026, 12, 24))
    'Cuti Bersama Hari Raya Natal'
    """
    return _calendar(day.year, lang).get(day)
