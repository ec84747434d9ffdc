"""Digest and map at scale: one province with 10k, 100k and 1M reports, every office's digest and peta rawan.

Kalimantan Timur (64): its province office and its ten kabupaten/kota offices, reports spread over 400 days
of history in its 105 kecamatan (bench.common.seed_reports: COPY on PostgreSQL, executemany on SQLite). For
each size, in its own database, and for every office of the province:

- digest: handlers.digest.gather (every SQL aggregate the digest tick runs) and render; the chart
  (chart_png + save_chart, as `Digest.draw_chart` does) is timed apart;
- rawan: handlers.rawan_data.gather over the default 30-day window (the index table); the PNG choropleth
  (rawan_map.draw_map) is timed apart;
- baseline: a bare `SELECT count(*)` of the office's reports, in the same run.

Memory is measured twice, both in this Python process (a PostgreSQL server's own memory is not counted):
the tracemalloc peak of each step (a second pass, as tracemalloc slows Python), and the growth of the
process's peak RSS (VmHWM, reset before the timed pass) over its RSS before it. On PostgreSQL the largest
size also prints EXPLAIN (ANALYZE, BUFFERS) of every distinct digest and rawan query (on SQLite, EXPLAIN
QUERY PLAN), and flags any plan that reads all of incident_reports.

    python -m bench.digest --database both --reports 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, func, select

from bench.common import (
    databases,
    parse_list,
    peak_rss_bytes,
    prepare,
    release_free_memory,
    reset_peak_rss,
    rss_bytes,
    seed_reports,
    throwaway_database,
)
from handlers import rawan_data, rawan_map
from handlers import digest as digest_handler
from storage.db import make_sessions
from storage.incidents import within
from storage.models import IncidentReport, Office

PROVINCE = "64"
HISTORY_DAYS = 400
# The digest tick's moment: 08:00 WITA, an hour after the default 07:00 digest time.
NOW = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
TARGET_SECONDS = 1.0
TARGET_EXTRA_MB = 50.0
STEPS = ("digest", "chart", "rawan", "map")


def mb(n: float) -> float:
    return n / 2**20


def digest_end(office: Office) -> datetime:
    """The end of an office's digest window: its digest time today, as run_digests uses."""
    tz = ZoneInfo(office.tz)
    return datetime.combine(NOW.astimezone(tz).date(), office.digest_time, tz).astimezone(UTC)


class Steps:
    """The four measured steps of one office, each a callable, sharing what the earlier ones found."""

    def __init__(self, sessions, office: Office, out: Path) -> None:
        self.sessions, self.office, self.out = sessions, office, out
        self.found: digest_handler.Digest | None = None
        self.data: rawan_data.RawanData | None = None

    def digest(self) -> None:
        with self.sessions.begin() as session:
            office = session.get(Office, self.office.id)
            self.found = digest_handler.gather(session, office, digest_end(office), with_chart=False)
        for lang in ("id", "en"):
            digest_handler.render(self.found, lang)

    def chart(self) -> None:
        assert self.found is not None
        self.found.chart_path = str(digest_handler.chart_file(self.found, self.out / "charts"))
        self.found.draw_chart()

    def rawan(self) -> None:
        with self.sessions.begin() as session:
            office = session.get(Office, self.office.id)
            self.data = rawan_data.gather(session, office, NOW - rawan_data.DEFAULT_WINDOW, NOW)

    def map(self) -> None:
        assert self.data is not None
        rawan_map.draw_map(self.data, "id", self.out / f"peta-{self.office.id}.png")

    def run(self, step: str) -> None:
        getattr(self, step)()


def count_baseline(sessions, office: Office) -> int:
    with sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(IncidentReport).where(within(office.region_code))) or 0


CPU: dict[str, float] = {}


def timed(fn: Callable[[], object], step: str = "") -> float:
    """Return the wall time of `fn`; add this thread's CPU time to CPU[step], the load-independent part."""
    started, cpu = time.perf_counter(), time.thread_time()
    fn()
    CPU[step] = max(CPU.get(step, 0.0), time.thread_time() - cpu)
    return time.perf_counter() - started


