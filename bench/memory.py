"""Memory: resident memory with 10,000 live drafts; it should not grow with drafts, since state lives in the database.

Officers start a report through the real runner and stop half-way (category and kecamatan answered).
RSS (VmRSS, after garbage collection and malloc_trim) is read after imports, after the database setup (the
baseline), after 1,000 drafts and after all drafts; officers are driven in chunks of 1,000 so the bench's own
messages stay bounded. For contrast it then holds every draft in a dict, as an in-memory state store would.

    python -m bench.memory --database sqlite --drafts 1000,10000
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from bench.common import (
    REPORT,
    add_officers,
    databases,
    drive,
    parse_list,
    prepare,
    release_free_memory,
    rss_bytes,
    scripts_for,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--drafts", default="1000,10000", help="comma-separated, increasing draft counts")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    counts = sorted(parse_list(args.drafts))
    print(f"# bench.memory: python {sys.version.split()[0]}, workers={args.workers}, "
          f"target < {TARGET_BYTES_PER_DRAFT} bytes of RSS per extra draft")
    results = [bench_database(kind, counts, args.workers) for kind in databases(args.database)]
    print("SUMMARY memory: " + "; ".join(
        f"{r['kind']} {r['last']} drafts rss={mib(r['rss']).strip()} = {r['ratio']:.3f}x baseline "
        f"({r['per_draft']:.0f} bytes/draft, target {'MISSED' if r['missed'] else 'met'})" for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
