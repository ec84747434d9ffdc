"""`siaga rawan` and `rawan-report` in-process on a frozen clock: one rounding rule in every output, "tanpa
laporan" apart, GeoJSON a GIS reader accepts, explanations in the chosen language, `--out -`, future months."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pyogrio
import pypdfium2
import pytest
import shapely

from bot import cli
from bot.app import initialise
from handlers import monthly_report, monthly_report_pdf, rawan, rawan_data, rawan_map
from handlers.deps import Deps
from handlers.types import Ctx
from storage import people
from storage.db import make_sessions
from storage.models import Role
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.reports import add_report

END = FROZEN_NOW
# Ages, before the window's end, that give scores just above 65.97, 33.0 and 32.99 (worked out below).
AGE_UTARA = timedelta(seconds=105_829)  # two tinggi events: R = 12 × (1 - 0.75 × age / 30 d) = 11.632538
AGE_SELATAN = timedelta(seconds=51_274)  # one sedang event: R = 3 × (...) = 2.955491
AGE_BARAT = timedelta(seconds=52_659)  # one sedang event: R = 2.954289
# (kecamatan, name, score, shown, band)
EXPECTED = [
    ("63.71.04", "Banjarmasin Utara", 65.9720005, "65", "sedang"),
    ("63.71.01", "Banjarmasin Selatan", 33.0020008, "33", "sedang"),
    ("63.71.03", "Banjarmasin Barat", 32.9930053, "32", "rendah"),
]
WITHOUT_REPORTS = {"63.71.02", "63.71.05"}


def decay(age: timedelta) -> float:
    return 1 - 0.75 * age / timedelta(days=30)


def test_the_seeded_ages_give_the_three_scores_of_the_rounding_rule():
    for (_, _, score, _, _), raw in zip(EXPECTED, (12 * decay(AGE_UTARA), 3 * decay(AGE_SELATAN),
                                                   3 * decay(AGE_BARAT)), strict=True):
        assert rawan_data.score_of(raw) == pytest.approx(score, abs=1e-6)


@pytest.fixture
def url(database_factory):
    url = database_factory()
    engine = initialise(url).engine
    with make_sessions(engine).begin() as session:
        officer = add_officer(session, "officer-1")
        add_officer(session, "head-1", role=Role.HEAD, name="Kepala Kota")
        add_officer(session, "head-63", region="63", role=Role.HEAD, name="Kepala Provinsi")
        add_report(session, officer, "KJD-6371-2026-000001", "63.71.04", "unjuk_rasa", "tinggi", END - AGE_UTARA,
                   latitude=-3.2986, longitude=114.5847)
        add_report(session, officer, "KJD-6371-2026-000002", "63.71.04", "konflik_sara", "tinggi", END - AGE_UTARA)
        add_report(session, officer, "KJD-6371-2026-000003", "63.71.01", "hoaks", "sedang", END - AGE_SELATAN)
        add_report(session, officer, "KJD-6371-2026-000004", "63.71.03", "hoaks", "sedang", END - AGE_BARAT)
    engine.dispose()
    return url


@pytest.fixture
def siaga(url, tmp_path, monkeypatch, capsysbinary):
    """Run `siaga ARGS` in-process at FROZEN_NOW; return (status, stdout bytes, stderr text)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL", "SIAGA_LOG_LEVEL", "SIAGA_CLOCK_START"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SIAGA_LANGUAGE", "id")
    monkeypatch.setenv("SIAGA_ATTACHMENTS_DIR", str(tmp_path / "attachments"))

    def run(*args: str) -> tuple[int, bytes, str]:
        capsysbinary.readouterr()
        status = cli.main(list(args), clock=lambda: FROZEN_NOW)  # every command reads this clock
        out, err = capsysbinary.readouterr()
        return status, out, err.decode()

    return run


def text_of(siaga, *args: str) -> str:  # type: ignore[no-untyped-def]
    status, out, err = siaga(*args)
    assert status == 0, err
    return out.decode("utf-8")