class Recorder:
    """Keep each distinct SELECT over incident_reports that an engine runs, with its first parameters."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: dict[str, object] = {}
        self.on = False
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on and statement.lstrip().upper().startswith(("SELECT", "WITH")) and "incident_reports" in statement:
            self.statements.setdefault(statement, parameters)


def explain(engine: Engine, recorder: Recorder) -> list[str]:
    """Print the plan of every recorded statement; return the ones that read all of incident_reports."""
    bad = []
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    raw = engine.raw_connection()
    try:
        for n, (statement, parameters) in enumerate(recorder.statements.items(), start=1):
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            rows = cursor.fetchall()
            cursor.close()
            plan = [r[0] for r in rows] if postgres else [r[3] for r in rows]
            print(f"plan {n}: {' '.join(statement.split())[:300]}")
            for line in plan:
                print(f"    {line}")
            text = "\n".join(plan)
            full = ("Seq Scan on incident_reports" in text if postgres
                    else any(line.strip() in ("SCAN incident_reports", "SCAN incident_reports_1") for line in plan))
            if full:
                bad.append(f"plan {n}")
                print(f"plan {n}: READS ALL OF incident_reports")
        raw.rollback()
    finally:
        raw.close()
    return bad


def bench_size(kind: str, size: int, out: Path, show_plans: bool, limit: int | None = None) -> dict:
    with throwaway_database(kind, tag="digest") as url:
        started = time.perf_counter()
        engine = prepare(url)
        prepared = time.perf_counter() - started
        started = time.perf_counter()
        seed_reports(engine, size, NOW, region=PROVINCE, days=HISTORY_DAYS)
        load = time.perf_counter() - started
        sessions = make_sessions(engine)
        with sessions.begin() as session:
            offices = list(session.scalars(
                select(Office).where((Office.region_code == PROVINCE) | Office.region_code.startswith(PROVINCE + "."))
                .order_by(Office.region_code)))[:limit]
            stored = session.scalar(select(func.count()).select_from(IncidentReport)) or 0
        if stored != size:
            raise SystemExit(f"expected {size} reports, found {stored}")
        print(f"# {kind} reports={size}: schema and offices in {prepared:.1f}s; loaded {size} reports in {load:.1f}s "
              f"({size / load:,.0f} rows/s); {len(offices)} offices; load average {loadavg()}")
        recorder = Recorder(engine)
        all_steps = [Steps(sessions, office, out) for office in offices]
        # Warm up: imports, fonts, boundaries, compiled statements, the database's caches.
        for step in STEPS:
            all_steps[0].run(step)
        for office in offices:
            count_baseline(sessions, office)
        release_free_memory()
        rss_before = rss_bytes()
        reset_peak_rss()
        CPU.clear()
        times: dict[str, list[float]] = {step: [] for step in ("count", *STEPS)}
        for steps in all_steps:
            times["count"].append(timed(lambda steps=steps: count_baseline(sessions, steps.office)))
            recorder.on = True
            for step in STEPS:
                times[step].append(timed(lambda steps=steps, step=step: steps.run(step), step))
            recorder.on = False
        rss_growth = peak_rss_bytes() - rss_before
        peaks: dict[str, float] = {step: 0.0 for step in STEPS}
        tracemalloc.start()
        for steps in all_steps:
            for step in STEPS:
                tracemalloc.reset_peak()
                base, _ = tracemalloc.get_traced_memory()
                steps.run(step)
                peaks[step] = max(peaks[step], mb(tracemalloc.get_traced_memory()[1] - base))
        tracemalloc.stop()
        assert all(s.found is not None and s.data is not None for s in all_steps)
        province = all_steps[0]
        print(f"# {kind} reports={size}: province digest says {province.found.total.count} reports in 24 h, "
              f"{province.found.stale_count} stale; peta rawan scores {len(province.data.scores)} kecamatan from "
              f"{province.data.reports} reports in 30 days")
        for steps, *row in zip(all_steps, *(times[s] for s in ("count", *STEPS)), strict=True):
            cells = " ".join(f"{name}={seconds * 1000:8.1f}ms" for name, seconds in zip(("count", *STEPS), row,
                                                                                      strict=True))
            print(f"{kind:<10} reports={size:<8} office={steps.office.region_code:<6} {cells}")
        worst = {step: max(values) for step, values in times.items()}
        print(f"{kind:<10} reports={size:<8} worst office: " + " ".join(
            f"{step}={seconds * 1000:.1f}ms" for step, seconds in worst.items())
            + " | tracemalloc peak: " + " ".join(f"{step}={peaks[step]:.1f}MB" for step in STEPS)
            + f" | peak RSS growth {mb(rss_growth):.1f}MB over {mb(rss_before):.1f}MB")
        print(f"{kind:<10} reports={size:<8} worst office, CPU time of this process (a PostgreSQL server's not "
              "included): " + " ".join(f"{step}={CPU[step] * 1000:.1f}ms" for step in STEPS))
        bad: list[str] = []
        if show_plans:
            bad = explain(engine, recorder)
        engine.dispose()
    return {"kind": kind, "size": size, "load": load, "worst": worst, "peaks": peaks, "rss_growth": mb(rss_growth),
            "offices": len(offices), "bad_plans": bad, "load_average": loadavg()}


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def judge(results: list[dict]) -> list[str]:
    """Print the ratio and target lines of one database's sizes; return what missed."""
    missed = []
    smallest, largest = results[0], results[-1]
    kind = smallest["kind"]
    for r in results[1:]:
        label = f"{kind} {r['size']}/{smallest['size']}"
        print(f"ratio {label} reports: " + " ".join(
            f"{step} x{r['worst'][step] / smallest['worst'][step]:.2f}" for step in ("count", *STEPS))
            + f"; digest/count x{r['worst']['digest'] / r['worst']['count']:.1f} (at {smallest['size']}: "
            f"x{smallest['worst']['digest'] / smallest['worst']['count']:.1f})"
            + " | tracemalloc peak +" + " ".join(f"{step} {r['peaks'][step] - smallest['peaks'][step]:+.1f}MB"
                                                for step in STEPS)
            + f" | peak RSS growth {r['rss_growth'] - smallest['rss_growth']:+.1f}MB")
    # The digest goes out with its chart, so the two count together; the map is drawn on request (/rawan),
    # and its time does not depend on the number of reports: it is shown, the target is on the index.
    for label, seconds in (("digest+chart", largest["worst"]["digest"] + largest["worst"]["chart"]),
                           ("rawan index", largest["worst"]["rawan"])):
        if seconds >= TARGET_SECONDS:
            missed.append(f"{kind} {label} {seconds:.2f}s at {largest['size']}")
    extra = max(max(largest["peaks"][s] - smallest["peaks"][s] for s in STEPS),
                largest["rss_growth"] - smallest["rss_growth"])
    if extra >= TARGET_EXTRA_MB:
        missed.append(f"{kind} memory +{extra:.1f}MB at {largest['size']}")
    missed.extend(f"{kind} {p} reads all rows" for p in largest["bad_plans"])
    print(f"target {kind} at {largest['size']} reports: < {TARGET_SECONDS:.0f} s per office "
          f"(worst digest+chart {largest['worst']['digest'] + largest['worst']['chart']:.3f}s, "
          f"rawan index {largest['worst']['rawan']:.3f}s; map {largest['worst']['map']:.3f}s untargeted), memory within "
          f"{TARGET_EXTRA_MB:.0f} MB of {smallest['size']} (+{extra:.1f}MB): "
          + ("MISSED: " + "; ".join(missed) if missed else "met"))
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reports", default="10000,100000,1000000", help="comma-separated report counts")
    parser.add_argument("--offices", type=int, default=None,
                        help="measure only the first N offices (the province office first); default all")
    parser.add_argument("--no-plans", action="store_true", help="do not print the query plans at the largest size")
    args = parser.parse_args(argv)
    sizes = sorted(parse_list(args.reports))
    print(f"# bench.digest: python {sys.version.split()[0]}, province {PROVINCE}, {HISTORY_DAYS} days of history, "
          f"targets < {TARGET_SECONDS:.0f} s per office and memory within {TARGET_EXTRA_MB:.0f} MB of the smallest "
          f"size; load average {loadavg()}")
    out = Path(tempfile.mkdtemp(prefix="siaga_bench_digest_"))
    summaries, missed = [], []
    try:
        for kind in databases(args.database):
            results = [bench_size(kind, size, out, show_plans=not args.no_plans and size == sizes[-1],
                                  limit=args.offices)
                       for size in sizes]
            missed.extend(judge(results))
            largest = results[-1]
            summaries.append(
                f"{kind} {largest['size']} reports ({largest['offices']} offices, loaded in {largest['load']:.0f}s): "
                f"worst office digest {largest['worst']['digest'] * 1000:.0f}ms + chart "
                f"{largest['worst']['chart'] * 1000:.0f}ms, rawan {largest['worst']['rawan'] * 1000:.0f}ms + map "
                f"{largest['worst']['map'] * 1000:.0f}ms, count(*) {largest['worst']['count'] * 1000:.0f}ms; "
                f"tracemalloc peak {max(largest['peaks'].values()):.1f}MB "
                f"(smallest {max(results[0]['peaks'].values()):.1f}MB), load {largest['load_average']}")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print("SUMMARY digest: " + "; ".join(summaries) + "; "
          + (f"targets MISSED: {'; '.join(missed)}" if missed else "targets met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
