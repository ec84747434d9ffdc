"""Exports read back with csv, openpyxl and json, row by row; 100,000 reports export with flat memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import insert

from bot import export
from storage import rawan as rawan_store
from storage.models import IncidentReport, Severity
from tests.conftest import add_officer
from tests.support.reports import add_report, category_ids

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def reports(session):
    officer = add_officer(session, "officer-1", name="Budi Santoso")
    add_report(session, officer, "KJD-6371-2026-000001", "63.71.04", "unjuk_rasa", "tinggi",
               datetime(2026, 11, 20, 1, 30, tzinfo=UTC), latitude=-3.2926, longitude=114.6018, crowd_size=200,
               description='Mahasiswa "menolak", hasil pleno;\nbaris kedua')
    add_report(session, officer, "KJD-6371-2026-000002", "63.71.01", "hoaks", "rendah",
               datetime(2026, 11, 21, 15, 0, tzinfo=UTC))
    add_report(session, officer, "KJD-6371-2026-000003", "63.71.01", "hoaks", "rendah",
               datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # after the period
    session.flush()
    return officer


def export_to(session, fmt, lang="id"):
    out = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    count = export.write_reports(rawan_store.iter_export(session, "63.71", START, END), fmt, out,
                                 lang=lang, tz="Asia/Makassar")
    return count, out


def test_csv_reads_back_row_by_row_with_local_times_and_readable_names(session, reports):
    count, out = export_to(session, "csv")
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert count == 2 and len(rows) == 3
    assert rows[0][:4] == ["Nomor", "Waktu kejadian (WITA)", "Waktu lapor (WITA)", "Kategori"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first == {
        "Nomor": "KJD-6371-2026-000001", "Waktu kejadian (WITA)": "2026-11-20T09:30+08:00",
        "Waktu lapor (WITA)": "2026-11-20T09:30+08:00", "Kategori": "Unjuk rasa / demonstrasi",
        "Kode kecamatan": "63.71.04", "Kecamatan": "Banjarmasin Utara", "Kabupaten/kota": "Kota Banjarmasin",
        "Tempat": "Pasar Lama", "Tingkat": "tinggi", "Status": "baru", "Pelapor": "Budi Santoso",
        "Uraian": 'Mahasiswa "menolak", hasil pleno;\nbaris kedua', "Pihak terlibat": "Warga",
        "Perkiraan massa": "200", "Tindakan": "Dipantau", "Lintang": "-3.2926", "Bujur": "114.6018",
        "Lampiran": "0", "Kanal": "console",
    }
    assert rows[2][0] == "KJD-6371-2026-000002" and rows[2][15:17] == ["", ""]


def test_xlsx_has_a_bold_header_typed_local_dates_and_frozen_panes(session, reports):
    count, out = export_to(session, "xlsx", lang="en")
    out.seek(0)
    sheet = openpyxl.load_workbook(out).active
    assert count == 2 and sheet.max_row == 3 and sheet.title == "Incident reports"
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Number", "Occurred (WITA)", "Reported (WITA)"] and sheet["A1"].font.b
    row = [c.value for c in sheet[2]]
    assert row[0] == "KJD-6371-2026-000001" and row[1] == datetime(2026, 11, 20, 9, 30)
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm" and sheet["B2"].is_date
    assert row[13] == 200 and row[15:17] == [-3.2926, 114.6018]
    assert [c.value for c in sheet[3]][0] == "KJD-6371-2026-000002"


def test_geojson_has_points_for_located_reports_and_null_geometry_otherwise(session, reports):
    count, out = export_to(session, "geojson")
    collection = json.loads(out.getvalue())
    first, second = collection["features"]
    assert collection["type"] == "FeatureCollection" and count == 2
    assert first["geometry"] == {"type": "Point", "coordinates": [114.6018, -3.2926]}
    assert first["properties"]["number"] == "KJD-6371-2026-000001"
    assert first["properties"]["occurred_at"] == "2026-11-20T09:30+08:00"
    assert second["geometry"] is None and second["properties"]["kecamatan"] == "Banjarmasin Selatan"


def test_an_empty_period_exports_just_the_header(session, reports):
    out = io.StringIO()
    rows = rawan_store.iter_export(session, "63.71", END + timedelta(days=40), END + timedelta(days=41))
    assert export.write_reports(rows, "geojson", out, lang="id", tz="Asia/Makassar") == 0
    assert json.loads(out.getvalue()) == {"type": "FeatureCollection", "features": []}


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


def peak_export_memory(session, total, tmp_path):
    path = tmp_path / f"export-{total}.csv"
    tracemalloc.start()
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            count = export.write_reports(
                rawan_store.iter_export(session, "63.71", START, START + timedelta(seconds=20 * total)),
                "csv", out, lang="id", tz="Asia/Makassar")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == total
    return peak, path


def test_100000_reports_export_with_flat_memory(session, tmp_path):
    officer = add_officer(session, "officer-1")
    seed_many(session, officer, 100_000)
    session.flush()
    session.expunge_all()
    small, _ = peak_export_memory(session, 10_000, tmp_path)
    large, path = peak_export_memory(session, 100_000, tmp_path)
    with path.open(encoding="utf-8") as f:
        assert sum(1 for _ in csv.reader(f)) == 100_001
    # Ten times the rows, about the same memory: rows are streamed, never held.
    print(f"peak traced memory: 10,000 rows {small / 1e6:.1f} MB, 100,000 rows {large / 1e6:.1f} MB")
    assert large < 1.5 * small + 1_000_000
    assert large < 20_000_000
