"""Fixtures: a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), a savepoint per
test, fresh databases for subprocess tests, a frozen clock, and officers to chat as."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.app import initialise
from bot.config import Settings
from bot.runner import Runner
from storage import people
from storage.db import Session
from storage.models import Office, Officer, Role
from tests.support.siaga import suite_clock_start

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# 10:00 WITA on a Monday; every test that needs "now" starts here.
FROZEN_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    start = suite_clock_start()
    clock = f"; `siaga` commands' clocks start at {start.isoformat()}" if start else ""
    return f"database: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite (temporary files)'}{clock}"


def pytest_configure(config: pytest.Config) -> None:
    # CI's second run must really be on PostgreSQL: some races (outbox claims) only show there.
    backend = make_url(TEST_DATABASE_URL or "sqlite://").get_backend_name()
    if os.environ.get("SIAGA_TEST_REQUIRE_POSTGRES") and backend != "postgresql":
        raise pytest.UsageError("SIAGA_TEST_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not a PostgreSQL URL; "
                                "set TEST_DATABASE_URL=postgresql+psycopg://... or unset SIAGA_TEST_REQUIRE_POSTGRES.")


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[callable]:
    """Create empty databases on demand; PostgreSQL ones are dropped at the end of the run."""
    created: list[str] = []
    admin: Engine | None = None
    if TEST_DATABASE_URL:
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")

    def create() -> str:
        name = f"siaga_test_{uuid.uuid4().hex[:12]}"
        if admin is None:
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'siaga.db'}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    yield create
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> Engine:
    """Migrate a database to head and load the reference data, as `siaga init` does."""
    return initialise(url).engine


@pytest.fixture(scope="session")
def engine(database_factory) -> Iterator[Engine]:
    engine = prepare(database_factory())
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose every transaction is a savepoint inside one rolled-back transaction."""
    connection = engine.connect()
    outer = connection.begin()
    yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    outer.rollback()
    connection.close()


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url="sqlite://", language="id", attachments_dir=tmp_path / "attachments")


@pytest.fixture
def runner(sessions, settings: Settings, clock: Clock) -> Runner:
    return Runner(sessions, settings, clock=clock)


def add_office(session: Session, region: str = "63.71", tz: str = "Asia/Makassar") -> Office:
    office = people.get_office_by_region(session, region)
    return office or people.add_office(session, region, f"Kesbangpol {region}", tz, FROZEN_NOW)


def add_officer(
    session: Session, address: str, *, region: str = "63.71", kecamatan: tuple[str, ...] = (),
    name: str = "Petugas Uji", role: Role = Role.OFFICER, channel: str = "console",
    tz: str = "Asia/Makassar",
) -> Officer:
    """Create an officer through the real invite path and link them to a chat address."""
    office = add_office(session, region, tz)
    invite = people.add_invite(session, office, role, FROZEN_NOW, name=name, kecamatan=kecamatan)
    officer = people.redeem_invite(session, invite.code, channel, address, FROZEN_NOW)
    assert isinstance(officer, Officer)
    return officer


@pytest.fixture
def officer(sessions) -> Officer:
    with sessions.begin() as s:
        return add_officer(s, "officer-1")
