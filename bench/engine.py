"""Engine turn cost: N officers each filing a full incident report at once through the real runner.

Runs on SQLite and/or PostgreSQL (127.0.0.1), with an empty database and with stored reports, and in the
same process the same turns through a trivial echo flow with no database (the baseline), on the same
thread pool. Prints turns/s, per-turn p50/p99, database statements per turn and the ratios.

    python -m bench.engine --database both --officers 10,100,1000 --stored-reports 0,100000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from bench.common import (
    REPORT,
    Run,
    StatementCounter,
    add_officers,
    databases,
    drive,
    ms,
    parse_list,
    prepare,
    scripts_for,
    seed_reports,
    throwaway_database,
)
from bench.workers import loadavg
from bot.config import Settings
from bot.effects import Delivery
from bot.runner import Runner
from handlers.types import IDLE, Inbound, Reply, State
from storage import incidents
from storage.db import make_sessions

# Targets (issue 5 sets none; these are ours, see BENCHMARKS.md): election day in a province is about
# 1,000 officers each sending a 13-message report within ~5 minutes, i.e. ~45 turns/s at the peak.
TARGET_TURNS_PER_S = 100.0
TARGET_P99 = 0.250  # seconds; a reply should feel instant next to the ~0.3-1 s a chat network adds
# Issue 24: the CPU of an ordinary turn in this process (`--ordinary`; PostgreSQL's own CPU not included).
TARGET_ORDINARY_CPU = {"sqlite": 0.0005, "postgresql": 0.0015}  # seconds


def echo(state: State, inbound: Inbound) -> tuple[State, list[Reply]]:
    """The baseline flow: answer with the message text, keep the state."""
    return state, [Reply(inbound.text or "")]


def echo_turn_function() -> Callable[[Inbound], list[Reply]]:
    """Return a turn function that runs the echo flow with its state in a dict."""
    states: dict[tuple[str, str], State] = {}

    def turn(inbound: Inbound) -> list[Reply]:
        key = (inbound.channel, inbound.address)
        states[key], replies = echo(states.get(key, IDLE), inbound)
        return replies

    return turn


def trace_one_report(runner: Runner, counter: StatementCounter, officer, show_sql: bool) -> list[int]:
    """File one report alone, recording the statements of every turn."""
    per_turn = []
    for inbound in scripts_for([officer], REPORT)[0]:
        counter.recording = []
        runner.run_turn(inbound)
        per_turn.append(len(counter.recording))
        if show_sql:
            print(f"  > {inbound.text!r}: {len(counter.recording)} statements")
            for sql in counter.recording:
                print(f"      {sql[:160]}")
    counter.recording = None
    return per_turn


def profile(runner: Runner, scripts: list[list[Inbound]]) -> None:
    """Run the turns one at a time in this thread under pyinstrument and print where the time goes."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: pip install pyinstrument") from None
    profiler = Profiler(interval=0.0005)
    started, cpu = time.perf_counter(), time.process_time()
    with profiler:
        for k in range(len(REPORT)):
            for script in scripts:
                runner.run_turn(script[k])
    turns = len(scripts) * len(REPORT)
    print(f"# profile: {turns} turns one at a time, {(time.perf_counter() - started) * 1000 / turns:.2f} ms wall and "
          f"{(time.process_time() - cpu) * 1000 / turns:.2f} ms CPU per turn (profiler overhead included)")
    print(profiler.output_text(color=False, unicode=False))


def bench_groups(runner: Runner, sessions, counter: StatementCounter, kind: str, n: int, groups: list[int]) -> None:
    """File the same reports again (new officers) through `Runner.submit_turn` at each group-commit size.

    As many client threads as officers (up to 256) wait on their turns, as the channels' handlers do;
    the turns queue for the runner's database threads, where group commit takes up to G of them at a time.
    """
    first = None
    for group in groups:
        officers = add_officers(sessions, n, f"g{group}n{n}")
        runner.group_commit = group
        before, cpu = counter.count, time.process_time()
        run = drive(lambda inbound: runner.submit_turn(inbound).result(), scripts_for(officers, REPORT),
                    min(n, 256))
        cpu = (time.process_time() - cpu) / run.turns
        statements = (counter.count - before) / run.turns
        first = first or run
        print(line(f"{kind} officers={n} group commit={group}", run,
                   f" statements/turn={statements:.2f} cpu/turn={ms(cpu)} "
                   f"throughput vs group=1: {run.rate / first.rate:.2f}x"))
    runner.group_commit = 1


