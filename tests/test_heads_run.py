"""Heads of office through `siaga run` against the fake Telegram and Twilio: the alert, a tap that verifies,
the daily digest at each office's local 07:00 (on a moved clock), once."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from storage import incidents, outbox, people
from storage.db import make_sessions
from storage.models import OutboxStatus, ReportStatus, Role, Severity
from tests.conftest import prepare
from tests.support.fake_telegram import FakeTelegram, TelegramUser, wait_until
from tests.support.fake_twilio import FakeTwilio, inbound_params, post_signed
from tests.support.heads import add_report
from tests.support.running import Run, fakes_env, join

pytestmark = pytest.mark.subprocess

PROVINCE_WA = "whatsapp:+62811000002"
WITA_0700 = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
# 13:00 WITA on a Wednesday: too late for the digests, before the check-ins.
MORNING = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


def alert_sent_to(sessions, address: str) -> bool:
    with sessions.begin() as s:
        return any(m.address == address and m.idempotency_key.startswith("alert:") and m.status is OutboxStatus.SENT
                   for m in outbox.list_messages(s, limit=None))


@pytest.fixture
def world(database_factory, tmp_path):
    url = database_factory()
    engine = prepare(url)
    with FakeTelegram() as telegram, FakeTwilio() as twilio:
        env = fakes_env(url, telegram, twilio, tmp_path)
        runs: list[Run] = []
        yield env, tmp_path, telegram, twilio, make_sessions(engine), runs
        for run in runs:
            if run.process.poll() is None:
                run.stop(signal.SIGKILL)
    engine.dispose()


def join_reporter_and_heads(sessions, now: datetime) -> None:
    """Budi reports in Kota Banjarmasin; its head is on Telegram, the province's head on WhatsApp."""
    with sessions.begin() as s:
        join(s, "63.71", Role.OFFICER, "telegram", "7001", "Budi Santoso", now)
        join(s, "63.71", Role.HEAD, "telegram", "7002", "Kepala Kota", now)
        join(s, "63", Role.HEAD, "whatsapp", PROVINCE_WA, "Kepala Provinsi", now)


def fill_tinggi_report(budi: TelegramUser, place: str, description: str, actors: str, crowd: str,
                       action: str) -> None:
    """Answer a tinggi report in Banjarmasin Utara up to its review, without location or photo."""
    budi.say("/lapor", expect="Jenis kejadian apa?", timeout=30)
    for text, expect in (("1", "Di kecamatan mana?"), ("Banjarmasin Utara", "Di desa/kelurahan"),
                         (place, "Kapan terjadinya?"), ("sekarang", "Apa yang terjadi?"),
                         (description, "Siapa pihak"), (actors, "Perkiraan jumlah massa"),
                         (crowd, "Seberapa serius?"), ("tinggi", "Tindakan apa"), (action, "Bagikan lokasi"),
                         ("lewati", "Kirim foto"), ("lewati", "Periksa kembali")):
        budi.say(text, expect=expect)


def test_a_tinggi_report_over_telegram_alerts_both_heads_within_5_s_once_and_a_tap_verifies_it(world):
    env, cwd, telegram, twilio, sessions, runs = world
    now = MORNING - timedelta(hours=1)
    join_reporter_and_heads(sessions, now)
    runs.append(Run(env, cwd, "run", clock=MORNING))
    budi, head = TelegramUser(telegram, 7001, "Budi"), TelegramUser(telegram, 7002, "Kepala")
    fill_tinggi_report(budi, "Kel. Sungai Jingah", "Sekitar 200 mahasiswa membakar ban di depan kantor DPRD",
                       "Aliansi Mahasiswa", "200", "Koordinasi dengan Polresta")
    budi.say("kirim", expect="tersimpan")
    sent = time.monotonic()
    [alert] = head._expect("PERINGATAN - Tinggi", timeout=5)[-1:]
    wait_until(lambda: any("PERINGATAN - Tinggi" in b for b in twilio.bodies(PROVINCE_WA)), timeout=5)
    assert time.monotonic() - sent < 5
    assert "KJD-6371-2026-000001" in alert and "Budi Santoso" in alert and "Banjarmasin Utara" in alert
    [whatsapp] = [b for b in twilio.bodies(PROVINCE_WA) if "PERINGATAN" in b]
    assert "KJD-6371-2026-000001" in whatsapp and "1. Verifikasi" in whatsapp

    head.tap("Verifikasi", expect="kini terverifikasi")
    budi._expect("Laporan Anda KJD-6371-2026-000001 kini berstatus terverifikasi (oleh Kepala Kota).", timeout=10)
    # The province head answers the alert's numbered list on WhatsApp a moment later: told, nothing changes.
    answered = len(twilio.bodies(PROVINCE_WA))
    reply = post_signed(f"{runs[0].public}/whatsapp/inbound", inbound_params(PROVINCE_WA, "1"))
    assert reply.status_code in (200, 204)
    wait_until(lambda: len(twilio.bodies(PROVINCE_WA)) > answered, timeout=10)
    assert twilio.bodies(PROVINCE_WA)[-1].startswith(
        "Laporan KJD-6371-2026-000001 sudah berstatus terverifikasi; tidak ada yang diubah. (oleh Kepala Kota,")
    assert runs[0].stop() == 0
    # Once each, however long the process ran.
    assert sum("PERINGATAN" in t for t in head.texts()) == 1
    assert sum("PERINGATAN" in b for b in twilio.bodies(PROVINCE_WA)) == 1
    with sessions.begin() as s:
        assert incidents.get_report_by_number(s, "KJD-6371-2026-000001").status is ReportStatus.TERVERIFIKASI


