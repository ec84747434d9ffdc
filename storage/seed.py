"""Idempotent reference-data loaders: the Kemendagri region tree, time zones, incident categories."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import IncidentCategory, Region, RegionLevel

REGION_COLUMNS = ("code", "name", "level", "parent_code", "province_code")

# (code, Indonesian name, English name), in the order officers see them.
CATEGORIES = (
    ("unjuk_rasa", "Unjuk rasa / demonstrasi", "Demonstration / protest"),
    ("konflik_sara", "Konflik sosial / SARA", "Social / ethnic-religious (SARA) conflict"),
    ("hoaks", "Hoaks & ujaran kebencian", "Hoax & hate speech"),
    ("politik_uang", "Politik uang", "Money politics"),
    ("radikalisme", "Radikalisme & intoleransi", "Radicalism & intolerance"),
    ("orang_asing", "Orang asing / lembaga asing", "Foreigners / foreign organisations"),
    ("gangguan_pemilu", "Gangguan pemilu / pilkada", "Election disturbance"),
    ("pengumpulan_massa", "Pengumpulan massa", "Mass gathering"),
    ("lainnya", "Lainnya", "Other"),
)


@dataclass
class SeedResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class RegionFileError(ValueError):
    """A region CSV row that does not fit the tree."""


def _data_file(name: str) -> IO[str]:
    return resources.files("storage").joinpath("data", "wilayah", name).open(encoding="utf-8")


def read_region_rows(stream: IO[str]) -> list[dict[str, str]]:
    """Read and check a region CSV (`code,name,level,parent_code,province_code`)."""
    reader = csv.DictReader(stream)
    missing = set(REGION_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        header = ",".join(reader.fieldnames or ())
        separator = next((f" (this file separates them with {name})" for sep, name in ((";", "semicolons"),
                          ("\t", "tabs")) if sep in header), "")
        raise RegionFileError(f"missing columns: {', '.join(sorted(missing))}; the columns must be separated by "
                              f"commas{separator}, header code,name,level,parent_code,province_code, UTF-8")
    rows = []
    for line, row in enumerate(reader, start=2):
        code = row["code"].strip()
        level = row["level"].strip()
        parent = row["parent_code"].strip()
        depth = {"province": 1, "regency": 2, "district": 3}.get(level)
        if depth is None or code.count(".") + 1 != depth:
            raise RegionFileError(f"line {line}: level {level!r} does not fit code {code!r}")
        if (depth == 1) != (parent == "") or (parent and code.rsplit(".", 1)[0] != parent):
            raise RegionFileError(f"line {line}: parent {parent!r} does not fit code {code!r}")
        rows.append({"code": code, "name": row["name"].strip(), "level": level,
                     "parent_code": parent or None, "province_code": code[:2]})
    return rows


def load_regions(session: Session, rows: Iterable[dict[str, str]], timezones: dict[str, str]) -> SeedResult:
    """Insert missing regions and update renamed ones; parents must be stored or come first."""
    result = SeedResult()
    existing = {r.code: r for r in session.scalars(select(Region))}
    for row in rows:
        tz = timezones.get(row["code"]) if row["level"] == "province" else None
        region = existing.get(row["code"])
        if region is None:
            if row["parent_code"] and row["parent_code"] not in existing:
                raise RegionFileError(f"region {row['code']}: parent {row['parent_code']} is unknown")
            region = Region(code=row["code"], name=row["name"], level=RegionLevel(row["level"]),
                            parent_code=row["parent_code"], province_code=row["province_code"], tz=tz)
            session.add(region)
            existing[region.code] = region
            result.added += 1
        elif region.name != row["name"] or (tz and region.tz != tz):
            region.name = row["name"]
            region.tz = tz or region.tz
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


def read_timezones() -> dict[str, str]:
    """Return province code → IANA time zone, for all 38 provinces."""
    with _data_file("timezones.csv") as f:
        return {row["province_code"]: row["iana_timezone"] for row in csv.DictReader(f)}


def load_kalimantan(session: Session) -> SeedResult:
    """Load the shipped Kalimantan region tree (provinces 61–65)."""
    with _data_file("kalimantan_regions.csv") as f:
        rows = read_region_rows(f)
    return load_regions(session, rows, read_timezones())


def import_regions(session: Session, path: Path) -> SeedResult:
    """Load more regions from a CSV file in the shipped format."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = read_region_rows(f)
    return load_regions(session, rows, read_timezones())


def load_categories(session: Session) -> SeedResult:
    """Insert the standard incident categories that are missing; edited ones are left alone."""
    result = SeedResult()
    known = set(session.scalars(select(IncidentCategory.code)))
    for position, (code, name_id, name_en) in enumerate(CATEGORIES):
        if code in known:
            result.unchanged += 1
            continue
        session.add(IncidentCategory(code=code, name_id=name_id, name_en=name_en, position=position))
        result.added += 1
    session.flush()
    return result