def test_one_rounding_rule_in_the_table_csv_geojson_and_explanations(siaga):
    table = text_of(siaga, "rawan", "--office", "63.71").splitlines()
    assert table[0].split() == ["No", "Kecamatan", "Kab/Kota", "Skor", "Tingkat", "Kejadian", "Laporan"]
    for rank, (line, (_, name, _, shown, band)) in enumerate(zip(table[1:4], EXPECTED, strict=True), start=1):
        assert line.split()[:7] == [str(rank), *name.split(), "Kota", "Banjarmasin", shown, band]
    # No rank and no score: the row starts with the name and its band cell says so.
    assert table[4].split() == ["Banjarmasin", "Tengah", "Kota", "Banjarmasin", "tanpa", "laporan", "0", "0"]
    assert table[-1] == "Tanpa laporan: 2 dari 5 kecamatan (tanpa skor; abu-abu berarsir di peta)."

    rows = list(csv.DictReader(io.StringIO(text_of(siaga, "rawan", "--office", "63.71", "--format", "csv"))))
    assert [(r["Kode"], r["Skor"], r["Tingkat"], r["Peringkat"]) for r in rows[:3]] == [
        (code, shown, band, str(rank)) for rank, (code, _, _, shown, band) in enumerate(EXPECTED, start=1)]
    assert {(r["Kode"], r["Skor"], r["Tingkat"], r["Peringkat"], r["Laporan"]) for r in rows[3:]} == {
        (code, "", "tanpa laporan", "", "0") for code in WITHOUT_REPORTS}

    collection = json.loads(text_of(siaga, "rawan", "--office", "63.71", "--format", "geojson"))
    props = {f["properties"]["code"]: f["properties"] for f in collection["features"]}
    for code, _, _, shown, band in EXPECTED:
        assert (props[code]["score"], props[code]["band"]) == (int(shown), band)
    for code in WITHOUT_REPORTS:
        assert (props[code]["score"], props[code]["band"], props[code]["rank"], props[code]["reports"]) == (
            None, None, None, 0)

    for code, name, _, shown, band in EXPECTED:
        explained = text_of(siaga, "rawan", "--office", "63.71", "--explain", code).splitlines()
        assert explained[0].startswith(f"{name} ({code}), periode ")
        assert explained[-1].endswith(f" = {shown} (dibulatkan ke bawah) -> {band}")


def test_one_rounding_rule_in_chat_on_the_map_and_in_the_pdf(url, tmp_path):
    with make_sessions(url).begin() as session:
        head = people.get_identity(session, "console", "head-1").officer
        [reply] = rawan.rawan_command("", Ctx(session=session, now=END, lang="id", channel="console",
                                              address="head-1", officer=head, deps=Deps(generated_dir=tmp_path)))
        data = rawan_data.gather(session, head.office, END - rawan_data.DEFAULT_WINDOW, END, full=True)
        # The report of the same 30 days (a monthly report's window is its month; the rule is the same).
        report = monthly_report.MonthlyReport(
            month="2026-11", letterhead=monthly_report.letterhead(session, head.office), current=data,
            previous=rawan_data.gather(session, head.office, END - 2 * rawan_data.DEFAULT_WINDOW,
                                       END - rawan_data.DEFAULT_WINDOW, full=True), issued_at=END, complete=True)
    assert reply.text.splitlines()[1:] == [
        "1. Banjarmasin Utara: 65 (sedang), 2 laporan",
        "2. Banjarmasin Selatan: 33 (sedang), 1 laporan",
        "3. Banjarmasin Barat: 32 (rendah), 1 laporan",
        "Tanpa laporan: 2 dari 5 kecamatan (tanpa skor; abu-abu berarsir di peta).",
    ]
    labels = {text.get_text() for text in rawan_map.map_figure(data, "id").findobj(
        lambda a: hasattr(a, "get_text"))}
    for _, name, _, shown, _ in EXPECTED:
        assert f"{name}\n{shown}" in labels
    assert not any(text.endswith(("\n66", "\n34")) for text in labels)

    pdf_path = monthly_report_pdf.write_report(report, "id", tmp_path / "r.pdf")
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    ranking = " ".join(text[text.index("C. Peringkat Kecamatan"):text.index("D. Jumlah Laporan")].split())
    for rank, (_, name, _, shown, band) in enumerate(EXPECTED, start=1):
        assert f" {rank} {name} {shown} {band} " in ranking
    assert "kecamatan tingkat tinggi 0, sedang 2, rendah 1" in " ".join(text.split())


