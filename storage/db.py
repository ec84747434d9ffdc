"""`make_sessions(url)` → `sessionmaker(expire_on_commit=False)`; SQLite pragmas/BEGIN; re-exports `Session`."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Session", "make_engine", "make_sessions", "is_sqlite", "is_conflict"]

# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and may simply run again.
_CONFLICT_STATES = frozenset({"40P01", "40001"})


def is_sqlite(url: str) -> bool:
    """Tell whether a database URL names SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def is_conflict(error: BaseException) -> bool:
    """Tell whether a database error means a race lost to another transaction, which may run again."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in _CONFLICT_STATES


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, enable foreign keys and WAL and take the write lock at BEGIN."""
    # Statement parameters hold message text, names and phone numbers: keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "handle_error", _first_line_only)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if make_url(url).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every turn writes its conversation; taking the write lock up front avoids
        # "database is locked" when two readers both try to upgrade to writers. Sent on the driver's
        # connection: through SQLAlchemy's statement machinery it was 5% of a turn.
        try:
            connection.connection.driver_connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise OperationalError("BEGIN IMMEDIATE", None, error) from error

    return engine


def _first_line_only(context: Any) -> None:
    """Cut a driver's error to its first line: PostgreSQL's DETAIL repeats the row's values (a phone number).

    The first line names the constraint or type; the values stay out of exceptions, tracebacks and logs.
    """
    original = context.original_exception
    message = str(original)
    first = message.split("\n", 1)[0]
    if first == message:
        return
    original.args = (first,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None and wrapped.args:
        wrapped.args = (f"({type(original).__module__}.{type(original).__name__}) {first}", *wrapped.args[1:])


def make_sessions(url_or_engine: str | Engine) -> sessionmaker[Session]:
    """Return the session factory every entry point opens its transactions from."""
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    return sessionmaker(engine, expire_on_commit=False)
