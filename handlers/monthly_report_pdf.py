"""The monthly peta rawan report as a naskah dinas (fpdf2): kop, addressee, the month beside the one before, tables,
tinggi incidents, silent areas, signature block, and the map as its lampiran."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from handlers import rawan_data
from handlers.localtime import zone_abbreviation
from handlers.monthly_report import (
    MonthlyReport,
    clock_text,
    column_text,
    date_text,
    month_text,
    nip_text,
    number_text,
    period_text,
    report_number,
)
from handlers.texts import t

FONT_DIR = Path(__file__).resolve().parent / "fonts"
# Liberation Sans (SIL OFL 1.1, fonts/LICENSE-Liberation.txt) has Arial's metrics: tata naskah dinas asks for Arial.
FONTS = {"": "LiberationSans-Regular.ttf", "B": "LiberationSans-Bold.ttf"}
# A civil servant's NIP: born YYYYMMDD, appointed YYYYMM, sex 1 or 2, a three-digit number.


# -- the document ----------------------------------------------------------------------------------

PAGE_MARGINS = (30.0, 20.0, 20.0)  # left, top, right (mm), as tata naskah dinas asks: 3 cm binding edge
BOTTOM_MARGIN = 22.0
BODY_PT, BODY_LINE = 11.0, 5.6
TABLE_PT, TABLE_LINE = 9.5, 4.8
GREY_FILL = (232, 232, 232)


def _document(report: MonthlyReport, lang: str) -> Any:
    from fpdf import FPDF

    lh = report.letterhead
    region, month = lh.region_full(lang), month_text(report, lang)
    footer = t("monthly_report.footer", lang, region=region, month=month)

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("Sans", "", 8)
            self.set_text_color(90)
            self.cell(self.epw * 0.72, 4, footer, align="L")
            self.cell(0, 4, t("monthly_report.page", lang, page=self.page_no(), pages="{nb}"), align="R")
            self.set_text_color(0)

    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(*PAGE_MARGINS)
    pdf.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
    for style, name in FONTS.items():
        pdf.add_font("Sans", style, str(FONT_DIR / name))
    pdf.set_lang(lang)
    pdf.set_title(t("monthly_report.hal", lang, region=region, month=month))
    pdf.set_author(f"{lh.unit} {region}")
    pdf.set_creator("Siaga")
    # The file's own date is the report's (the injected clock's), not the machine's.
    pdf.set_creation_date(report.issued_at)
    return pdf


def _room(pdf: Any, height: float) -> None:
    """Start a new page unless `height` mm still fit above the bottom margin."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _font(pdf: Any, style: str = "", size: float = BODY_PT) -> None:
    pdf.set_font("Sans", style, size)


def _paragraph(pdf: Any, text: str, *, align: str = "J", size: float = BODY_PT, line: float = BODY_LINE) -> None:
    _font(pdf, "", size)
    pdf.multi_cell(0, line, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: Any, text: str, keep: float) -> None:
    """Write a section heading (left-aligned), on the next page if it and `keep` mm after it do not fit."""
    if pdf.get_y() > pdf.t_margin + 1:
        pdf.ln(3)
    _font(pdf, "B")
    _room(pdf, _lines(pdf, pdf.epw, text, 6) + 1.5 + keep)
    pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


TABLE_PAD = (1.0, 1.5)  # top and bottom, left and right (mm)
# A table split over two pages leaves at least this many rows on each (shorter tables are never split).
TABLE_MIN_ROWS = 3


def _lines(pdf: Any, width: float, text: str, line: float) -> float:
    """Return the height a text wraps to in a column of `width` mm."""
    return len(pdf.multi_cell(width, line, text, dry_run=True, output="LINES")) * line


def _row_height(pdf: Any, values: list[str], widths: list[float], style: str = "") -> float:
    _font(pdf, style, TABLE_PT)
    return max(_lines(pdf, w - 2 * TABLE_PAD[1], v or " ", TABLE_LINE) for v, w in zip(values, widths, strict=True)) \
        + 2 * TABLE_PAD[0]