def test_the_geojson_is_rfc_7946_and_a_gis_reader_opens_it(siaga, tmp_path):
    text_of(siaga, "rawan", "--office", "63", "--format", "geojson", "--out", "peta.geojson")
    collection = json.loads((tmp_path / "peta.geojson").read_text(encoding="utf-8"))
    features = collection["features"]
    assert len(features) == 156 and {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            exterior, *holes = (shapely.LinearRing(ring) for ring in polygon)
            assert exterior.is_ccw and not any(hole.is_ccw for hole in holes)
    first = features[0]["properties"]
    assert (first["window_start"], first["window_end"]) == ("2026-10-24T10:00:00+08:00", "2026-11-23T10:00:00+08:00")

    info = pyogrio.read_info(tmp_path / "peta.geojson")
    assert (info["features"], info["geometry_type"], info["crs"]) == (156, "MultiPolygon", "EPSG:4326")
    meta, _, geometry, fields = pyogrio.raw.read(tmp_path / "peta.geojson")
    columns = dict(zip(meta["fields"], fields, strict=True))
    by_code = dict(zip(columns["code"], range(156), strict=True))
    utara = by_code["63.71.04"]
    assert (columns["score"][utara], columns["band"][utara]) == (65, "sedang")
    tabalong = by_code["63.09.01"]
    assert columns["band"][tabalong] is None and columns["reports"][tabalong] == 0
    assert not columns["office"][tabalong] and columns["office"][utara]
    assert all(polygon.exterior.is_ccw for polygon in shapely.from_wkb(geometry[utara]).geoms)


def test_csv_headers_follow_the_language(siaga):
    english = text_of(siaga, "rawan", "--office", "63.71", "--format", "csv", "--lang", "en").splitlines()
    indonesian = text_of(siaga, "rawan", "--office", "63.71", "--format", "csv").splitlines()
    assert english[0] == ("Rank,Code,Kecamatan,Regency/city,Score,Band,Events,Reports,Low reports,Medium reports,"
                          "High reports,R (sum of weights),Siaga office")
    assert indonesian[0] == ("Peringkat,Kode,Kecamatan,Kabupaten/kota,Skor,Tingkat,Kejadian,Laporan,Laporan rendah,"
                             "Laporan sedang,Laporan tinggi,R (jumlah bobot),Kantor Siaga")
    assert english[-1].endswith(",no reports,0,0,0,0,0,,yes")


def test_explain_answers_in_the_chosen_language(siaga):
    indonesian = text_of(siaga, "rawan", "--office", "63.71", "--explain", "Banjarmasin Utara", "--lang", "id")
    english = text_of(siaga, "rawan", "--office", "63.71", "--explain", "Banjarmasin Utara", "--lang", "en")
    assert "bobot: Rendah 1, Sedang 3, Tinggi 6" in indonesian and "kejadian 1: " in indonesian
    assert "weights: Low 1, Medium 3, High 6" in english and "event 1: " in english
    # Two equal terms of 5.816269: each shown as 5.8163 they would add up to 11.6326, one more than R.
    assert "R = 5,8163 + 5,8162 = 11,6325" in indonesian and "R = 5.8163 + 5.8162 = 11.6325" in english
    assert "weight" not in indonesian and "bobot" not in english


def test_a_province_table_marks_the_kabupaten_kota_without_an_office(siaga):
    table = text_of(siaga, "rawan", "--office", "63").splitlines()
    assert any(" Kabupaten Tabalong* " in line for line in table)
    assert not any("Kota Banjarmasin*" in line for line in table)
    assert table[-1].startswith("* Belum ada kantor Siaga di 12 kab/kota: Kabupaten Tanah Laut, ")


def test_out_dash_writes_to_the_standard_output(siaga, tmp_path):
    status, png, _ = siaga("rawan", "--office", "63.71", "--format", "png", "--out", "-")
    assert status == 0 and png.startswith(b"\x89PNG\r\n\x1a\n")
    status, pdf, err = siaga("rawan-report", "--office", "63.71", "--month", "2026-10", "--out", "-")
    assert status == 0 and pdf.startswith(b"%PDF-") and err.startswith("standard output: ")
    status, csv_out, _ = siaga("rawan", "--office", "63.71", "--format", "csv", "--out", "-")
    assert status == 0 and csv_out.startswith(b"Peringkat,")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("month", ["2026-12", "2027-05"])
def test_a_month_that_has_not_begun_is_refused_in_one_line(siaga, tmp_path, month):
    status, out, err = siaga("rawan-report", "--office", "63.71", "--month", month, "--out", "r.pdf")
    assert status == 2 and out == b"" and not (tmp_path / "r.pdf").exists()
    assert err == (f"siaga: --month {month} has not begun (today is 2026-11-23 in Asia/Makassar); "
                   "give 2026-11 or an earlier month.\n")


def test_this_month_so_far_is_still_a_report(siaga, tmp_path):
    status, _, err = siaga("rawan-report", "--office", "63.71", "--month", "2026-11", "--out", "r.pdf")
    assert status == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-"), err
    assert err.startswith("r.pdf: 4 reports, 5 kecamatan, month 2026-11 so far\n")


def test_a_kecamatan_without_a_shipped_boundary_is_a_feature_without_geometry():
    from bot import export

    scores = [rawan_data.KecamatanScore("31.71.01", "Gambir", "Kota Administrasi Jakarta Pusat", "31.71", None, None)]
    out = io.StringIO()
    export.write_rawan_geojson(scores, END - rawan_data.DEFAULT_WINDOW, END, "Asia/Jakarta", out)
    [feature] = json.loads(out.getvalue())["features"]
    assert feature["geometry"] is None and feature["properties"]["window_end"] == "2026-11-23T09:00:00+07:00"


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--head-nip", "1970 0101", "--head-nip '1970 0101' is not a NIP: 18 digits"),
    ("--head-nip", "19701301 199503 1 001", "--head-nip '19701301 199503 1 001' is not a NIP"),
    ("--logo", "missing.png", "--logo 'missing.png': No such file or directory; give the path of a PNG or JPEG"),
    ("--logo", "notes.png", "--logo 'notes.png' is not a PNG or JPEG image."),
    ("--logo", "drawing.gif", "--logo 'drawing.gif' is not a PNG or JPEG image."),
    ("--report-number", "{nomor}/2026", "--report-number '{nomor}/2026': the only fields are {year}"),
    ("--email", "kesbangpol", "--email 'kesbangpol' is not an e-mail address"),
    ("--phone", "kantor", "--phone 'kantor' has too few digits"),
])
def test_a_wrong_letterhead_value_gives_one_line_exit_2_and_changes_nothing(siaga, url, tmp_path, option, value,
                                                                           says):
    from PIL import Image

    (tmp_path / "notes.png").write_text("not an image")
    Image.new("RGB", (40, 40), "navy").save(tmp_path / "drawing.gif")
    status, out, err = siaga("office", "set", "63.71", "--address", "Jalan Pramuka 4", option, value)
    assert (status, out) == (2, b"") and err.startswith(f"siaga: {says}") and err.count("\n") == 1, err
    with make_sessions(url).begin() as session:
        office = people.get_office_by_region(session, "63.71")
        assert (office.address, office.head_nip, office.logo_path, office.email) == (None, None, None, None)


