"""The monthly peta rawan report's content: the letterhead (kop, NIP, number), the month beside the one before, and its
words in the reader's language (the PDF itself: `handlers.monthly_report_pdf`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers import rawan_data
from handlers.localtime import zone_abbreviation
from handlers.texts import t
from storage import incidents, people, regions
from storage.db import Session
from storage.models import Office, RegionLevel

_NIP = re.compile(r"(\d{8})(\d{6})([12])(\d{3})")
_PATTERN_FIELDS = ("year", "month", "roman")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
UNIT_DEFAULT = "Badan Kesatuan Bangsa dan Politik"
# The short names offices are created with ("Kesbangpol Kota Banjarmasin"): a kop spells the unit out.
_SHORT_UNIT = re.compile(r"^(?:ba)?kesbangpol\b", re.IGNORECASE)


def parse_nip(text: str) -> str:
    """Read a NIP written with or without spaces; raise ValueError unless it is 18 digits of a possible NIP.

    >>> parse_nip("19700101 199503 1 001")
    '197001011995031001'
    """
    digits = re.sub(r"[\s.]", "", text)
    m = _NIP.fullmatch(digits)
    if m is None:
        raise ValueError(text)
    born, appointed = m.group(1), m.group(2)
    date(int(born[:4]), int(born[4:6]), int(born[6:]))  # ValueError for a day that does not exist
    if not 1 <= int(appointed[4:]) <= 12 or int(appointed[:4]) <= int(born[:4]):
        raise ValueError(text)
    return digits


def nip_text(nip: str) -> str:
    """Write a NIP the way it is printed under a signature.

    >>> nip_text("197001011995031001")
    '19700101 199503 1 001'
    """
    m = _NIP.fullmatch(nip)
    return " ".join(m.groups()) if m else nip


def check_number_pattern(pattern: str) -> str:
    """Return a report number pattern if its only fields are {year}, {month} and {roman}; raise ValueError otherwise.

    >>> check_number_pattern("400.10/{roman}/Kesbangpol/{year}")
    '400.10/{roman}/Kesbangpol/{year}'
    """
    try:
        pattern.format(**dict.fromkeys(_PATTERN_FIELDS, ""))
    except (KeyError, IndexError, ValueError):
        raise ValueError(pattern) from None
    return pattern


def report_number(pattern: str, issued: date) -> str:
    """Fill a report number pattern for a day of issue.

    >>> report_number("400.10/{month}/{roman}/{year}", date(2026, 12, 3))
    '400.10/12/XII/2026'
    """
    return pattern.format(year=issued.year, month=f"{issued.month:02d}", roman=ROMAN[issued.month - 1])


def unit_name(office_name: str, region_name: str) -> str:
    """Name an office's unit as a kop writes it under its government: the region left off, `Kesbangpol` spelt out.

    >>> unit_name("Kesbangpol Kota Banjarmasin", "Kota Banjarmasin")
    'Badan Kesatuan Bangsa dan Politik'
    >>> unit_name("Badan Kesbangpol Provinsi Kalimantan Selatan", "Kalimantan Selatan")
    'Badan Kesbangpol'
    """
    name = " ".join(office_name.split())
    for suffix in (f"Provinsi {region_name}", region_name):
        if name.lower().endswith(" " + suffix.lower()):
            name = name[: -len(suffix) - 1]
            break
    return _SHORT_UNIT.sub(UNIT_DEFAULT, name) if _SHORT_UNIT.match(name) else name


@dataclass(frozen=True)
class Letterhead:
    """What an office prints on its documents: the kop, the number, the addressee and who signs."""

    province: bool
    region_name: str
    province_name: str
    unit: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    logo: str | None = None
    place: str | None = None
    number_pattern: str | None = None
    head_name: str | None = None
    head_nip: str | None = None
    head_title: str | None = None
    head_rank: str | None = None
    # The jabatan of the head of the office above, when it has set one (a kab/kota writes to its province).
    addressee_title: str | None = None
    addressee_unit: str = UNIT_DEFAULT

    def region_full(self, lang: str) -> str:
        """Return the region as its government is named: `Kota Banjarmasin`, `Provinsi Kalimantan Selatan`."""
        return t("monthly_report.province_of", lang, name=self.region_name) if self.province else self.region_name

    def government(self, lang: str) -> str:
        """Return the kop's first line, e.g. PEMERINTAH KOTA BANJARMASIN."""
        return t("monthly_report.government", lang, region=self.region_full(lang)).upper()

    def signer_title(self, lang: str) -> str:
        """Return the signer's jabatan: the one set, or the head of this unit of this region."""
        return self.head_title or t("monthly_report.head_of", lang, unit=self.unit, region=self.region_full(lang))

    def addressee(self, lang: str) -> str:
        """Return who the report goes to: the governor for a province, else the head of the province's unit."""
        if self.province:
            return t("monthly_report.governor", lang, province=self.province_name)
        return self.addressee_title or t("monthly_report.head_of", lang, unit=self.addressee_unit,
                                         region=t("monthly_report.province_of", lang, name=self.province_name))

    def city(self) -> str | None:
        """Return where the office signs: the place set, or a kota's own name."""
        if self.place:
            return self.place
        return self.region_name[len("Kota "):] if self.region_name.startswith("Kota ") else None

    def missing(self) -> list[str]:
        """Name the `siaga office set` options whose absence leaves a blank in the document."""
        wanted = {"--address": self.address, "--head-name": self.head_name, "--head-nip": self.head_nip,
                  "--place": self.city(), "--report-number": self.number_pattern}
        found = [option for option, value in wanted.items() if not value]
        if self.logo and not Path(self.logo).is_file():
            found.append("--logo (its file is gone)")
        return found


