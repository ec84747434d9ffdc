"""The vulnerability index on seeded reports equals hand-computed values; bands, damping, explain, /rawan, the tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from handlers import rawan, rawan_data
from handlers.deps import TEMPORARY, Deps
from handlers.types import Ctx, Notify, ToRole
from storage import rawan as rawan_store
from storage.models import ReportStatus, Role
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.reports import add_report

END = FROZEN_NOW
START = END - timedelta(days=30)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def seeded(session):
    """Reports of Kota Banjarmasin whose index is worked out by hand below."""
    officer = add_officer(session, "officer-1")
    other = add_officer(session, "officer-2", region="63.72")
    # Banjarmasin Utara: a tinggi demo and a sedang report of it 2 h later (one event), a rendah one
    # 7 h after that (a new event: more than 6 h), and a sedang hoax 15 days ago.
    add_report(session, officer, "U-1", "63.71.04", "unjuk_rasa", "tinggi", END - 3 * D)
    add_report(session, officer, "U-2", "63.71.04", "unjuk_rasa", "sedang", END - 3 * D + 2 * H)
    add_report(session, officer, "U-3", "63.71.04", "unjuk_rasa", "rendah", END - 3 * D + 9 * H)
    add_report(session, officer, "U-4", "63.71.04", "hoaks", "sedang", END - 15 * D)
    # Banjarmasin Selatan: two tinggi clashes a day apart and a sedang hoax an hour ago.
    add_report(session, officer, "S-1", "63.71.01", "konflik_sara", "tinggi", END - 1 * D)
    add_report(session, officer, "S-2", "63.71.01", "konflik_sara", "tinggi", END - 2 * D)
    add_report(session, officer, "S-3", "63.71.01", "hoaks", "sedang", END - H)
    # Not counted: rejected, before the window, after its end, and another kabupaten/kota.
    add_report(session, officer, "X-1", "63.71.02", "unjuk_rasa", "tinggi", END - D, status=ReportStatus.DITOLAK)
    add_report(session, officer, "X-2", "63.71.02", "unjuk_rasa", "tinggi", START - H)
    add_report(session, officer, "X-3", "63.71.02", "unjuk_rasa", "tinggi", END + timedelta(minutes=1))
    add_report(session, other, "X-4", "63.72.02", "unjuk_rasa", "tinggi", END - D)
    session.flush()
    return officer


def decay(age_hours: float) -> float:
    return 1 - 0.75 * age_hours / (30 * 24)


UTARA_R = 6 * decay(70) + 1 * decay(63) + 3 * decay(360)  # 5.5625 + 0.934375 + 1.875
SELATAN_R = 6 * decay(24) + 6 * decay(48) + 3 * decay(1)  # 5.85 + 5.7 + 2.996875


def test_the_index_equals_the_hand_computed_values(session, seeded):
    scores = {s.code: s for s in rawan_data.vulnerability(session, "63.71", START, END)}
    assert UTARA_R == pytest.approx(8.371875) and SELATAN_R == pytest.approx(14.546875)
    utara, selatan = scores["63.71.04"], scores["63.71.01"]
    assert utara.raw == pytest.approx(UTARA_R, abs=1e-6)
    assert utara.score == pytest.approx(100 * 8.371875 / 14.371875, abs=1e-4)  # 58.25
    assert (utara.band, utara.events, utara.reports, utara.rendah, utara.sedang, utara.tinggi) == (
        "sedang", 3, 4, 1, 2, 1)
    assert selatan.score == pytest.approx(100 * 14.546875 / 20.546875, abs=1e-4)  # 70.80
    assert (selatan.band, selatan.events, selatan.reports) == ("tinggi", 3, 3)


def test_rejected_old_future_and_other_regions_reports_do_not_count(session, seeded):
    scores = rawan_data.vulnerability(session, "63.71", START, END)
    assert [s.code for s in scores] == ["63.71.01", "63.71.04", "63.71.03", "63.71.05", "63.71.02"]
    timur = next(s for s in scores if s.code == "63.71.02")
    assert (timur.score, timur.band, timur.reports, timur.shown) == (None, None, 0, "")


def test_a_province_sees_every_kecamatan_below_it(session, seeded):
    scores = {s.code: s for s in rawan_data.vulnerability(session, "63", START, END)}
    assert len(scores) == 156
    assert scores["63.72.02"].reports == 1 and scores["63.71.04"].raw == pytest.approx(UTARA_R, abs=1e-6)


def test_a_repeated_report_counts_once_unless_a_head_marks_it_separate(session, seeded):
    before = {s.code: s for s in rawan_data.vulnerability(session, "63.71", START, END)}["63.71.04"]
    assert rawan_store.set_separate_event(session, "U-2", True)
    after = {s.code: s for s in rawan_data.vulnerability(session, "63.71", START, END)}["63.71.04"]
    assert (before.events, after.events) == (3, 4)
    assert after.raw == pytest.approx(6 * decay(72) + 3 * decay(70) + 1 * decay(63) + 3 * decay(360), abs=1e-6)
    assert not rawan_store.set_separate_event(session, "NO-SUCH-REPORT", True)


@pytest.mark.parametrize(("raw", "band"), [(0.0, "rendah"), (2.9, "rendah"), (3.0, "sedang"), (11.6, "sedang"),
                                           (11.7, "tinggi"), (1000.0, "tinggi")])
def test_bands_follow_the_score(raw, band):
    assert rawan_data.band_of(rawan_data.score_of(raw)) == band


def test_explain_traces_the_score_to_every_report(session, seeded):
    x = rawan_data.explain(session, "63.71.04", "Banjarmasin Utara", START, END)
    assert [[r.number for r in e.reports] for e in x.events] == [["U-4"], ["U-1", "U-2"], ["U-3"]]
    assert [[r.counted for r in e.reports] for e in x.events] == [[True], [True, False], [True]]
    assert [e.contribution for e in x.events] == pytest.approx([1.875, 5.5625, 0.934375])
    scores = {s.code: s for s in rawan_data.vulnerability(session, "63.71", START, END)}
    assert x.raw == pytest.approx(scores["63.71.04"].raw, abs=1e-6)


@pytest.mark.parametrize(("text", "window"), [("30d", 30 * D), ("7 hari", 7 * D), ("48h", 48 * H), ("90", 90 * D),
                                             ("2 minggu", 14 * D), ("30 hari terakhir", 30 * D), ("48 jam", 48 * H)])
def test_windows_are_read_in_days_or_hours(text, window):
    assert rawan_data.parse_window(text) == window


@pytest.mark.parametrize("text", ["", "0d", "400d", "3x", "-5d", "abc"])
def test_a_bad_window_is_refused(text):
    with pytest.raises(ValueError):
        rawan_data.parse_window(text)


def ctx_for(session, officer, lang="id", deps=TEMPORARY):
    return Ctx(session=session, now=END, lang=lang, channel="console", address="a", officer=officer, deps=deps)


def test_rawan_in_chat_gives_a_head_the_top_kecamatan_and_a_png_map(session, seeded, tmp_path):
    head = add_officer(session, "head-1", role=Role.HEAD, name="Kepala")
    [reply] = rawan.rawan_command("", ctx_for(session, head, deps=Deps(generated_dir=tmp_path)))
    lines = reply.text.splitlines()
    assert lines[0].startswith("Peta rawan konflik Kota Banjarmasin, 24/10/2026 s.d. 23/11/2026")
    assert lines[1:] == ["1. Banjarmasin Selatan: 70 (tinggi), 3 laporan", "2. Banjarmasin Utara: 58 (sedang), 4 laporan",
                         "Tanpa laporan: 3 dari 5 kecamatan (tanpa skor; abu-abu berarsir di peta)."]
    [media] = reply.media
    assert (media.kind, media.ref, media.content_type) == ("photo", "peta-rawan.png", "image/png")
    assert Path(media.stored_path).parent == tmp_path  # where the configuration keeps generated files
    # The turn only asks for the map; the runner draws it after the turn's commit.
    assert not Path(media.stored_path).exists() and media.draw is not None
    media.draw()
    with Image.open(media.stored_path) as image:
        image.verify()
    with Image.open(media.stored_path) as image:
        assert image.format == "PNG" and image.size == (1200, 1200)
        # Banjarmasin Selatan is drawn in the tinggi colour.
        assert (0xBD, 0x00, 0x26) in {c[:3] for _, c in image.convert("RGB").getcolors(1_000_000)}


def test_rawan_in_chat_is_refused_politely_to_an_officer(session, seeded):
    [reply] = rawan.rawan_command("", ctx_for(session, seeded))
    assert reply.text == "Maaf, peta rawan hanya untuk kepala kantor dan admin." and not reply.media


def test_rawan_in_chat_explains_a_bad_window(session, seeded):
    admin = add_officer(session, "admin-1", role=Role.ADMIN)
    [reply] = rawan.rawan_command("kemarin", ctx_for(session, admin, "en"))
    assert reply.text.startswith("Unknown time span.")


def test_the_monthly_report_goes_once_per_office_and_month_on_its_day_in_local_time(session, seeded, tmp_path):
    office = seeded.office
    office.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    office.rawan_report_day = 2
    session.flush()

    def mine(now):
        return [e for e in rawan.monthly_reports(session, now, Deps(generated_dir=tmp_path)) if e.key.startswith(f"rawan-report:{office.id}:")]

    # 2 December 06:59 WITA: before the office's digest time (07:00) on its report day.
    assert mine(datetime(2026, 12, 1, 22, 59, tzinfo=UTC)) == []
    [notice] = mine(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    assert isinstance(notice, Notify)
    assert (notice.key, notice.kind, notice.to) == (f"rawan-report:{office.id}:2026-11", "digest",
                                                    ToRole(office.id, "head", upward=True))
    assert mine(datetime(2026, 12, 2, 5, 0, tzinfo=UTC)) == []
    assert mine(datetime(2026, 12, 20, 5, 0, tzinfo=UTC)) == []
    [reply] = notice.render(seeded, "en")
    assert reply.text == "Conflict vulnerability report of Kota Banjarmasin, November 2026."
    [media] = reply.media
    assert (media.kind, media.content_type, media.ref) == ("document", "application/pdf", "peta-rawan-6371-2026-11.pdf")
    assert open(media.stored_path, "rb").read(5) == b"%PDF-"
    # January sends December's report.
    [january] = mine(datetime(2027, 1, 2, 0, 0, tzinfo=UTC))
    assert january.key == f"rawan-report:{office.id}:2026-12"


def test_an_office_without_a_report_day_sends_nothing(session, seeded):
    seeded.office.rawan_report_day = None
    session.flush()
    effects = rawan.monthly_reports(session, datetime(2026, 12, 5, 0, 0, tzinfo=UTC))
    assert not [e for e in effects if e.key.startswith(f"rawan-report:{seeded.office.id}:")]


def test_month_bounds_are_local_midnights():
    start, end = rawan_data.month_window("2026-12", "Asia/Pontianak")
    assert (start, end) == (datetime(2026, 11, 30, 17, tzinfo=UTC), datetime(2026, 12, 31, 17, tzinfo=UTC))
    with pytest.raises(ValueError):
        rawan_data.month_window("2026-13", "Asia/Pontianak")


@pytest.mark.parametrize(("gap", "events"), [(timedelta(hours=6), 1), (timedelta(hours=6, minutes=1), 2)])
def test_reports_at_most_six_hours_apart_are_one_event(session, gap, events):
    officer = add_officer(session, "officer-1")
    add_report(session, officer, "G-1", "63.71.03", "hoaks", "sedang", END - 2 * D)
    add_report(session, officer, "G-2", "63.71.03", "hoaks", "sedang", END - 2 * D + gap)
    session.flush()
    barat = {s.code: s for s in rawan_data.vulnerability(session, "63.71", START, END)}["63.71.03"]
    assert (barat.events, barat.reports) == (events, 2)


def test_the_doctests_of_the_index_hold():
    import doctest

    result = doctest.testmod(rawan_data)
    assert result.attempted > 0 and result.failed == 0


def test_a_kecamatan_without_reports_has_no_score_band_or_rank_and_is_counted_apart(session, seeded):
    office = seeded.office
    data = rawan_data.gather(session, office, START, END)
    assert [s.code for s in data.scored] == ["63.71.01", "63.71.04"]
    assert [(s.code, s.score, s.band, s.reports) for s in data.without_reports] == [
        ("63.71.03", None, None, 0), ("63.71.05", None, None, 0), ("63.71.02", None, None, 0)]
    assert (data.band_count("tinggi"), data.band_count("sedang"), data.band_count("rendah")) == (1, 1, 0)
    assert data.blind == []  # a kab/kota office sees only its own kab/kota, which has an office


def test_a_province_sees_which_kabupaten_kota_have_no_siaga_office(session, seeded):
    head = add_officer(session, "head-63", region="63", role=Role.HEAD)
    data = rawan_data.gather(session, head.office, START, END)
    # Offices exist for the province, Kota Banjarmasin and Kota Banjarbaru (the fixture's officers).
    assert [code for code, _ in data.blind] == [f"63.{k:02d}" for k in range(1, 12)]
    by_code = {s.code: s for s in data.scores}
    assert by_code["63.71.04"].office and by_code["63.72.02"].office and not by_code["63.01.01"].office
    [reply] = rawan.rawan_command("", ctx_for(session, head))
    lines = reply.text.splitlines()
    assert lines[-2] == "Tanpa laporan: 153 dari 156 kecamatan (tanpa skor; abu-abu berarsir di peta)."
    assert lines[-1].startswith("Belum ada kantor Siaga di 11 kab/kota: Kabupaten Tanah Laut, Kabupaten Kotabaru,")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_explain_speaks_the_readers_language_and_its_terms_add_up_to_the_printed_r(session, seeded, lang):
    x = rawan_data.explain(session, "63.71.01", "Banjarmasin Selatan", START, END, lang)
    lines = rawan_data.explanation_lines(x, "Asia/Makassar", lang)
    comma = lang == "id"
    [sum_line] = [line for line in lines if line.startswith("R = ")]
    terms, total = sum_line[4:].rsplit(" = ", 1)

    def number(text):
        return round(float(text.replace(",", ".") if comma else text), 4)
    assert round(sum(number(term) for term in terms.split(" + ")), 4) == number(total)
    assert number(total) == round(SELATAN_R, 4)
    if lang == "id":
        assert lines[0] == "Banjarmasin Selatan (63.71.01), periode 24/10/2026 10:00 s.d. 23/11/2026 10:00 WITA (30 hari)"
        assert lines[-1] == "skor = 100 x 14,5469 / (14,5469 + 6) = 70 (dibulatkan ke bawah) -> tinggi"
        assert "kejadian 1: Konflik sosial / SARA" in lines
    else:
        assert lines[-1] == "score = 100 x 14.5469 / (14.5469 + 6) = 70 (rounded down) -> high"
        assert "event 1: Social / ethnic-religious (SARA) conflict" in lines


def test_explaining_a_kecamatan_without_reports_gives_no_score(session, seeded):
    x = rawan_data.explain(session, "63.71.02", "Banjarmasin Timur", START, END)
    assert x.score is None
    assert rawan_data.explanation_lines(x, "Asia/Makassar", "id")[-1] == (
        "tidak ada laporan dalam periode ini: tanpa laporan, tanpa skor dan tingkat")


def test_terms_rounded_one_by_one_would_not_add_up_but_the_printed_ones_do():
    events = [rawan_data.ExplainedEvent("c", [], 1.0, END, 0.0, 1.0, c) for c in (0.33334, 0.33334, 0.33334)]
    x = rawan_data.Explanation("63.71.01", "Banjarmasin Selatan", START, END, events)
    [sum_line] = [line for line in rawan_data.explanation_lines(x, "Asia/Makassar", "en") if line.startswith("R = ")]
    assert sum_line == "R = 0.3334 + 0.3333 + 0.3333 = 1.0000"
