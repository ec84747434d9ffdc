"""The GPS-checked kecamatan on Telegram end to end: `siaga run` against the fake Bot API, a shared location."""

from __future__ import annotations

import pytest

from tests.support.fake_telegram import TelegramUser, wait_until
from tests.test_run_telegram import buttons, fake, siaga  # noqa: F401 - fixtures shared with the Telegram tests

pytestmark = pytest.mark.subprocess

BANJARMASIN_UTARA = (-3.2926, 114.6018)
BANJARMASIN_TENGAH = (-3.3194, 114.5908)
JAVA_SEA = (-3.5, 114.2)


def test_a_location_shared_on_telegram_proposes_the_kecamatan_and_a_later_one_outside_it_asks_once(siaga, fake):  # noqa: F811
    code = siaga.invite("--name", "Budi Santoso")
    siaga.start()
    budi = TelegramUser(fake)
    budi.say(f"/start {code}", expect="Selamat datang di Siaga")
    budi.say("/lapor", expect="Jenis kejadian apa?")
    budi.tap("Pengumpulan massa", expect="Di kecamatan mana?")

    budi.share_location(*JAVA_SEA, expect="di laut, atau di luar Kalimantan")
    proposal = budi.share_location(*BANJARMASIN_UTARA, expect="Kecamatan Banjarmasin Utara")
    assert "Ketuk untuk memakainya" in proposal[-1]
    assert buttons(budi.last_keyboard()) == ["Banjarmasin Utara"]
    budi.tap("Banjarmasin Utara", expect="Di desa/kelurahan")

    for answer, question in [("Jl. Sultan Adam", "Kapan terjadinya?"), ("sekarang", "Apa yang terjadi?"),
                             ("Massa berkumpul menuntut kejelasan hasil pemilihan", "Siapa pihak"),
                             ("Warga dua kelurahan", "Perkiraan jumlah massa"), ("lewati", "Seberapa serius?"),
                             ("sedang", "Tindakan apa"), ("Dipantau bersama Polsek", "Bagikan lokasi")]:
        budi.say(answer, expect=question)
    budi.share_location(*BANJARMASIN_TENGAH, expect="Kecamatan mana yang benar?")
    assert buttons(budi.last_keyboard()) == ["Tetap Banjarmasin Utara", "Ganti ke Banjarmasin Tengah"]
    budi.tap("Ganti ke Banjarmasin Tengah", expect="Kirim foto")
    review = budi.say("lewati", expect="Periksa kembali")
    assert "- Kecamatan: Banjarmasin Tengah" in review[-1]
    budi.tap("Kirim", expect="tersimpan")
    assert siaga.stop() == 0

    [report] = siaga.reports()
    assert (report["kecamatan_code"], report["latitude"], report["longitude"]) == ("63.71.05", *BANJARMASIN_TENGAH)


def test_a_head_gets_the_map_on_telegram_and_the_monthly_pdf_goes_to_the_heads_up_the_tree(siaga, fake):  # noqa: F811
    from datetime import datetime, timedelta

    from babel.dates import format_date

    from storage.db import make_sessions
    from tests.support.reports import add_report

    siaga("office", "add", "--region", "63")
    kota = siaga("invite", "create", "--office", "63.71", "--role", "head", "--name", "Kepala Kota").strip()
    provinsi = siaga("invite", "create", "--office", "63", "--role", "head", "--name", "Kepala Provinsi").strip()
    officer = siaga.invite("--name", "Budi Santoso")
    now = siaga.now()  # the clock of the commands and of `siaga run`
    last_month = f"{now.replace(day=1) - timedelta(days=1):%Y-%m}"
    siaga.start()
    budi, head, province = TelegramUser(fake), TelegramUser(fake, 7002, "Sari"), TelegramUser(fake, 7003, "Rudi")
    budi.say(f"/start {officer}", expect="Selamat datang di Siaga")
    head.say(f"/start {kota}", expect="Selamat datang di Siaga")
    province.say(f"/start {provinsi}", expect="Selamat datang di Siaga")
    with make_sessions(siaga.env["DATABASE_URL"]).begin() as session:
        from storage import people

        reporter = people.get_identity(session, "telegram", str(budi.chat_id)).officer
        add_report(session, reporter, "KJD-6371-2026-000001", "63.71.04", "unjuk_rasa", "tinggi", now - timedelta(days=1),
                   latitude=-3.2926, longitude=114.6018)
        add_report(session, reporter, "KJD-6371-2026-000002", "63.71.01", "hoaks", "tinggi",
                   datetime.fromisoformat(f"{last_month}-10T09:00+08:00"))

    budi.say("/rawan", expect="hanya untuk kepala kantor dan admin")
    head.send("/rawan")

    def sent(user, method):
        return [c for c in user.received() if c.method == method]

    def maps(user):
        # Between 07:00 and noon local time the head's daily digest (with its chart) may arrive too.
        return [c for c in sent(user, "sendPhoto") if c.params["caption"].startswith("Peta rawan")]

    # The answer is the map with the ranking as its caption.
    [photo] = wait_until(lambda: maps(head), timeout=20, what="the map")
    assert photo.params["caption"].startswith("Peta rawan konflik Kota Banjarmasin")
    assert "1. Banjarmasin Utara:" in photo.params["caption"]
    assert photo.params["photo:bytes"].startswith(b"\x89PNG\r\n\x1a\n")

    siaga("rawan-report", "--office", "63.71", "--month", last_month, "--out", "r.pdf", "--send")

    def documents(user):
        return sent(user, "sendDocument")

    wait_until(lambda: documents(head) and documents(province), timeout=20, what="the PDF reaches both heads")
    for user in (head, province):
        [document] = documents(user)
        assert document.params["document:bytes"].startswith(b"%PDF-")
        month = format_date(datetime.fromisoformat(f"{last_month}-01"), "MMMM y", locale="id")  # "November 2026"
        assert document.params["caption"] == f"Laporan peta rawan konflik Kota Banjarmasin, {month}."
    assert not documents(budi)
    assert siaga.stop() == 0
