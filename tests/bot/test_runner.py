"""The runner against a real database: joining, jurisdiction, dedupe, expiry, language, my reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import Clock
from bot.runner import Runner
from handlers.onboarding import address_tag
from handlers.types import Inbound, Location, Media
from storage import audit, conversations, incidents, people
from storage.models import IncidentReport, Role
from tests.conftest import FROZEN_NOW, add_office, add_officer

INCIDENT_ANSWERS = [
    "/lapor", "1", "Banjarmasin Utara", "Kel. Sungai Jingah", "kemarin 14:00",
    "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", "Aliansi Mahasiswa", "200", "tinggi",
    "Koordinasi dengan Polresta", "lewati", "lewati", "kirim",
]


def say(runner: Runner, address: str, text: str | None = None, **kw) -> str:
    replies = runner.run_turn(Inbound("console", address, text=text, **kw))
    return "\n".join(r.text for r in replies)


def reports(runner: Runner) -> list[IncidentReport]:
    with runner.sessions.begin() as s:
        return incidents.list_reports(s)


def test_an_unknown_sender_is_told_how_to_join_and_nothing_else(runner, officer):
    for attempt in ("/lapor", "halo", "/laporanku", "daftar", "/start"):
        reply = say(runner, "stranger", attempt)
        assert reply.startswith("Nomor/akun ini belum terdaftar di Siaga.")
        assert "Kesbangpol 63.71" not in reply and "Petugas" not in reply
    assert reports(runner) == []
    with runner.sessions.begin() as s:
        assert conversations.get_conversation(s, "console", "stranger") is None
        refused = audit.list_audit(s, "sender.refused")[0]
        assert refused.subject == f"sender:{address_tag('console', 'stranger')}"
        assert refused.detail == {"channel": "console"}


def test_an_unknown_sender_cannot_file_a_report(runner, officer):
    for text in INCIDENT_ANSWERS:
        say(runner, "stranger", text)
    assert reports(runner) == []


def test_a_valid_invite_registers_the_sender_once(runner, sessions):
    with sessions.begin() as s:
        code = people.add_invite(s, add_office(s), Role.OFFICER, FROZEN_NOW, name="Siti").code
    assert say(runner, "new", f"/start {code.lower()}").startswith(
        "Selamat datang di Siaga. Anda terdaftar sebagai petugas di Kesbangpol 63.71.")
    assert say(runner, "other", f"daftar {code}").startswith("Kode undangan tidak berlaku.")
    assert say(runner, "new", f"daftar {code}") == "Anda sudah terdaftar di Kesbangpol 63.71."
    with sessions.begin() as s:
        assert people.get_identity(s, "console", "new").last_inbound_at == FROZEN_NOW  # joining opens the window


def test_wrong_and_expired_codes_are_refused(runner, sessions, clock):
    with sessions.begin() as s:
        code = people.add_invite(s, add_office(s), Role.OFFICER, FROZEN_NOW, ttl=timedelta(days=7)).code
    # Unknown and expired codes get the same answer: a guesser learns nothing about which codes exist.
    assert say(runner, "new", "daftar ZZZZZZZZ").startswith("Kode undangan tidak berlaku.")
    clock.advance(days=7, seconds=1)
    assert say(runner, "new", f"daftar {code}").startswith("Kode undangan tidak berlaku.")
    with sessions.begin() as s:
        assert people.get_identity(s, "console", "new") is None


def test_an_invite_without_a_name_asks_for_it(runner, sessions):
    with sessions.begin() as s:
        code = people.add_invite(s, add_office(s), Role.HEAD, FROZEN_NOW).code
    reply = say(runner, "head", f"daftar {code}")
    assert "kepala kantor" in reply and reply.endswith("Siapa nama lengkap Anda?")
    assert say(runner, "head", "/lapor").startswith("Anda sedang mengisi profil.")
    assert say(runner, "head", "Drs. Rahmat").startswith("Terima kasih, Drs. Rahmat. Profil tersimpan.")
    with sessions.begin() as s:
        assert people.get_identity(s, "console", "head").officer.name == "Drs. Rahmat"


def test_a_full_report_is_stored_with_a_readable_number(runner, officer):
    replies = [say(runner, "officer-1", text) for text in INCIDENT_ANSWERS]
    assert replies[-1] == "Laporan KJD-6371-2026-000001 tersimpan. Terima kasih."
    [report] = reports(runner)
    assert report.kecamatan_code == "63.71.04" and report.severity.value == "tinggi"
    assert report.occurred_at.isoformat() == "2026-11-22T06:00:00+00:00"
    assert report.crowd_size == 200 and report.status.value == "baru" and report.reporter_id == officer.id
    assert report.latitude is None and report.attachments == []


def test_report_numbers_count_up_per_office(runner, officer, sessions):
    with sessions.begin() as s:
        add_officer(s, "kalbar", region="61.71", tz="Asia/Pontianak")
    for text in INCIDENT_ANSWERS:
        say(runner, "officer-1", text)
    for text in INCIDENT_ANSWERS:
        say(runner, "officer-1", text)
    answers = list(INCIDENT_ANSWERS)
    answers[2] = "Pontianak Kota"
    last = [say(runner, "kalbar", text) for text in answers][-1]
    assert last == "Laporan KJD-6171-2026-000001 tersimpan. Terima kasih."
    assert [r.number for r in reports(runner)][1:] == ["KJD-6371-2026-000002", "KJD-6371-2026-000001"]


def test_location_and_photo_are_kept(runner, officer):
    for text in INCIDENT_ANSWERS[:10]:
        say(runner, "officer-1", text)
    assert "Kirim foto" in "\n".join(r.text for r in runner.run_turn(
        Inbound("console", "officer-1", location=Location(-3.30, 114.59))))
    runner.run_turn(Inbound("console", "officer-1", media=(Media("photo", "file-9", "image/jpeg", "/a/b.jpg"),)))
    say(runner, "officer-1", "kirim")
    [report] = reports(runner)
    assert (report.latitude, report.longitude) == (-3.30, 114.59)
    assert [(a.kind, a.ref, a.stored_path, a.channel) for a in report.attachments] == [
        ("photo", "file-9", "/a/b.jpg", "console")]


def test_a_kecamatan_outside_the_jurisdiction_is_refused_and_reasked(runner, officer):
    for text in INCIDENT_ANSWERS[:2]:
        say(runner, "officer-1", text)
    reply = say(runner, "officer-1", "Sambas")  # Kalimantan Barat, another province
    assert reply.startswith("Kecamatan itu di luar wilayah tugas Anda.")
    assert reply.endswith("Ketik nama kecamatan (sebagian juga boleh), atau bagikan lokasi kejadian.")
    assert say(runner, "officer-1", "63.03.01").startswith("Kecamatan itu di luar wilayah tugas Anda.")
    assert say(runner, "officer-1", "63.71.02").startswith("Di desa/kelurahan")


def test_an_officer_assigned_to_kecamatan_sees_only_those(runner, sessions):
    with sessions.begin() as s:
        add_officer(s, "assigned", kecamatan=("63.71.01", "63.71.02"))
    say(runner, "assigned", "/lapor")
    say(runner, "assigned", "1")
    reply = runner.run_turn(Inbound("console", "assigned", text="banjarmasin"))[0]
    assert [c.label for c in reply.choices] == ["Banjarmasin Selatan", "Banjarmasin Timur"]
    assert say(runner, "assigned", "utara").startswith("Kecamatan itu di luar wilayah tugas Anda.")


def test_a_province_officer_sees_the_kabupaten_beside_repeated_names(runner, sessions):
    with sessions.begin() as s:
        add_officer(s, "prov", region="61", tz="Asia/Pontianak")
    say(runner, "prov", "/lapor")
    say(runner, "prov", "1")
    reply = runner.run_turn(Inbound("console", "prov", text="Sungai Raya"))[0]
    assert "Sungai Raya (Kabupaten Kubu Raya)" in [c.label for c in reply.choices]
    assert len(reply.choices) >= 2


def test_a_redelivered_message_is_handled_once(runner, officer):
    first = runner.run_turn(Inbound("telegram-test", "x", text="/lapor", message_id="m1"))
    again = runner.run_turn(Inbound("telegram-test", "x", text="/lapor", message_id="m1"))
    assert first and again == []


def test_a_stale_draft_expires_with_a_notice(runner, officer, clock):
    for text in INCIDENT_ANSWERS[:3]:
        say(runner, "officer-1", text)
    clock.advance(hours=25)
    reply = say(runner, "officer-1", "Kel. Sungai Jingah")
    assert reply.startswith("Draf laporan kejadian Anda tidak dilanjutkan lebih dari 24 jam")
    assert say(runner, "officer-1", "kembali").startswith("Ketik /lapor untuk melaporkan kejadian")


def test_a_draft_lives_24_hours_from_its_last_answer_not_from_its_start(runner, officer, clock):
    assert say(runner, "officer-1", "/lapor") == "Jenis kejadian apa?"
    clock.advance(hours=23)
    assert say(runner, "officer-1", "1").startswith("Di kecamatan mana?")
    clock.advance(hours=23)  # 46 hours after /lapor, 23 after the last answer
    assert say(runner, "officer-1", "Banjarmasin Utara").startswith("Di desa/kelurahan")
    clock.advance(hours=24, minutes=1)
    assert say(runner, "officer-1", "Kel. Sungai Jingah").startswith("Draf laporan kejadian Anda tidak dilanjutkan")


def test_a_command_inside_a_flow_answers_and_puts_the_question_again(runner, officer):
    say(runner, "officer-1", "/lapor")
    reply = say(runner, "officer-1", "/bantuan")
    assert reply.startswith("Perintah Siaga:") and reply.endswith("Jenis kejadian apa?")
    assert say(runner, "officer-1", "/lapor").startswith("Anda sedang mengisi laporan kejadian.")


def test_language_switch_is_per_officer(runner, officer, sessions):
    with sessions.begin() as s:
        add_officer(s, "other")
    assert say(runner, "officer-1", "/bahasa en") == "Language: English."
    assert say(runner, "officer-1", "/report") == "What kind of incident?"
    assert say(runner, "other", "/lapor") == "Jenis kejadian apa?"
    assert say(runner, "officer-1", "/language xx").startswith("Choose a language")


def test_english_by_default_when_configured(sessions, settings, clock, officer):
    english = Runner(sessions, settings.model_copy(update={"language": "en"}), clock=clock)
    assert say(english, "stranger", "hi").startswith("This number/account is not registered")


def test_my_reports_shows_only_my_own(runner, officer, sessions):
    with sessions.begin() as s:
        add_officer(s, "other")
    assert say(runner, "officer-1", "/laporanku") == "Anda belum pernah mengirim laporan."
    for text in INCIDENT_ANSWERS:
        say(runner, "other", text)
    assert say(runner, "officer-1", "laporanku") == "Anda belum pernah mengirim laporan."
    assert "KJD-6371-2026-000001 | 22/11 14:00 WITA | Unjuk rasa" in say(runner, "other", "/laporanku")


def test_idle_chatter_points_to_the_commands(runner, officer):
    assert say(runner, "officer-1", "halo").startswith("Ketik /lapor untuk melaporkan kejadian")
    assert say(runner, "officer-1", "/entah").startswith("Perintah tidak dikenal.")
    assert say(runner, "officer-1", "batal").startswith("Tidak ada yang sedang diisi.")


@pytest.mark.parametrize("command", ["/lapor", "lapor", "/report", "/lapor@SiagaBot", "LAPOR"])
def test_report_aliases(runner, officer, command):
    assert say(runner, "officer-1", command) == "Jenis kejadian apa?"


@pytest.mark.wallclock
def test_a_started_clock_reads_its_start_and_runs_on_from_there():
    start = datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)
    clock, real = Clock(start), Clock()
    first = clock()
    time.sleep(0.01)  # the real time has to pass for the clock to move
    second = clock()
    assert start <= first < start + timedelta(seconds=1)
    assert second - first >= timedelta(seconds=0.01)
    assert abs(real() - datetime.now(UTC)) < timedelta(seconds=1)  # two clocks in one process, each its own
    clock.start_at(None)
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=1)
    with pytest.raises(ValueError):
        Clock(datetime(2026, 12, 31, 15, 59))
