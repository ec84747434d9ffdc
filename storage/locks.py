"""PostgreSQL session-level advisory locks, taken on a connection the caller keeps open.

The scheduler holds these on one dedicated AUTOCOMMIT connection for the process lifetime: a lock lives
exactly as long as that connection, so a process that dies drops its locks with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def lock(conn: Connection, key: int) -> None:
    """Take the lock `key`, waiting for it if another connection holds it."""
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})


def try_lock(conn: Connection, key: int) -> bool:
    """Take the lock `key` if nobody else holds it; tell whether this connection holds it now."""
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())


def unlock(conn: Connection, key: int) -> None:
    """Give up one hold of the lock `key` taken on this connection."""
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def ping(conn: Connection) -> None:
    """Run a no-op query, so a dead connection (and with it every lock it held) shows as an error."""
    conn.execute(text("SELECT 1"))
