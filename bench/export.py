"""Exports at scale: one kabupaten/kota's reports to CSV, XLSX and GeoJSON, and `reports list`, against the bare libraries.

One office (Kota Banjarmasin, 63.71) with N reports over 30 days (bench.common.seed_reports); one report in a
hundred has a place that begins with "=" and a second line in its description, so that the neutralising and
wrapping paths run. For each format, in the same run and on the same rows:

- query: iterating the query alone (storage.rawan.iter_export; for `list`, storage.incidents.iter_reports);
- siaga: the whole export into a file, query included, as `siaga export` (`siaga reports list`) does;
- bare: the rows, fetched and made plain beforehand (not timed), written by the bare library: csv.writer,
  openpyxl's write-only mode with plain values, json.dumps per feature.

Wall and CPU time of each, the ratios siaga / bare and (siaga - query) / bare, and the load average when the
line was printed: on a shared machine the wall times move with the load, the CPU times much less.

    python -m bench.export --database both --reports 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bench.common import databases, parse_list, prepare, seed_reports, throwaway_database
from bot import export
from storage import incidents
from storage import rawan as rawan_store
from storage.db import make_sessions
from storage.models import IncidentReport

OFFICE = "63.71"
TZ = "Asia/Makassar"
NOW = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
DAYS = 30
# Targets of issue 21 at 100,000 reports, wall seconds.
TARGETS = {"csv": 5.0, "geojson": 5.0, "xlsx": 20.0}
FORMATS = ("csv", "xlsx", "geojson", "list-csv", "list-json")


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Return the wall and CPU seconds of `fn` (CPU: this process, the part the load hardly moves)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _plain(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None)
    return getattr(value, "value", value)


def bare_csv(rows: list[list[Any]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def bare_xlsx(rows: list[list[Any]], out: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    for row in rows:
        sheet.append(row)
    book.save(out)


def bare_geojson(rows: list[list[Any]], out: Path, columns: tuple[str, ...]) -> None:
    latitude, longitude = columns.index("latitude"), columns.index("longitude")
    with out.open("w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "features": [\n')
        for i, row in enumerate(rows):
            point = {"type": "Point", "coordinates": [row[longitude], row[latitude]]} if row[latitude] else None
            feature = {"type": "Feature", "geometry": point, "properties": dict(zip(columns, row, strict=True))}
            f.write(("" if i == 0 else ",\n") + json.dumps(feature, ensure_ascii=False, default=str))
        f.write("\n]}\n")


def bare_json(rows: list[list[Any]], out: Path, columns: tuple[str, ...]) -> None:
    with out.open("w", encoding="utf-8") as f:
        f.write("[")
        for i, row in enumerate(rows):
            f.write(("\n" if i == 0 else ",\n") + json.dumps(dict(zip(columns, row, strict=True)),
                                                            ensure_ascii=False, default=str))
        f.write("\n]\n")


def bench_database(kind: str, total: int, formats: list[str]) -> list[dict[str, Any]]:
    results = []
    with throwaway_database(kind, "export") as url, tempfile.TemporaryDirectory(prefix="siaga_export_") as folder:
        out = Path(folder)
        started = time.perf_counter()
        engine = prepare(url)
        seed_reports(engine, total, NOW, region=OFFICE, days=DAYS)
        with engine.begin() as conn:
            conn.execute(update(IncidentReport).where(IncidentReport.id % 100 == 0).values(
                place="=1+1", description=IncidentReport.description + "\nbaris kedua"))
        sessions = make_sessions(engine)
        print(f"# {kind}: {total} reports of {OFFICE} ready in {time.perf_counter() - started:.1f}s; {load()}")
        start, end = NOW - timedelta(days=DAYS + 2), NOW

        def export_rows() -> Iterator[tuple[Any, ...]]:
            with sessions.begin() as session:
                yield from rawan_store.iter_export(session, OFFICE, start, end)

        def list_rows() -> Iterator[tuple[Any, ...]]:
            with sessions.begin() as session:
                yield from incidents.iter_reports(session, region_code=OFFICE)

        zone = ZoneInfo(TZ)
        plain_export = [[_plain(v, zone) for v in row] for row in export_rows()]
        plain_list = [[_plain(v, zone) for v in row] for row in list_rows()]
        if len(plain_export) != total or len(plain_list) != total:
            raise SystemExit(f"expected {total} rows, the queries gave {len(plain_export)} and {len(plain_list)}")

        def siaga_export(fmt: str) -> Callable[[], object]:
            def run() -> None:
                path = out / f"siaga.{fmt}"
                with path.open("wb") if fmt == "xlsx" else path.open("w", encoding="utf-8", newline="") as f:
                    assert export.write_reports(export_rows(), fmt, f, lang="id", tz=TZ) == total
            return run

        def siaga_list(fmt: str) -> Callable[[], object]:
            def run() -> None:
                with (out / f"list.{fmt}").open("w", encoding="utf-8", newline="") as f:
                    assert export.write_report_list(export.report_list_rows(list_rows()), fmt, f) == total
            return run

        plans: dict[str, tuple[Callable[[], object], Callable[[], object], Callable[[], object]]] = {
            "csv": (lambda: sum(1 for _ in export_rows()), siaga_export("csv"),
                    lambda: bare_csv(plain_export, out / "bare.csv")),
            "xlsx": (lambda: sum(1 for _ in export_rows()), siaga_export("xlsx"),
                     lambda: bare_xlsx(plain_export, out / "bare.xlsx")),
            "geojson": (lambda: sum(1 for _ in export_rows()), siaga_export("geojson"),
                        lambda: bare_geojson(plain_export, out / "bare.geojson", rawan_store.EXPORT_COLUMNS)),
            "list-csv": (lambda: sum(1 for _ in list_rows()), siaga_list("csv"),
                         lambda: bare_csv(plain_list, out / "bare-list.csv")),
            "list-json": (lambda: sum(1 for _ in list_rows()), siaga_list("json"),
                          lambda: bare_json(plain_list, out / "bare-list.json", incidents.LIST_COLUMNS)),
        }
        print(f"{'format':<10} {'rows':>7} | {'query':>13} | {'siaga':>13} | {'bare':>13} | {'siaga/bare':>10} "
              f"{'(siaga-query)/bare':>18} | target")
        for fmt in formats:
            query, siaga, bare = (timed(step) for step in plans[fmt])
            target = TARGETS.get(fmt)
            met = "-" if target is None else (f"<= {target:g}s met" if siaga[0] <= target else
                                               f"<= {target:g}s MISSED")
            print(f"{fmt:<10} {total:>7} | {query[0]:5.2f}s cpu {query[1]:5.2f} | {siaga[0]:5.2f}s cpu {siaga[1]:5.2f} | "
                  f"{bare[0]:5.2f}s cpu {bare[1]:5.2f} | {siaga[0] / bare[0]:9.2f}x {(siaga[0] - query[0]) / bare[0]:17.2f}x "
                  f"| {met}; {load()}")
            results.append(dict(kind=kind, fmt=fmt, query=query, siaga=siaga, bare=bare, met=met))
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
        print(f"# {kind} file sizes: " + ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sorted(sizes.items())))
        engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--reports", default="100000", help="how many reports (one size)")
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"comma-separated, of {', '.join(FORMATS)}")
    args = parser.parse_args(argv)
    (total,) = parse_list(args.reports)
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats {', '.join(sorted(unknown))}")
    print(f"# bench.export: python {sys.version.split()[0]}, {total} reports, {load()}; "
          f"targets {', '.join(f'{f} <= {s:g}s' for f, s in TARGETS.items())}")
    results = [r for kind in databases(args.database) for r in bench_database(kind, total, formats)]
    print("SUMMARY export: " + "; ".join(
        f"{r['kind']} {r['fmt']} {r['siaga'][0]:.2f}s = {r['siaga'][0] / r['bare'][0]:.2f}x bare ({r['met']})"
        for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
