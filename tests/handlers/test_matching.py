"""Issue 13, item 4: categories by any word, specific time errors, crowd ranges (parsers, no database)."""

from __future__ import annotations

import pytest

from handlers import parse
from handlers.types import Choice, Inbound
from storage.seed import CATEGORIES
from tests.handlers.test_parse import CTX, outcome, text

CATEGORY_CHOICES = tuple(Choice(str(n), name_id) for n, (_, name_id, _) in enumerate(CATEGORIES, start=1))


@pytest.mark.parametrize(("typed", "expected"), [
    ("demo", "1"), ("Demonstrasi", "1"), ("sara", "2"), ("SARA", "2"), ("hoaks", "3"), ("ujaran", "3"),
    ("uang", "4"), ("intoleransi", "5"), ("asing", "6"), ("pemilu", "7"), ("pilkada", "7"), ("massa", "8"),
    ("ujaran kebencian", "3"), ("ra", None), ("an", None),
])
def test_a_category_matches_from_the_start_of_any_word(typed, expected):
    picked = parse.match_choice(text(typed), CATEGORY_CHOICES)
    assert (picked.id if picked else None) == expected


def test_a_word_start_shared_by_two_labels_matches_neither():
    choices = (Choice("a", "Konflik sosial"), Choice("b", "Bencana sosial"))
    assert parse.match_choice(text("sosial"), choices) is None


@pytest.mark.parametrize(("typed", "key", "params"), [
    ("31/02 10.00", "error.when_date", {"date": "31/02/2026"}),
    ("30/02/2025 08:00", "error.when_date", {"date": "30/02/2025"}),
    ("21/13 08:00", "error.when_date", {"date": "21/13/2026"}),
    ("25:00", "error.when_clock", {"clock": "25:00"}),
    ("kemarin 14:75", "error.when_clock", {"clock": "14:75"}),
    ("besok 10:00", "error.when_future", {}),
    ("besok pagi", "error.when_future", {}),
    ("tomorrow 08:00", "error.when_future", {}),
    ("tadi pagi", "error.when_time_missing", {"example": "tadi pagi 08:00"}),
    ("kemarin malam", "error.when_time_missing", {"example": "kemarin malam 20:00"}),
    ("kemarin", "error.when_time_missing", {"example": "kemarin 14:00"}),
])
def test_a_time_that_cannot_be_used_says_why(typed, key, params):
    with pytest.raises(parse.Invalid) as refused:
        parse.when()(text(typed), CTX)
    assert (refused.value.key, refused.value.params) == (key, params)


@pytest.mark.parametrize(("typed", "expected"), [
    ("kemarin malam 8.00", "2026-11-22T12:00:00+00:00"),  # 20:00 WITA
    ("tadi pagi 08:00", "2026-11-23T00:00:00+00:00"),
    ("kemarin siang 13.00", "2026-11-22T05:00:00+00:00"),
])
def test_a_part_of_the_day_reads_the_clock_the_way_it_is_said(typed, expected):
    assert parse.when()(text(typed), CTX) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("200", 200), ("sekitar 1.500 orang", 1500), ("2 ribu", 2000),
    ("200-300", {"size": 250, "text": "200-300"}),
    ("200 - 300 orang", {"size": 250, "text": "200 - 300 orang"}),
    ("1.000–2.000", {"size": 1500, "text": "1.000–2.000"}),
    ("sekitar 200 s/d 300", {"size": 250, "text": "sekitar 200 s/d 300"}),
    ("ratusan", {"size": 500, "text": "ratusan"}),
    ("Puluhan orang", {"size": 55, "text": "Puluhan orang"}),
    ("hundreds", {"size": 500, "text": "hundreds"}),
    ("banyak", "error.not_a_number"),
    ("100-99999999", "error.number_range"),
])
def test_a_crowd_size_may_be_a_range_or_a_word_kept_with_its_midpoint(typed, expected):
    assert outcome(parse.crowd(), Inbound("console", "a", text=typed)) == expected


@pytest.mark.parametrize("module", ["handlers.limits", "handlers.statuses", "bot.cli.common", "bot.cli.operations",
                                    "bot.channels.whatsapp"])
def test_doctests_of_the_hardening_helpers(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(module)).failed == 0
