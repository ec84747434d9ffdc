"""Exports read back with csv, openpyxl, pandas and json and compared with the stored reports; 100,000 reports with
flat memory. LibreOffice's reading of them is in test_export_libreoffice.py."""

from __future__ import annotations

import csv
import doctest
import io
import json
import re
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import insert, select

from bot import export
from handlers import engine as engine_module
from storage import incidents
from storage import rawan as rawan_store
from storage.models import IncidentReport, Region, Severity
from tests.conftest import add_officer
from tests.support.reports import add_report, category_ids

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
TZ = "Asia/Makassar"

# What officers type that a spreadsheet would run or mangle (OWASP's list, and "'" itself), with line breaks,
# emoji and Indonesian punctuation. A carriage return cannot come from the chat (it becomes a line break on the
# way in), but an export must not lose one either.
TRICKY = {
    "place": "=1+1",
    "description": "+62 812 3456 7890\nbaris kedua: \"kutip\", titik-koma; ±, …, é, 😀\n\nbaris keempat",
    "actors": "-",
    "action_taken": "@here lapor ke Polsek\n- satu\n- dua",
    "crowd_size_text": "'=sudah dikutip",
}
TRICKIER = {
    "place": "\tTab di depan",
    "description": "\rCR di depan, lalu\r\nCRLF",
    "actors": "'kutipan biasa'",
    "action_taken": '=HYPERLINK("http://contoh.invalid","klik")',
    "crowd_size_text": "#N/A",
}
TEXT_FIELDS = ("number", "category", "kecamatan_code", "kecamatan", "kabkota", "place", "severity", "status",
               "reporter", "description", "actors", "crowd_size_text", "action_taken", "channel")


