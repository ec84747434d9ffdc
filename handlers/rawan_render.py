"""Write the monthly peta rawan PDF report (fpdf2), with the map of handlers/rawan_map.py on its second page."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from handlers.rawan import RawanData, period_text
from handlers.rawan_map import draw_map
from handlers.texts import t

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


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