def test_the_letterhead_is_set_the_logo_copied_and_the_report_says_what_is_still_missing(siaga, url, tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    status, _, err = siaga("rawan-report", "--office", "63.71", "--month", "2026-10", "--out", "r.pdf")
    assert status == 0 and err.splitlines()[1:] == [
        "office 63.71 has not set --address, --head-name, --head-nip, --report-number: the PDF leaves blanks to fill "
        "in by hand (siaga office set 63.71 --help)"]
    Image.new("RGB", (90, 110), "navy").save(tmp_path / "logo.png")
    status, out, err = siaga("office", "set", "63.71", "--address", "Jalan Pramuka  Nomor 4", "--head-name", "Ahmad",
                             "--head-nip", "19700101 199503 1 001", "--report-number", "400.10/    /{year}",
                             "--logo", "logo.png", "--name", "Badan Kesatuan Bangsa dan Politik Kota Banjarmasin")
    assert status == 0, err
    assert out.decode().splitlines()[-1].startswith("letterhead (Badan Kesatuan Bangsa dan Politik Kota Banjarmasin): "
                                                    "--address set, --phone not set, ")
    with make_sessions(url).begin() as session:
        office = people.get_office_by_region(session, "63.71")
        assert (office.address, office.head_nip, office.report_number) == (
            "Jalan Pramuka Nomor 4", "197001011995031001", "400.10/    /{year}")
        logo = Path(office.logo_path)
    assert logo.is_relative_to(tmp_path / "attachments" / "logos")
    assert logo.read_bytes() == (tmp_path / "logo.png").read_bytes()
    status, out, _ = siaga("audit", "list", "--action", "office.changed")
    assert status == 0 and b"Ahmad" not in out and b"1970" not in out  # a name and a NIP are personal data

    status, _, err = siaga("rawan-report", "--office", "63.71", "--month", "2026-10", "--out", "r.pdf")
    assert status == 0 and len(err.splitlines()) == 1, err
    first = " ".join(PdfReader(tmp_path / "r.pdf").pages[0].extract_text().split())
    assert "Nomor : 400.10/ /2026" in first and "Jalan Pramuka Nomor 4" in first
    assert siaga("office", "set", "63.71", "--head-nip", "-")[0] == 0
    with make_sessions(url).begin() as session:
        assert people.get_office_by_region(session, "63.71").head_nip is None
