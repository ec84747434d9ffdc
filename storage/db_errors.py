"""Known database failures said in one sentence (what is wrong, how to fix it), for the command line."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, OperationalError


def describe_database(database_url: str) -> str:
    """Name the database of a URL without its password."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def explain(exc: BaseException, database_url: str) -> str | None:
    """Turn a known database failure into one sentence; None for any other exception."""
    if isinstance(exc, ArgumentError):
        return ("DATABASE_URL is not a database URL; write e.g. sqlite:///siaga.db or "
                "postgresql+psycopg://user:password@host:5432/siaga (in the environment or .env).")
    if isinstance(exc, OperationalError):
        if make_url(database_url).get_backend_name() == "sqlite":
            return (f"cannot open {describe_database(database_url)}: does its folder exist and may Siaga write "
                    "there? Check DATABASE_URL.")
        return (f"cannot reach {describe_database(database_url)}: is it running, and are DATABASE_URL's host and "
                "password right?")
    if isinstance(exc, DataError):
        # The driver's first line names the column type, never the values (statement parameters are hidden).
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        return f"the database refused a value: {first}. Shorten or correct it."
    return None
