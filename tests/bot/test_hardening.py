"""Issue 13 reproductions through the real runner and database: what a newcomer and a hostile sender broke."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

import handlers
from bot.runner import Runner
from handlers import maintenance
from handlers.deps import Deps
from handlers.limits import MAX_INBOUND_CHARS
from handlers.onboarding import MAX_FAILED_OVERALL, MAX_FAILED_PER_SENDER
from handlers.types import Inbound
from storage import audit, conversations, incidents, outbox, people, regions
from storage.models import OutboxStatus, Role
from tests.bot.test_runner import INCIDENT_ANSWERS, say
from tests.conftest import FROZEN_NOW, add_office, add_officer

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
    assert replies[0].text.rstrip().endswith("Ketik nama kecamatan (sebagian juga boleh), atau bagikan lokasi kejadian.")
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


# -- 7. invite guessing, and pruning -------------------------------------------------------------------

def invite(sessions, **kw) -> str:
    with sessions.begin() as s:
        return people.add_invite(s, add_office(s), Role.OFFICER, FROZEN_NOW, name="Siti", **kw).code


def test_unknown_used_and_expired_codes_get_one_and_the_same_answer(runner, sessions, clock):
    used, expired = invite(sessions), invite(sessions, ttl=timedelta(hours=1))
    say(runner, "first", f"daftar {used}")
    clock.advance(hours=2)
    answers = {say(runner, "guesser", f"daftar {code}") for code in ("ZZZZZZZZ", used, expired)}
    assert answers == {"Kode undangan tidak berlaku. Periksa kembali kodenya atau minta kode baru kepada admin."}


def test_a_guessing_sender_is_locked_out_told_once_and_let_in_when_the_lockout_expires(runner, sessions, clock):
    code = invite(sessions, ttl=timedelta(days=2))
    for n in range(MAX_FAILED_PER_SENDER):
        assert say(runner, "guesser", f"daftar WRONG{n:03d}").startswith("Kode undangan tidak berlaku.")
    # Locked: even the right code waits; told once, then nothing (no paid reply per try).
    assert say(runner, "guesser", f"daftar {code}").startswith("Terlalu banyak kode yang salah. Coba lagi setelah 60")
    assert runner.run_turn(Inbound("console", "guesser", text="daftar WRONG999")) == []
    assert say(runner, "someone-else", f"daftar {code}").startswith("Selamat datang")  # others are not locked
    code = invite(sessions, ttl=timedelta(days=2))
    clock.advance(hours=1, seconds=1)
    assert say(runner, "guesser", f"daftar {code}").startswith("Selamat datang")
    with sessions.begin() as s:
        refused = audit.list_audit(s, "invite.refused")
        assert len(refused) == MAX_FAILED_PER_SENDER and len(audit.list_audit(s, "invite.throttled")) == 2
        assert "guesser" not in str([(a.subject, a.detail) for a in refused])
        assert people.get_identity(s, "console", "guesser") is not None


def test_guessing_from_many_numbers_locks_joining_for_everyone_until_the_window_passes(runner, sessions, clock):
    code = invite(sessions, ttl=timedelta(days=2))
    for n in range(MAX_FAILED_OVERALL):
        say(runner, f"bot-{n % 50}", f"daftar WRONG{n:03d}")  # 50 numbers, 2 tries each: under the per-sender limit
    assert say(runner, "honest", f"daftar {code}").startswith("Terlalu banyak kode yang salah.")
    clock.advance(hours=1, seconds=1)
    assert say(runner, "honest", f"daftar {code}").startswith("Selamat datang")


def test_the_prune_tick_deletes_old_inbound_ids_and_sent_messages_only(sessions, clock):
    assert maintenance.PRUNE in handlers.SCHEDULED
    with sessions.begin() as s:
        for n, age in enumerate((100, 89)):
            at = FROZEN_NOW - timedelta(days=age)
            conversations.claim_message(s, "whatsapp", f"SM{n}", at)
            for status in (OutboxStatus.SENT, OutboxStatus.FAILED):
                mid = outbox.add_message(s, f"k{n}{status}", "whatsapp", "x", {"text": "t"}, at)
                row = outbox.get_message(s, mid)
                row.status, row.sent_at = status, at if status == OutboxStatus.SENT else None
    with sessions.begin() as s:
        assert maintenance.PRUNE.due(s, clock(), Deps()) == []
    with sessions.begin() as s:
        assert not conversations.claim_message(s, "whatsapp", "SM1", FROZEN_NOW)  # 89 days: kept
        assert conversations.claim_message(s, "whatsapp", "SM0", FROZEN_NOW)  # 100 days: forgotten
        left = sorted(m.idempotency_key for m in outbox.list_messages(s, limit=None))
        assert left == [f"k0{OutboxStatus.FAILED}", f"k1{OutboxStatus.FAILED}", f"k1{OutboxStatus.SENT}"]
    clock.advance(days=2)
    with sessions.begin() as s:
        maintenance.PRUNE.due(s, clock(), Deps(retention=timedelta(days=30)))
        assert [m.idempotency_key for m in outbox.list_messages(s, OutboxStatus.SENT)] == []


# -- 8. a deactivated officer re-invited; no driver detail in the logs --------------------------------

def test_a_deactivated_officer_can_be_invited_again_and_the_relink_is_audited(runner, sessions, caplog):
    address = "whatsapp:+6281234567890"
    with sessions.begin() as s:
        old = add_officer(s, address, channel="whatsapp", name="Budi Lama")
        old.active = False
    code = invite(sessions)
    with caplog.at_level(logging.DEBUG):
        replies = runner.run_turn(Inbound("whatsapp", address, text=f"daftar {code}"))
    assert replies[0].text.startswith("Selamat datang di Siaga.")
    with sessions.begin() as s:
        officer = people.get_identity(s, "whatsapp", address).officer
        assert officer.active and officer.id != old.id and officer.name == "Siti"
        (joined,) = audit.list_audit(s, "officer.joined")[:1]
        assert joined.detail["relinked_from"] == f"officer:{old.id}"
    assert "6281234567890" not in caplog.text and "DETAIL" not in caplog.text


def test_an_address_of_an_active_officer_is_never_taken_over_by_an_invite(sessions):
    with sessions.begin() as s:
        add_officer(s, "console-1")
        code = people.add_invite(s, add_office(s), Role.ADMIN, FROZEN_NOW).code
        assert people.redeem_invite(s, code, "console", "console-1", FROZEN_NOW) == people.RedeemError.USED


def test_database_errors_never_carry_the_rows_values_into_logs(sessions, caplog):
    """A duplicate identity (PostgreSQL adds "DETAIL: Key (channel, address)=(…)") logged with its traceback."""
    address = "whatsapp:+6281299999999"
    with sessions.begin() as s:
        officer = add_officer(s, address, channel="whatsapp")
    with pytest.raises(IntegrityError) as failed, sessions.begin() as s:
        people.add_identity(s, officer, "whatsapp", address, FROZEN_NOW)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("tests.hardening").error("turn failed", exc_info=failed.value)
    assert "uq_channel_identities" in caplog.text or "UNIQUE constraint failed" in caplog.text
    assert "6281299999999" not in caplog.text and "6281299999999" not in str(failed.value)


# -- 4. matching: typos, categories, crowd ranges (with the database) ----------------------------------

def test_a_mistyped_kecamatan_gets_the_closest_names_in_the_officers_jurisdiction(runner, officer, sessions):
    file_report(runner, INCIDENT_ANSWERS[:2])
    reply = say(runner, "officer-1", "banjarmasin utra")
    assert reply.startswith('Tidak ada kecamatan bernama "banjarmasin utra". Mungkin maksud Anda: Banjarmasin Utara')
    assert state_of(runner)[0] == "kecamatan"
    with sessions.begin() as s:  # an officer of one kecamatan is offered only that one
        add_officer(s, "officer-2", kecamatan=("63.71.01",))
    for typed in ("/lapor", "1"):
        say(runner, "officer-2", typed)
    assert say(runner, "officer-2", "banjarmasin selatn").endswith(
        "Mungkin maksud Anda: Banjarmasin Selatan?\nDi kecamatan mana? Ketik nama kecamatan (sebagian juga boleh), atau bagikan lokasi kejadian.")
    assert "Utara" not in say(runner, "officer-2", "banjarmasin utra")


def test_a_category_typed_as_any_word_of_its_label_is_picked(runner, officer):
    say(runner, "officer-1", "/lapor")
    assert say(runner, "officer-1", "pemilu").startswith("Di kecamatan mana?")
    assert state_of(runner)[1]["category"] == "7"


def test_a_crowd_range_is_stored_as_its_midpoint_with_the_text(runner, officer):
    answers = list(INCIDENT_ANSWERS)
    answers[7] = "200-300 orang"
    review = file_report(runner, answers[:-1])
    assert "- Jumlah massa: 200-300 orang (≈250)" in review
    say(runner, "officer-1", "kirim")
    with runner.sessions.begin() as s:
        (report,) = incidents.list_reports(s)
        assert (report.crowd_size, report.crowd_size_text) == (250, "200-300 orang")
