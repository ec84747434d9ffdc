"""The digest as a head reads it (issue 22): the chart ends at the digest's moment, incidents are placed and shown at
the time they happened, rejected reports count nowhere, and a province digest does not contradict itself."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers import digest
from storage import people
from storage.models import ReportStatus, Role, Severity
from tests.conftest import add_officer
from tests.support.heads import add_report, chat

T, S, R = Severity.TINGGI, Severity.SEDANG, Severity.RENDAH
# Tuesday 24/11/2026 15:00 WITA: a head asks /ringkasan in the afternoon.
AFTERNOON = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def gathered(sessions, code: str, end: datetime) -> digest.Digest:
    with sessions.begin() as s:
        return digest.gather(s, people.get_office_by_region(s, code), end, with_chart=False)


def text_of(found: digest.Digest) -> str:
    return "\n\n".join(digest.split(digest.render_lines(found, "id")))


def test_the_chart_of_an_afternoon_ringkasan_shows_today_s_reports(sessions):
    with sessions.begin() as s:
        andi = add_officer(s, "andi", name="Andi")
        add_officer(s, "head", role=Role.HEAD, name="Kepala")
        for hour in (1, 2, 3, 4, 5):  # 09:00-13:00 WITA today
            add_report(s, andi, created_at=utc(24, hour), kecamatan="63.71.04")
    found = gathered(sessions, "63.71", AFTERNOON)
    assert "24 jam terakhir: 5" in text_of(found)
    assert found.chart_days[-1] == date(2026, 11, 24)
    assert [counts for _, counts in found.chart_series] == [[0, 0, 0, 0, 0, 0, 5]]
    turn = chat(sessions, "head", "/ringkasan", now=AFTERNOON)
    assert turn.replies[-1].text.startswith("Kejadian 7 hari terakhir menurut waktu kejadian, sampai 24/11 15:00 WITA")


def test_an_incident_is_charted_and_shown_at_the_time_it_happened_not_when_filed(sessions):
    with sessions.begin() as s:
        andi = add_officer(s, "andi", name="Andi")
        # Happened on Monday 20:00 WITA, filed on Tuesday 09:00 WITA.
        late = add_report(s, andi, created_at=utc(24, 1), kecamatan="63.71.04", severity=T)
        late.occurred_at = utc(23, 12)
        s.flush()
    found = gathered(sessions, "63.71", AFTERNOON)
    assert [counts for _, counts in found.chart_series] == [[0, 0, 0, 0, 0, 1, 0]]
    assert "| 23/11 20:00 WITA |" in text_of(found)


def test_rejected_reports_count_nowhere_in_the_digest(sessions):
    with sessions.begin() as s:
        andi = add_officer(s, "andi", name="Andi")
        add_report(s, andi, created_at=utc(24, 1), kecamatan="63.71.04", severity=T, status=ReportStatus.DITOLAK)
        add_report(s, andi, created_at=utc(24, 2), kecamatan="63.71.01", severity=R)
        add_officer(s, "h63", region="63", role=Role.HEAD, name="Kepala Kalsel")
    found = gathered(sessions, "63.71", AFTERNOON)
    text = text_of(found)
    assert "24 jam terakhir: 1 " in text
    assert "- Tinggi: 0 " in text and "Laporan tingkat tinggi" not in text
    assert "Unjuk rasa / demonstrasi: 1 " in text
    assert "Kecamatan paling aktif: Banjarmasin Selatan (1)" in text and "Utara" not in text
    assert [counts for _, counts in found.chart_series] == [[0, 0, 0, 0, 0, 0, 1]]
    province = gathered(sessions, "63", AFTERNOON)
    assert province.rollup[[o.name for o in province.rollup].index("Kesbangpol 63.71")].total == 1


def test_of_kecamatan_with_as_many_reports_the_tinggi_one_comes_first(sessions):
    with sessions.begin() as s:
        andi = add_officer(s, "andi", name="Andi")
        for n, code in enumerate(("63.71.01", "63.71.02", "63.71.03", "63.71.05")):
            add_report(s, andi, created_at=utc(24, 1 + n), kecamatan=code, severity=R)
        # The demonstration, tinggi, in the kecamatan that comes last in the alphabet.
        add_report(s, andi, created_at=utc(24, 0), kecamatan="63.71.04", severity=T)
    text = text_of(gathered(sessions, "63.71", AFTERNOON))
    assert "Kecamatan paling aktif: Banjarmasin Utara (1), " in text


def test_a_province_digest_names_the_silent_officers_its_kabkota_lines_count(sessions):
    with sessions.begin() as s:
        add_officer(s, "o03", region="63.03", name="Eka")
        add_officer(s, "h63", region="63", role=Role.HEAD, name="Kepala Kalsel")
    text = text_of(gathered(sessions, "63", datetime(2026, 11, 24, 23, 0, tzinfo=UTC)))
    assert "1 petugas tanpa laporan/nihil" in text
    assert "Semua petugas mengirim laporan atau nihil" not in text
    assert "- Petugas tanpa laporan maupun nihil: Eka (Kesbangpol 63.03)" in text


def test_a_digest_asked_for_in_the_afternoon_tells_the_afternoon(sessions):
    with sessions.begin() as s:
        andi = add_officer(s, "andi", name="Andi")
        add_report(s, andi, created_at=utc(24, 5), kecamatan="63.71.04", severity=T)  # 13:00 WITA
        office = people.get_office_by_region(s, "63.71")
        end = digest.requested_end(office, date(2026, 11, 24), AFTERNOON)
        past = digest.requested_end(office, date(2026, 11, 23), AFTERNOON)
    assert end == AFTERNOON
    assert past == utc(22, 23)  # another day: that day's 07:00 WITA
    text = text_of(gathered(sessions, "63.71", end))
    assert "24/11/2026 15:00 WITA" in text and "24 jam terakhir: 1 " in text
