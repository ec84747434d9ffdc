"""The `siaga` command as a user runs it: a child process, a fresh database, stdin as a pipe."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

import pytest

from tests.support.siaga import Siaga

# Commands on the real clock: .ci/run also runs these with the process clock moved (faketime).
pytestmark = pytest.mark.wallclock

REPORT = [
    "/lapor", "Unjuk rasa", "Banjarmasin Utara", "Kel. Sungai Jingah", "sekarang",
    "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", "Aliansi Mahasiswa", "200", "tinggi",
    "Koordinasi dengan Polresta", "!lokasi -3.30,114.59", "!foto bukti.jpg", "kirim",
]


@pytest.fixture
def siaga(database_factory, tmp_path):
    command = Siaga(database_factory(), tmp_path)

    def run(*args: str, stdin: str = "", check: bool = True, clock: str | None = None,
            child: bool = False):  # type: ignore[no-untyped-def]
        """Run `siaga *args`; `clock` starts the command's clock at that instant instead."""
        return command(*args, stdin=stdin, code=0 if check else None, clock=clock, child=child)

    run("init")
    run.command = command  # type: ignore[attr-defined]
    return run


def wita_year(siaga) -> int:  # type: ignore[no-untyped-def]
    """The year the commands number an office's reports with now (the office's local year)."""
    return siaga.command.now().astimezone(ZoneInfo("Asia/Makassar")).year


def test_init_twice_changes_nothing_the_second_time(siaga):
    again = siaga("init").stdout
    assert "schema: already at revision" in again
    assert "regions: 0 added, 0 updated, 687 unchanged" in again
    assert "incident categories: 0 added, 9 unchanged" in again


