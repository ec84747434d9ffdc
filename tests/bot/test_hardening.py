"""Issue 13 reproductions through the real runner and database: what a newcomer and a hostile sender broke."""

from __future__ import annotations

import pytest

from bot.runner import Runner
from handlers.limits import MAX_INBOUND_CHARS
from handlers.types import Inbound
from storage import conversations, incidents, regions
from tests.bot.test_runner import INCIDENT_ANSWERS, say

TO_PLACE = INCIDENT_ANSWERS[:3]  # /lapor, a category, a kecamatan: the next question is the place


def state_of(runner: Runner, address: str = "officer-1"):
    with runner.sessions.begin() as s:
        conversation = conversations.get_conversation(s, "console", address)
        return conversation.step, dict(conversation.data["answers"])


def file_report(runner: Runner, answers: list[str]) -> str:
    return "\n".join(say(runner, "officer-1", text) for text in answers)


# -- 1. control characters and NUL ------------------------------------------------------------------

def test_a_nul_byte_in_an_answer_is_dropped_and_the_report_is_saved(runner, officer):
    answers = list(INCIDENT_ANSWERS)
    answers[3] = "Pasar\x00Baru"
    assert "tersimpan" in file_report(runner, answers)
    with runner.sessions.begin() as s:
        (report,) = incidents.list_reports(s)
        assert report.place == "PasarBaru"


def test_nul_bytes_alone_do_not_satisfy_a_mandatory_field(runner, officer):
    file_report(runner, TO_PLACE)
    assert say(runner, "officer-1", "\x00" * 11).startswith("Mohon jawab dengan teks.")
    step, answers = state_of(runner)
    assert step == "place" and "place" not in answers


def test_terminal_escape_codes_are_not_stored(runner, officer):
    file_report(runner, TO_PLACE)
    say(runner, "officer-1", "\x1b[31mPasar\x1b[0m Lama\x07\u202e")
    assert state_of(runner)[1]["place"] == "Pasar Lama"


def test_text_is_stored_in_composed_unicode_form(runner, officer):
    file_report(runner, TO_PLACE)
    say(runner, "officer-1", "Cafe\u0301 Sungai")  # e + combining accent, as some keyboards send it
    assert state_of(runner)[1]["place"] == "Caf\u00e9 Sungai"


# -- 2. echo amplification ---------------------------------------------------------------------------

def test_a_huge_message_gets_one_short_answer_naming_the_cap(runner, officer):
    file_report(runner, INCIDENT_ANSWERS[:2])  # at the kecamatan question
    replies = runner.run_turn(Inbound("console", "officer-1", text="Banjarmasin " * 100_000))
    assert len(replies) == 1
    assert f"paling banyak {MAX_INBOUND_CHARS} huruf" in replies[0].text
    assert replies[0].text.rstrip().endswith("Ketik nama kecamatan (sebagian juga boleh).")
    assert len(replies[0].text) < 500
    assert state_of(runner)[0] == "kecamatan"


def test_an_unknown_name_is_quoted_back_only_as_a_short_excerpt(runner, officer):
    file_report(runner, INCIDENT_ANSWERS[:2])
    typed = "Kampung " + "x" * 3000
    reply = say(runner, "officer-1", typed)
    assert reply.startswith("Tidak ada kecamatan di wilayah tugas Anda yang cocok dengan \"Kampung xxx")
    assert "x" * 60 not in reply and len(reply) < 400


def test_a_long_search_text_never_reaches_sqlite_like_limits(session):
    assert regions.find_kecamatan(session, None, query="%_a" * 30_000) == []


def test_the_review_screen_shows_long_answers_as_excerpts(runner, officer):
    answers = list(INCIDENT_ANSWERS[:-1])
    answers[5] = "Mahasiswa berkumpul " * 190  # about 3,800 characters: within the description's limit
    review = file_report(runner, answers).rsplit("Periksa kembali", 1)[1]
    assert len(review) < 1600  # one WhatsApp body
    assert review.rstrip().endswith("Kirim sekarang, ubah salah satu isian, atau batalkan?")


# -- 3. commands in the middle of a flow --------------------------------------------------------------

def test_an_unknown_command_mid_flow_is_answered_as_when_idle_and_not_stored(runner, officer):
    idle = say(runner, "officer-1", "/rekap")
    file_report(runner, TO_PLACE)
    reply = say(runner, "officer-1", "/rekap")
    assert idle == "Perintah tidak dikenal. Ketik /bantuan untuk melihat perintah."
    assert reply.startswith(idle)
    assert reply.endswith("Di desa/kelurahan atau tempat mana tepatnya?")
    step, answers = state_of(runner)
    assert step == "place" and "place" not in answers


@pytest.mark.parametrize("typed", ["/2 jam lalu", "/ Pasar"])
def test_slash_text_that_is_no_command_name_is_still_an_answer(runner, officer, typed):
    file_report(runner, TO_PLACE)
    say(runner, "officer-1", typed)
    assert state_of(runner)[1]["place"] == typed


def test_batal_addressed_to_the_bot_cancels_like_batal(runner, officer):
    file_report(runner, TO_PLACE)
    assert say(runner, "officer-1", "/batal@SiagaBot").startswith("Dibatalkan.")


def test_switching_language_mid_flow_reasks_and_reviews_in_the_new_language(runner, officer):
    file_report(runner, TO_PLACE)
    reply = say(runner, "officer-1", "/bahasa en")
    assert reply == "Language: English.\nWhich desa/kelurahan or place exactly?"
    review = file_report(runner, INCIDENT_ANSWERS[3:-1])
    assert "- Category: Demonstration / protest" in review
    assert "- Severity: High" in review
    assert review.rstrip().endswith("Send now, change one of the answers, or cancel?")
