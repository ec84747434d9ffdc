"""The monthly report as a naskah dinas, read back as its reader gets it: pages rasterised (pypdfium2), text extracted
(pypdf), fonts checked; kop, addressee, period, the month before, signature block, page numbers and page breaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image
from pypdf import PdfReader

from handlers import monthly_report, monthly_report_pdf, rawan_data
from storage import regions
from storage.models import Role
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.reports import add_report

# 3 December 2026, 16:30 WITA: November is over, December has begun.
ISSUED = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def offices(session):
    """Kota Banjarmasin and the province, with reports in October and November 2026."""
    officer = add_officer(session, "officer-1")
    province_officer = add_officer(session, "officer-63", region="63")
    add_officer(session, "head-63", region="63", role=Role.HEAD)
    kota, province = officer.office, province_officer.office
    kota.name, province.name = "Kesbangpol Kota Banjarmasin", "Kesbangpol Kalimantan Selatan"
    # November: Utara has two tinggi reports (two categories), Selatan a sedang one, Barat a rendah one;
    # a province officer reports from Kabupaten Banjar, which has no office of its own.
    add_report(session, officer, "KJD-6371-2026-000011", "63.71.04", "unjuk_rasa", "tinggi", NOVEMBER,
               place="Jalan Lambung Mangkurat", description="Sekitar 300 orang menolak kenaikan tarif angkutan.")
    add_report(session, officer, "KJD-6371-2026-000012", "63.71.04", "konflik_sara", "tinggi", NOVEMBER + 30 * H)
    add_report(session, officer, "KJD-6371-2026-000013", "63.71.01", "hoaks", "sedang", NOVEMBER + 60 * H)
    add_report(session, officer, "KJD-6371-2026-000014", "63.71.03", "hoaks", "rendah", NOVEMBER + 90 * H)
    add_report(session, province_officer, "KJD-63-2026-000001", "63.03.05", "unjuk_rasa", "sedang", NOVEMBER)
    # October: two sedang hoaxes in Utara a day apart, a rendah demonstration in Selatan.
    add_report(session, officer, "KJD-6371-2026-000001", "63.71.04", "hoaks", "sedang", OCTOBER)
    add_report(session, officer, "KJD-6371-2026-000002", "63.71.04", "hoaks", "sedang", OCTOBER + 24 * H)
    add_report(session, officer, "KJD-6371-2026-000003", "63.71.01", "unjuk_rasa", "rendah", OCTOBER + 48 * H)
    session.flush()
    return kota, province


def configure(office) -> None:  # type: ignore[no-untyped-def]
    office.address = "Jalan Pramuka Nomor 4, Banjarmasin 70249"
    office.phone = "(0511) 3252345"
    office.email = "kesbangpol@banjarmasinkota.go.id"
    office.head_name = "Drs. H. Ahmad Fauzi, M.Si."
    office.head_nip = "197001011995031001"
    office.head_rank = "Pembina Utama Muda (IV/c)"
    office.report_number = "400.10/{month}/Kesbangpol/{roman}/{year}"


def render(session, office, tmp_path: Path, lang: str = "id", month: str = "2026-11",  # type: ignore[no-untyped-def]
           now: datetime = ISSUED):
    report = monthly_report.gather(session, office, month, now)
    path = monthly_report_pdf.write_report(report, lang, tmp_path / f"{office.region_code}-{lang}.pdf")
    return report, path


def pages_text(path: Path) -> list[str]:
    """Each page's text with its whitespace (line ends too) folded to single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def page_lines(path: Path) -> list[list[str]]:
    return [[line.strip() for line in page.extract_text().splitlines() if line.strip()]
            for page in PdfReader(path).pages]


def ink(path: Path) -> list[tuple[float, float]]:
    """Rasterise every page at 50 dpi; return the highest and lowest rows with print, as fractions of the height
    above the footer (its band at the bottom is left out)."""
    found = []
    pdf = pypdfium2.PdfDocument(str(path))
    for page in pdf:
        image = page.render(scale=50 / 72).to_pil().convert("L")
        width, height = image.size
        printed = image.crop((0, 0, width, int(height * 0.93))).point(lambda v: 255 if v < 128 else 0).getbbox()
        found.append((printed[1] / height, printed[3] / height) if printed else (1.0, 0.0))
    pdf.close()
    return found


