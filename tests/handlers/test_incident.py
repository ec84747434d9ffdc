"""The incident flow's kecamatan from a shared location: inside a kecamatan, just off the coast, far out at sea."""

from __future__ import annotations

import pytest

from bot.runner import Runner
from handlers.types import Inbound, Location
from tests.conftest import add_officer

# Off the Tanah Laut coast, about 420 m from Bumi Makmur; and about 1.1 km from Kurau, too far to propose.
OFF_THE_COAST = Location(-3.55, 114.52)
TOO_FAR_OUT = Location(-3.59, 114.57)


@pytest.fixture
def tanah_laut(sessions):
    with sessions.begin() as s:
        add_officer(s, "tala", region="63.01")
        add_officer(s, "tala-en", region="63.01")
    return "tala"


def turn(runner: Runner, address: str, text: str | None = None, **kw):  # type: ignore[no-untyped-def]
    return runner.run_turn(Inbound("console", address, text=text, **kw))


def at_the_kecamatan_question(runner: Runner, address: str) -> None:
    turn(runner, address, "/lapor")
    turn(runner, address, "1")


def test_a_location_just_off_the_coast_proposes_the_nearest_kecamatan_and_says_so(runner, tanah_laut):
    at_the_kecamatan_question(runner, "tala")
    [reply] = turn(runner, "tala", location=OFF_THE_COAST)
    assert reply.text.startswith("Titik yang Anda bagikan tidak berada di dalam kecamatan mana pun")
    assert "Kecamatan terdekat: Bumi Makmur, sekitar 420 m dari titik itu." in reply.text
    assert [c.label for c in reply.choices] == ["Bumi Makmur"]
    [next_question] = turn(runner, "tala", choice=reply.choices[0].id)
    assert next_question.text.startswith("Di desa/kelurahan atau tempat mana tepatnya?")


def test_the_nearest_kecamatan_is_said_in_english_too(runner, tanah_laut):
    turn(runner, "tala-en", "/bahasa en")
    at_the_kecamatan_question(runner, "tala-en")
    [reply] = turn(runner, "tala-en", location=OFF_THE_COAST)
    assert "The nearest is Kecamatan Bumi Makmur, about 420 m away." in reply.text


@pytest.mark.parametrize("where", [TOO_FAR_OUT, Location(-4.8, 113.0)], ids=["1.1 km out", "Java Sea"])
def test_a_location_further_out_is_refused_as_at_sea(runner, tanah_laut, where):
    at_the_kecamatan_question(runner, "tala")
    [reply] = turn(runner, "tala", location=where)
    assert reply.text.startswith("Titik itu tidak berada di kecamatan mana pun yang dikenal Siaga (di laut")
    assert not reply.choices


def test_the_nearest_kecamatan_outside_the_officers_area_is_refused_like_a_typed_one(runner, officer):
    at_the_kecamatan_question(runner, "officer-1")  # Kota Banjarmasin
    [reply] = turn(runner, "officer-1", location=OFF_THE_COAST)
    assert reply.text.startswith("Kecamatan itu di luar wilayah tugas Anda.")


def test_the_point_the_old_outlines_missed_is_proposed_in_banjarmasin_tengah(runner, officer):
    at_the_kecamatan_question(runner, "officer-1")
    [reply] = turn(runner, "officer-1", location=Location(-3.318, 114.603))
    assert reply.text.startswith("Lokasi yang Anda bagikan berada di Kecamatan Banjarmasin Tengah.")
