"""`siaga reports list`, `export`, `outbox list` and `audit list` in-process: streamed listings, one time form (the
office's zone with its offset), one form of each audit subject."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from bot import cli
from bot.app import initialise
from storage import audit, incidents, outbox, people
from storage.db import make_sessions
from storage.models import AuditLog
from tests.conftest import FROZEN_NOW, add_officer
from tests.support.reports import add_report


@pytest.fixture
def siaga(database_factory, tmp_path, monkeypatch, capsys):
    """Run `siaga ARGS` in-process on a fresh database at FROZEN_NOW; return (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SIAGA_ATTACHMENTS_DIR", "TELEGRAM_BOT_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL",
                 "SIAGA_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    url = database_factory()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SIAGA_LANGUAGE", "id")
    monkeypatch.setenv("SIAGA_CLOCK_START", FROZEN_NOW.isoformat())
    engine = initialise(url).engine

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    run.sessions = make_sessions(engine)
    yield run
    engine.dispose()


@pytest.fixture
def filed(siaga):
    with siaga.sessions.begin() as s:
        officer = add_officer(s, "officer-1", name="Budi")
        add_report(s, officer, "KJD-6371-2026-000001", "63.71.04", "unjuk_rasa", "tinggi",
                   datetime(2026, 11, 20, 1, 30, 15, tzinfo=UTC), place="=1+1", description="baris\nkedua")
        add_report(s, officer, "KJD-6371-2026-000002", "63.71.01", "hoaks", "rendah",
                   datetime(2026, 11, 21, 1, 30, tzinfo=UTC), actors="-")
        return officer.office_id


def audit_entries(siaga, action):
    with siaga.sessions.begin() as s:
        return [(e.subject, e.detail) for e in s.scalars(select(AuditLog).where(AuditLog.action == action)
                                                          .order_by(AuditLog.id))]


def test_reports_list_csv_is_for_scripts_with_the_quote_rule_and_json_is_exact(siaga, filed):
    status, out, _ = siaga("reports", "list", "--format", "csv")
    assert status == 0 and not out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["number"] for r in rows] == ["KJD-6371-2026-000002", "KJD-6371-2026-000001"]  # newest first
    assert rows[1]["occurred_at"] == "2026-11-20T09:30:15+08:00" and rows[1]["office"] == "63.71"
    assert (rows[1]["place"], rows[1]["description"], rows[0]["actors"]) == ("'=1+1", "baris\nkedua", "'-")
    status, out, _ = siaga("reports", "list", "--format", "json", "--office", "63.71", "--limit", "1")
    (first,) = json.loads(out)
    assert first["number"] == "KJD-6371-2026-000002" and first["actors"] == "-"
    assert first["created_at"] == "2026-11-21T09:30:00+08:00" and "tz" not in first
    status, out, _ = siaga("reports", "list")
    assert "KJD-6371-2026-000001  2026-11-20T09:30:15+08:00" in out


def test_reports_list_is_audited_with_the_scope_as_office_or_region(siaga, filed):
    siaga("reports", "list", "--format", "json", "--office", "63.71")
    siaga("reports", "list", "--office", "63")  # the province has no office of its own here
    siaga("reports", "list", "--format", "csv")
    siaga("export", "--office", "63.71", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv",
          "--out", "laporan.csv")
    entries = audit_entries(siaga, "reports.exported")
    assert [(subject, detail.get("count")) for subject, detail in entries] == [
        (f"office:{filed}", 2), ("region:63", 2), (None, 2), (f"office:{filed}", 2)]


def test_a_listing_cut_short_is_audited_with_what_left(siaga, filed, monkeypatch, tmp_path):
    """`siaga reports list --format json | head -c 200`: the reader leaves after the first report."""
    sink = (tmp_path / "sink").open("w")

    class Closing(io.StringIO):
        def write(self, text):
            if self.tell() > 200:
                raise BrokenPipeError
            return super().write(text)

        def fileno(self):
            return sink.fileno()

    monkeypatch.setattr(sys, "stdout", Closing())
    assert cli.main(["reports", "list", "--format", "json"]) == 141
    sink.close()
    assert [detail["count"] for _, detail in audit_entries(siaga, "reports.exported")] == [1]


def test_the_export_command_writes_csv_with_a_bom_and_xlsx_that_opens(siaga, filed, tmp_path):
    for fmt in ("csv", "xlsx"):
        status, _, err = siaga("export", "--office", "63.71", "--from", "2026-11-01", "--to", "2026-11-30",
                               "--format", fmt, "--out", f"laporan.{fmt}")
        assert status == 0 and "2 reports" in err
    assert (tmp_path / "laporan.csv").read_bytes().startswith(b"\xef\xbb\xbfNomor,")
    sheet = openpyxl.load_workbook(tmp_path / "laporan.xlsx").active
    assert sheet["A2"].value == "KJD-6371-2026-000001" and sheet["H2"].value == "=1+1"


def test_outbox_and_audit_list_times_in_the_offices_zone_with_its_offset(siaga):
    with siaga.sessions.begin() as s:
        office = people.add_office(s, "63.71", "Kesbangpol Kota Banjarmasin", "Asia/Makassar", FROZEN_NOW)
        outbox.add_message(s, "k1", "console", "officer-1", {"text": "halo"}, FROZEN_NOW)
        audit.add_audit(s, FROZEN_NOW, "office.created", subject=f"office:{office.id}")
    status, out, _ = siaga("outbox", "list")
    assert status == 0 and out.splitlines()[1].split()[1] == "2026-11-23T10:00:00+08:00"
    status, out, _ = siaga("audit", "list", "--action", "office.created")
    assert out.splitlines()[1].split("\t")[0] == "2026-11-23T10:00:00+08:00"
    with siaga.sessions.begin() as s:
        people.add_office(s, "61", "Kesbangpol Provinsi Kalimantan Barat", "Asia/Pontianak", FROZEN_NOW)
    status, out, _ = siaga("outbox", "list", "--office", "61")
    assert out.splitlines()[1].split()[1] == "2026-11-23T09:00:00+07:00"
    status, out, _ = siaga("outbox", "list")  # two zones: UTC, with its offset too
    assert out.splitlines()[1].split()[1] == "2026-11-23T02:00:00+00:00"


def test_a_separate_event_is_audited_by_report_id_like_every_report(siaga, filed):
    assert siaga("rawan-separate", "KJD-6371-2026-000001")[0] == 0
    with siaga.sessions.begin() as s:
        report_id = incidents.get_report_by_number(s, "KJD-6371-2026-000001").id
    assert audit_entries(siaga, "rawan.separate_event") == [(f"report:{report_id}", {"separate": True})]