@pytest.fixture
def reports(session):
    officer = add_officer(session, "officer-1", name="Budi Santoso")
    add_report(session, officer, "KJD-6371-2026-000001", "63.71.04", "unjuk_rasa", "tinggi",
               datetime(2026, 11, 20, 1, 30, tzinfo=UTC), latitude=-3.2926, longitude=114.6018, crowd_size=200,
               description='Mahasiswa "menolak", hasil pleno;\nbaris kedua')
    add_report(session, officer, "KJD-6371-2026-000002", "63.71.01", "hoaks", "rendah",
               datetime(2026, 11, 21, 15, 0, 42, tzinfo=UTC), created_at=datetime(2026, 11, 21, 15, 5, 9, tzinfo=UTC))
    add_report(session, officer, "KJD-6371-2026-000003", "63.71.01", "hoaks", "rendah",
               datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # after the period
    session.flush()
    return officer


@pytest.fixture
def tricky(session):
    officer = add_officer(session, "officer-2", name="@Budi =Santoso")
    add_report(session, officer, "KJD-6371-2026-000010", "63.71.04", "unjuk_rasa", "tinggi",
               datetime(2026, 11, 20, 1, 30, tzinfo=UTC), crowd_size=250, latitude=-3.2926, longitude=114.6018,
               **TRICKY)
    add_report(session, officer, "KJD-6371-2026-000011", "63.71.02", "hoaks", "sedang",
               datetime(2026, 11, 20, 2, 30, tzinfo=UTC), **TRICKIER)
    session.flush()
    return officer


def export_to(session, fmt, lang="id"):
    out = io.BytesIO() if fmt == "xlsx" else io.StringIO(newline="")
    count = export.write_reports(rawan_store.iter_export(session, "63.71", START, END), fmt, out,
                                 lang=lang, tz=TZ)
    out.seek(0)
    return count, out


def stored(session) -> list[dict]:
    """The exported reports as stored, each field as the export names it, times in the office's zone."""
    kabkota = session.scalar(select(Region.name).where(Region.code == "63.71"))
    reports = session.scalars(select(IncidentReport).where(IncidentReport.occurred_at < END)
                              .order_by(IncidentReport.occurred_at, IncidentReport.id)).all()
    return [{
        "number": r.number, "occurred_at": r.occurred_at.astimezone(ZoneInfo(TZ)),
        "created_at": r.created_at.astimezone(ZoneInfo(TZ)), "category": r.category.name_id,
        "kecamatan_code": r.kecamatan_code, "kecamatan": r.kecamatan.name, "kabkota": kabkota, "place": r.place,
        "severity": r.severity.value, "status": r.status.value, "reporter": r.reporter.name,
        "description": r.description, "actors": r.actors, "crowd_size": r.crowd_size,
        "crowd_size_text": r.crowd_size_text, "action_taken": r.action_taken, "latitude": r.latitude,
        "longitude": r.longitude, "attachments": len(r.attachments), "channel": r.channel,
    } for r in reports]


def unquote(cell: str) -> str:
    """Undo the export's rule: one ' comes off a cell that begins with ' and then = + - @ tab or CR."""
    return cell[1:] if re.match(r"'+[=+\-@\t\r]", cell) else cell


def test_the_module_doctests_pass():
    assert doctest.testmod(export).failed == 0
    assert doctest.testmod(engine_module).failed == 0


def test_csv_has_a_bom_titles_in_the_language_and_each_time_as_iso_with_offset_and_wall_clock(session, reports):
    count, out = export_to(session, "csv")
    text = out.getvalue()
    assert text.startswith("\ufeffNomor,") and text.count("\r\n") == 3  # records end in CRLF, a field's lines in LF
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert count == 2 and len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first == {
        "Nomor": "KJD-6371-2026-000001",
        "Waktu kejadian (ISO 8601)": "2026-11-20T09:30:00+08:00", "Waktu kejadian (WITA)": "2026-11-20 09:30",
        "Waktu lapor (ISO 8601)": "2026-11-20T09:30:00+08:00", "Waktu lapor (WITA)": "2026-11-20 09:30",
        "Kategori": "Unjuk rasa / demonstrasi", "Kode kecamatan": "63.71.04", "Kecamatan": "Banjarmasin Utara",
        "Kabupaten/kota": "Kota Banjarmasin", "Tempat": "Pasar Lama", "Tingkat": "tinggi", "Status": "baru",
        "Pelapor": "Budi Santoso", "Uraian": 'Mahasiswa "menolak", hasil pleno;\nbaris kedua',
        "Pihak terlibat": "Warga", "Perkiraan massa": "200", "Perkiraan massa (teks)": "", "Tindakan": "Dipantau",
        "Lintang": "-3.2926", "Bujur": "114.6018", "Lampiran": "0", "Kanal": "console",
    }
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["Waktu kejadian (ISO 8601)"] == "2026-11-21T23:00:42+08:00"
    assert second["Waktu lapor (WITA)"] == "2026-11-21 23:05" and second["Lintang"] == second["Bujur"] == ""


def test_english_titles_and_category_names(session, reports):
    _, out = export_to(session, "csv", lang="en")
    header, first, _ = csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff"), newline=""))
    assert header[:5] == ["Number", "Occurred (ISO 8601)", "Occurred (WITA)", "Reported (ISO 8601)",
                          "Reported (WITA)"]
    assert first[5] == "Demonstration / protest"


def test_csv_neutralises_runnable_text_and_otherwise_returns_every_field_exactly(session, tricky):
    _, out = export_to(session, "csv")
    header, *rows = csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff"), newline=""))
    by_field = [dict(zip(export.CSV_COLUMNS, row, strict=True)) for row in rows]
    first, second = by_field
    assert (first["place"], first["actors"], first["crowd_size_text"]) == ("'=1+1", "'-", "''=sudah dikutip")
    assert first["description"].startswith("'+62 812") and first["reporter"] == "'@Budi =Santoso"
    assert (second["place"][:5], second["description"][:3], second["actors"]) == ("'\tTab", "'\rC", "'kutipan biasa'")
    assert second["crowd_size_text"] == "#N/A" and second["action_taken"].startswith("'=HYPERLINK(")
    for got, want in zip(by_field, stored(session), strict=True):
        assert {c: unquote(got[c]) for c in TEXT_FIELDS} == {c: want[c] or "" for c in TEXT_FIELDS}
        assert got["occurred_at_iso"] == want["occurred_at"].isoformat()
        assert got["crowd_size"] == ("" if want["crowd_size"] is None else str(want["crowd_size"]))
        assert got["latitude"] == ("" if want["latitude"] is None else repr(want["latitude"]))


def test_pandas_reads_the_csv_as_written(session, tricky, tmp_path):
    _, out = export_to(session, "csv")
    path = tmp_path / "laporan.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    # As the README says: every column as text, and no guessing that "#N/A" or "" means missing.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns) == export.headers(export.CSV_COLUMNS, "id", TZ)  # the BOM is not in the first title
    frame.columns = export.CSV_COLUMNS
    for (_, got), want in zip(frame.iterrows(), stored(session), strict=True):
        assert {c: unquote(got[c]) for c in TEXT_FIELDS} == {c: want[c] or "" for c in TEXT_FIELDS}


def test_xlsx_holds_every_text_exactly_as_a_string_cell_never_a_formula(session, tricky):
    _, out = export_to(session, "xlsx")
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=2))
    for row, want in zip(rows, stored(session), strict=True):
        cells = dict(zip(export.FIELDS, row, strict=True))
        assert all(c.data_type in ("s", "n", "d") for c in row)
        assert {c: cells[c].value or "" for c in TEXT_FIELDS} == {c: want[c] or "" for c in TEXT_FIELDS}
        assert cells["occurred_at"].value == want["occurred_at"].replace(tzinfo=None)
        assert (cells["crowd_size"].value, cells["latitude"].value) == (want["crowd_size"], want["latitude"])
    first = dict(zip(export.FIELDS, rows[0], strict=True))
    # Runnable text is marked as text (Excel's hidden leading ') so that editing the cell keeps it text.
    assert first["place"].quotePrefix and first["actors"].quotePrefix and not first["number"].quotePrefix
    out.seek(0)
    assert b"<f>" not in _sheet_xml(out)