def _split(pdf: Any, head: float, heights: list[float], lead: float) -> list[int]:
    """Choose how many rows go on each page: the header repeated, no page with fewer than TABLE_MIN_ROWS rows;
    `lead` mm above the table (its heading) go with its first rows."""
    counts: list[int] = []
    top, left = pdf.get_y() + lead, len(heights)
    while left:
        room = pdf.page_break_trigger - top - head - 0.5
        fit, used = 0, 0.0
        for h in heights[len(heights) - left:]:
            if used + h > room:
                break
            fit, used = fit + 1, used + h
        if fit < left:
            fit = min(fit, left - TABLE_MIN_ROWS)  # leave enough for the next page
        if fit < min(TABLE_MIN_ROWS, left) and top > pdf.t_margin:
            counts.append(0)  # nothing here: the table starts (or goes on) on the next page
        else:
            fit = max(fit, 1)
            counts.append(fit)
            left -= fit
        top = pdf.t_margin
    return counts


def _table(pdf: Any, header: list[str], rows: list[list[str]], widths: list[float], aligns: str, *,
           total: list[str] | None = None, title: str | None = None) -> None:
    """Draw a table (after its section `title`), its header row on every page it spans, never leaving a page with
    a row or two of it, or a title without it."""
    from fpdf.fonts import FontFace

    body = [*rows, *([total] if total is not None else [])]
    head = _row_height(pdf, header, widths, "B")
    heights = [_row_height(pdf, r, widths, "B" if r is total else "") for r in body]
    lead = 0.0
    if title:
        _font(pdf, "B")
        lead = 3 + _lines(pdf, pdf.epw, title, 6) + 1.5
    done = 0
    for n, count in enumerate(_split(pdf, head, heights, lead)):
        if n:
            pdf.add_page()
        if title and count:
            _heading(pdf, title, 0)
            title = None
        if not count:
            continue
        _font(pdf, "", TABLE_PT)
        with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", line_height=TABLE_LINE,
                       padding=(TABLE_PAD[0], TABLE_PAD[1]), first_row_as_headings=True, v_align="TOP",
                       headings_style=FontFace(emphasis="BOLD", fill_color=GREY_FILL)) as table:
            row = table.row()
            for text, align in zip(header, aligns, strict=True):
                row.cell(text, align="L" if align == "L" else "C")
            for values in body[done:done + count]:
                row = table.row()
                style = FontFace(emphasis="BOLD") if values is total else None
                for text, align in zip(values, aligns, strict=True):
                    row.cell(text, align=align, style=style)
        done += count
    pdf.ln(2)


def _kop(pdf: Any, report: MonthlyReport, lang: str) -> None:
    """Draw the letterhead: logo, government, unit, address and contacts, a double rule."""
    lh = report.letterhead
    top = pdf.t_margin - 8
    logo = lh.logo if lh.logo and Path(lh.logo).is_file() else None
    if logo:
        pdf.image(logo, x=pdf.l_margin - 8, y=top, h=24, keep_aspect_ratio=True, w=24)
    # The text is centred in the writing area, or in the room beside the logo when there is one.
    left = pdf.l_margin + (20 if logo else 0)
    width = pdf.epw - (20 if logo else 0)
    pdf.set_xy(left, top)
    _font(pdf, "B", 13)
    pdf.multi_cell(width, 6, lh.government(lang), align="C", new_x="LEFT", new_y="NEXT")
    _font(pdf, "B", 15)
    pdf.multi_cell(width, 7, lh.unit.upper(), align="C", new_x="LEFT", new_y="NEXT")
    _font(pdf, "", 9)
    if lh.address:
        pdf.multi_cell(width, 4.5, lh.address, align="C", new_x="LEFT", new_y="NEXT")
    contacts = [t("monthly_report.phone", lang, phone=lh.phone) if lh.phone else "",
                t("monthly_report.email", lang, email=lh.email) if lh.email else ""]
    if any(contacts):
        pdf.multi_cell(width, 4.5, "   ".join(c for c in contacts if c), align="C", new_x="LEFT", new_y="NEXT")
    y = max(pdf.get_y(), top + (25 if logo else 0)) + 1.5
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw, y)
    pdf.set_line_width(0.25)
    pdf.line(pdf.l_margin, y + 1.1, pdf.l_margin + pdf.epw, y + 1.1)
    pdf.set_xy(pdf.l_margin, y + 5)


