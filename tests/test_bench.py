"""Smoke runs of the benchmarks with tiny sizes, so the scripts cannot rot (figures are not checked)."""

from __future__ import annotations

import os
import re

import pytest

from bench import claim, digest, engine, export, fanout, memory, telegram, whatsapp

# The benches make their own databases; follow the suite's choice of backend.
DATABASE = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(autouse=True)
def _postgres_url(monkeypatch):
    if DATABASE == "postgresql":
        monkeypatch.setattr("bench.common.POSTGRES_URL", os.environ["TEST_DATABASE_URL"])


def test_the_engine_bench_files_reports_and_prints_its_ratio_lines(capsys):
    engine.main(["--database", DATABASE, "--officers", "2,3", "--stored-reports", "0,50", "--workers", "2",
                 "--group-commit", "1,4"])
    out = capsys.readouterr().out
    assert out.count(f"ratio {DATABASE} stored=") == 4
    assert out.count(f"{DATABASE} officers=3 group commit=4") == 2
    assert "statements/turn=" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY engine:")


def test_the_engine_bench_times_ordinary_turns_against_the_cpu_target(capsys):
    engine.main(["--database", DATABASE, "--officers", "2", "--stored-reports", "0", "--ordinary"])
    out = capsys.readouterr().out
    assert f"{DATABASE} ordinary turns, one at a time: 16 turns" in out
    assert f"target {DATABASE} ordinary cpu/turn <= " in out


def test_the_memory_bench_keeps_drafts_in_the_database_and_prints_its_ratio_line(capsys):
    memory.main(["--database", DATABASE, "--drafts", "3,6", "--workers", "2", "--reports", "20,40"])
    out = capsys.readouterr().out
    assert "drafts=6      in db=6" in out
    assert f"ratio {DATABASE}: rss with 6 drafts / baseline" in out
    assert out.count(f"{DATABASE:<10} reports list --format") == 4
    assert f"ratio {DATABASE}: listing growth 40 / 20 reports" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY memory:")


def test_the_export_bench_writes_every_format_and_prints_its_ratios(capsys):
    export.main(["--database", DATABASE, "--reports", "30"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.split()[:2] and line.split()[1:2] == ["30"]]
    assert [line.split()[0] for line in lines] == ["csv", "xlsx", "geojson", "list-csv", "list-json"]
    assert out.strip().splitlines()[-1].startswith("SUMMARY export:")


def test_the_telegram_bench_files_every_report_through_the_channel_and_prints_its_summary(capsys, database_factory):
    url = database_factory() if DATABASE == "postgresql" else None
    assert telegram.main(["--chats", "2", "--reports", "1", *(["--database-url", url] if url else [])]) == 0
    out = capsys.readouterr().out
    assert "reports saved: 2/2" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY siaga=")


def test_the_whatsapp_bench_delivers_every_reply_and_reports_the_backlog(capsys):
    postgres = ["--postgres-url", os.environ["TEST_DATABASE_URL"]] if DATABASE == "postgresql" else []
    whatsapp.main(["--database", DATABASE, *postgres, "--concurrency", "1,2", "--seconds", "0.5",
                   "--drain-seconds", "30"])
    out = capsys.readouterr().out
    levels = [line.split() for line in out.splitlines() if line.lstrip()[:1].isdigit()]
    assert [row[0] for row in levels] == ["1", "2"]
    # Columns: conc, baseline (3), |, webhook req/s p50 p99 errors, |, delivered deliv/s drain left, |, ratios.
    assert all(row[8] == "0" and int(row[10]) > 0 and row[13] == "0" for row in levels)
    final = out.strip().splitlines()[-1]
    assert final.startswith(f"SUMMARY whatsapp-webhook {DATABASE}:")
    assert "backlog pending=0 sending=0 sent=0 delivered=" in final and "failed=0" in final


@pytest.mark.skipif(DATABASE != "postgresql", reason="several workers share one database only on PostgreSQL")
def test_the_telegram_webhook_bench_drives_one_then_two_workers_and_prints_the_ratio(capsys, database_factory):
    assert telegram.main(["--webhook", "--workers", "1,2", "--chats", "2", "--reports", "1",
                          "--database-url", database_factory()]) == 0
    out = capsys.readouterr().out
    assert out.count("reports saved 2/2") == 2
    assert "workers=1:" in out and "workers=2:" in out and "cpu ms/update: siaga" in out
    assert "ratio workers=2/workers=1: throughput" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY telegram-webhook workers: 1w=")


@pytest.mark.skipif(DATABASE != "postgresql", reason="several workers share one database only on PostgreSQL")
def test_the_whatsapp_bench_drives_one_then_two_workers_and_delivers_every_reply(capsys):
    whatsapp.main(["--database", "postgresql", "--postgres-url", os.environ["TEST_DATABASE_URL"], "--workers", "1,2",
                   "--concurrency", "1", "--seconds", "0.5", "--drain-seconds", "30"])
    out = capsys.readouterr().out
    assert "# workers=1 " in out and "# workers=2 " in out
    levels = [line.split() for line in out.splitlines() if line.lstrip()[:1].isdigit()]
    assert len(levels) == 2 and all(row[8] == "0" and int(row[10]) > 0 and row[13] == "0" for row in levels)
    assert "ratio workers=2/workers=1 conc=1: req/s" in out
    final = out.strip().splitlines()[-1]
    assert "with 2 worker(s)" in final or "with 1 worker(s)" in final
    assert "backlog pending=0 sending=0 sent=0 delivered=" in final and "failed=0" in final


def test_the_digest_bench_times_every_office_of_the_province_and_prints_its_summary(capsys):
    assert digest.main(["--database", DATABASE, "--reports", "100,200", "--offices", "2"]) == 0
    out = capsys.readouterr().out
    # Kalimantan Timur's province office and its first kabupaten, at each size.
    for size in (100, 200):
        assert f"loaded {size} reports" in out
        assert [line.split()[2] for line in out.splitlines() if f"reports={size:<8} office=" in line] == [
            "office=64", "office=64.01"]
    assert "province digest says" in out and "peta rawan scores 105 kecamatan" in out
    assert f"ratio {DATABASE} 200/100 reports:" in out
    assert "plan 1: SELECT" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY digest:")


def test_the_fanout_bench_delivers_every_message_across_a_sigkill_and_prints_its_summary(capsys):
    assert fanout.main(["--database", DATABASE, "--messages", "40", "--channel", "both", "--mps", "40",
                        "--baseline-seconds", "0.5"]) == 0
    out = capsys.readouterr().out
    runs = [line for line in out.splitlines() if line.startswith("siaga")]
    assert len(runs) == 4  # two channels, without and with the SIGKILL
    assert all("duplicates siaga did not count 0" in line for line in runs if "SIGKILL" in line), out
    assert all(re.search(r"losses 0(;|$)", line) and "still open" not in line for line in runs), out
    assert out.count("ratio ") == 2
    final = out.strip().splitlines()[-1]
    assert final.startswith(f"SUMMARY fanout {DATABASE}:") and "delivered 160/160; losses 0;" in final


def test_the_claim_bench_claims_every_message_both_ways_on_stale_and_fresh_statistics(capsys):
    assert claim.main(["--database", DATABASE, "--messages", "120", "--batch", "50"]) == 0
    out = capsys.readouterr().out
    for stats in ("stale   ", "analyzed"):
        assert f"{DATABASE} {stats} anti-join claim of 120 messages" in out
        assert f"{DATABASE} {stats} first     claim of 120 messages" in out
        assert f"ratio {DATABASE} {stats.strip()} anti-join/first wall:" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY claim: ")