def test_a_kab_kota_report_is_a_naskah_dinas_its_head_signs_for_the_province(session, offices, tmp_path):
    kota, _ = offices
    configure(kota)
    report, path = render(session, kota, tmp_path)
    text = pages_text(path)
    first, whole = text[0], " ".join(text)

    assert first.startswith("PEMERINTAH KOTA BANJARMASIN BADAN KESATUAN BANGSA DAN POLITIK "
                            "Jalan Pramuka Nomor 4, Banjarmasin 70249 Telepon (0511) 3252345 "
                            "Pos-el kesbangpol@banjarmasinkota.go.id")
    assert "Nomor : 400.10/12/Kesbangpol/XII/2026" in first and "Banjarmasin, 3 Desember 2026" in first
    assert "Lampiran : 1 (satu) lembar peta" in first
    assert "Hal : Laporan Peta Rawan Konflik Kota Banjarmasin Bulan November 2026" in first
    assert "Yth. Kepala Badan Kesatuan Bangsa dan Politik Provinsi Kalimantan Selatan" in first
    assert "LAPORAN PETA RAWAN KONFLIK KOTA BANJARMASIN PERIODE 1–30 NOVEMBER 2026" in first
    # The month before beside this one, in the summary and per kecamatan.
    assert ("Selama 1–30 November 2026 tercatat 4 laporan kejadian dari 3 kecamatan, termasuk 2 laporan tingkat "
            "tinggi (Oktober 2026: 3 laporan dari 2 kecamatan, 0 tingkat tinggi).") in first
    assert "Laporan Okt 2026 Laporan Nov 2026" in first
    utara = {s.code: s for s in report.current.scores}["63.71.04"]
    assert f"Banjarmasin Utara 2 2 sedang (" in whole and f"{utara.band} ({utara.shown})" in whole
    assert "Jumlah 3 4" in whole
    for heading in ("A. Pendahuluan", "B. Ringkasan", "C. Peringkat Kecamatan", "E. Kejadian Tingkat Tinggi",
                    "D. Jumlah Laporan per Kategori dan Tingkat", "F. Wilayah Tanpa Laporan", "G. Penutup"):
        assert heading in whole
    assert "KJD-6371-2026-000011 · 10 Nov 2026 10.00 WITA · Banjarmasin Utara · Unjuk rasa / demonstrasi · baru" \
        in whole
    assert "Tanpa laporan selama periode ini (2 kecamatan): Banjarmasin Tengah, Banjarmasin Timur." in whole
    signature = ("Banjarmasin, 3 Desember 2026 KEPALA BADAN KESATUAN BANGSA DAN POLITIK KOTA BANJARMASIN, "
                 "Drs. H. Ahmad Fauzi, M.Si. Pembina Utama Muda (IV/c) NIP. 19700101 199503 1 001")
    assert signature in text[-2] and signature in text[-1]  # the laporan and its lampiran, the map
    assert "LAMPIRAN LAPORAN KEPALA BADAN KESATUAN BANGSA DAN POLITIK KOTA BANJARMASIN" in text[-1]
    assert len(text) == 3
    for n, page in enumerate(text, start=1):
        assert page.endswith(f"Halaman {n} dari 3")
    assert report.letterhead.missing() == []


def test_a_province_report_goes_to_the_governor_and_says_where_it_is_blind(session, offices, tmp_path):
    _, province = offices
    configure(province)
    province.place = "Banjarbaru"
    _, path = render(session, province, tmp_path)
    text = pages_text(path)
    whole = " ".join(text)
    assert text[0].startswith("PEMERINTAH PROVINSI KALIMANTAN SELATAN BADAN KESATUAN BANGSA DAN POLITIK ")
    assert "Yth. Gubernur Kalimantan Selatan" in text[0] and "Banjarbaru, 3 Desember 2026" in text[0]
    # Per kab/kota, the month before beside this one; Kabupaten Banjar has no office (marked *).
    assert "Kabupaten Banjar* 0 1 0 0" in whole and "Kota Banjarmasin 3 4 1 1" in whole
    assert "* belum ada kantor Siaga" in whole
    assert "Belum ada kantor Siaga di 12 kab/kota: Kabupaten Tanah Laut, " in whole
    assert "Kota Banjarmasin: Banjarmasin Tengah, Banjarmasin Timur" in whole
    assert ("KEPALA BADAN KESATUAN BANGSA DAN POLITIK PROVINSI KALIMANTAN SELATAN, Drs. H. Ahmad Fauzi, M.Si."
            in text[-1])
    for n, page in enumerate(text, start=1):
        assert page.endswith(f"Halaman {n} dari {len(text)}")