def ordinary(runner: Runner, counter: StatementCounter, kind: str, scripts: list[list[Inbound]]) -> None:
    """Time the ordinary turns (answers 4 to 11 of a report: no list, no search, no submit) one at a time.

    CPU per turn is the steadiest figure on a shared machine; run it in two trees (this one and, e.g.,
    `git archive <before> | tar -x` with this file copied in) to compare versions.
    """
    for script in scripts:
        for inbound in script[:3]:
            runner.run_turn(inbound)
    before, cpu, wall = counter.count, time.process_time(), time.perf_counter()
    for k in range(3, 11):
        for script in scripts:
            runner.run_turn(script[k])
    turns = 8 * len(scripts)
    per_turn = (time.process_time() - cpu) / turns
    print(f"{kind} ordinary turns, one at a time: {turns} turns, "
          f"cpu {per_turn * 1000:.2f} ms/turn, "
          f"wall {(time.perf_counter() - wall) * 1000 / turns:.2f} ms/turn, "
          f"statements {(counter.count - before) / turns:.2f}/turn; loadavg {loadavg()}")
    target = TARGET_ORDINARY_CPU[kind]
    print(f"target {kind} ordinary cpu/turn <= {ms(target)}: "
          + ("met" if per_turn <= target else f"MISSED ({ms(per_turn)}; the machine's load inflates it)"))


def line(label: str, run: Run, extra: str = "") -> str:
    return (f"{label:<40} turns={run.turns:<6} wall={run.wall:7.2f}s turns/s={run.rate:10.1f} "
            f"p50={ms(run.percentile(0.50)):>9} p99={ms(run.percentile(0.99)):>9}{extra}")


