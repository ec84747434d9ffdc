"""Memory: resident memory with 10,000 live drafts, and while `siaga reports list` prints 100,000 reports; neither
should grow with the count, since state lives in the database and listings are streamed.

Drafts: officers start a report through the real runner and stop half-way (category and kecamatan answered).
RSS (VmRSS, after garbage collection and malloc_trim) is read after imports, after the database setup (the
baseline), after 1,000 drafts and after all drafts; officers are driven in chunks of 1,000 so the bench's own
messages stay bounded. For contrast it then holds every draft in a dict, as an in-memory state store would.

Listing: one office with the largest count of reports (bench.common.seed_reports); `siaga reports list
--format csv|json --limit N` runs in this process (bot.cli.main, output to /dev/null) for each N, and the
peak RSS (VmHWM, reset before each run) over the RSS before it is its growth. For contrast, the same reports
loaded as ORM objects, as the listing did before it streamed.

    python -m bench.memory --database sqlite --drafts 1000,10000 --reports 10000,100000
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import time
from datetime import UTC, datetime

from bench.common import (
    REPORT,
    add_officers,
    databases,
    drive,
    parse_list,
    peak_rss_bytes,
    prepare,
    release_free_memory,
    reset_peak_rss,
    rss_bytes,
    scripts_for,
    seed_reports,
    throwaway_database,
)

RSS_AT_IMPORT = rss_bytes()

from sqlalchemy import func, select  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.runner import Runner  # noqa: E402
from handlers.types import State  # noqa: E402
from storage.db import make_sessions  # noqa: E402
from storage.models import Conversation  # noqa: E402

# A draft: /lapor, the category, the kecamatan; the officer is now asked for the place.
DRAFT = REPORT[:3]
# Target (ours): from the first to the last measured draft count, RSS grows by less than this per draft.
TARGET_BYTES_PER_DRAFT = 512
# Target (issue 21): listing 100,000 reports stays within this much over the memory before it.
TARGET_LIST_GROWTH = 50 * 2**20
LIST_OFFICE = "63.71"
LIST_NOW = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
CHUNK = 1000


def mib(n: float) -> str:
    return f"{n / 2**20:8.1f} MiB"


def settle() -> int:
    release_free_memory()
    return rss_bytes()


def live(cls: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is cls)


def bench_database(kind: str, counts: list[int], workers: int) -> dict:
    with throwaway_database(kind) as url:
        started = time.perf_counter()
        engine = prepare(url)
        sessions = make_sessions(engine)
        runner = Runner(sessions, Settings(database_url=url, language="id"))
        officers = add_officers(sessions, max(counts), "draft")
        baseline = settle()
        print(f"# {kind}: {len(officers)} officers ready in {time.perf_counter() - started:.1f}s")
        print(f"{kind:<10} after imports              rss={mib(RSS_AT_IMPORT)}")
        print(f"{kind:<10} after setup (baseline)     rss={mib(baseline)}")
        points: list[tuple[int, int]] = []
        done = 0
        for count in counts:
            turns, wall = 0, 0.0
            for start in range(done, count, CHUNK):
                run = drive(runner.run_turn, scripts_for(officers[start:min(count, start + CHUNK)], DRAFT), workers,
                            keep_replies=False)
                turns, wall = turns + run.turns, wall + run.wall
                del run
            done = count
            rss = settle()
            with sessions.begin() as s:
                stored = s.scalar(select(func.count()).select_from(Conversation)
                                  .where(Conversation.flow == "incident", Conversation.step == "place"))
            if stored != count:
                raise SystemExit(f"expected {count} drafts in the database, found {stored}")
            points.append((count, rss))
            print(f"{kind:<10} drafts={count:<6} in db={stored:<6} rss={mib(rss)}  +{mib(rss - baseline)} over "
                  f"baseline; {turns / wall:.0f} turns/s; live Conversation objects={live(Conversation)}, "
                  f"State objects={live(State)}")
        if kind == "sqlite":
            # A bounded cache that fills as the file grows, whatever is in it: up to cache_size per connection.
            with engine.connect() as conn:
                kib = -conn.exec_driver_sql("PRAGMA cache_size").scalar()
            connections = engine.pool.checkedin() + engine.pool.checkedout()
            print(f"{kind:<10} bounded: SQLite page cache up to {kib / 1024:.1f} MiB x {connections} pooled "
                  f"connections = {kib * connections / 1024:.1f} MiB")
        # The contrast: what holding the drafts in process memory would cost.
        with sessions.begin() as s:
            held = {(c.channel, c.address): State.load(c.flow, c.step, c.data, c.updated_at)
                    for c in s.scalars(select(Conversation))}
        in_memory = settle() - points[-1][1]
        print(f"{kind:<10} contrast: the same {len(held)} drafts held in a dict add {mib(in_memory)}")
        del held
        engine.dispose()
    (first, rss_first), (last, rss_last) = points[0], points[-1]
    per_draft = (rss_last - rss_first) / (last - first) if last > first else 0.0
    ratio = rss_last / baseline
    print(f"ratio {kind}: rss with {last} drafts / baseline = {ratio:.3f}; growth {first}->{last} drafts = "
          f"{mib(rss_last - rss_first).strip()} ({per_draft:.0f} bytes/draft; in memory a draft costs "
          f"~{in_memory / max(1, last):.0f} bytes)")
    missed = per_draft > TARGET_BYTES_PER_DRAFT
    print(f"target {kind}: " + (f"MISSED: {per_draft:.0f} > {TARGET_BYTES_PER_DRAFT} bytes/draft" if missed else "met"))
    return dict(kind=kind, ratio=ratio, per_draft=per_draft, last=last, baseline=baseline, rss=rss_last,
                missed=missed)


def _peak_growth(run) -> int:  # noqa: ANN001
    """Run `run` and return how far the process's peak RSS rose over its RSS before."""
    before = settle()
    reset_peak_rss()
    run()
    return peak_rss_bytes() - before


