"""Files for offices: incident reports streamed to CSV, XLSX or GeoJSON, and the peta rawan as CSV or GeoJSON."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

from handlers.localtime import local_iso, zone_abbreviation
from handlers.rawan import KecamatanScore
from handlers.texts import t
from storage import geo
from storage.incidents import LIST_COLUMNS
from storage.rawan import EXPORT_COLUMNS

FORMATS = ("csv", "xlsx", "geojson")
# A report's fields in the order of every file. In CSV each time is two columns: ISO 8601 with the office's
# offset, then the office's wall clock; in XLSX a typed local date; in GeoJSON the ISO form.
FIELDS = ("number", "occurred_at", "created_at", "category", "kecamatan_code", "kecamatan", "kabkota", "place",
          "severity", "status", "reporter", "description", "actors", "crowd_size", "crowd_size_text",
          "action_taken", "latitude", "longitude", "attachments", "channel")
TIME_FIELDS = ("occurred_at", "created_at")
CSV_COLUMNS = tuple(name for c in FIELDS for name in ((f"{c}_iso", c) if c in TIME_FIELDS else (c,)))
_OCCURRED, _CREATED = FIELDS.index("occurred_at"), FIELDS.index("created_at")
_ENUMS = (FIELDS.index("severity"), FIELDS.index("status"))

# OWASP's rule against formula (CSV) injection: a cell that begins with one of these may be run by a
# spreadsheet, so its text gets a ' in front. Text that already begins with ' and then one of them gets one
# more, so that removing one ' from any cell of this form always gives back the officer's text.
_RUNNABLE = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTE_FIRST = frozenset("=+-@\t\r'")


def neutralise(text: str) -> str:
    """Put a ' before text a spreadsheet could take for a formula (OWASP), or that looks already quoted.

    >>> neutralise("=1+1"), neutralise("+62 812"), neutralise("'=1+1"), neutralise("'kutipan'"), neutralise("Pasar")
    ("'=1+1", "'+62 812", "''=1+1", "'kutipan'", 'Pasar')
    """
    return "'" + text if text[:1] in _QUOTE_FIRST and _NEEDS_QUOTE.match(text) else text


def headers(columns: Iterable[str], lang: str, tz: str) -> list[str]:
    """Return the readable column titles; local times are labelled with the office's zone."""
    zone = zone_abbreviation(tz)
    return [t(f"export.col.{c}", lang, zone=zone) for c in columns]


def _values(rows: Iterable[tuple[Any, ...]], zone: ZoneInfo, lang: str) -> Iterator[list[Any]]:
    """Each row's values in `FIELDS` order: times in the office's zone, names in the language, enums as text."""
    picks = [EXPORT_COLUMNS.index("category_en" if c == "category" and lang == "en" else c) for c in FIELDS]
    for row in rows:
        values = [row[i] for i in picks]
        values[_OCCURRED] = values[_OCCURRED].astimezone(zone)
        values[_CREATED] = values[_CREATED].astimezone(zone)
        for i in _ENUMS:
            values[i] = values[i].value
        yield values


def write_reports(rows: Iterable[tuple[Any, ...]], fmt: str, out: IO[Any], *, lang: str, tz: str,
                  on_row: Callable[[], None] = lambda: None) -> int:
    """Write streamed report rows in a format to an open file (text for csv/geojson, binary for xlsx)."""
    writer = {"csv": _csv, "xlsx": _xlsx, "geojson": _geojson}[fmt]
    return writer(_counting(_values(rows, ZoneInfo(tz), lang), on_row), out, lang, tz)


def _counting(values: Iterator[list[Any]], on_row: Callable[[], None]) -> Iterator[list[Any]]:
    for v in values:
        yield v
        on_row()


def _csv(values: Iterator[list[Any]], out: IO[str], lang: str, tz: str) -> int:
    # The byte order mark tells LibreOffice and Excel the file is UTF-8 (without it they show "Â±" for "±").
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(CSV_COLUMNS, lang, tz))
    needs_quote = _NEEDS_QUOTE.match
    count = 0
    for v in values:
        # neutralise(), inlined: this runs for every field of every report. None is written as an empty field.
        line = [("'" + x if x[:1] in _QUOTE_FIRST and needs_quote(x) else x) if x.__class__ is str else x for x in v]
        occurred, created = v[_OCCURRED].isoformat(timespec="seconds"), v[_CREATED].isoformat(timespec="seconds")
        # ISO 8601 with the offset, then the wall clock ("2026-11-20T09:30:00+08:00", "2026-11-20 09:30").
        line[_OCCURRED:_CREATED + 1] = (occurred, f"{occurred[:10]} {occurred[11:16]}",
                                        created, f"{created[:10]} {created[11:16]}")
        writer.writerow(line)
        count += 1
    return count