def _sheet_xml(out) -> bytes:
    import zipfile

    with zipfile.ZipFile(out) as book:
        return book.read("xl/worksheets/sheet1.xml")


def test_pandas_reads_the_xlsx_as_written(session, tricky):
    _, out = export_to(session, "xlsx")
    frame = pd.read_excel(out, keep_default_na=False)
    frame.columns = export.FIELDS
    for (_, got), want in zip(frame.iterrows(), stored(session), strict=True):
        assert {c: got[c] for c in TEXT_FIELDS} == {c: want[c] or "" for c in TEXT_FIELDS}
        assert got["occurred_at"] == pd.Timestamp(want["occurred_at"].replace(tzinfo=None))


def test_xlsx_header_widths_wrapping_and_print_settings_read_back(session, reports):
    officer = add_officer(session, "officer-3")
    add_report(session, officer, "KJD-6371-2026-000020", "63.71.01", "hoaks", "sedang",
               datetime(2026, 11, 22, 1, 0, tzinfo=UTC), description="Uraian panjang " * 40)
    session.flush()
    count, out = export_to(session, "xlsx", lang="en")
    sheet = openpyxl.load_workbook(out).active
    assert count == 3 and sheet.max_row == 4 and sheet.title == "Incident reports"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Number", "Occurred (WITA)", "Reported (WITA)"]
    assert all(c.font.b and c.alignment.wrap_text for c in sheet[1])
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:T4"
    assert sheet.print_title_rows == "$1:$1"
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.oddFooter.center.text == "Page &P of &N"
    widths = {c: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
              for i, c in enumerate(export.FIELDS, start=1)}
    assert widths["number"] == len("KJD-6371-2026-000001") + 2
    assert widths["description"] == export.XLSX_MAX_WIDTH  # capped: the long text wraps
    assert widths["occurred_at"] == len("yyyy-mm-dd hh:mm") + 2
    assert widths["attachments"] == 14 + 2  # the title's widest word, "Attachments", in bold
    row = dict(zip(export.FIELDS, sheet[2], strict=True))
    assert row["occurred_at"].value == datetime(2026, 11, 20, 9, 30) and row["occurred_at"].is_date
    assert row["occurred_at"].number_format == "yyyy-mm-dd hh:mm"
    assert row["description"].alignment.wrap_text and not row["number"].alignment.wrap_text
    assert row["crowd_size"].value == 200 and (row["latitude"].value, row["longitude"].value) == (-3.2926, 114.6018)
    # A row grows to its wrapped text: two lines, then 600 characters in a 50-wide column.
    heights = [sheet.row_dimensions[n].height for n in (2, 3, 4)]
    assert heights == [export.row_height([("a\nb", 50)]), None, export.row_height([("x" * 600, 50)])]
    assert heights[0] > 15 and heights[2] >= 12 * export.XLSX_LINE_HEIGHT


def test_geojson_has_points_for_located_reports_and_null_geometry_otherwise(session, reports):
    count, out = export_to(session, "geojson")
    collection = json.loads(out.getvalue())
    first, second = collection["features"]
    assert collection["type"] == "FeatureCollection" and count == 2
    assert first["geometry"] == {"type": "Point", "coordinates": [114.6018, -3.2926]}
    assert first["properties"]["number"] == "KJD-6371-2026-000001"
    assert first["properties"]["occurred_at"] == "2026-11-20T09:30:00+08:00"
    assert second["geometry"] is None and second["properties"]["kecamatan"] == "Banjarmasin Selatan"