def bench_reports_list(kind: str, counts: list[int]) -> dict:
    from bot import cli
    from storage import incidents

    with throwaway_database(kind, "list") as url:
        started = time.perf_counter()
        engine = prepare(url)
        seed_reports(engine, max(counts), LIST_NOW, region=LIST_OFFICE, days=365)
        sessions = make_sessions(engine)
        print(f"# {kind}: {max(counts)} reports of {LIST_OFFICE} ready in {time.perf_counter() - started:.1f}s")
        saved = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url
        growth: dict[tuple[str, int], int] = {}
        try:
            with open(os.devnull, "w") as sink:
                for count in counts:
                    for fmt in ("csv", "json"):
                        args = ["reports", "list", "--format", fmt, "--office", LIST_OFFICE, "--limit", str(count)]
                        with contextlib.redirect_stdout(sink):
                            wall = time.perf_counter()
                            growth[fmt, count] = _peak_growth(lambda: cli.main(args))  # noqa: B023
                            wall = time.perf_counter() - wall
                        print(f"{kind:<10} reports list --format {fmt:<4} reports={count:<7} peak rss "
                              f"+{mib(growth[fmt, count])} over before; {wall:.1f}s")
        finally:
            if saved is None:
                os.environ.pop("DATABASE_URL")
            else:
                os.environ["DATABASE_URL"] = saved

        def hold() -> None:
            with sessions.begin() as session:
                held = incidents.list_reports(session, limit=max(counts))
                assert len(held) == max(counts)

        held = _peak_growth(hold)
        print(f"{kind:<10} contrast: the {max(counts)} reports held as ORM objects (the listing before it streamed) "
              f"+{mib(held)}")
        engine.dispose()
    first, last = min(counts), max(counts)
    worst = max(growth[fmt, last] for fmt in ("csv", "json"))
    ratio = worst / max(1, max(growth[fmt, first] for fmt in ("csv", "json")))
    missed = worst > TARGET_LIST_GROWTH
    print(f"ratio {kind}: listing growth {last} / {first} reports = {ratio:.2f}x; held as objects / streamed = "
          f"{held / max(1, worst):.1f}x")
    print(f"target {kind} listing: " + (f"MISSED: +{mib(worst).strip()} > 50 MiB" if missed else
                                        f"met (+{mib(worst).strip()} <= 50 MiB)"))
    return dict(kind=kind, last=last, growth=worst, held=held, missed=missed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--drafts", default="1000,10000", help="comma-separated, increasing draft counts")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reports", default="10000,100000",
                        help="comma-separated, increasing report counts for `reports list` (0: skip)")
    args = parser.parse_args(argv)
    counts = sorted(parse_list(args.drafts))
    listed = sorted(n for n in parse_list(args.reports) if n > 0)
    print(f"# bench.memory: python {sys.version.split()[0]}, workers={args.workers}, "
          f"target < {TARGET_BYTES_PER_DRAFT} bytes of RSS per extra draft"
          + (f"; reports list of {listed[-1]} reports within +50 MiB" if listed else ""))
    results = [bench_database(kind, counts, args.workers) for kind in databases(args.database)]
    lists = [bench_reports_list(kind, listed) for kind in databases(args.database)] if listed else []
    print("SUMMARY memory: " + "; ".join(
        [f"{r['kind']} {r['last']} drafts rss={mib(r['rss']).strip()} = {r['ratio']:.3f}x baseline "
         f"({r['per_draft']:.0f} bytes/draft, target {'MISSED' if r['missed'] else 'met'})" for r in results]
        + [f"{r['kind']} reports list {r['last']} reports +{mib(r['growth']).strip()} (held as objects "
           f"+{mib(r['held']).strip()}; target {'MISSED' if r['missed'] else 'met'})" for r in lists]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