def test_siaga_run_sends_each_head_their_digest_at_their_local_0700_once(world):
    env, cwd, telegram, twilio, sessions, runs = world
    seeded = WITA_0700 - timedelta(days=1)
    with sessions.begin() as s:
        officer = people.get_officer(s, join(s, "63.71", Role.OFFICER, "telegram", "7001", "Andi", seeded))
        join(s, "63.71", Role.HEAD, "telegram", "7002", "Kepala Kota", seeded)
        join(s, "63", Role.HEAD, "whatsapp", PROVINCE_WA, "Kepala Kalsel", seeded)
        join(s, "62", Role.HEAD, "telegram", "7009", "Kepala Kalteng", seeded, tz="Asia/Pontianak")
        for hours, severity in ((20, Severity.TINGGI), (5, Severity.SEDANG)):
            add_report(s, officer, created_at=WITA_0700 - timedelta(hours=hours), kecamatan="63.71.04",
                       severity=severity)
        # The province head wrote recently, so WhatsApp's window is open for the digest's free text.
        for identity in people.get_officer(s, people.get_identity(s, "whatsapp", PROVINCE_WA).officer_id).identities:
            identity.last_inbound_at = WITA_0700 - timedelta(hours=1)
    kota, kalteng = TelegramUser(telegram, 7002), TelegramUser(telegram, 7009)

    # 07:00:02 WITA (06:00:02 WIB): the Kalsel offices' digests go, Kalteng's does not yet.
    runs.append(Run(env, cwd, "wita", clock=WITA_0700 + timedelta(seconds=2)))
    kota._expect("Ringkasan harian Kesbangpol 63.71", timeout=30)
    wait_until(lambda: any("Ringkasan harian Kesbangpol 63" in b for b in twilio.bodies(PROVINCE_WA)), timeout=15)
    wait_until(lambda: any(c.method == "sendPhoto" for c in kota.received()), timeout=15)
    assert "24 jam terakhir: 2" in kota.texts()[0]
    province = "\n".join(twilio.bodies(PROVINCE_WA))
    assert "24 jam terakhir: 2" in province
    assert "Per kabupaten/kota:\n- Kesbangpol 63.71: 2 laporan, 1 tinggi" in province
    photo = next(c for c in kota.received() if c.method == "sendPhoto")
    assert photo.params.get("caption", "").startswith("Kejadian 7 hari terakhir menurut waktu kejadian")
    assert kalteng.received() == []
    assert runs[-1].stop() == 0

    # 07:00:02 WIB, an hour later: a restarted process sends Kalteng's digest, and nobody's twice.
    before_wa, before_kota = len(twilio.bodies(PROVINCE_WA)), len(kota.received())
    runs.append(Run(env, cwd, "wib", clock=WITA_0700 + timedelta(hours=1, seconds=2)))
    kalteng._expect("Ringkasan harian Kesbangpol 62", timeout=30)
    wait_until(lambda: any(c.method == "sendPhoto" for c in kalteng.received()), timeout=15)
    assert runs[-1].stop() == 0
    assert len(twilio.bodies(PROVINCE_WA)) == before_wa and len(kota.received()) == before_kota


def test_the_alert_reaches_each_head_once_when_siaga_run_is_killed_while_sending_it(world):
    env, cwd, telegram, twilio, sessions, runs = world
    now = MORNING - timedelta(hours=1)
    join_reporter_and_heads(sessions, now)
    runs.append(Run(env, cwd, "first", clock=MORNING))
    budi, head = TelegramUser(telegram, 7001, "Budi"), TelegramUser(telegram, 7002, "Kepala")
    fill_tinggi_report(budi, "Pasar Lama", "Bentrokan dua kelompok pemuda di pasar", "Pemuda", "lewati", "Patroli")
    # Twilio fails the province head's alert with a 500: it waits for a retry, and the process dies meanwhile.
    twilio.fail_next(500, times=3)
    budi.say("kirim", expect="tersimpan")
    head._expect("PERINGATAN - Tinggi", timeout=10)
    wait_until(lambda: len(twilio._failures) == 2, timeout=10)  # one attempt made and failed
    # The kota head's alert is recorded as sent before the kill (one killed mid-send is resent: at least once).
    wait_until(lambda: alert_sent_to(sessions, "7002"), timeout=10)
    assert runs[-1].stop(signal.SIGKILL) == -signal.SIGKILL
    assert [b for b in twilio.bodies(PROVINCE_WA) if "PERINGATAN" in b] == []
    with twilio._lock:
        twilio._failures.clear()

    runs.append(Run(env, cwd, "second", clock=MORNING + timedelta(minutes=1)))
    wait_until(lambda: any("PERINGATAN - Tinggi" in b for b in twilio.bodies(PROVINCE_WA)), timeout=30)
    assert runs[-1].stop() == 0
    assert sum("PERINGATAN" in b for b in twilio.bodies(PROVINCE_WA)) == 1
    assert sum("PERINGATAN" in t for t in head.texts()) == 1