def test_geojson_keeps_every_text_exactly(session, tricky):
    _, out = export_to(session, "geojson")
    features = json.loads(out.getvalue())["features"]
    for feature, want in zip(features, stored(session), strict=True):
        assert {c: feature["properties"][c] for c in TEXT_FIELDS} == {c: want[c] for c in TEXT_FIELDS}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_an_empty_period_exports_just_the_header(session, reports, fmt):
    out = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    rows = rawan_store.iter_export(session, "63.71", END + timedelta(days=40), END + timedelta(days=41))
    assert export.write_reports(rows, fmt, out, lang="id", tz=TZ) == 0
    out.seek(0)
    if fmt == "geojson":
        assert json.loads(out.getvalue()) == {"type": "FeatureCollection", "features": []}
    elif fmt == "csv":
        assert out.getvalue().count("\r\n") == 1
    else:
        sheet = openpyxl.load_workbook(out).active
        assert sheet.max_row == 1 and sheet.auto_filter.ref == "A1:T1"


def test_the_report_list_is_plain_values_with_times_in_each_offices_zone(session, tricky):
    values = list(export.report_list_rows(incidents.iter_reports(session, region_code="63")))
    assert [v["number"] for v in values] == ["KJD-6371-2026-000011", "KJD-6371-2026-000010"]  # newest first
    assert values[1]["occurred_at"] == "2026-11-20T09:30:00+08:00" and values[1]["place"] == "=1+1"
    assert (values[1]["severity"], values[1]["office"], values[1]["attachments"]) == ("tinggi", "63.71", 0)
    out = io.StringIO(newline="")
    assert export.write_report_list(values, "csv", out) == 2
    header, _, first = csv.reader(io.StringIO(out.getvalue(), newline=""))
    assert header == list(export.LIST_FIELDS) and "tz" not in header
    assert dict(zip(header, first, strict=True))["place"] == "'=1+1"
    out = io.StringIO()
    export.write_report_list(values, "json", out)
    assert json.loads(out.getvalue()) == values
    assert list(incidents.iter_reports(session, region_code="61")) == []


def seed_many(session, officer, total):
    categories = list(category_ids(session).values())
    kecamatan = [f"63.71.0{i}" for i in range(1, 6)]
    batch = []
    for i in range(total):
        batch.append({
            "number": f"B-{i:07d}", "office_id": officer.office_id, "category_id": categories[i % len(categories)],
            "kecamatan_code": kecamatan[i % 5], "place": "Pasar Lama", "description": "Uraian kejadian " * 8,
            "actors": "Warga", "severity": Severity.SEDANG, "action_taken": "Dipantau",
            "occurred_at": START + timedelta(seconds=20 * i), "created_at": START + timedelta(seconds=20 * i),
            "reporter_id": officer.id, "channel": "console", "latitude": -3.3, "longitude": 114.6,
        })
        if len(batch) == 5000:
            session.execute(insert(IncidentReport), batch)
            batch = []
    if batch:
        session.execute(insert(IncidentReport), batch)


def peak_memory(write, path) -> int:
    tracemalloc.start()
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            write(out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


# One test per command: each reads 110,000 rows under tracemalloc, so two workers (pytest-xdist) run them at once.
@pytest.mark.parametrize("command", ["export", "reports list"])
def test_100000_reports_export_and_list_with_flat_memory(session, tmp_path, command):
    officer = add_officer(session, "officer-1")
    seed_many(session, officer, 100_000)
    session.flush()
    session.expunge_all()

    def exported(total):
        def write(out):
            rows = rawan_store.iter_export(session, "63.71", START, START + timedelta(seconds=20 * total))
            assert export.write_reports(rows, "csv", out, lang="id", tz=TZ) == total
        return write

    def listed(total):
        def write(out):
            rows = export.report_list_rows(incidents.iter_reports(session, region_code="63.71", limit=total))
            assert export.write_report_list(rows, "csv", out) == total
        return write

    writer = {"export": exported, "reports list": listed}[command]
    small = peak_memory(writer(10_000), tmp_path / "small.csv")
    large = peak_memory(writer(100_000), tmp_path / "large.csv")
    with (tmp_path / "large.csv").open(encoding="utf-8", newline="") as f:
        assert sum(1 for _ in csv.reader(f)) == 100_001
    # Ten times the rows, about the same memory: rows are streamed, never held.
    print(f"{command}: peak traced memory: 10,000 rows {small / 1e6:.1f} MB, 100,000 rows {large / 1e6:.1f} MB")
    assert large < 1.5 * small + 1_000_000
    assert large < 20_000_000
