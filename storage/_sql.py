"""Small SQL helpers shared by the query modules."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


@cache
def _insert_ignore_statement(dialect_name: str, table: Table) -> Insert:
    # Built once per table: every turn claims its message id through here.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # RETURNING rather than rowcount: psycopg reports -1 for ON CONFLICT inserts run through a Session.
    return dialect.insert(table).on_conflict_do_nothing().returning(literal(1))


def insert_ignore(session: Session, model: type[Any], **values: Any) -> bool:
    """Insert a row unless its key exists; tell whether this call inserted it."""
    stmt = _insert_ignore_statement(session.get_bind().dialect.name, model.__table__)
    return session.execute(stmt, values).scalar() is not None