def test_a_province_heads_jabatan_is_what_its_kab_kota_write_to(session, offices, tmp_path):
    kota, province = offices
    province.head_title = "Kepala Badan Kesbangpol Provinsi Kalimantan Selatan"
    _, path = render(session, kota, tmp_path)
    assert "Yth. Kepala Badan Kesbangpol Provinsi Kalimantan Selatan" in pages_text(path)[0]


def test_in_english_every_part_speaks_english(session, offices, tmp_path):
    kota, _ = offices
    configure(kota)
    _, path = render(session, kota, tmp_path, "en")
    text = pages_text(path)
    whole = " ".join(text)
    assert text[0].startswith("GOVERNMENT OF KOTA BANJARMASIN BADAN KESATUAN BANGSA DAN POLITIK ")
    assert "Number : 400.10/12/Kesbangpol/XII/2026" in text[0] and "Banjarmasin, 3 December 2026" in text[0]
    assert "To: Head of the Badan Kesatuan Bangsa dan Politik, Kalimantan Selatan Province" in text[0]
    assert "CONFLICT VULNERABILITY REPORT KOTA BANJARMASIN PERIOD 1–30 NOVEMBER 2026" in text[0]
    assert "(October 2026: 3 from 2 kecamatan, 0 of high severity)" in text[0]
    assert "Reports Oct 2026 Reports Nov 2026" in text[0]
    assert "Demonstration / protest" in whole and "10 Nov 2026 10:00 WITA" in whole
    assert "NIP 19700101 199503 1 001" in text[-1]
    for n, page in enumerate(text, start=1):
        assert page.endswith(f"Page {n} of {len(text)}")
    assert not any(word in whole for word in ("Halaman", "Laporan Okt", "Yth.", "Desember"))


def test_an_unconfigured_office_gets_marked_blanks_not_invented_names(session, offices, tmp_path):
    kota, province = offices
    report, path = render(session, province, tmp_path)
    text = pages_text(path)
    # No address line in the kop, a dotted line for the number, the place, the name and the NIP.
    assert text[0].startswith("PEMERINTAH PROVINSI KALIMANTAN SELATAN BADAN KESATUAN BANGSA DAN POLITIK Nomor : ....")
    assert ("........................, 3 Desember 2026 KEPALA BADAN KESATUAN BANGSA DAN POLITIK PROVINSI "
            "KALIMANTAN SELATAN, (" + "." * 50 + ") NIP. " + "." * 36) in text[-1]
    assert report.letterhead.missing() == ["--address", "--head-name", "--head-nip", "--place", "--report-number"]
    # A kota signs where it is named after.
    assert monthly_report.letterhead(session, kota).city() == "Banjarmasin"


def test_fonts_are_embedded_and_every_page_is_printed_on(session, offices, tmp_path):
    kota, _ = offices
    _, path = render(session, kota, tmp_path)
    reader = PdfReader(path)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font
            fonts[font["/BaseFont"]] = descendant["/FontDescriptor"].get_object()
    assert len(fonts) == 2 and all("LiberationSans" in name for name in fonts)  # regular and bold, subset
    assert all("/FontFile2" in descriptor for descriptor in fonts.values())
    pdf = pypdfium2.PdfDocument(str(path))
    assert all([round(x) for x in page.get_size()] == [595, 842] for page in pdf)  # A4
    pdf.close()
    for top, _ in ink(path):
        assert top < 0.2


