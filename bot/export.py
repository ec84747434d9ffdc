"""Files for offices: incident reports streamed to CSV, XLSX or GeoJSON, and the peta rawan as CSV or GeoJSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from handlers.engine import zone_abbreviation
from handlers.rawan import KecamatanScore
from handlers.texts import t
from storage import geo
from storage.rawan import EXPORT_COLUMNS

FORMATS = ("csv", "xlsx", "geojson")
# Columns as they appear in the file, from the query's columns (`tz` only converts the times).
COLUMNS = tuple(c for c in EXPORT_COLUMNS if c != "tz")
TIME_COLUMNS = ("occurred_at", "created_at")
XLSX_WIDTHS = {"number": 24, "occurred_at": 17, "created_at": 17, "category": 26, "kecamatan": 20, "kabkota": 24,
               "place": 28, "reporter": 22, "description": 50, "actors": 30, "action_taken": 40}


def headers(lang: str, tz: str) -> list[str]:
    """Return the readable column titles; times are labelled with the office's zone."""
    zone = zone_abbreviation(tz)
    return [t(f"export.col.{c}", lang, zone=zone) for c in COLUMNS]


def _values(row: tuple[Any, ...], tz: ZoneInfo) -> dict[str, Any]:
    values = dict(zip(EXPORT_COLUMNS, row, strict=True))
    for c in TIME_COLUMNS:
        values[c] = values[c].astimezone(tz)
    values["severity"] = values["severity"].value
    values["status"] = values["status"].value
    return values


def write_reports(rows: Iterable[tuple[Any, ...]], fmt: str, out: IO[Any], *, lang: str, tz: str,
                  on_row: Callable[[], None] = lambda: None) -> int:
    """Write streamed report rows in a format to an open file (text for csv/geojson, binary for xlsx)."""
    zone = ZoneInfo(tz)
    values = (_values(row, zone) for row in rows)
    writer = {"csv": _csv, "xlsx": _xlsx, "geojson": _geojson}[fmt]
    return writer(_counting(values, on_row), out, lang, tz)


def _counting(values: Iterator[dict[str, Any]], on_row: Callable[[], None]) -> Iterator[dict[str, Any]]:
    for v in values:
        yield v
        on_row()


def _csv(values: Iterator[dict[str, Any]], out: IO[str], lang: str, tz: str) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers(lang, tz))
    count = 0
    for v in values:
        writer.writerow([v[c].isoformat(timespec="minutes") if c in TIME_COLUMNS else
                         ("" if v[c] is None else v[c]) for c in COLUMNS])
        count += 1
    return count


