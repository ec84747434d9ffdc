"""Parametrised tables: input → value | error key."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime

import pytest

import handlers
import handlers.incident
import handlers.parse
from handlers import parse
from handlers.parse import Invalid
from handlers.types import Ctx, Inbound, Location, Media

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 WITA


class FakeOffice:
    tz = "Asia/Makassar"


class FakeOfficer:
    office = FakeOffice()


CTX = Ctx(session=None, now=NOW, lang="id", channel="console", address="a", officer=FakeOfficer())  # type: ignore[arg-type]


def text(value: str) -> Inbound:
    return Inbound("console", "a", text=value)


def outcome(parser, inbound):
    try:
        return parser(inbound, CTX)
    except Invalid as exc:
        return exc.key


@pytest.mark.parametrize(("typed", "expected"), [
    ("sekarang", "2026-11-23T02:00:00+00:00"),
    ("Now", "2026-11-23T02:00:00+00:00"),
    ("2 jam lalu", "2026-11-23T00:00:00+00:00"),
    ("30 menit yang lalu", "2026-11-23T01:30:00+00:00"),
    ("3 hours ago", "2026-11-22T23:00:00+00:00"),
    ("kemarin 14:00", "2026-11-22T06:00:00+00:00"),
    ("kemarin sore 16.30", "2026-11-22T08:30:00+00:00"),
    ("yesterday 14:00", "2026-11-22T06:00:00+00:00"),
    ("tadi jam 8", "2026-11-23T00:00:00+00:00"),
    ("08.30 WITA", "2026-11-23T00:30:00+00:00"),
    ("21/11 08.30", "2026-11-21T00:30:00+00:00"),
    ("21-11-2026 8:30", "2026-11-21T00:30:00+00:00"),
    ("21/11/26 08:30", "2026-11-21T00:30:00+00:00"),
    ("2026-11-21 08:30", "2026-11-21T00:30:00+00:00"),
    ("10:04", "2026-11-23T02:04:00+00:00"),  # within the five minutes of clock drift allowed
    ("10:06", "error.when_future"),
    ("25/11 08:00", "error.when_future"),
    ("21/11", "error.when_time_missing"),
    ("kemarin", "error.when_time_missing"),
    ("31/02 08:00", "error.when_date"),
    ("25:00", "error.when_clock"),
    ("minggu lalu", "error.when"),
    ("21/11/2024 08:00", "error.when_too_old"),
    ("", "error.text_required"),
])
def test_when(typed, expected):
    assert outcome(parse.when(), text(typed)) == expected


def test_a_date_without_year_that_would_be_far_ahead_means_last_year():
    new_year = Ctx(session=None, now=datetime(2027, 1, 2, 2, 0, tzinfo=UTC), lang="id", channel="c",
                   address="a", officer=FakeOfficer())  # type: ignore[arg-type]
    assert parse.when()(text("31/12 20:00"), new_year) == "2026-12-31T12:00:00+00:00"


@pytest.mark.parametrize(("typed", "expected"), [
    ("150", 150), ("0", 0), ("sekitar 200", 200), ("1.500 orang", 1500), ("1,500", 1500),
    ("2 ribu", 2000), ("1,5rb", 1500), ("300an", 300), ("± 40", 40), ("kurang lebih 75 orang", 75),
    ("banyak", "error.not_a_number"), ("-5", "error.not_a_number"), ("1.5", "error.not_a_number"),
    ("20000000", "error.number_range"),
])
def test_integer(typed, expected):
    assert outcome(parse.integer(), text(typed)) == expected


@pytest.mark.parametrize(("inbound", "expected"), [
    (Inbound("c", "a", location=Location(-3.3194, 114.5908)), {"latitude": -3.3194, "longitude": 114.5908}),
    (text("-3.3194, 114.5908"), {"latitude": -3.3194, "longitude": 114.5908}),
    (text("-0.0263 109.3425"), {"latitude": -0.0263, "longitude": 109.3425}),
    (text("https://maps.google.com/?q=-3.3194,114.5908"), {"latitude": -3.3194, "longitude": 114.5908}),
    (text("51.5, -0.12"), "error.location_range"),
    (text("di depan masjid"), "error.location"),
])
def test_location(inbound, expected):
    assert outcome(parse.location, inbound) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("ab", "error.too_short"), ("  Pasar  ", "Pasar"), ("x" * 301, "error.too_long"), ("", "error.text_required"),
])
def test_text(typed, expected):
    assert outcome(parse.text(min_len=3, max_len=300), text(typed)) == expected


def test_media_keeps_every_attachment_and_needs_one():
    photo = Media("photo", "file-1", "image/jpeg", "/tmp/x.jpg")
    assert parse.media(Inbound("c", "a", media=(photo,)), CTX) == [
        {"kind": "photo", "ref": "file-1", "content_type": "image/jpeg", "stored_path": "/tmp/x.jpg"}
    ]
    assert outcome(parse.media, text("foto")) == "error.media"


@pytest.mark.parametrize("module", [handlers.parse, handlers.incident, handlers])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