def _number_text(report: MonthlyReport) -> str:
    pattern = report.letterhead.number_pattern
    return report_number(pattern, report.issued) if pattern else "." * 40


def _heading_block(pdf: Any, report: MonthlyReport, lang: str) -> None:
    """Write the place and date of issue, Nomor, Lampiran and Hal, and the addressee."""
    lh = report.letterhead
    _font(pdf)
    when = t("monthly_report.place_date", lang, place=lh.city() or "." * 24, date=date_text(report.issued, lang))
    labels = [(t("monthly_report.number", lang), _number_text(report)),
              (t("monthly_report.attachment", lang), t("monthly_report.attachment_count", lang)),
              (t("monthly_report.hal_label", lang), t("monthly_report.hal", lang, region=lh.region_full(lang),
                                                      month=month_text(report, lang)))]
    y = pdf.get_y()
    for n, (label, value) in enumerate(labels):
        pdf.cell(22, BODY_LINE, label)
        pdf.cell(4, BODY_LINE, ":")
        pdf.multi_cell(82, BODY_LINE, value, align="L", new_x="LMARGIN", new_y="NEXT")
        if n == 0:  # the place and date of issue stand at the right of the number's line
            after = pdf.get_y()
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(0, BODY_LINE, when, align="R")
            pdf.set_xy(pdf.l_margin, after)
    pdf.ln(BODY_LINE)
    pdf.cell(10, BODY_LINE, t("monthly_report.yth", lang))
    pdf.multi_cell(92, BODY_LINE, lh.addressee(lang), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(BODY_LINE)


def _title(pdf: Any, report: MonthlyReport, lang: str) -> None:
    _font(pdf, "B", 12)
    for line in (t("monthly_report.title", lang).upper(), report.letterhead.region_full(lang).upper(),
                 t("monthly_report.title_period", lang, period=period_text(report, lang, upper=True))):
        pdf.multi_cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _band(score: rawan_data.KecamatanScore | None, lang: str) -> str:
    if score is None or score.band is None:
        return "–"
    return f"{t(f'rawan.band.{score.band}', lang)} ({score.shown})"


def _tinggi_reports(data: rawan_data.RawanData) -> int:
    return dict(data.by_severity).get("tinggi", 0)


def _summary(report: MonthlyReport, lang: str) -> list[str]:
    """Write the summary paragraphs: this month's figures with the month before beside them."""
    now, before = report.current, report.previous
    n = lambda value: number_text(value, lang)  # noqa: E731 - a short alias keeps the sentence below readable
    lines = [t("monthly_report.summary", lang, period=period_text(report, lang), reports=n(now.reports),
               scored=n(len(now.scored)), previous=month_text(report, lang, previous=True),
               previous_reports=n(before.reports), previous_scored=n(len(before.scored)),
               tinggi=n(now.band_count("tinggi")), sedang=n(now.band_count("sedang")),
               rendah=n(now.band_count("rendah")), previous_tinggi=n(before.band_count("tinggi")),
               previous_sedang=n(before.band_count("sedang")), previous_rendah=n(before.band_count("rendah")),
               none=n(len(now.without_reports)), total=n(len(now.scores)),
               previous_none=n(len(before.without_reports)), tinggi_reports=n(_tinggi_reports(now)),
               previous_tinggi_reports=n(_tinggi_reports(before)))]
    if now.scored:
        top = ", ".join(f"{s.name} ({s.shown}, {t(f'rawan.band.{s.band}', lang)})" for s in now.scored[:3])
        lines.append(t("monthly_report.summary_top", lang, names=top))
    order = {"rendah": 1, "sedang": 2, "tinggi": 3}
    was = {s.code: s for s in before.scores}
    risen = [(s, was[s.code]) for s in now.scored
             if s.code in was and was[s.code].band and order[s.band or "rendah"] > order[was[s.code].band or ""]]
    if risen:
        lines.append(t("monthly_report.summary_risen", lang, previous=month_text(report, lang, previous=True),
                       names=", ".join(t("monthly_report.risen", lang, name=s.name,
                                         was=t(f"rawan.band.{old.band}", lang), now=t(f"rawan.band.{s.band}", lang))
                                       for s, old in risen)))
    if now.blind:
        kabkota = {s.kabkota_code for s in now.scores}
        lines.append(t("monthly_report.summary_blind", lang, count=n(len(now.blind)), total=n(len(kabkota))))
    return lines


def _comparison(pdf: Any, report: MonthlyReport, lang: str) -> None:
    """Tabulate the month beside the one before: per kab/kota for a province, per kecamatan for a kab/kota."""
    now, before = report.current, report.previous
    this, last = column_text(report, lang), column_text(report, lang, previous=True)
    n = lambda value: number_text(value, lang)  # noqa: E731
    if report.letterhead.province:
        header = [t("rawan.col.kabkota", lang), t("monthly_report.col.reports_in", lang, month=last),
                  t("monthly_report.col.reports_in", lang, month=this),
                  t("monthly_report.col.hot_in", lang, month=last), t("monthly_report.col.hot_in", lang, month=this)]
        groups: dict[str, dict[str, Any]] = {}
        for month, data in (("last", before), ("this", now)):
            for s in data.scores:
                g = groups.setdefault(s.kabkota_code, {"name": s.kabkota, "office": s.office, "last": [0, 0],
                                                       "this": [0, 0]})
                g[month][0] += s.reports
                g[month][1] += s.band in ("sedang", "tinggi")
        rows = [[g["name"] + ("" if g["office"] else "*"), n(g["last"][0]), n(g["this"][0]), n(g["last"][1]),
                 n(g["this"][1])] for _, g in sorted(groups.items())]
        total = [t("monthly_report.total", lang), n(before.reports), n(now.reports),
                 n(before.band_count("sedang") + before.band_count("tinggi")),
                 n(now.band_count("sedang") + now.band_count("tinggi"))]
        _table(pdf, header, rows, [60, 22, 22, 28, 28], "LRRRR", total=total)
        if now.blind:
            pdf.ln(-1)
            _paragraph(pdf, t("monthly_report.no_office_mark", lang), align="L", size=TABLE_PT - 1, line=TABLE_LINE)
        return
    header = [t("rawan.col.kecamatan", lang), t("monthly_report.col.reports_in", lang, month=last),
              t("monthly_report.col.reports_in", lang, month=this), t("monthly_report.col.band_in", lang, month=last),
              t("monthly_report.col.band_in", lang, month=this)]
    was = {s.code: s for s in before.scores}
    rows = [[s.name, n(was[s.code].reports if s.code in was else 0), n(s.reports), _band(was.get(s.code), lang),
             _band(s, lang)] for s in sorted(now.scores, key=lambda s: (s.name, s.code))]
    total = [t("monthly_report.total", lang), n(before.reports), n(now.reports), "", ""]
    _table(pdf, header, rows, [48, 24, 24, 32, 32], "LRRLL", total=total)


def _ranking(pdf: Any, report: MonthlyReport, lang: str) -> None:
    data = report.current
    title = t("monthly_report.section.ranking", lang)
    if not data.scored:
        _heading(pdf, title, BODY_LINE)
        _paragraph(pdf, t("rawan.none", lang))
        return
    province = report.letterhead.province
    header = [t("rawan.col.rank", lang), t("rawan.col.kecamatan", lang)]
    header += [t("rawan.col.kabkota", lang)] if province else []
    header += [t(f"rawan.col.{c}", lang) for c in ("score", "band", "events", "reports")]
    rows = []
    for rank, s in enumerate(data.scored, start=1):
        row = [str(rank), s.name] + ([s.kabkota] if province else [])
        rows.append(row + [s.shown, t(f"rawan.band.{s.band}", lang), number_text(s.events, lang),
                           number_text(s.reports, lang)])
    widths = [10, 40, 40, 16, 20, 17, 17] if province else [10, 70, 18, 22, 20, 20]
    _table(pdf, header, rows, widths, "RLLRLRR" if province else "RLRLRR", title=title)


def _counts(pdf: Any, report: MonthlyReport, lang: str) -> None:
    """Tabulate reports by category and by severity, the month before beside this one."""
    this, last = column_text(report, lang), column_text(report, lang, previous=True)
    now, before = dict(report.current.by_category), dict(report.previous.by_category)
    names = list(dict.fromkeys([*report.category_en, *now, *before]))
    shown = [c for c in names if now.get(c) or before.get(c)]
    label = (lambda c: report.category_en.get(c, c)) if lang == "en" else (lambda c: c)
    if not shown:  # no reports in either month
        _heading(pdf, t("monthly_report.section.counts", lang), BODY_LINE)
        _paragraph(pdf, t("rawan.none", lang))
        return
    rows = [[label(c), number_text(before.get(c, 0), lang), number_text(now.get(c, 0), lang)] for c in shown]
    total = [t("monthly_report.total", lang), number_text(report.previous.reports, lang),
             number_text(report.current.reports, lang)]
    _table(pdf, [t("rawan.col.category", lang), last, this], rows, [100, 30, 30], "LRR", total=total,
           title=t("monthly_report.section.counts", lang))
    pdf.ln(1)
    now_s, before_s = dict(report.current.by_severity), dict(report.previous.by_severity)
    _table(pdf, [t("rawan.col.severity", lang), last, this],
           [[t(f"severity.{s}", lang), number_text(before_s.get(s, 0), lang), number_text(now_s.get(s, 0), lang)]
            for s in ("tinggi", "sedang", "rendah")], [100, 30, 30], "LRR")


def _short(text: str, limit: int = 280) -> str:
    """Cut a description to a few lines at a word boundary."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def _tinggi(pdf: Any, report: MonthlyReport, lang: str) -> None:
    """List the month's tinggi reports in short: number, time, where, what, status, place and description."""
    data = report.current
    if not data.tinggi:
        _paragraph(pdf, t("monthly_report.tinggi_none", lang))
        return
    kabkota = {s.code: s.kabkota for s in data.scores}
    zone = zone_abbreviation(data.tz)
    for i, r in enumerate(data.tinggi, start=1):
        where = r.kecamatan + (f", {kabkota.get(r.kecamatan_code, '')}" if report.letterhead.province else "")
        category = report.category_en.get(r.category, r.category) if lang == "en" else r.category
        head = t("monthly_report.tinggi_line", lang, number=r.number,
                 when=f"{date_text(r.occurred_at.astimezone(report.tz).date(), lang, 'd MMM y')} "
                      f"{clock_text(r.occurred_at, report.tz, lang)} {zone}",
                 where=where, category=category, status=t(f"status.{r.status.value}", lang))
        text = f"{r.place}: {_short(r.description)}"
        _font(pdf, "B", TABLE_PT)
        height = _lines(pdf, pdf.epw - 7, head, TABLE_LINE)
        _font(pdf, "", TABLE_PT)
        _room(pdf, height + _lines(pdf, pdf.epw - 7, text, TABLE_LINE))
        _font(pdf, "B", TABLE_PT)
        pdf.cell(7, TABLE_LINE, f"{i}.")
        pdf.multi_cell(0, TABLE_LINE, head, align="L", new_x="LMARGIN", new_y="NEXT")
        _font(pdf, "", TABLE_PT)
        pdf.set_x(pdf.l_margin + 7)
        pdf.multi_cell(0, TABLE_LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)
    more = _tinggi_reports(data) - len(data.tinggi)
    if more > 0:
        _paragraph(pdf, t("monthly_report.tinggi_more", lang, count=number_text(more, lang)), size=TABLE_PT)


def _silent(report: MonthlyReport, lang: str) -> list[str]:
    """Name the kecamatan without reports, and for a province the kab/kota without a Siaga office."""
    data = report.current
    found = []
    if data.blind:
        found.append(t("monthly_report.blind", lang, count=len(data.blind),
                       names=", ".join(name for _, name in data.blind)))
    heard = [s for s in data.without_reports if s.office]
    if not heard:
        return [*found, t("monthly_report.all_heard", lang)]
    if report.letterhead.province:
        groups: dict[str, list[str]] = {}
        for s in heard:
            groups.setdefault(s.kabkota, []).append(s.name)
        names = "; ".join(f"{kab}: {', '.join(sorted(kec))}" for kab, kec in sorted(groups.items()))
    else:
        names = ", ".join(sorted(s.name for s in heard))
    return [*found, t("monthly_report.unheard", lang, count=len(heard), names=names)]


# Room for a wet signature and stamp, or an electronic signature's mark; less when that keeps it with the text.
SIGN_SPACE, SIGN_SPACE_TIGHT = 22.0, 15.0
SIGNATURE_WIDTH = 85.0
# The last page of the laporan carries at least this many lines of text above its closing (never the signature alone).
LINES_BEFORE_CLOSING = 3
PARAGRAPH_GAP = 1.5


def _signature_lines(report: MonthlyReport, lang: str) -> tuple[list[str], list[str]]:
    lh = report.letterhead
    above = [t("monthly_report.place_date", lang, place=lh.city() or "." * 24, date=date_text(report.issued, lang)),
             lh.signer_title(lang).upper() + ","]
    below = [lh.head_name or "(" + "." * 50 + ")", *([lh.head_rank] if lh.head_rank else []),
             t("monthly_report.nip", lang, nip=nip_text(lh.head_nip) if lh.head_nip else "." * 36)]
    return above, below


def _signature(pdf: Any, report: MonthlyReport, lang: str, space: float = SIGN_SPACE) -> None:
    """Write the place and date, the jabatan, room to sign, the name and NIP (a dotted line where one is missing)."""
    above, below = _signature_lines(report, lang)
    x = pdf.l_margin + pdf.epw - SIGNATURE_WIDTH
    for n, text in enumerate([*above, *below]):
        if n == len(above):
            pdf.ln(space)
        _font(pdf, "BU" if n == len(above) and report.letterhead.head_name else "")
        pdf.set_x(x)
        pdf.multi_cell(SIGNATURE_WIDTH, BODY_LINE, text, align="C", new_x="LMARGIN", new_y="NEXT")
    _font(pdf)


def _signature_height(pdf: Any, report: MonthlyReport, lang: str, space: float = SIGN_SPACE) -> float:
    above, below = _signature_lines(report, lang)
    _font(pdf)
    return space + sum(_lines(pdf, SIGNATURE_WIDTH, text, BODY_LINE) for text in [*above, *below])


def _section_height(pdf: Any, title: str, paragraphs: list[str]) -> tuple[float, float]:
    """Return the height of a heading and its paragraphs, and of the paragraphs' lines alone."""
    _font(pdf, "B")
    head = 3 + _lines(pdf, pdf.epw, title, 6) + 1.5
    _font(pdf)
    text = sum(_lines(pdf, pdf.epw, p, BODY_LINE) for p in paragraphs)
    return head + text + PARAGRAPH_GAP * len(paragraphs), text


def _ending(pdf: Any, report: MonthlyReport, lang: str) -> None:
    """Write the last section, the closing and the signature so that the signature never stands alone on a page:
    all on this page; else with less room to sign; else with the last lines of the section before them on the
    next page; else with that whole section."""
    silent_title, silent = t("monthly_report.section.silent", lang), _silent(report, lang)
    closing_title, closing = t("monthly_report.section.closing", lang), [t("monthly_report.closing", lang)]
    section, text = _section_height(pdf, silent_title, silent)
    end = _section_height(pdf, closing_title, closing)[0] + 4
    room = pdf.page_break_trigger - pdf.get_y()
    carried = LINES_BEFORE_CLOSING * BODY_LINE
    space = SIGN_SPACE
    if section + end + _signature_height(pdf, report, lang) <= room:
        pass
    elif section + end + _signature_height(pdf, report, lang, SIGN_SPACE_TIGHT) <= room:
        space = SIGN_SPACE_TIGHT
    elif section - room >= carried:
        pass  # the section runs over to the next page by itself, with enough of it to go before the closing
    elif text >= 2 * carried and room >= section - text + carried:
        # Break the section early: its last lines go over with the closing.
        pdf.set_auto_page_break(True, margin=pdf.h - (pdf.get_y() + section - carried - 1))
    else:
        pdf.add_page()
    _heading(pdf, silent_title, carried)
    for paragraph in silent:
        _paragraph(pdf, paragraph)
        pdf.ln(PARAGRAPH_GAP)
    pdf.set_auto_page_break(True, margin=BOTTOM_MARGIN)
    _heading(pdf, closing_title, 0)
    for paragraph in closing:
        _paragraph(pdf, paragraph)
    pdf.ln(4)
    _signature(pdf, report, lang, space)


def _lampiran(pdf: Any, report: MonthlyReport, lang: str, image: Path, cache_dir: Path | None) -> None:
    """The map as the report's lampiran: its heading block, the map, and the signature again."""
    from handlers.rawan_map import draw_map

    pdf.add_page()
    lh = report.letterhead
    x, width = pdf.l_margin + pdf.epw * 0.45, pdf.epw * 0.55
    _font(pdf, "", 9.5)
    lines = [(t("monthly_report.lampiran_of", lang), ""),
             (t("monthly_report.lampiran_report", lang, title=lh.signer_title(lang)), ""),
             (t("monthly_report.number", lang), _number_text(report)),
             (t("monthly_report.date_label", lang), date_text(report.issued, lang))]
    for label, value in lines:
        pdf.set_x(x)
        if value:
            pdf.cell(20, 4.6, label.upper())
            pdf.cell(3, 4.6, ":")
            pdf.multi_cell(width - 23, 4.6, value, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(width, 4.6, label.upper(), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    draw_map(report.current, lang, image, cache_dir=cache_dir)  # it carries its own title, period, legend and sources
    side = min(pdf.epw, pdf.page_break_trigger - pdf.get_y() - _signature_height(pdf, report, lang) - 4)
    pdf.image(str(image), x=pdf.l_margin + (pdf.epw - side) / 2, y=pdf.get_y(), w=side, h=side)
    pdf.set_y(pdf.get_y() + side + 3)
    _signature(pdf, report, lang)


def write_report(report: MonthlyReport, lang: str, path: Path, *, cache_dir: Path | None = None) -> Path:
    """Write the monthly report as a PDF naskah dinas: the laporan, kop to signature, and the map as its lampiran."""
    pdf = _document(report, lang)
    pdf.add_page()
    _kop(pdf, report, lang)
    _heading_block(pdf, report, lang)
    _title(pdf, report, lang)

    _heading(pdf, t("monthly_report.section.intro", lang), keep=3 * BODY_LINE)
    _paragraph(pdf, t("monthly_report.intro", lang, region=report.letterhead.region_full(lang),
                      period=period_text(report, lang), zone=zone_abbreviation(report.current.tz),
                      total=len(report.current.scores)))
    pdf.ln(1.5)
    _paragraph(pdf, t("monthly_report.method", lang), size=TABLE_PT, line=TABLE_LINE)

    _heading(pdf, t("monthly_report.section.summary", lang), keep=3 * BODY_LINE)
    for text in _summary(report, lang):
        _paragraph(pdf, text)
        pdf.ln(1.5)
    _comparison(pdf, report, lang)

    _ranking(pdf, report, lang)
    _counts(pdf, report, lang)
    _heading(pdf, t("monthly_report.section.tinggi", lang), keep=3 * TABLE_LINE)
    _tinggi(pdf, report, lang)
    _ending(pdf, report, lang)

    image = path.with_name(path.name + ".map.png")
    try:
        _lampiran(pdf, report, lang, image, cache_dir)
    finally:
        image.unlink(missing_ok=True)
    pdf.output(str(path))
    return path
