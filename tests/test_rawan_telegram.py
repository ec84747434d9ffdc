"""The GPS-checked kecamatan on Telegram end to end: `siaga run` against the fake Bot API, a shared location."""

from __future__ import annotations

import pytest

from tests.support.fake_telegram import TelegramUser
from tests.test_telegram import buttons, fake, siaga  # noqa: F401 - fixtures shared with the Telegram tests

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