def test_a_month_in_progress_ends_now_and_does_not_decay_against_its_last_day(session, offices, tmp_path):
    kota, _ = offices
    officer = add_officer(session, "officer-2")
    add_report(session, officer, "KJD-6371-2026-000020", "63.71.05", "unjuk_rasa", "tinggi", FROZEN_NOW - H)
    session.flush()
    report, path = render(session, kota, tmp_path, now=FROZEN_NOW)
    assert (report.current.end, report.complete) == (FROZEN_NOW, False)
    tengah = {s.code: s for s in report.current.scores}["63.71.05"]
    # An hour old at the window's end (1 November 00:00 WITA to now): one tinggi event counts almost fully.
    start, _ = rawan_data.month_window("2026-11", kota.tz)
    weight = 6 * (1 - 0.75 * H / (FROZEN_NOW - start))
    assert tengah.score == pytest.approx(100 * weight / (weight + 6)) and tengah.shown == "49"
    first = pages_text(path)[0]
    assert "PERIODE 1–23 NOVEMBER 2026 (s.d. pukul 10.00 WITA)" in first
    assert "Laporan Okt 2026 Laporan 1–23 Nov 2026" in first
    assert report.current.scores == rawan_data.vulnerability(session, "63.71", start, FROZEN_NOW)


def test_long_tables_repeat_their_header_and_no_heading_or_row_is_left_alone_at_a_page_end(session, offices,
                                                                                            tmp_path):
    _, province = offices
    officer = add_officer(session, "officer-63b", region="63")
    kecamatan = [r.code for r, _ in regions.find_kecamatan(session, ["63"], limit=200)][:70]
    for n, code in enumerate(kecamatan):
        add_report(session, officer, f"KJD-63-2026-{100 + n:06d}", code, "hoaks", ("rendah", "sedang")[n % 2],
                   NOVEMBER + n * H)
    session.flush()
    _, path = render(session, province, tmp_path)
    lines = page_lines(path)
    headings = ("A. ", "B. ", "C. ", "D. ", "E. ", "F. ", "G. ")
    ranking_pages = 0
    for page in lines[:-1]:
        body = page[:-1]  # the footer is the last line drawn on a page
        assert not body[-1].startswith(headings), body[-3:]
        rows = [line for line in body if line.split()[0].isdigit() and " Kab" in line or " Kota " in line]
        if any(line.startswith("No Kecamatan Kab/Kota") for line in body):
            ranking_pages += 1
            assert len(rows) >= 3
    assert ranking_pages >= 2  # the ranking spans pages, its header on each
    # Every page but the laporan's last and the lampiran is printed on to near its foot.
    for _, bottom in ink(path)[:-2]:
        assert bottom > 0.75


def test_report_numbers_and_nips_are_checked_and_written_as_printed():
    assert monthly_report.report_number("400.10/   /Kesbangpol/{roman}/{year}", datetime(2026, 1, 5).date()) == \
        "400.10/   /Kesbangpol/I/2026"
    for bad in ("{n}/2026", "{year", "400/{0}"):
        with pytest.raises(ValueError):
            monthly_report.check_number_pattern(bad)
    assert monthly_report.nip_text(monthly_report.parse_nip("19851231 201001 2 003")) == "19851231 201001 2 003"
    for bad in ("123", "19851331 201001 2 003", "19851231 201013 2 003", "19851231 201001 3 003",
                "19851231 198001 1 003", "1985123120100120031"):
        with pytest.raises(ValueError):
            monthly_report.parse_nip(bad)


def test_the_logo_is_drawn_in_the_kop(session, offices, tmp_path):
    kota, _ = offices
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 150), (20, 90, 160)).save(logo)
    kota.logo_path = str(logo)
    _, path = render(session, kota, tmp_path)
    pdf = pypdfium2.PdfDocument(str(path))
    image = pdf[0].render(scale=50 / 72).to_pil().convert("RGB")
    pdf.close()
    # The logo's blue, at the left of the kop (22 mm from the edge, 12 mm down, 24 mm high).
    assert image.getpixel((int(30 / 25.4 * 50), int(24 / 25.4 * 50))) == (20, 90, 160)
    kota.logo_path = str(tmp_path / "gone.png")
    assert monthly_report.letterhead(session, kota).missing()[-1] == "--logo (its file is gone)"
