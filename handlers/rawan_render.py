"""Draw the peta rawan choropleth (matplotlib, headless) and write the monthly PDF report (fpdf2)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from handlers.rawan import RawanData, boundaries_of, period_text, score_text
from handlers.texts import t
from storage import geo

BAND_COLOURS = {"rendah": "#fee8a8", "sedang": "#fd8d3c", "tinggi": "#bd0026"}
NO_REPORTS = "#f2f2f2"
SEVERITY_MARKERS = {"rendah": "#2b8cbe", "sedang": "#08519c", "tinggi": "#000000"}
# Above this many kecamatan (a province), only those with reports get a name on the map.
LABEL_ALL_UP_TO = 40
LABEL_BUSIEST = 12
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _path(geometry: BaseGeometry) -> MplPath:
    """Turn a (multi)polygon with holes into one compound matplotlib path."""
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            coords = list(ring.coords)
            vertices.extend(coords)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(vertices, codes)


def map_figure(data: RawanData, lang: str) -> Figure:
    """Draw the choropleth: kecamatan coloured by band, names, report points, legend and period."""
    shapes = boundaries_of(data.scope)
    by_code = {s.code: s for s in data.scores}
    fig = Figure(figsize=(10, 10), dpi=120)
    ax = fig.add_subplot()
    label_all = len(shapes) <= LABEL_ALL_UP_TO
    for b in shapes:
        s = by_code.get(b.code)
        colour = BAND_COLOURS[s.band] if s and s.reports else NO_REPORTS
        ax.add_patch(PathPatch(_path(b.geometry), facecolor=colour, edgecolor="#555555", linewidth=0.6))
    if not label_all:
        # A province map: kabupaten/kota outlines and names for orientation, names only for the busiest kecamatan.
        for kab in geo.kabkota_boundaries().values():
            if kab.code.startswith(data.scope + "."):
                ax.add_patch(PathPatch(_path(kab.geometry), facecolor="none", edgecolor="#222222", linewidth=1.3))
                ax.annotate(kab.name, (kab.label.x, kab.label.y), ha="center", va="center", fontsize=7,
                            color="#444444", style="italic", zorder=2)
    named = {s.code for s in data.scores if s.reports}
    if not label_all:
        named = {s.code for s in data.scores[:LABEL_BUSIEST] if s.reports}
    for b in shapes:
        s = by_code.get(b.code)
        if label_all or b.code in named:
            text = f"{b.name}\n{score_text(s.score)}" if s and s.reports else b.name
            ax.annotate(text, (b.label.x, b.label.y), ha="center", va="center", fontsize=9 if label_all else 7,
                        color="#111111", zorder=4, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                                         "alpha": 0.7})
    if data.points:
        for severity, colour in SEVERITY_MARKERS.items():
            pts = [p for p in data.points if p.severity.value == severity]
            if pts:
                ax.scatter([p.longitude for p in pts], [p.latitude for p in pts], s=18, c=colour,
                           edgecolors="white", linewidths=0.6, zorder=5)
    if shapes:
        minx = min(b.geometry.bounds[0] for b in shapes)
        miny = min(b.geometry.bounds[1] for b in shapes)
        maxx = max(b.geometry.bounds[2] for b in shapes)
        maxy = max(b.geometry.bounds[3] for b in shapes)
        pad = 0.04 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        # Degrees of longitude shrink with latitude; this keeps the shapes true near the equator and beyond.
        ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_xlabel(t("rawan.map.lon", lang))
    ax.set_ylabel(t("rawan.map.lat", lang))
    ax.tick_params(labelsize=8)
    ax.set_title(t("rawan.map.title", lang, region=data.region_name) + "\n" + period_text(data, lang), fontsize=13)
    handles = [Patch(facecolor=BAND_COLOURS[b], edgecolor="#555555", label=t(f"rawan.map.band.{b}", lang))
               for b in ("tinggi", "sedang", "rendah")]
    handles.append(Patch(facecolor=NO_REPORTS, edgecolor="#555555", label=t("rawan.map.no_reports", lang)))
    handles += [Line2D([], [], marker="o", linestyle="", markerfacecolor=SEVERITY_MARKERS[s],
                       markeredgecolor="white", markersize=7,
                       label=t("rawan.map.point", lang, severity=t(f"severity.{s}", lang)))
                for s in ("tinggi", "sedang", "rendah")]
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9, title=t("rawan.map.legend", lang),
              title_fontsize=9)
    fig.text(0.99, 0.01, t("rawan.map.source", lang, reports=data.reports), ha="right", fontsize=7,
             color="#555555")
    fig.tight_layout()
    return fig


def draw_map(data: RawanData, lang: str, path: Path | IO[bytes]) -> None:
    """Write the choropleth as a PNG to a file name or an open binary file."""
    map_figure(data, lang).savefig(path, format="png")


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)


def _table(pdf: FPDF, header: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[int, ...],
           align: str = "LEFT") -> None:
    with pdf.table(col_widths=widths, text_align=align, headings_style=FontFace(emphasis="BOLD", fill_color=230),
                   line_height=6, first_row_as_headings=True) as table:
        for line in [header, *rows]:
            row = table.row()
            for cell in line:
                row.cell(cell)


def write_report(data: RawanData, lang: str, path: Path, *, month: str | None = None) -> Path:
    """Write the periodic PDF: cover, map, ranked table, counts by category and severity, tinggi reports."""
    tz = ZoneInfo(data.tz)
    period = period_text(data, lang)
    pdf = _Report(t("rawan.pdf.footer", lang, office=data.office_name, period=period))
    pdf.set_title(t("rawan.map.title", lang, region=data.region_name))
    pdf.set_author(data.office_name)

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 24)
    pdf.ln(40)
    pdf.multi_cell(0, 12, t("rawan.pdf.cover_title", lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, data.office_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(0, 8, t("rawan.pdf.cover_period", lang, period=period, month=month or "-"), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_font("DejaVu", "", 11)
    summary = t("rawan.pdf.summary", lang, reports=data.reports, kecamatan=len(data.scores),
                tinggi=data.band_count("tinggi"), sedang=data.band_count("sedang"), rendah=data.band_count("rendah"),
                none=len(data.without_reports))
    if data.blind:
        summary += "\n" + t("rawan.blind", lang, count=len(data.blind), names=", ".join(n for _, n in data.blind))
    pdf.multi_cell(0, 7, summary, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(30)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, t("rawan.pdf.method", lang), align="L", new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    _heading(pdf, t("rawan.pdf.map", lang))
    image = path.with_suffix(".map.png")
    draw_map(data, lang, image)
    pdf.image(str(image), x=pdf.l_margin, w=pdf.epw)
    image.unlink()

    pdf.add_page()
    _heading(pdf, t("rawan.pdf.ranking", lang))
    _table(pdf, tuple(t(f"rawan.col.{c}", lang) for c in ("rank", "kecamatan", "kabkota", "score", "band",
                                                            "events", "reports")),
           [(str(i), s.name, s.kabkota, s.shown, t(f"rawan.band.{s.band}", lang), str(s.events),
             str(s.reports)) for i, s in enumerate(data.scored, start=1)] or [("-",) * 7],
           (10, 45, 45, 18, 20, 18, 18))
    if data.without_reports:
        pdf.ln(3)
        pdf.multi_cell(0, 5, t("rawan.pdf.others_none", lang, count=len(data.without_reports)),
                       new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    _heading(pdf, t("rawan.pdf.by_category", lang))
    _table(pdf, (t("rawan.col.category", lang), t("rawan.col.reports", lang)),
           [(name, str(n)) for name, n in data.by_category] or [("-", "0")], (140, 40))
    pdf.ln(6)
    _heading(pdf, t("rawan.pdf.by_severity", lang))
    counts = dict(data.by_severity)
    _table(pdf, (t("rawan.col.severity", lang), t("rawan.col.reports", lang)),
           [(t(f"severity.{s}", lang), str(counts.get(s, 0))) for s in ("tinggi", "sedang", "rendah")], (140, 40))

    pdf.add_page()
    _heading(pdf, t("rawan.pdf.tinggi", lang))
    if not data.tinggi:
        pdf.multi_cell(0, 6, t("rawan.pdf.tinggi_none", lang), new_x="LMARGIN", new_y="NEXT")
    for r in data.tinggi:
        pdf.set_font("DejaVu", "B", 10)
        when = f"{r.occurred_at.astimezone(tz):%d/%m/%Y %H:%M}"
        pdf.multi_cell(0, 6, f"{r.number} · {when} · {r.kecamatan} · {r.category} · "
                             f"{t(f'status.{r.status.value}', lang)}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 5, f"{r.place}: {_short(r.description)}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.output(str(path))
    return path


def _short(text: str, limit: int = 300) -> str:
    """Cut a description to a few lines at a word boundary."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"

