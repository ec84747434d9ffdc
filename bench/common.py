"""Shared bench helpers: throwaway databases, officers spread over offices, bulk reports, a turn driver."""

from __future__ import annotations

import ctypes
import gc
import os
import random
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.app import initialise
from handlers.types import Inbound, Reply
from storage import geo, people
from storage.db import Session
from storage.models import (
    IncidentCategory,
    IncidentReport,
    Office,
    Region,
    RegionLevel,
    ReportCounter,
    ReportStatus,
    Role,
    Severity,
)

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SETUP_NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)

# One full incident report, as in tests/bot/test_runner.py; None is replaced by the officer's kecamatan.
REPORT = [
    "/lapor", "1", None, "Kel. Sungai Jingah", "kemarin 14:00",
    "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", "Aliansi Mahasiswa", "200", "tinggi",
    "Koordinasi dengan Polresta", "lewati", "lewati", "kirim",
]


def parse_list(value: str) -> list[int]:
    """Parse `10,100,1000` (underscores allowed) into integers."""
    return [int(v.replace("_", "")) for v in value.split(",") if v.strip()]


def databases(choice: str) -> list[str]:
    """Expand `sqlite|postgresql|both`."""
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


@contextmanager
def throwaway_database(kind: str, tag: str = "") -> Iterator[str]:
    """Yield the URL of a new empty database (a temp SQLite file or a `siaga_bench_[tag_]*` PostgreSQL DB), then drop it."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="siaga_bench_")
        try:
            yield f"sqlite:///{folder}/siaga.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"siaga_bench_{tag + '_' if tag else ''}{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> Engine:
    """Migrate and load the reference data, as `siaga init` does, and open an office per Kalimantan region."""
    engine = initialise(url).engine
    with sessionmaker(engine).begin() as session:
        zones = {r.code: r.tz for r in session.scalars(select(Region).where(Region.level == RegionLevel.PROVINCE))}
        # A province office above every kabupaten/kota office, as on election day.
        for region in session.scalars(
            select(Region).where(Region.level != RegionLevel.DISTRICT).order_by(Region.code)
        ):
            people.add_office(session, region.code, f"Kesbangpol {region.name}", zones[region.province_code],
                              SETUP_NOW)
    return engine


@dataclass
class Officer:
    address: str
    channel: str
    kecamatan: str  # what the officer types at the kecamatan question


def _kecamatan_by_region(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Map every regency and province code to its kecamatan (code, name)."""
    rows = session.execute(select(Region.code, Region.name).where(Region.level == RegionLevel.DISTRICT)).all()
    by_region: dict[str, list[tuple[str, str]]] = {}
    for code, name in rows:
        by_region.setdefault(code[:5], []).append((code, name))
        by_region.setdefault(code[:2], []).append((code, name))
    return by_region


def _unambiguous(candidates: Sequence[tuple[str, str]], scope: Sequence[tuple[str, str]]) -> str:
    """Pick a kecamatan name that matches exactly one kecamatan in the scope, else its code."""
    for code, name in candidates:
        if sum(name.casefold() in other.casefold() for _, other in scope) == 1:
            return name
    return candidates[0][0]


def add_officers(sessions: sessionmaker[Session], count: int, tag: str, seed_: int = 1) -> list[Officer]:
    """Create officers through the real invite path, spread over every office; a third cover named kecamatan."""
    rng = random.Random(seed_)
    made: list[Officer] = []
    batch = 500
    for start in range(0, count, batch):
        with sessions.begin() as session:
            offices = list(session.scalars(select(Office).order_by(Office.region_code)))
            by_region = _kecamatan_by_region(session)
            for i in range(start, min(count, start + batch)):
                office = offices[i % len(offices)]
                scope = by_region[office.region_code]
                assigned: list[str] = []
                if i % 3 == 0 and "." in office.region_code:
                    assigned = [c for c, _ in rng.sample(scope, min(2, len(scope)))]
                    scope = [(c, n) for c, n in scope if c in assigned]
                channel = "telegram" if i % 2 else "whatsapp"
                address = f"{tag}-{i}"
                invite = people.add_invite(session, office, Role.OFFICER, SETUP_NOW, ttl=timedelta(days=3650),
                                           name=f"Petugas {i}", kecamatan=assigned)
                people.redeem_invite(session, invite.code, channel, address, SETUP_NOW)
                made.append(Officer(address, channel, _unambiguous(rng.sample(scope, len(scope)), scope)))
    return made


