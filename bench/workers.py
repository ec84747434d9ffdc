"""Scale-out helpers for the webhook benches: `siaga run --workers N` as a child, and where its CPU goes.

CPU is read from /proc (utime + stime of every process of the `siaga run` tree, of this database's
PostgreSQL backends, and of the bench's own processes), so a bench can print CPU ms per request for
Siaga's Python and for PostgreSQL separately, and reason about what another core would buy.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

TICK = os.sysconf("SC_CLK_TCK")
# `siaga run` with the platforms' send caps lifted, so the benches measure Siaga rather than the caps.
UNCAPPED = [sys.executable, "-m", "bench.uncapped", "run"]


def parse_workers(value: str) -> list[int]:
    counts = [int(v) for v in value.split(",") if v.strip()]
    if not counts or min(counts) < 1:
        raise SystemExit(f"--workers {value!r}: give counts of 1 or more, e.g. 1,2")
    return counts


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)


def tree(pid: int) -> list[int]:
    """A process and its descendants."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def backends(engine: Engine) -> list[int]:
    """Pids of the PostgreSQL backends connected to this engine's database (none on SQLite)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
                    .scalars())


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuSnapshot:
    siaga: dict[int, float]
    postgres: dict[int, float]
    bench: float
    others: dict[int, float]


class CpuMeter:
    """CPU seconds over an interval: the `siaga run` tree, this database's backends, this process, helpers."""

    def __init__(self, siaga_pid: int, watch: Engine, helpers: tuple[int, ...] = ()) -> None:
        self.siaga_pid, self.watch, self.helpers = siaga_pid, watch, helpers

    def snapshot(self) -> CpuSnapshot:
        return CpuSnapshot({p: proc_cpu(p) for p in tree(self.siaga_pid)},
                           {p: proc_cpu(p) for p in backends(self.watch)}, self_cpu(),
                           {p: proc_cpu(p) for p in self.helpers})

    @staticmethod
    def delta(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
        """Seconds used in between by: siaga (all its processes), postgres, the bench (load + fakes in process)."""
        def spent(a: dict[int, float], b: dict[int, float]) -> float:
            return sum(b[p] - a.get(p, 0.0) for p in b)

        busy = [b - before.siaga.get(p, 0.0) for p, b in after.siaga.items()]
        return {"siaga": spent(before.siaga, after.siaga), "postgres": spent(before.postgres, after.postgres),
                "bench": after.bench - before.bench + spent(before.others, after.others),
                "busiest": max(busy, default=0.0)}


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared, so every figure is printed beside them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class SiagaWorkers:
    """`siaga run --workers N` (caps lifted) as a child process; stopped with SIGTERM as an operator would."""

    def __init__(self, env: dict[str, str], cwd: Path, workers: int) -> None:
        self.workers = workers
        root = str(Path(__file__).resolve().parent.parent)  # bench.uncapped, from any working directory
        path = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen([*UNCAPPED, "--workers", str(workers)], env={**env, "PYTHONPATH": path},
                                        cwd=cwd)

    def wait_workers(self, timeout: float = 60) -> None:
        """Wait until every worker is forked (one process when N is 1)."""
        deadline = time.monotonic() + timeout
        want = self.workers + 1 if self.workers > 1 else 1
        while len(tree(self.process.pid)) < want:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"siaga run --workers {self.workers} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
