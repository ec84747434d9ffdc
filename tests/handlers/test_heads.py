"""Heads of office at the handler level: alerts up the tree, verification, reading reports, access for every role."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.types import Notify, StartFlow, ToOfficer
from storage import audit, incidents, people
from storage.db import make_sessions
from storage.models import AuditLog, ReportStatus, Role, Severity, StatusChange
from tests.conftest import FROZEN_NOW, add_officer, prepare
from tests.support.heads import add_report, audience, chat

NOW = FROZEN_NOW
REPORT = ["/lapor", "1", "Banjarmasin Utara", "Kel. Sungai Jingah", "1 jam lalu",
          "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno\nMassa membakar ban", "Aliansi Mahasiswa",
          "200", "tinggi", "Koordinasi dengan Polresta", "lewati", "lewati", "kirim"]


@pytest.fixture
def people_(sessions):
    """A kab/kota office (63.71) and its province (63), each with a head; an officer; a Kalteng head; a guest."""
    with sessions.begin() as s:
        ids = {
            "officer": add_officer(s, "officer", name="Budi Petugas").id,
            "head": add_officer(s, "head", name="Kepala Kota", role=Role.HEAD).id,
            "prov": add_officer(s, "prov", name="Kepala Provinsi", region="63", role=Role.HEAD).id,
            "other": add_officer(s, "other", name="Kepala Kalteng", region="62", role=Role.HEAD,
                                 tz="Asia/Pontianak").id,
            "guest": add_officer(s, "guest", name="Tamu KPU", role=Role.GUEST).id,
        }
    return ids


def file_report(sessions, severity: str = "tinggi", now=NOW):
    answers = [severity if a == "tinggi" else a for a in REPORT]
    for text in answers[:-1]:
        chat(sessions, "officer", text, now=now)
    return chat(sessions, "officer", answers[-1], now=now)


def test_a_tinggi_report_alerts_the_heads_of_its_office_and_the_province_once_each(sessions, people_):
    done = file_report(sessions)
    assert "Laporan KJD-6371-2026-000001 tersimpan" in done.text
    alerts = [e for e in done.effects if isinstance(e, Notify)]
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.key, alert.kind) == ("alert:KJD-6371-2026-000001", "alert")
    with sessions.begin() as s:
        heads = audience(s, alert)
        assert sorted(h.id for h in heads) == sorted([people_["head"], people_["prov"]])
        reply = alert.render(heads[0], "id")[0]
        en = alert.render(heads[1], "en")[0]
    assert "PERINGATAN - Tinggi: Unjuk rasa / demonstrasi" in reply.text
    for part in ("KJD-6371-2026-000001", "Banjarmasin Utara", "23/11/2026 09:00 WITA", "Budi Petugas",
                 "Massa membakar ban"):
        assert part in reply.text
    assert [c.id for c in reply.choices] == [
        "/status KJD-6371-2026-000001 terverifikasi", "/status KJD-6371-2026-000001 ditangani",
        "/status KJD-6371-2026-000001 selesai", "/status KJD-6371-2026-000001 ditolak",
        "/laporan KJD-6371-2026-000001"]
    assert en.text.startswith("⚠️ ALERT - High: Demonstration / protest")
    # The template's variables in the README's order: category, kecamatan, severity, number, time.
    assert alert.variables(heads[0], "id") == {"1": "Unjuk rasa / demonstrasi", "2": "Banjarmasin Utara",
                                               "3": "Tinggi", "4": "KJD-6371-2026-000001",
                                               "5": "23/11/2026 09:00 WITA"}
    # Channel-agnostic: a button on Telegram, a numbered list on WhatsApp.
    assert "ketuk tombol" not in reply.text and "pilih tindakan di bawah" in reply.text
    assert "Diperingatkan karena" not in reply.text


def test_a_sedang_report_alerts_nobody_unless_its_category_always_alerts(sessions, people_):
    assert [e for e in file_report(sessions, "sedang").effects if isinstance(e, Notify)] == []
    with sessions.begin() as s:
        people.get_office_by_region(s, "63").alert_categories = ["unjuk_rasa"]
    alerts = [e for e in file_report(sessions, "sedang").effects if isinstance(e, Notify)]
    assert len(alerts) == 1
    with sessions.begin() as s:
        # Only the province asked for this category: its heads, not the kab/kota head, are alerted.
        assert [h.id for h in audience(s, alerts[0])] == [people_["prov"]]
        text = alerts[0].render(people.get_officer(s, people_["prov"]), "id")[0].text
    assert ("(Diperingatkan karena Kesbangpol 63 meminta peringatan untuk setiap laporan Unjuk rasa / demonstrasi.)"
            in text)


def test_a_head_verifies_with_a_tap_while_idle_and_the_reporter_is_told(sessions, people_):
    file_report(sessions)
    tap = chat(sessions, "head", choice="/status KJD-6371-2026-000001 terverifikasi", now=NOW + timedelta(minutes=5))
    assert tap.text == "Status laporan KJD-6371-2026-000001 kini terverifikasi. Pelapor sudah diberi tahu."
    told = [e for e in tap.effects if isinstance(e, Notify)]
    assert len(told) == 2 and told[0].to == ToOfficer(people_["officer"])
    with sessions.begin() as s:
        reporter = people.get_officer(s, people_["officer"])
        assert told[0].render(reporter, "id")[0].text == (
            "Laporan Anda KJD-6371-2026-000001 kini berstatus terverifikasi (oleh Kepala Kota).")
        # The province head, alerted too, learns who acted, with the actions the new status allows (issue 22).
        assert told[1].to == ToOfficer(people_["prov"])
        colleague = told[1].render(people.get_officer(s, people_["prov"]), "id")[0]
        assert colleague.text.startswith("Laporan KJD-6371-2026-000001 sudah terverifikasi oleh Kepala Kota.")
        # No buttons: a "1" typed next still answers the alert's list (and is told it is verified already).
        assert colleague.choices == ()
        report = incidents.get_report_by_number(s, "KJD-6371-2026-000001")
        assert report.status is ReportStatus.TERVERIFIKASI
        change = s.scalars(select(StatusChange)).one()
        assert (change.actor_id, change.at, change.from_status) == (people_["head"], NOW + timedelta(minutes=5),
                                                                    ReportStatus.BARU)
        entry = audit.list_audit(s, "report.status")[0]
        assert entry.actor_id == people_["head"] and entry.detail["to_status"] == "terverifikasi"


def test_a_stale_tap_and_a_backward_move_are_answered_clearly_and_change_nothing(sessions, people_):
    file_report(sessions)
    chat(sessions, "prov", "/status KJD-6371-2026-000001 ditangani", now=NOW)
    stale = chat(sessions, "head", choice="/status KJD-6371-2026-000001 terverifikasi", now=NOW)
    assert stale.text.startswith("Laporan KJD-6371-2026-000001 sudah berstatus ditangani, jadi tidak bisa "
                                 "diubah menjadi terverifikasi. (oleh Kepala Provinsi, 23/11 10:00 WITA)")
    assert stale.effects == []
    again = chat(sessions, "head", "/status KJD-6371-2026-000001 ditangani", now=NOW)
    assert again.text.startswith("Laporan KJD-6371-2026-000001 sudah berstatus ditangani; tidak ada yang diubah.")
    with sessions.begin() as s:
        assert len(s.scalars(select(StatusChange)).all()) == 1


def test_rejecting_asks_for_a_reason_and_records_it(sessions, people_):
    file_report(sessions)
    ask = chat(sessions, "head", choice="/status KJD-6371-2026-000001 ditolak", now=NOW)
    assert ask.text == "Tulis alasan penolakan laporan ini (atau 'batal')."
    short = chat(sessions, "head", "no", now=NOW)
    assert "Terlalu singkat" in short.text
    done = chat(sessions, "head", "Informasi keliru, tidak ada massa", now=NOW)
    assert done.text.startswith("Status laporan KJD-6371-2026-000001 kini ditolak.")
    with sessions.begin() as s:
        reporter = people.get_officer(s, people_["officer"])
        told = [e for e in done.effects if isinstance(e, Notify)][0].render(reporter, "id")[0].text
        assert "Alasan: Informasi keliru, tidak ada massa" in told
    full = chat(sessions, "prov", "/laporan KJD-6371-2026-000001", now=NOW)
    assert "- ditolak oleh Kepala Kota, 23/11 10:00 WITA\n  Alasan: Informasi keliru" in full.text
    assert chat(sessions, "head", "/status KJD-6371-2026-000001 selesai", now=NOW).text.startswith(
        "Laporan KJD-6371-2026-000001 sudah berstatus ditolak, jadi tidak bisa")


def test_a_tap_mid_flow_runs_the_command_and_puts_the_question_again(sessions, people_):
    file_report(sessions)
    chat(sessions, "head", "/lapor", now=NOW)
    tap = chat(sessions, "head", choice="/status KJD-6371-2026-000001 terverifikasi", now=NOW)
    assert tap.replies[0].text.startswith("Status laporan KJD-6371-2026-000001 kini terverifikasi.")
    assert tap.replies[-1].text == "Jenis kejadian apa?"
    reject = chat(sessions, "head", choice="/status KJD-6371-2026-000001 ditolak", now=NOW)
    assert reject.text.startswith("Anda sedang mengisi laporan kejadian.")
    assert not any(isinstance(e, StartFlow) for e in reject.effects)


def test_a_head_outside_the_jurisdiction_learns_nothing_and_is_audited(sessions, people_):
    file_report(sessions)
    for text in ("/status KJD-6371-2026-000001 terverifikasi", "/laporan KJD-6371-2026-000001"):
        assert chat(sessions, "other", text, now=NOW).text == (
            "Laporan KJD-6371-2026-000001 tidak ditemukan di wilayah Anda.")
    assert chat(sessions, "other", "/laporan KJD-6271-2026-000009", now=NOW).text == (
        "Laporan KJD-6271-2026-000009 tidak ditemukan di wilayah Anda.")
    with sessions.begin() as s:
        refused = audit.list_audit(s, "access.refused")
        assert [(e.actor_id, e.detail["reason"]) for e in refused] == [(people_["other"], "jurisdiction")] * 2
        assert incidents.get_report_by_number(s, "KJD-6371-2026-000001").status is ReportStatus.BARU


def test_two_heads_answering_at_once_end_in_one_status(database_factory):
    """Committed transactions on their own connections (on PostgreSQL, a real row-lock race)."""
    sessions = make_sessions(prepare(database_factory()))
    with sessions.begin() as s:
        officer = add_officer(s, "o")
        heads = [add_officer(s, f"h{n}", role=Role.HEAD).id for n in range(2)]
        number = add_report(s, officer, created_at=NOW, kecamatan="63.71.04").number
    barrier = threading.Barrier(2)
    results: dict[int, bool] = {}

    def verify(head_id: int, status: ReportStatus) -> None:
        with sessions.begin() as s:
            report = incidents.get_report_by_number(s, number)
            # On SQLite the second transaction cannot even begin while the first holds the write lock.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1)
            results[head_id] = incidents.change_status(s, report, ReportStatus.BARU, status, head_id, NOW)

    threads = [threading.Thread(target=verify, args=(heads[0], ReportStatus.TERVERIFIKASI)),
               threading.Thread(target=verify, args=(heads[1], ReportStatus.DITOLAK))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(results.values()) == [False, True]
    winner = next(h for h, won in results.items() if won)
    with sessions.begin() as s:
        report = incidents.get_report_by_number(s, number)
        changes = s.scalars(select(StatusChange)).all()
        assert [c.actor_id for c in changes] == [winner]
        assert report.status is changes[0].to_status
    sessions.kw["bind"].dispose()


def test_laporan_filters_by_words_and_shows_one_report_with_its_photos(sessions, people_, tmp_path):
    photo = tmp_path / "bukti.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with sessions.begin() as s:
        o = people.get_officer(s, people_["officer"])
        add_report(s, o, created_at=NOW - timedelta(hours=1), kecamatan="63.71.04", severity=Severity.TINGGI,
                   attachments=[{"kind": "photo", "channel": "console", "ref": "x", "stored_path": str(photo),
                                 "content_type": "image/jpeg"}])
        add_report(s, o, created_at=NOW - timedelta(days=1), kecamatan="63.71.01", category="hoaks")
        add_report(s, o, created_at=NOW - timedelta(days=3), kecamatan="63.71.04", severity=Severity.TINGGI)
    listed = chat(sessions, "head", "/laporan", now=NOW).text
    assert listed.count("KJD-6371-2026-") == 4  # three lines and the hint
    today = chat(sessions, "prov", "/laporan tinggi hari ini", now=NOW).text
    assert "(hari ini, Tinggi)" in today and "000001" in today and "000003" not in today
    assert "000002" in chat(sessions, "head", "/laporan hoaks kemarin", now=NOW).text
    week = chat(sessions, "head", "/laporan Banjarmasin Utara minggu ini", now=NOW).text
    assert "000001" in week and "000002" not in week and "000003" not in week  # 20/11 is last week
    assert "000003" in chat(sessions, "head", "/laporan unjuk rasa baru", now=NOW).text
    assert chat(sessions, "head", "/laporan Sungai Raya", now=NOW).text.startswith(
        "Saringan \"sungai raya\" tidak dikenali.")
    assert chat(sessions, "head", "/laporan selesai", now=NOW).text == "Tidak ada laporan (selesai)."
    full = chat(sessions, "head", "/laporan kjd-6371-2026-000001", now=NOW)
    assert "Laporan KJD-6371-2026-000001 - status: baru" in full.replies[0].text
    assert "Pelapor: Budi Petugas (Kesbangpol 63.71)" in full.replies[0].text
    media = full.replies[1].media
    assert [(m.kind, m.stored_path, m.content_type) for m in media] == [("photo", str(photo), "image/jpeg")]


COMMANDS = ["/laporan", "/laporan KJD-6371-2026-000001", "/status KJD-6371-2026-000001", "/ringkasan",
            "/laporanku", "/lapor", "/nihil", "/jeda 2 hari", "/bantuan", "/bahasa id"]
# Who gets an answer with data (True) or a refusal (False).
MATRIX = {
    "prov": [True, True, True, True, True, True, True, True, True, True],
    "head": [True, True, True, True, True, True, True, True, True, True],
    "officer": [False, False, False, False, True, True, True, True, True, True],
    "guest": [False, False, False, False, False, False, False, False, True, True],
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_the_access_matrix_for_every_role_and_command_each_refusal_audited(sessions, people_, who):
    with sessions.begin() as s:
        add_report(s, people.get_officer(s, people_["officer"]), created_at=NOW, kecamatan="63.71.04")
    refused = 0
    for command, allowed in zip(COMMANDS, MATRIX[who], strict=True):
        turn = chat(sessions, who, command, now=NOW)
        # A guest is told what a guest gets; everybody else that the command is not theirs.
        is_refusal = turn.text.startswith(("Perintah ini tidak tersedia untuk Anda.", "Maaf, sebagai tamu undangan"))
        assert is_refusal is not allowed, (who, command, turn.text)
        if not allowed:
            assert "KJD" not in turn.text and "Banjarmasin" not in turn.text and turn.replies[0].media == ()
        refused += is_refusal
        chat(sessions, who, "batal", now=NOW)
    with sessions.begin() as s:
        entries = s.scalars(select(AuditLog).where(AuditLog.action == "access.refused")).all()
        assert len(entries) == refused
        assert all(e.actor_id == people_[who] for e in entries)


def test_an_unknown_sender_gets_only_the_joining_hint_for_every_command(sessions, people_):
    for command in COMMANDS:
        turn = chat(sessions, "stranger", command, now=NOW)
        assert turn.text.startswith("Nomor/akun ini belum terdaftar di Siaga.")
        assert turn.effects == []
    with sessions.begin() as s:
        assert len(audit.list_audit(s, "sender.refused")) == len(COMMANDS)


def test_a_deactivated_officer_is_a_stranger_at_once(sessions, people_):
    with sessions.begin() as s:
        people.deactivate_officer(s, people.get_officer(s, people_["head"]))
    assert chat(sessions, "head", "/laporan", now=NOW).text.startswith("Nomor/akun ini belum terdaftar")
