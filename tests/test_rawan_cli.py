"""`siaga rawan`, `rawan-report` and `export` as an admin runs them: a child process, a fresh database."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pypdfium2
import pytest
from PIL import Image

from bot.app import initialise
from storage.db import make_sessions
from storage.models import Role
from tests.conftest import add_officer
from tests.support.reports import add_report
from tests.support.siaga import CommandClock, Siaga

# Commands and reports live in mid-November 2026 (13:00 WITA, a Wednesday): the recent reports fall in this
# month and the monthly report's month is October, whatever the day the suite runs.
NOW = datetime(2026, 11, 18, 13, 0, tzinfo=ZoneInfo("Asia/Makassar"))
LAST_MONTH = f"{NOW.replace(day=1) - timedelta(days=1):%Y-%m}"


@pytest.fixture
def siaga(database_factory, tmp_path):
    url = database_factory()
    engine = initialise(url).engine
    with make_sessions(engine).begin() as session:
        officer = add_officer(session, "officer-1", name="Budi Santoso")
        add_officer(session, "head-63", region="63", role=Role.HEAD)
        month_start = datetime.fromisoformat(f"{LAST_MONTH}-01T12:00+08:00")
        for i, (kec, cat, sev, when) in enumerate([
            ("63.71.04", "unjuk_rasa", "tinggi", NOW - timedelta(days=2)),
            ("63.71.04", "unjuk_rasa", "sedang", NOW - timedelta(days=2, hours=-1)),
            ("63.71.04", "hoaks", "tinggi", NOW - timedelta(days=1)),
            ("63.71.01", "konflik_sara", "sedang", NOW - timedelta(days=5)),
            ("63.71.04", "unjuk_rasa", "tinggi", month_start),
            ("63.71.02", "politik_uang", "sedang", month_start + timedelta(days=3)),
        ], start=1):
            add_report(session, officer, f"KJD-6371-2026-{i:06d}", kec, cat, sev, when,
                       latitude=-3.2926 if kec == "63.71.04" else None, longitude=114.6018 if kec == "63.71.04" else None)
    engine.dispose()
    command = Siaga(url, tmp_path, clock=CommandClock(NOW))

    def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
        return command(*args, code=0 if ok else None)

    return run


def test_the_ranked_table_csv_geojson_and_explanation_agree(siaga, tmp_path):
    table = siaga("rawan", "--office", "63.71").stdout.splitlines()
    assert table[0].split() == ["No", "Kecamatan", "Kab/Kota", "Skor", "Tingkat", "Kejadian", "Laporan"]
    assert table[1].startswith("1   Banjarmasin Utara") and len(table) == 7  # and the "tanpa laporan" count

    rows = list(csv.DictReader(io.StringIO(siaga("rawan", "--office", "63.71", "--format", "csv").stdout)))
    utara = rows[0]
    assert (utara["Kode"], utara["Kejadian"], utara["Laporan"], utara["Laporan tinggi"]) == ("63.71.04", "2", "3", "2")
    assert int(utara["Skor"]) > int(rows[1]["Skor"]) > 0 and rows[1]["Kode"] == "63.71.01"

    siaga("rawan", "--office", "63.71", "--format", "geojson", "--out", "rawan.geojson")
    collection = json.loads((tmp_path / "rawan.geojson").read_text(encoding="utf-8"))
    features = {f["properties"]["code"]: f for f in collection["features"]}
    assert len(features) == 5
    assert features["63.71.04"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert features["63.71.04"]["properties"]["score"] == int(utara["Skor"])
    assert features["63.71.03"]["properties"]["band"] is None  # no reports: no band

    explained = siaga("rawan", "--office", "63.71", "--explain", "banjarmasin utara").stdout
    assert "KJD-6371-2026-000002" in explained and "kejadian yang sama, tidak dihitung" in explained
    assert f"= {utara['Skor']} (dibulatkan ke bawah) -> {utara['Tingkat']}" in explained


@pytest.mark.parametrize("office", ["63.71", "63"])
def test_the_png_map_decodes(siaga, tmp_path, office):
    siaga("rawan", "--office", office, "--format", "png", "--out", "peta.png", "--lang", "en")
    with Image.open(tmp_path / "peta.png") as image:
        assert image.format == "PNG" and image.size == (1200, 1200)
        colours = {c[:3] for _, c in image.convert("RGB").getcolors(1_000_000)}
    assert (0xFD, 0x8D, 0x3C) in colours or (0xBD, 0x00, 0x26) in colours  # a sedang or tinggi kecamatan


def test_the_monthly_pdf_renders_every_page(siaga, tmp_path):
    result = siaga("rawan-report", "--office", "63.71", "--month", LAST_MONTH, "--out", "r.pdf")
    assert "fontTools" not in result.stderr
    pdf = pypdfium2.PdfDocument(str(tmp_path / "r.pdf"))
    assert len(pdf) == 3  # the laporan, from its kop to its signature, and its lampiran: the map
    for page in pdf:
        assert [round(x) for x in page.get_size()] == [595, 842]  # A4 in points
        image = page.render(scale=1).to_pil().convert("L")
        assert abs(image.size[0] - 595) <= 1 and abs(image.size[1] - 842) <= 1
        assert image.getextrema()[0] < 100  # something dark is drawn on it
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    assert "Banjarmasin Utara" in text and "Banjarmasin Timur" in text
    assert "KJD-6371-2026-000005" in text
    pdf.close()


def test_exports_are_written_and_audited(siaga, tmp_path):
    first, last = (NOW - timedelta(days=40)).date(), NOW.date()
    for fmt in ("csv", "xlsx", "geojson"):
        siaga("export", "--office", "63", "--from", str(first), "--to", str(last), "--format", fmt, "--out", f"e.{fmt}")
    numbers = [r["Nomor"] for r in csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8-sig", newline=""))]
    sheet = openpyxl.load_workbook(tmp_path / "e.xlsx").active
    features = json.loads((tmp_path / "e.geojson").read_text(encoding="utf-8"))["features"]
    assert numbers == [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [f["properties"]["number"] for f in features]
    assert set(numbers) >= {"KJD-6371-2026-000001", "KJD-6371-2026-000004"}
    trail = siaga("audit", "list", "--action", "reports.exported").stdout
    assert trail.count("\treports.exported\t") == 3 and "Budi" not in trail


MISTAKES = [
    (("rawan", "--office", "99.99"), "No office for region 99.99"),
    (("rawan", "--office", "63.71", "--window", "tiga hari"), "--window 'tiga hari' is not a period"),
    (("rawan", "--office", "63.71", "--format", "png"), "this format needs --out FILE"),
    (("rawan", "--office", "63.71", "--format", "png", "--out", "/no/such/dir/p.png"), "cannot write /no/such/dir/p.png"),
    (("rawan", "--office", "63.71", "--explain", "Sungai Raya"), "no kecamatan 'Sungai Raya' within 63.71"),
    (("export", "--office", "63.71", "--from", "2026-02-30", "--to", "2026-03-01", "--format", "csv", "--out", "x"),
     "--from '2026-02-30' is not a date"),
    (("export", "--office", "63.71", "--from", "2026-03-02", "--to", "2026-03-01", "--format", "csv", "--out", "x"),
     "--to 2026-03-01 is before --from 2026-03-02"),
    (("export", "--office", "63.71", "--from", "2026-03-01", "--to", "2026-03-02", "--format", "xlsx",
      "--out", "/proc/x.xlsx"), "cannot write /proc/x.xlsx"),
    (("rawan-report", "--office", "63.71", "--month", "2026-13", "--out", "r.pdf"), "--month '2026-13' is not a month"),
    (("rawan-report", "--office", "63.71", "--month", "2026-11", "--out", "r.txt"), "should be a .pdf file"),
    (("rawan-schedule", "--office", "63.71", "--day", "31"), "give a day of the month from 1 to 28"),
    (("rawan-separate", "KJD-0000"), "no report numbered KJD-0000"),
]


def test_every_mistake_gets_one_line_and_a_non_zero_exit(siaga):
    for args, message in MISTAKES:
        result = siaga(*args, ok=False)
        assert result.returncode == 2, args
        assert result.stderr.startswith("siaga: ") and message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, args


def test_the_report_day_and_a_separate_event_are_set_and_audited(siaga):
    assert "sent on day 5 of each month" in siaga("rawan-schedule", "--office", "63.71", "--day", "5").stdout
    assert "not sent automatically" in siaga("rawan-schedule", "--office", "63.71", "--day", "off").stdout
    before = list(csv.DictReader(io.StringIO(siaga("rawan", "--office", "63.71", "--format", "csv").stdout)))[0]
    siaga("rawan-separate", "KJD-6371-2026-000002")
    after = list(csv.DictReader(io.StringIO(siaga("rawan", "--office", "63.71", "--format", "csv").stdout)))[0]
    assert (before["Kejadian"], after["Kejadian"]) == ("2", "3")
    trail = siaga("audit", "list").stdout
    assert "\trawan.schedule\t" in trail and "\trawan.separate_event\t" in trail
