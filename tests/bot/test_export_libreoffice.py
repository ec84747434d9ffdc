"""Exports as LibreOffice Calc reads them (headless): the officers' text exactly, never run, and the printed pages.

.ci/run installs LibreOffice (Debian's libreoffice-calc-nogui); elsewhere these tests skip when it is missing.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from bot import export
from storage import rawan as rawan_store
from tests.bot.test_export import END, START, TEXT_FIELDS, TZ, stored
from tests.conftest import add_officer
from tests.support.reports import add_report

SOFFICE = shutil.which("soffice")
if SOFFICE is None and not os.environ.get("CI"):
    pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it", allow_module_level=True)

# LibreOffice's CSV filter: comma, double quote, UTF-8 (76), from line 1. Read this way it evaluates formulas
# (a control file below shows it), as Excel always does: the worst case for an officer's "=".
CSV_IN = "CSV:44,34,76,1"
CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76,1"
# The chat turns a carriage return into a line break before anything is stored; so do these texts.
TEXTS = {"place": "=1+1", "reporter": "@here",
         "description": "+62 812 3456 7890\nbaris kedua: \"kutip\", titik-koma; ±, …, 😀",
         "actors": "-", "action_taken": "@here\n=SUM(A1:A2)\n\tTab", "crowd_size_text": "#N/A"}


def convert(tmp_path: Path, target: str, *files: Path, infilter: str | None = None) -> Path:
    """Convert files with LibreOffice headless into tmp_path/out; a profile of its own, so runs never share one."""
    out = tmp_path / "out"
    command = [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
               *([f"--infilter={infilter}"] if infilter else []), "--convert-to", target, "--outdir", str(out),
               *map(str, files)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    return out


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def exported(session, tmp_path):
    officer = add_officer(session, "officer-1", name=TEXTS["reporter"])
    add_report(session, officer, "KJD-6371-2026-000001", "63.71.04", "unjuk_rasa", "tinggi",
               datetime(2026, 11, 20, 1, 30, tzinfo=UTC), crowd_size=250, latitude=-3.2926, longitude=114.6018,
               **{k: v for k, v in TEXTS.items() if k != "reporter"})
    add_report(session, officer, "KJD-6371-2026-000002", "63.71.01", "hoaks", "rendah",
               datetime(2026, 11, 21, 15, 0, tzinfo=UTC))
    session.flush()
    paths = {}
    for fmt in ("csv", "xlsx"):
        paths[fmt] = tmp_path / f"laporan.{fmt}"
        with paths[fmt].open("wb") if fmt == "xlsx" else paths[fmt].open("w", encoding="utf-8", newline="") as out:
            export.write_reports(rawan_store.iter_export(session, "63.71", START, END), fmt, out, lang="id", tz=TZ)
    return paths


def test_libreoffice_shows_csv_text_with_the_quote_and_runs_nothing(session, exported, tmp_path):
    control = tmp_path / "control.csv"
    control.write_text("\ufeffa,b\r\n=1+1,=SUM(1;2)\r\n", encoding="utf-8", newline="")
    out = convert(tmp_path, CSV_OUT, exported["csv"], control, infilter=CSV_IN)
    assert read_csv(out / "control.csv")[1] == ["2", "3"]  # an un-neutralised "=" runs

    header, *rows = read_csv(out / "laporan.csv")
    assert header == export.headers(export.CSV_COLUMNS, "id", TZ)  # the BOM read as UTF-8's mark, not "ï»¿"
    got = [dict(zip(export.CSV_COLUMNS, row, strict=True)) for row in rows]
    assert [row["place"] for row in got] == ["'=1+1", "Pasar Lama"]
    assert (got[0]["reporter"], got[0]["actors"], got[0]["crowd_size_text"]) == ("'@here", "'-", "#N/A")
    for row, want in zip(got, stored(session), strict=True):
        # The reader sees the officer's text with one ' in front when it begins with = + - @ or a tab.
        assert {c: row[c] for c in TEXT_FIELDS} == {c: export.neutralise(want[c] or "") for c in TEXT_FIELDS}
        assert row["occurred_at_iso"] == want["occurred_at"].isoformat()
        # The wall-clock column is read as a date and time.
        assert row["occurred_at"] == f"{want['occurred_at']:%Y-%m-%d %H:%M:%S}"
    assert (got[0]["crowd_size"], got[0]["latitude"], got[0]["longitude"]) == ("250", "-3.2926", "114.6018")


def test_libreoffice_shows_xlsx_text_exactly_and_dates_as_dates(session, exported, tmp_path):
    out = convert(tmp_path, CSV_OUT, exported["xlsx"])
    header, *rows = read_csv(out / "laporan.csv")
    assert header == export.headers(export.FIELDS, "id", TZ)
    got = [dict(zip(export.FIELDS, row, strict=True)) for row in rows]
    for row, want in zip(got, stored(session), strict=True):
        assert {c: row[c] for c in TEXT_FIELDS} == {c: want[c] or "" for c in TEXT_FIELDS}
        # Shown in the cell's date format: a typed date, not text.
        assert row["occurred_at"] == f"{want['occurred_at']:%Y-%m-%d %H:%M}"
    assert (got[0]["crowd_size"], got[0]["latitude"], got[0]["attachments"]) == ("250", "-3.2926", "0")


def test_a_long_xlsx_prints_landscape_a4_with_the_header_on_every_page(session, tmp_path):
    officer = add_officer(session, "officer-1")
    for i in range(120):
        add_report(session, officer, f"KJD-6371-2026-{i + 1:06d}", "63.71.0%d" % (1 + i % 5), "hoaks", "sedang",
                   START + timedelta(hours=i), description="Warga berkumpul menuntut kejelasan bantuan. " * (1 + i % 4))
    session.flush()
    path = tmp_path / "laporan.xlsx"
    with path.open("wb") as out:
        export.write_reports(rawan_store.iter_export(session, "63.71", START, END), "xlsx", out, lang="id", tz=TZ)
    pdf = pdfium.PdfDocument(convert(tmp_path, "pdf", path) / "laporan.pdf")
    pages = len(pdf)
    assert pages >= 2
    numbers = []
    for i in range(pages):
        page = pdf[i]
        assert [round(x) for x in page.get_size()] == [842, 595]  # A4, landscape
        text = " ".join(page.get_textpage().get_text_range().split())
        assert "Nomor" in text and "Waktu kejadian" in text and "Uraian" in text, f"page {i + 1} has no header"
        assert f"Halaman {i + 1} dari {pages}" in text
        numbers += [n for n in text.split() if n.startswith("KJD-6371-2026-")]
    # Fit to the width: every column on the page, every report printed once.
    assert "Kanal" in " ".join(pdf[0].get_textpage().get_text_range().split())
    assert sorted(numbers) == [f"KJD-6371-2026-{i + 1:06d}" for i in range(120)]