# How reports are spread, as seen in the pilot offices: most are rendah; a report leaves `baru` within days.
SEVERITY_WEIGHTS = {Severity.RENDAH: 60, Severity.SEDANG: 30, Severity.TINGGI: 10}
STATUS_WEIGHTS_BY_AGE = (  # (age in days below which, {status: weight})
    (1, {ReportStatus.BARU: 70, ReportStatus.TERVERIFIKASI: 20, ReportStatus.DITANGANI: 10}),
    (7, {ReportStatus.BARU: 25, ReportStatus.TERVERIFIKASI: 30, ReportStatus.DITANGANI: 35, ReportStatus.SELESAI: 8,
         ReportStatus.DITOLAK: 2}),
    (None, {ReportStatus.BARU: 2, ReportStatus.TERVERIFIKASI: 3, ReportStatus.DITANGANI: 10, ReportStatus.SELESAI: 82,
            ReportStatus.DITOLAK: 3}),
)
SEED_BATCH = 20_000


def _pick(rng: random.Random, weights: dict) -> Any:
    return rng.choices(list(weights), list(weights.values()))[0]


def seed_reports(engine: Engine, count: int, now: datetime, seed_: int = 2, *, region: str | None = None,
                 days: int = 365) -> None:
    """Bulk-insert `count` past reports over the last `days`, numbered and counted as the bot would.

    Reports go to every office, or only to the offices of `region` and below; each lies in a kecamatan of its
    office, a quarter carry coordinates, and older reports have mostly left `baru`. PostgreSQL loads them with
    COPY, SQLite with executemany in large batches, so a million rows take about a minute.
    """
    if count <= 0:
        return
    rng = random.Random(seed_)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as session:
        offices = [o for o in session.scalars(select(Office).order_by(Office.region_code))
                   if region is None or o.region_code == region or o.region_code.startswith(region + ".")]
        by_region = _kecamatan_by_region(session)
        reporters = {o.id: people.redeem_invite(
            session, people.add_invite(session, o, Role.OFFICER, SETUP_NOW, name="Arsip").code,
            "console", f"archive-{o.id}", SETUP_NOW).id for o in offices}
        categories = list(session.scalars(select(IncidentCategory.id).order_by(IncidentCategory.id)))
    points = {code: (b.label.y, b.label.x) for code, b in geo.kecamatan_boundaries().items()}
    zones = {o.id: ZoneInfo(o.tz) for o in offices}
    severities, severity_weights = list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values())
    sequence: dict[tuple[int, int], int] = {}
    table = IncidentReport.__table__
    columns = ("number", "office_id", "category_id", "kecamatan_code", "place", "occurred_at", "description",
               "actors", "crowd_size", "severity", "action_taken", "latitude", "longitude", "status", "reporter_id",
               "channel", "created_at", "separate_event")
    # Numbers follow filing order within an office's year, as the per-office counter hands them out.
    moments = sorted(now - timedelta(seconds=rng.randrange(1, days * 86400)) for _ in range(count))

    def rows() -> Iterator[tuple]:
        for i, created in enumerate(moments):
            office = offices[rng.randrange(len(offices))]
            year = created.astimezone(zones[office.id]).year
            n = sequence[office.id, year] = sequence.get((office.id, year), 0) + 1
            kecamatan = rng.choice(by_region[office.region_code])[0]
            lat, lon = (None, None)
            if i % 4 == 0 and kecamatan in points:
                lat, lon = points[kecamatan]
                lat, lon = lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)
            age = (now - created).days
            status = next(w for below, w in STATUS_WEIGHTS_BY_AGE if below is None or age < below)
            yield (f"KJD-{office.region_code.replace('.', '')}-{year}-{n:06d}", office.id, rng.choice(categories),
                   kecamatan, "Jl. Ahmad Yani km 3", created - timedelta(minutes=rng.randrange(10, 24 * 60)),
                   "Sekitar 50 warga berkumpul di depan kantor desa", "Warga desa", rng.randint(0, 500),
                   rng.choices(severities, severity_weights)[0].value, "Koordinasi dengan Polsek", lat, lon,
                   _pick(rng, status).value, reporters[office.id], rng.choice(("telegram", "whatsapp")), created,
                   False)

    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        batch: list[dict] = []
        with engine.begin() as conn:
            for row in rows():
                batch.append(dict(zip(columns, row, strict=True)))
                if len(batch) == SEED_BATCH:
                    conn.execute(table.insert(), batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
    with engine.begin() as conn:
        conn.execute(ReportCounter.__table__.insert(),
                     [dict(office_id=o, year=y, last=n) for (o, y), n in sequence.items()])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")


class StatementCounter:
    """Count the SQL statements an engine sends (every cursor execute, BEGIN included)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.recording: list[str] | None = None
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        with self._lock:
            self.count += 1
            if self.recording is not None:
                self.recording.append(" ".join(statement.split()))


@dataclass
class Run:
    turns: int
    wall: float
    latencies: list[float] = field(default_factory=list)
    last_replies: list[list[Reply]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.turns / self.wall if self.wall else float("inf")

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(
    turn: Callable[[Inbound], list[Reply]], scripts: Sequence[Sequence[Inbound]], workers: int,
    keep_replies: bool = True,
) -> Run:
    """Run every script (one officer's messages, in order) concurrently on a thread pool; time each turn.

    All first messages are queued before any second one, so the officers interleave as if typing at once.
    """
    latencies: list[float] = []
    last: list[list[Reply]] = []
    errors: list[BaseException] = []
    remaining = [len(scripts)]
    lock = threading.Lock()
    done = threading.Event()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="turn")

    def run(script: Sequence[Inbound], k: int) -> None:
        try:
            started = time.perf_counter()
            replies = turn(script[k])
            latencies.append(time.perf_counter() - started)
            if k + 1 < len(script):
                pool.submit(run, script, k + 1)
                return
            if keep_replies:
                last.append(replies)
        except BaseException as error:  # a bench must stop and show the failure, not hang
            errors.append(error)
            done.set()
            return
        with lock:
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    started = time.perf_counter()
    for script in scripts:
        pool.submit(run, script, 0)
    if scripts:
        done.wait()
    wall = time.perf_counter() - started
    pool.shutdown(wait=True)
    if errors:
        raise errors[0]
    return Run(turns=len(latencies), wall=wall, latencies=latencies, last_replies=last)


def scripts_for(officers: Sequence[Officer], messages: Sequence[str | None]) -> list[list[Inbound]]:
    """Build each officer's inbound messages, with provider message ids as real channels send them."""
    return [
        [Inbound(o.channel, o.address, text=o.kecamatan if m is None else m, message_id=f"{o.address}-{k}")
         for k, m in enumerate(messages)]
        for o in officers
    ]


def rss_bytes() -> int:
    """Return this process's resident set size (VmRSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_rss_bytes() -> int:
    """Return the process's peak resident set size since the last reset (VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def reset_peak_rss() -> None:
    """Start VmHWM again from the current RSS (Linux: write 5 to clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc), so RSS shows what is live."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: RSS then also counts freed, reusable heap
        pass


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}ms"