def test_an_invited_officer_files_a_report_from_a_piped_console(siaga, tmp_path):
    (tmp_path / "bukti.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    siaga("office", "add", "--region", "63.71")
    code = siaga("invite", "create", "--office", "63.71", "--role", "officer").stdout.strip()
    assert len(code) == 8
    # The real executable with stdin as a pipe, as an operator scripts it.
    chat = siaga("console", "--as", "0812-demo", stdin="\n".join([f"daftar {code}", "Budi Santoso", *REPORT]) + "\n",
                 child=True)
    assert "Selamat datang di Siaga" in chat.stdout
    number = f"KJD-6371-{wita_year(siaga)}-000001"
    assert f"Laporan {number} tersimpan. Terima kasih." in chat.stdout

    rows = list(csv.DictReader(io.StringIO(siaga("reports", "list", "--format", "csv").stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert (row["number"], row["kecamatan_code"], row["severity"], row["attachments"]) == (
        number, "63.71.04", "tinggi", "1")
    assert row["occurred_at"].endswith("+08:00")
    stored = list((tmp_path / "attachments").rglob("*.jpg"))
    assert len(stored) == 1 and stored[0].read_bytes().startswith(b"\xff\xd8")

    as_json = json.loads(siaga("reports", "list", "--format", "json", "--office", "63").stdout)
    assert [r["number"] for r in as_json] == [number]
    assert number in siaga("reports", "list").stdout
    officers = siaga("officer", "list", "--office", "63.71").stdout
    assert "Budi Santoso\tofficer\t63.71" in officers and "0812" not in officers
    trail = siaga("audit", "list").stdout
    for action in ("office.created", "invite.created", "officer.joined", "reports.exported"):
        assert f"\t{action}\t" in trail
    assert "0812" not in trail and "Budi" not in trail
    assert siaga("audit", "list", "--action", "officer.joined").stdout.count("\n") == 2  # the header and one


def test_a_restart_mid_conversation_resumes_at_the_same_step(siaga, tmp_path):
    (tmp_path / "bukti.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    siaga("office", "add", "--region", "63.71")
    code = siaga("invite", "create", "--office", "63.71", "--role", "officer", "--name", "Budi").stdout.strip()
    first = siaga("console", "--as", "budi", stdin="\n".join([f"daftar {code}", *REPORT[:5]]) + "\n")
    assert first.stdout.rstrip().endswith("Apa yang terjadi? Ceritakan singkat.")
    second = siaga("console", "--as", "budi", stdin="\n".join(REPORT[5:]) + "\n")
    assert second.stdout.startswith("Siapa pihak atau kelompok yang terlibat?")
    assert f"Laporan KJD-6371-{wita_year(siaga)}-000001 tersimpan." in second.stdout


def test_reports_filed_either_side_of_new_year_wita_are_numbered_in_their_own_year(siaga):
    # 00:00 WITA is 16:00 UTC on 31 December: the office's year turns while UTC's has not.
    before, after = "2026-12-31T23:59:00+08:00", "2027-01-01T00:00:30+08:00"
    siaga("office", "add", "--region", "63.71", clock=before)
    code = siaga("invite", "create", "--office", "63.71", "--role", "officer", "--name", "Budi",
                 clock=before).stdout.strip()
    report = [*REPORT[:-3], "lewati", "lewati", "kirim"]
    old = siaga("console", "--as", "budi", stdin="\n".join([f"daftar {code}", *report]) + "\n", clock=before)
    assert "Laporan KJD-6371-2026-000001 tersimpan." in old.stdout
    new = siaga("console", "--as", "budi", stdin="\n".join(report) + "\n", clock=after)
    assert "Laporan KJD-6371-2027-000001 tersimpan." in new.stdout
    again = siaga("console", "--as", "budi", stdin="\n".join(report) + "\n", clock=after)
    assert "Laporan KJD-6371-2027-000002 tersimpan." in again.stdout

    rows = json.loads(siaga("reports", "list", "--format", "json", clock=after).stdout)
    # To the minute: the child's clock runs on from its start while the chat goes on.
    assert sorted((r["number"], r["occurred_at"][:16], r["occurred_at"][19:]) for r in rows) == [
        ("KJD-6371-2026-000001", "2026-12-31T23:59", "+08:00"),
        ("KJD-6371-2027-000001", "2027-01-01T00:00", "+08:00"),
        ("KJD-6371-2027-000002", "2027-01-01T00:00", "+08:00"),
    ]


def test_an_unknown_console_sender_cannot_file_anything(siaga):
    siaga("office", "add", "--region", "63.71")
    chat = siaga("console", "--as", "stranger", stdin="\n".join(REPORT) + "\n")
    assert "Laporan" not in chat.stdout and "belum terdaftar" in chat.stdout
    assert siaga("reports", "list", "--format", "json").stdout.strip() == "[]"


def test_admin_commands_refuse_bad_input_clearly(siaga, tmp_path):
    assert "not a known province" in siaga("office", "add", "--region", "99.99", check=False).stderr
    siaga("office", "add", "--region", "61", "--name", "Kesbangpol Provinsi Kalimantan Barat")
    assert "already has an office" in siaga("office", "add", "--region", "61", check=False).stderr
    assert "Asia/Pontianak" in siaga("office", "list").stdout
    bad = siaga("invite", "create", "--office", "61", "--role", "officer", "--kecamatan", "63.71.01", check=False)
    assert bad.returncode == 2 and "not a kecamatan within 61" in bad.stderr
    assert "No office for region 63" in siaga("invite", "create", "--office", "63", "--role", "head",
                                              check=False).stderr
    regions = tmp_path / "bali.csv"
    regions.write_text("code,name,level,parent_code,province_code\n51,Bali,province,,51\n", encoding="utf-8")
    assert "regions: 1 added" in siaga("regions", "import", str(regions)).stdout


def test_commands_on_an_uninitialised_database_say_what_to_do(tmp_path):
    result = Siaga(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path).child("office", "list", code=2)
    assert "run `siaga init` first" in result.stderr


def test_run_without_any_channel_says_what_is_missing(siaga):
    result = siaga("run", check=False)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_a_bad_setting_is_named_in_one_line_with_where_to_fix_it(siaga):
    result = siaga("office", "list", check=False, clock="2027-01-02T10:00:00")  # no UTC offset
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "siaga: invalid setting SIAGA_CLOCK_START: Input should have timezone info "
        "(in the environment or .env; see .env.example)"]
