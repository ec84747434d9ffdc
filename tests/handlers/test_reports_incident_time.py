"""`/laporan` lists and filters incidents by the time they happened, the time column labelled (issue 22 #5)."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.models import Role
from tests.conftest import add_officer
from tests.support.heads import add_report, chat

# Tuesday 24/11/2026 10:00 WITA.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_laporan_kemarin_finds_yesterday_s_incidents_filed_today(sessions):
    with sessions.begin() as s:
        add_officer(s, "head", role=Role.HEAD, name="Kepala")
        andi = add_officer(s, "andi", name="Andi")
        # Two incidents on Monday evening (WITA), both filed on Tuesday morning.
        for hour, kecamatan in ((11, "63.71.04"), (13, "63.71.01")):
            report = add_report(s, andi, created_at=datetime(2026, 11, 24, 0, 30, tzinfo=UTC), kecamatan=kecamatan)
            report.occurred_at = datetime(2026, 11, 23, hour, 0, tzinfo=UTC)
        s.flush()
    yesterday = chat(sessions, "head", "/laporan kemarin", now=NOW).text
    assert yesterday.count("| 23/11 ") == 2
    assert "(nomor | waktu kejadian | kategori | kecamatan | tingkat | status)" in yesterday
    assert "| 23/11 21:00 WITA |" in yesterday and "| 23/11 19:00 WITA |" in yesterday
    assert chat(sessions, "head", "/laporan hari ini", now=NOW).text.startswith("Tidak ada laporan")
    # Newest incident first.
    listed = chat(sessions, "head", "/laporan", now=NOW).text
    assert listed.index("23/11 21:00") < listed.index("23/11 19:00")


def test_laporan_pages_on_and_a_province_head_filters_by_kabkota(sessions):
    with sessions.begin() as s:
        add_officer(s, "prov", region="63", role=Role.HEAD, name="Kepala Provinsi")
        andi = add_officer(s, "andi", name="Andi")
        dewi = add_officer(s, "dewi", region="63.72", name="Dewi")
        for n in range(12):
            add_report(s, andi, created_at=datetime(2026, 11, 23, n, 0, tzinfo=UTC), kecamatan="63.71.04")
        add_report(s, dewi, created_at=datetime(2026, 11, 23, 13, 0, tzinfo=UTC), kecamatan="63.72.02")
    first = chat(sessions, "prov", "/laporan", now=NOW).text
    assert first.count("| 23/11 ") == 10 and "Berikutnya: /laporan hal 2" in first
    second = chat(sessions, "prov", "/laporan hal 2", now=NOW).text
    assert second.count("| 23/11 ") == 3 and "halaman 2" in second and "Berikutnya" not in second
    kota = chat(sessions, "prov", "/laporan banjarbaru", now=NOW).text
    assert "(Kota Banjarbaru)" in kota and kota.count("| 23/11 ") == 1 and "KJD-6372-" in kota
    banjarmasin = chat(sessions, "prov", "/laporan Kota Banjarmasin hal 2", now=NOW).text
    assert banjarmasin.count("| 23/11 ") == 2
