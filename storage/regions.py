"""Region queries: the Kemendagri tree, jurisdictions and kecamatan search."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.models import Region, RegionLevel


# Region.name holds at most 120 characters.
MAX_NAME_QUERY = 120


def get_region(session: Session, code: str) -> Region | None:
    """Return the region with this code."""
    return session.get(Region, code)


def count_regions(session: Session) -> int:
    """Count stored regions."""
    return session.scalar(select(func.count()).select_from(Region)) or 0


def _within(scopes: Sequence[str]):  # type: ignore[no-untyped-def]
    return or_(*(or_(Region.code == s, Region.code.startswith(s + ".")) for s in scopes))


def find_kecamatan(
    session: Session, scopes: Sequence[str] | None, *, query: str | None = None, code: str | None = None,
    limit: int = 50,
) -> list[tuple[Region, str]]:
    """Find kecamatan inside any of `scopes` (None: anywhere) by code or by part of the name.

    Returns (kecamatan, kabupaten/kota name) pairs ordered by name.
    """
    if query is not None and len(query) > MAX_NAME_QUERY:
        # No name is this long, and SQLite refuses long LIKE patterns ("LIKE or GLOB pattern too complex").
        return []
    parent = aliased(Region)
    stmt = (
        select(Region, parent.name)
        .join(parent, Region.parent_code == parent.code)
        .where(Region.level == RegionLevel.DISTRICT)
        .order_by(Region.name, Region.code)
        .limit(limit)
    )
    if scopes is not None:
        stmt = stmt.where(_within(scopes))
    if code:
        stmt = stmt.where(Region.code == code)
    if query:
        stmt = stmt.where(func.lower(Region.name).contains(query.lower(), autoescape=True))
    return [(r, p) for r, p in session.execute(stmt)]



def find_regencies(session: Session, province_code: str, name: str) -> list[Region]:
    """Find the kabupaten/kota of a province named `name` (without case; "Banjarmasin" finds Kota Banjarmasin)."""
    if len(name) > MAX_NAME_QUERY:
        return []
    wanted = name.casefold()
    regencies = session.scalars(select(Region).where(Region.level == RegionLevel.REGENCY,
                                                     Region.parent_code == province_code).order_by(Region.code))
    return [r for r in regencies
            if wanted in (r.name.casefold(), r.name.casefold().removeprefix("kota ").removeprefix("kabupaten "))]