def _xlsx(values: Iterator[dict[str, Any]], out: IO[bytes], lang: str, tz: str) -> int:
    # Write-only mode streams rows to a temporary file: memory stays flat for any number of rows.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("export.sheet", lang))
    sheet.freeze_panes = "B2"
    for i, c in enumerate(COLUMNS):
        sheet.column_dimensions[_letter(i)].width = XLSX_WIDTHS.get(c, 12)
    bold = Font(bold=True)
    header = []
    for title in headers(lang, tz):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for v in values:
        line: list[Any] = []
        for c in COLUMNS:
            if c in TIME_COLUMNS:
                # Excel has no time zones: the local time, with the zone named in the header.
                cell = WriteOnlyCell(sheet, value=v[c].replace(tzinfo=None))
                cell.number_format = "yyyy-mm-dd hh:mm"
                line.append(cell)
            else:
                line.append(v[c])
        sheet.append(line)
        count += 1
    book.save(out)
    return count


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _geojson(values: Iterator[dict[str, Any]], out: IO[str], lang: str, tz: str) -> int:
    # Features are written one at a time so the collection never sits in memory.
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for v in values:
        has_point = v["latitude"] is not None and v["longitude"] is not None
        geometry = {"type": "Point", "coordinates": [v["longitude"], v["latitude"]]} if has_point else None
        properties = {c: (v[c].isoformat(timespec="minutes") if c in TIME_COLUMNS else v[c]) for c in COLUMNS}
        feature = {"type": "Feature", "geometry": geometry, "properties": properties}
        out.write(("" if count == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


# -- the peta rawan as data ------------------------------------------------------------------------

RAWAN_COLUMNS = ("rank", "code", "kecamatan", "kabkota", "score", "band", "events", "reports", "rendah", "sedang",
                 "tinggi", "raw", "office")
TABLE_COLUMNS = ("rank", "kecamatan", "kabkota", "score", "band", "events", "reports")


def rawan_rows(scores: list[KecamatanScore], lang: str) -> list[dict[str, Any]]:
    """Return the ranked table as text cells keyed by `RAWAN_COLUMNS`; a kecamatan without reports has no rank or score."""
    yes, no = t("rawan.office.yes", lang), t("rawan.office.no", lang)
    rows = []
    for rank, s in enumerate(scores, start=1):
        heard = s.score is not None
        rows.append({
            "rank": str(rank) if heard else "", "code": s.code, "kecamatan": s.name, "kabkota": s.kabkota,
            "score": s.shown, "band": t(f"rawan.band.{s.band or 'none'}", lang), "events": str(s.events),
            "reports": str(s.reports), "rendah": str(s.rendah), "sedang": str(s.sedang), "tinggi": str(s.tinggi),
            "raw": f"{s.raw:.4f}" if heard else "", "office": yes if s.office else no,
        })
    return rows


def write_rawan_csv(scores: list[KecamatanScore], out: IO[str], lang: str) -> None:
    """Write the ranked table as CSV with column titles in the reader's language."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([t(f"rawan.csv.{c}", lang) for c in RAWAN_COLUMNS])
    for row in rawan_rows(scores, lang):
        writer.writerow([row[c] for c in RAWAN_COLUMNS])


def rawan_table(scores: list[KecamatanScore], lang: str) -> list[tuple[str, ...]]:
    """Return the ranked table as text cells, header first; a kab/kota without a Siaga office is marked `*`."""
    header = tuple(t(f"rawan.col.{c}", lang) for c in TABLE_COLUMNS)
    marked = [{**row, "kabkota": row["kabkota"] + ("" if s.office else "*")}
              for s, row in zip(scores, rawan_rows(scores, lang), strict=True)]
    return [header] + [tuple(row[c] for c in TABLE_COLUMNS) for row in marked]


def write_rawan_table(scores: list[KecamatanScore], out: IO[str], lang: str) -> None:
    """Write the ranked table in aligned columns, with the counts of kecamatan without reports and of blind kab/kota."""
    table = rawan_table(scores, lang)
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")
    unheard = sum(1 for s in scores if s.score is None)
    if unheard:
        out.write(t("rawan.unheard", lang, count=unheard, total=len(scores)) + "\n")
    blind = sorted({(s.kabkota_code, s.kabkota) for s in scores if not s.office})
    if blind:
        out.write("* " + t("rawan.blind", lang, count=len(blind), names=", ".join(n for _, n in blind)) + "\n")


def write_rawan_geojson(scores: list[KecamatanScore], start: datetime, end: datetime, tz: str, out: IO[str]) -> None:
    """Write each kecamatan's polygon with its score, band and counts as properties (RFC 7946: QGIS, geojson.io).

    Every geometry is a MultiPolygon with counter-clockwise exterior rings; a kecamatan without reports has a null
    score, band and rank and `reports: 0`; the window's times carry the office's offset.
    """
    import shapely
    from shapely.geometry import mapping

    shapes = geo.kecamatan_boundaries()
    zone = ZoneInfo(tz)
    window = {"window_start": start.astimezone(zone).isoformat(), "window_end": end.astimezone(zone).isoformat()}
    out.write('{"type": "FeatureCollection", "features": [\n')
    for rank, s in enumerate(scores, start=1):
        heard = s.score is not None
        properties = {
            "code": s.code, "kecamatan": s.name, "kabkota_code": s.kabkota_code, "kabkota": s.kabkota,
            "rank": rank if heard else None, "score": int(s.shown) if heard else None, "band": s.band,
            "events": s.events, "reports": s.reports, "rendah": s.rendah, "sedang": s.sedang, "tinggi": s.tinggi,
            "raw": round(s.raw, 4) if heard else None, "office": s.office, **window,
        }
        boundary = shapes.get(s.code)  # None for a region imported from outside the shipped provinces
        geometry = mapping(shapely.orient_polygons(boundary.geometry, exterior_cw=False)) if boundary else None
        feature = {"type": "Feature", "geometry": geometry, "properties": properties}
        out.write(("" if rank == 1 else ",\n") + json.dumps(feature, ensure_ascii=False))
    out.write("\n]}\n")