def bench_database(kind: str, stored: int, officer_counts: list[int], workers: int, trace: bool,
                   profiling: bool = False, groups: list[int] | None = None,
                   ordinary_only: bool = False) -> list[dict]:
    results = []
    with throwaway_database(kind) as url:
        started = time.perf_counter()
        engine = prepare(url)
        seed_reports(engine, stored, datetime.now(UTC))
        print(f"# {kind}: database ready with {stored} stored reports in {time.perf_counter() - started:.1f}s")
        sessions = make_sessions(engine)
        # Replies go to the outbox in the turn and are claimed there for sending, as in `siaga run`
        # (nothing sends them here: the bench measures the turn).
        runner = Runner(sessions, Settings(database_url=url, language="id"),
                        delivery=Delivery(outbox_channels=frozenset({"telegram", "whatsapp"}), boot_id="bench-engine"))
        # By default, as many turn threads as `siaga run` uses on this database (see Runner).
        workers = workers or runner.db_threads
        print(f"# {kind}: {workers} turn thread(s)")
        counter = StatementCounter(engine)
        # Warm up (compiled-statement cache, pool) and show what one report costs, turn by turn.
        per_turn = trace_one_report(runner, counter, add_officers(sessions, 1, "warmup")[0], trace)
        print(f"# {kind}: statements per turn of one report: {per_turn} (total {sum(per_turn)})")
        for n in officer_counts:
            officers = add_officers(sessions, n, f"n{n}")
            scripts = scripts_for(officers, REPORT)
            if profiling:
                profile(runner, scripts)
                continue
            if ordinary_only:
                ordinary(runner, counter, kind, scripts)
                continue
            with sessions.begin() as s:
                before_reports = incidents.count_reports(s)
            before, cpu = counter.count, time.process_time()
            run = drive(runner.run_turn, scripts, workers)
            # CPU per turn (the whole process: SQLite's work included, PostgreSQL's not) is steadier than
            # wall time on a shared machine.
            cpu = (time.process_time() - cpu) / run.turns
            statements = (counter.count - before) / run.turns
            with sessions.begin() as s:
                filed = incidents.count_reports(s) - before_reports
            saved = sum(any("KJD-" in r.text for r in replies) for replies in run.last_replies)
            if filed != n or saved != n:
                raise SystemExit(f"expected {n} reports, {filed} stored and {saved} confirmed")
            base = drive(echo_turn_function(), scripts, workers)
            label = f"{kind} stored={stored} officers={n}"
            print(line(label, run, f" statements/turn={statements:.2f} cpu/turn={ms(cpu)}"))
            print(line(f"echo (baseline) officers={n}", base))
            slower = base.rate / run.rate
            p50_ratio = run.percentile(0.5) / base.percentile(0.5)
            print(f"ratio {label}: echo/engine turns/s = {slower:,.0f}x; engine/echo p50 = {p50_ratio:,.0f}x")
            missed = []
            if run.rate < TARGET_TURNS_PER_S:
                missed.append(f"turns/s {run.rate:.0f} < {TARGET_TURNS_PER_S:.0f}")
            if run.percentile(0.99) > TARGET_P99:
                missed.append(f"p99 {ms(run.percentile(0.99))} > {ms(TARGET_P99)}")
            print(f"target {label}: " + ("MISSED: " + "; ".join(missed) if missed else "met"))
            results.append(dict(label=label, run=run, base=base, statements=statements, missed=missed))
            if groups:
                bench_groups(runner, sessions, counter, kind, n, groups)
        engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--officers", default="10,100,1000", help="comma-separated officer counts")
    parser.add_argument("--stored-reports", default="0,100000", help="comma-separated stored report counts")
    parser.add_argument("--workers", type=int, default=0,
                        help="turn threads; default as siaga run: 1 on SQLite, SIAGA_TURN_WORKERS (4) on PostgreSQL")
    parser.add_argument("--group-commit", default="",
                        help="comma-separated group-commit sizes to compare (e.g. 1,8,32), after each run")
    parser.add_argument("--ordinary", action="store_true",
                        help="instead of the load run, time the ordinary turns one at a time (CPU, wall, statements)")
    parser.add_argument("--trace", action="store_true", help="print the SQL of one report, turn by turn")
    parser.add_argument("--profile", action="store_true",
                        help="instead of timing, run the turns one at a time under pyinstrument and print the profile")
    args = parser.parse_args(argv)

    print(f"# bench.engine: python {sys.version.split()[0]}, workers={args.workers or 'as siaga run'}, "
          f"targets >= {TARGET_TURNS_PER_S:.0f} turns/s and p99 <= {ms(TARGET_P99)}")
    results = []
    for kind in databases(args.database):
        for stored in parse_list(args.stored_reports):
            results.extend(bench_database(kind, stored, parse_list(args.officers), args.workers, args.trace,
                                          args.profile, parse_list(args.group_commit), args.ordinary))
    if args.profile or args.ordinary:
        return 0
    worst = min(results, key=lambda r: r["run"].rate)
    slowest = max(results, key=lambda r: r["run"].percentile(0.99))
    missed = [r["label"] for r in results if r["missed"]]
    kinds = Counter(r["label"].split()[0] for r in results)
    print(f"SUMMARY engine: {len(results)} runs ({', '.join(f'{k} {v}' for k, v in kinds.items())}); "
          f"lowest {worst['run'].rate:.0f} turns/s ({worst['label']}, echo {worst['base'].rate / worst['run'].rate:,.0f}x "
          f"faster); highest p99 {ms(slowest['run'].percentile(0.99))} ({slowest['label']}); "
          f"statements/turn {min(r['statements'] for r in results):.2f}-{max(r['statements'] for r in results):.2f}; "
          + (f"targets MISSED in {len(missed)}: {', '.join(missed)}" if missed else "targets met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