# XLSX layout: columns fitted to the first rows' content within these widths (in characters); free text wraps.
XLSX_SAMPLE_ROWS = 500
XLSX_MIN_WIDTH = 6
XLSX_MAX_WIDTH = 50
XLSX_WRAP = frozenset({"place", "reporter", "description", "actors", "crowd_size_text", "action_taken"})
XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Row heights in points: a line of the 11 pt font (Excel spaces them 14.5, LibreOffice 12.8; the taller, so that
# no line is cut), the cell's padding, and Excel's largest row.
XLSX_LINE_HEIGHT = 14.5
XLSX_ROW_PADDING = 2
XLSX_MAX_HEIGHT = 409
# Characters XML 1.0 cannot hold (the chat never stores them; other paths might): shown as U+FFFD.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY = timedelta(days=1)
_SHEET = "xl/worksheets/sheet1.xml"
_WORKBOOK = "xl/workbook.xml"


def _display_width(value: Any) -> int:
    if isinstance(value, datetime):
        return len(XLSX_DATE_FORMAT)
    if isinstance(value, str):
        return max(map(len, value.split("\n")))
    return 0 if value is None else len(str(value))


def column_width(title: str, sample: Iterable[Any]) -> int:
    """Return a column's width: its widest value or the title's longest word (titles wrap), within the limits."""
    # Bold letters are about a fifth wider.
    title_width = -(-max(map(len, title.split())) * 6 // 5)
    widest = max(title_width, max(map(_display_width, sample), default=0))
    return min(XLSX_MAX_WIDTH, max(XLSX_MIN_WIDTH, widest + 2))


def _lines(text: str, width: int) -> int:
    # About as many characters fit a line as the column is wide (narrow letters make up for wrapping at words).
    return sum(max(1, -(-len(paragraph) // width)) for paragraph in text.split("\n"))


def row_height(texts: Iterable[tuple[str, int]]) -> float | None:
    """Return the height a row of wrapped texts (text, column width) needs, or None when one line does."""
    lines = max((_lines(text, width) for text, width in texts), default=1)
    return None if lines <= 1 else min(XLSX_MAX_HEIGHT, XLSX_ROW_PADDING + lines * XLSX_LINE_HEIGHT)


def _xlsx(values: Iterator[list[Any]], out: IO[bytes], lang: str, tz: str) -> int:
    """Write the sheet: openpyxl makes the workbook (styles, page setup, header row); the rows are streamed in.

    openpyxl's write-only mode takes about 15 microseconds a cell, 35 s for 100,000 reports; the rows here are
    the same XML written directly (several times faster, BENCHMARKS.md), streamed into the zip: memory stays flat.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.styles.fonts import DEFAULT_FONT
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook(write_only=True)
    sheet = book.create_sheet(t("export.sheet", lang))
    titles = headers(FIELDS, lang, tz)
    # Column widths come before the rows in the file: they fit the first rows (longer text in later ones wraps).
    first = list(islice(values, XLSX_SAMPLE_ROWS))
    widths = [column_width(title, (v[i] for v in first)) for i, title in enumerate(titles)]
    letters = [get_column_letter(i) for i in range(1, len(FIELDS) + 1)]
    for letter, width in zip(letters, widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)
    sheet.print_options.gridLines = True
    sheet.oddFooter.center.text = t("export.page", lang)
    # The filter's range names the last row, known once the rows are written: a placeholder until then.
    sheet.auto_filter.ref = f"A1:{letters[-1]}1"

    def style(**attributes: Any) -> int:
        cell = WriteOnlyCell(sheet)
        for name, value in attributes.items():
            setattr(cell, name, value)
        return cell.style_id  # adds the style to the workbook's

    bold = Font(name=DEFAULT_FONT.name, size=DEFAULT_FONT.size, bold=True)
    header = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    # LibreOffice does not grow rows to their wrapped text when it opens a file: each row says its height.
    sheet.row_dimensions[1].height = row_height(zip(titles, widths, strict=True))
    sheet.append(header)
    wrap = Alignment(wrap_text=True)
    styles = _Styles(date=style(number_format=XLSX_DATE_FORMAT), wrap=style(alignment=wrap),
                     # quotePrefix: the text stays text when someone edits the cell (Excel's leading ').
                     quoted=style(quotePrefix=True), wrap_quoted=style(alignment=wrap, quotePrefix=True))
    scaffold = io.BytesIO()
    book.save(scaffold)

    wrapping = [i for i, c in enumerate(FIELDS) if c in XLSX_WRAP]
    with zipfile.ZipFile(scaffold) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        head, tail = source.read(_SHEET).split(b"</sheetData>")
        count = 0
        part_info = zipfile.ZipInfo(_SHEET, date_time=source.getinfo(_SHEET).date_time)
        part_info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(part_info, "w") as part:
            part.write(head)
            rows = _sheet_rows(chain(first, values), letters, [widths[i] for i in wrapping], wrapping, styles)
            for count, xml in enumerate(rows, start=1):
                part.write(xml)
            filtered = f"A1:{letters[-1]}{count + 1}"
            part.write(b"</sheetData>" + tail.replace(f'ref="A1:{letters[-1]}1"'.encode(),
                                                      f'ref="{filtered}"'.encode()))
        for item in source.infolist():
            if item.filename == _WORKBOOK:
                absolute = f"$A$1:${letters[-1]}$"
                target.writestr(item, source.read(item).replace(f"{absolute}1<".encode(),
                                                                f"{absolute}{count + 1}<".encode()))
            elif item.filename != _SHEET:
                target.writestr(item, source.read(item))
    return count


class _Styles(NamedTuple):
    date: int
    wrap: int
    quoted: int
    wrap_quoted: int


def _sheet_rows(values: Iterable[list[Any]], letters: list[str], widths: list[int], wrapping: list[int],
                styles: _Styles) -> Iterator[bytes]:
    """Yield each report's <row> of the sheet's XML, numbered from 2 (under the header)."""
    wrapped = frozenset(wrapping)
    for number, v in enumerate(values, start=2):
        cells = []
        for i, value in enumerate(v):
            if value is None:
                continue
            ref = f"{letters[i]}{number}"
            kind = value.__class__
            if kind is str:
                runnable = value.startswith(_RUNNABLE)
                if i in wrapped:
                    style = styles.wrap_quoted if runnable else styles.wrap
                else:
                    style = styles.quoted if runnable else 0
                cells.append(_inline_string(ref, value, style))
            elif kind is datetime:
                # Excel has no time zones: the office's wall clock, with the zone named in the header.
                serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH) / _DAY
                cells.append(f'<c r="{ref}" s="{styles.date}"><v>{serial!r}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
        height = row_height((v[i], width) for i, width in zip(wrapping, widths, strict=True) if v[i])
        size = "" if height is None else f' ht="{height:g}" customHeight="1"'
        yield f'<row r="{number}"{size}>{"".join(cells)}</row>'.encode()


def _inline_string(ref: str, text: str, style: int) -> str:
    """Return a cell of text, never a formula: openpyxl would write a text beginning with "=" as one."""
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("\ufffd", text)
    # A carriage return as a reference, or an XML reader would read it as a line feed.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _geojson(values: Iterator[list[Any]], out: IO[str], lang: str, tz: str) -> int:
    # Features are written one at a time so the collection never sits in memory.
    encode = json.JSONEncoder(ensure_ascii=False).encode
    latitude, longitude = FIELDS.index("latitude"), FIELDS.index("longitude")
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for v in values:
        has_point = v[latitude] is not None and v[longitude] is not None
        geometry = {"type": "Point", "coordinates": [v[longitude], v[latitude]]} if has_point else None
        v[_OCCURRED] = v[_OCCURRED].isoformat(timespec="seconds")
        v[_CREATED] = v[_CREATED].isoformat(timespec="seconds")
        feature = {"type": "Feature", "geometry": geometry, "properties": dict(zip(FIELDS, v, strict=True))}
        out.write(("" if count == 0 else ",\n") + encode(feature))
        count += 1
    out.write("\n]}\n")
    return count


# -- `siaga reports list`: every stored report, for scripts -----------------------------------------

LIST_FIELDS = tuple(c for c in LIST_COLUMNS if c != "tz")


def report_list_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """Turn streamed `reports list` rows into plain values; times in each report's office zone, ISO 8601."""
    for row in rows:
        values = dict(zip(LIST_COLUMNS, row, strict=True))
        tz = values.pop("tz")
        for c in TIME_FIELDS:
            values[c] = local_iso(values[c], tz)
        values["severity"] = values["severity"].value
        values["status"] = values["status"].value
        yield values


def write_report_list(values: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    """Stream reports as CSV (column names, OWASP's ' rule, no BOM: a script's input) or as a JSON array."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(LIST_FIELDS)
        for v in values:
            writer.writerow([neutralise(x) if isinstance(x, str) else x for x in (v[c] for c in LIST_FIELDS)])
            count += 1
        return count
    encode = json.JSONEncoder(ensure_ascii=False).encode
    out.write("[")
    for v in values:
        out.write(("\n" if count == 0 else ",\n") + encode(v))
        count += 1
    out.write("\n]\n" if count else "]\n")
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
