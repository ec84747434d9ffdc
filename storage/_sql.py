"""Small SQL helpers shared by the query modules."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, text, update
from sqlalchemy.orm import Session


@cache
def _insert_ignore_statement(table: Table, columns: tuple[str, ...], returning: str | None) -> TextClause:
    # Written as text because the dialects' insert().on_conflict_do_nothing() has no cache key, so
    # SQLAlchemy compiled it anew on every call (18% of a Telegram turn). SQLite (3.35+) and
    # PostgreSQL share this syntax. RETURNING rather than rowcount: psycopg reports -1 here.
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT DO NOTHING RETURNING {returning or 1}"
    ).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


def insert_ignore(session: Session, model: type[Any], *, returning: str | None = None, **values: Any) -> Any:
    """Insert a row unless its key exists; return the `returning` column (or 1) if this call inserted it, else None."""
    stmt = _insert_ignore_statement(model.__table__, tuple(values), returning)
    return session.execute(stmt, values).scalar()


def next_sequence(session: Session, counter: type[Any], office_id: int, year: int) -> int:
    """Hand out the next number of a per-office, per-year counter table (row-locked until commit)."""
    insert_ignore(session, counter, office_id=office_id, year=year, last=0)
    return session.execute(
        update(counter)
        .where(counter.office_id == office_id, counter.year == year)
        .values(last=counter.last + 1)
        .returning(counter.last)
    ).scalar_one()
