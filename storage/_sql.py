"""Small SQL helpers shared by the query modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: type[Any], **values: Any) -> bool:
    """Insert a row unless its key exists; tell whether this call inserted it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING rather than rowcount: psycopg reports -1 for ON CONFLICT inserts run through a Session.
    stmt = dialect.insert(model.__table__).values(**values).on_conflict_do_nothing().returning(literal(1))
    return session.execute(stmt).scalar() is not None