def letterhead(session: Session, office: Office) -> Letterhead:
    """Read an office's letterhead settings, and the head of the office it reports to."""
    region = office.region
    province_region = regions.get_region(session, region.province_code)
    province_name = province_region.name if province_region else region.province_code
    province = region.level == RegionLevel.PROVINCE
    above = None if province else people.get_office_by_region(session, region.province_code)
    return Letterhead(
        province=province, region_name=region.name, province_name=province_name,
        unit=unit_name(office.name, region.name), address=office.address, phone=office.phone, email=office.email,
        logo=office.logo_path, place=office.place, number_pattern=office.report_number, head_name=office.head_name,
        head_nip=office.head_nip, head_title=office.head_title, head_rank=office.head_rank,
        addressee_title=above.head_title if above else None,
        addressee_unit=unit_name(above.name, province_name) if above else UNIT_DEFAULT,
    )


@dataclass(frozen=True)
class MonthlyReport:
    """A month's report of an office and the month before it, gathered in one transaction, drawn without a database."""

    month: str
    letterhead: Letterhead
    current: rawan_data.RawanData
    previous: rawan_data.RawanData
    # When the report was made: its date of issue, and the end of a month still in progress.
    issued_at: datetime
    complete: bool
    # Category names (Indonesian, as counted) to English.
    category_en: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        """Return the office's zone."""
        return ZoneInfo(self.current.tz)

    @property
    def issued(self) -> date:
        """Return the day of issue in the office's zone."""
        return self.issued_at.astimezone(self.tz).date()


def gather(session: Session, office: Office, month: str, now: datetime) -> MonthlyReport:
    """Collect a month's report (`YYYY-MM`; ValueError if malformed); a month in progress ends now, not at its end."""
    start, end = rawan_data.month_window(month, office.tz)
    until = max(start, min(end, now))
    before = rawan_data.previous_month(start.astimezone(ZoneInfo(office.tz)))
    previous_start, previous_end = rawan_data.month_window(before, office.tz)
    return MonthlyReport(
        month=month, letterhead=letterhead(session, office),
        current=rawan_data.gather(session, office, start, until, full=True),
        previous=rawan_data.gather(session, office, previous_start, previous_end, full=True),
        issued_at=now, complete=until == end,
        category_en={c.name_id: c.name_en for c in incidents.list_categories(session)},
    )


# -- words and numbers in the reader's language ----------------------------------------------------


def date_text(day: date, lang: str, pattern: str = "d MMMM y") -> str:
    from babel.dates import format_date

    return format_date(day, pattern, locale=lang)


def number_text(value: int, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=lang)


def clock_text(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    local = moment.astimezone(tz)
    return f"{local:%H.%M}" if lang == "id" else f"{local:%H:%M}"


def days_of(data: rawan_data.RawanData) -> tuple[date, date]:
    tz = ZoneInfo(data.tz)
    return data.start.astimezone(tz).date(), (data.end - timedelta(microseconds=1)).astimezone(tz).date()


def period_text(report: MonthlyReport, lang: str, *, upper: bool = False) -> str:
    """Write the report's period: `1–30 November 2026`, or `1–3 Desember 2026 (s.d. pukul 16.30 WITA)` in progress
    (`upper`: the days in capitals, for a title)."""
    first, last = days_of(report.current)
    if first == last:
        days = date_text(last, lang)
    elif (first.year, first.month) == (last.year, last.month):
        days = f"{first.day}–{date_text(last, lang)}"
    else:
        days = f"{date_text(first, lang, 'd MMMM' if first.year == last.year else 'd MMMM y')} – {date_text(last, lang)}"
    days = days.upper() if upper else days
    if report.complete:
        return days
    return t("monthly_report.until", lang, period=days, time=clock_text(report.current.end, report.tz, lang),
             zone=zone_abbreviation(report.current.tz))


def month_text(report: MonthlyReport, lang: str, *, previous: bool = False) -> str:
    """Name the report's month (`November 2026`) or the one before."""
    data = report.previous if previous else report.current
    return date_text(days_of(data)[0], lang, "MMMM y")


def column_text(report: MonthlyReport, lang: str, *, previous: bool = False) -> str:
    """Head a column of a month's figures: `Okt 2026`, or `1–3 Des 2026` for a month in progress."""
    data = report.previous if previous else report.current
    first, last = days_of(data)
    short = date_text(first, lang, "MMM y")
    return short if previous or report.complete else f"{first.day}–{last.day} {short}"


def caption(report: MonthlyReport, lang: str) -> str:
    """Write the line a chat shows with the PDF."""
    return t("rawan.report.caption", lang, region=report.letterhead.region_full(lang), month=month_text(report, lang))


def file_name(report: MonthlyReport) -> str:
    """Name the PDF as a recipient saves it."""
    return f"peta-rawan-{report.current.scope.replace('.', '')}-{report.month}.pdf"
