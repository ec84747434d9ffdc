"""Smoke runs of the benchmarks with tiny sizes, so the scripts cannot rot (figures are not checked)."""

from __future__ import annotations

import os

import pytest

from bench import engine, memory

# The benches make their own databases; follow the suite's choice of backend.
DATABASE = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(autouse=True)
def _postgres_url(monkeypatch):
    if DATABASE == "postgresql":
        monkeypatch.setattr("bench.common.POSTGRES_URL", os.environ["TEST_DATABASE_URL"])


def test_the_engine_bench_files_reports_and_prints_its_ratio_lines(capsys):
    engine.main(["--database", DATABASE, "--officers", "2,3", "--stored-reports", "0,50", "--workers", "2"])
    out = capsys.readouterr().out
    assert out.count(f"ratio {DATABASE} stored=") == 4
    assert "statements/turn=" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY engine:")


def test_the_memory_bench_keeps_drafts_in_the_database_and_prints_its_ratio_line(capsys):
    memory.main(["--database", DATABASE, "--drafts", "3,6", "--workers", "2"])
    out = capsys.readouterr().out
    assert "drafts=6      in db=6" in out
    assert f"ratio {DATABASE}: rss with 6 drafts / baseline" in out
    assert out.strip().splitlines()[-1].startswith("SUMMARY memory:")
