"""The incident report flow (`/lapor`) and its submit."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from handlers import alerts, parse
from handlers.feature import Feature
from handlers.flow import Answers, Flow, Step
from handlers.limits import excerpt
from handlers.localtime import zone_name
from handlers.parse import Invalid
from handlers.texts import t
from handlers.types import Choice, Ctx, Inbound, Location, Proposal, Reply
from storage import incidents, people, regions
from storage.models import Severity

NUMBER_PREFIX = "KJD"
_KECAMATAN_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}")
# A kecamatan search shows at most this many matches; more means "type more of the name".
MAX_MATCHES = 12
# How alike a mistyped name must be to be suggested (difflib's ratio; "banjarmasin utra" scores 0.97).
SUGGEST_CUTOFF = 0.75

KEEP = "keep"


def category_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer the active categories in the sender's language."""
    return tuple(
        Choice(str(c.id), c.name_en if ctx.lang == "en" else c.name_id)
        for c in incidents.list_categories(ctx.session)
    )


def severity_choices(ctx: Ctx) -> Sequence[Choice]:
    """Offer rendah / sedang / tinggi."""
    return tuple(Choice(s.value, t(f"severity.{s.value}", ctx.lang)) for s in Severity)


def _kecamatan_label(name: str, regency: str, scopes: Sequence[str]) -> str:
    # Names repeat across kabupaten (Sungai Raya, Batu Ampar...): name the kabupaten when the area spans several.
    single_regency = all(s.count(".") >= 1 for s in scopes) and len({s[:5] for s in scopes}) == 1
    return name if single_regency else f"{name} ({regency})"


def find_kecamatan(query: str, ctx: Ctx) -> Sequence[Choice]:
    """Match typed text (part of a name, or a code) against kecamatan inside the officer's jurisdiction."""
    assert ctx.officer is not None
    scopes = people.officer_scopes(ctx.officer)
    by_code = _KECAMATAN_CODE.fullmatch(query) is not None
    matches = regions.find_kecamatan(ctx.session, scopes, code=query if by_code else None,
                                     query=None if by_code else query, limit=MAX_MATCHES + 1)
    if not matches:
        anywhere = regions.find_kecamatan(ctx.session, None, code=query if by_code else None,
                                          query=None if by_code else query, limit=1)
        if anywhere:
            raise Invalid("incident.kecamatan.outside")
        close = [] if by_code else closest_kecamatan(query, ctx, scopes)
        if close:
            raise Invalid("incident.kecamatan.did_you_mean", query=excerpt(query), names=", ".join(close))
        raise Invalid("incident.kecamatan.none", query=excerpt(query))
    exact = [(r, p) for r, p in matches if r.name.casefold() == query.casefold()]
    chosen = exact if len(exact) == 1 else matches[:MAX_MATCHES]
    return [Choice(r.code, _kecamatan_label(r.name, p, scopes)) for r, p in chosen]


def closest_kecamatan(query: str, ctx: Ctx, scopes: Sequence[str]) -> list[str]:
    """Name the kecamatan in the officer's jurisdiction closest to a mistyped name (at most three)."""
    names = {r.name.casefold(): r.name for r, _ in regions.find_kecamatan(ctx.session, scopes, limit=5000)}
    close = difflib.get_close_matches(" ".join(query.casefold().split()), names, n=3, cutoff=SUGGEST_CUTOFF)
    return [names[c] for c in close]


def show_crowd(value: int | dict[str, Any], ctx: Ctx) -> str:
    """Render a crowd size: the number, or what was written with its midpoint (`200-300 (≈250)`)."""
    if isinstance(value, dict):
        return f"{value['text']} (≈{value['size']})"
    return str(value)

def _located(latitude: float, longitude: float, ctx: Ctx,
             nowhere: str = "incident.kecamatan.nowhere") -> tuple[Choice, float]:
    """Return the kecamatan of a point as a choice, if the officer may report on it, and the point's distance from it."""
    # 0 inside; a point on the water or the coast up to geo.NEAR_METRES outside every kecamatan gets the nearest.
    from storage import geo  # the boundaries load only in the processes that locate a point

    assert ctx.officer is not None
    found, distance = geo.kecamatan_at(latitude, longitude), 0.0
    if found is None:
        near = geo.nearest_kecamatan(latitude, longitude)
        if near is None:
            raise Invalid(nowhere)
        found, distance = near
    scopes = people.officer_scopes(ctx.officer)
    matches = regions.find_kecamatan(ctx.session, scopes, code=found.code, limit=1)
    if not matches:
        raise Invalid("incident.kecamatan.outside", query=found.name)
    region, regency = matches[0]
    return Choice(region.code, _kecamatan_label(region.name, regency, scopes)), distance


def locate_kecamatan(location: Location, ctx: Ctx) -> Sequence[Choice] | Proposal:
    """Propose the kecamatan that contains a shared location (or the nearest one), for one-tap confirmation."""
    choice, distance = _located(location.latitude, location.longitude, ctx)
    if distance == 0:
        return (choice,)
    # Rounded to 10 m: a GPS fix is no more precise than that, and "about 420 m" reads as what it is.
    return Proposal((choice,), "incident.kecamatan.nearest", {"distance": max(10, int(round(distance, -1)))})


def location_in_area(inbound: Inbound, ctx: Ctx) -> dict[str, float]:
    """Accept a location inside the officer's area; a point at sea or outside it is refused like a typed kecamatan."""
    value = parse.location(inbound, ctx)
    _located(value["latitude"], value["longitude"], ctx, nowhere="incident.location.nowhere")
    return value


def _location_kecamatan(answers: Answers, ctx: Ctx) -> Choice | None:
    location = answers.get("location")
    if not location:
        return None
    return _located(location["latitude"], location["longitude"], ctx)[0]


def location_agrees(answers: Answers, ctx: Ctx) -> bool:
    """Tell whether the shared location lies in the chosen kecamatan (or there is no location)."""
    located = _location_kecamatan(answers, ctx)
    return located is None or located.id == answers.get("kecamatan")


def kecamatan_check_choices(answers: Answers, ctx: Ctx) -> Sequence[Choice]:
    """Offer to keep the typed kecamatan or to take the one the location lies in."""
    located = _location_kecamatan(answers, ctx)
    assert located is not None
    chosen = regions.get_region(ctx.session, answers["kecamatan"])
    return (
        Choice(KEEP, t("incident.kecamatan_check.keep", ctx.lang, name=chosen.name if chosen else answers["kecamatan"])),
        Choice(located.id, t("incident.kecamatan_check.change", ctx.lang, name=located.label)),
    )


def apply_kecamatan_check(value: str, answers: Answers, ctx: Ctx) -> dict[str, Choice]:
    """Replace the kecamatan with the located one when the officer chose to change it."""
    if value == KEEP:
        return {}
    located = _location_kecamatan(answers, ctx)
    assert located is not None and located.id == value
    return {"kecamatan": located}


def show_when(value: str, ctx: Ctx) -> str:
    """Render a stored moment in the office's local time, e.g. `21/11/2026 08:30 WITA`."""
    return f"{parse.to_local(value, ctx.tz):%d/%m/%Y %H:%M} {zone_name(ctx)}"


def show_location(value: dict[str, float], ctx: Ctx) -> str:
    """Render coordinates."""
    return f"{value['latitude']:.5f}, {value['longitude']:.5f}"


def show_media(value: list[dict[str, Any]], ctx: Ctx) -> str:
    """Render the number of attachments."""
    return t("incident.photo.count", ctx.lang, count=len(value))


def report_number(office_region: str, year: int, sequence: int) -> str:
    """Format a readable report number.

    >>> report_number("63.71", 2026, 123)
    'KJD-6371-2026-000123'
    """
    return f"{NUMBER_PREFIX}-{office_region.replace('.', '')}-{year}-{sequence:06d}"


def _crowd_columns(value: int | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"crowd_size": value["size"], "crowd_size_text": value["text"]}
    return {"crowd_size": value, "crowd_size_text": None}


def submit_incident(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Store the report under the next number of the officer's office."""
    officer = ctx.officer
    assert officer is not None
    office = officer.office
    year = ctx.now.astimezone(ctx.tz).year
    number = report_number(office.region_code, year, incidents.next_report_sequence(ctx.session, office.id, year))
    location = answers.get("location") or {}
    report = incidents.add_report(
        ctx.session,
        attachments=[{**a, "channel": ctx.channel} for a in answers.get("photo") or []],
        number=number, office_id=office.id, category_id=int(answers["category"]),
        kecamatan_code=answers["kecamatan"], place=answers["place"],
        occurred_at=datetime.fromisoformat(answers["occurred_at"]), description=answers["description"],
        actors=answers["actors"], **_crowd_columns(answers.get("crowd_size")), severity=Severity(answers["severity"]),
        action_taken=answers["action_taken"], latitude=location.get("latitude"),
        longitude=location.get("longitude"), reporter_id=officer.id, channel=ctx.channel, created_at=ctx.now,
    )
    alert = alerts.alert_for(ctx.session, report)
    if alert is not None:
        ctx.emit(alert)
    return [Reply(t("incident.saved", ctx.lang, number=number))]


INCIDENT = Flow(
    name="incident",
    commands=("lapor", "report"),
    steps=(
        Step("category", choices=category_choices),
        Step("kecamatan", search=find_kecamatan, locate=locate_kecamatan),
        Step("place", parse=parse.text(min_len=3, max_len=300)),
        Step("occurred_at", parse=parse.when(max_future=timedelta(minutes=5)), show=show_when),
        Step("description", parse=parse.text(min_len=10, max_len=4000)),
        Step("actors", parse=parse.text(min_len=2, max_len=2000)),
        Step("crowd_size", parse=parse.crowd(), optional=True, show=show_crowd),
        Step("severity", choices=severity_choices),
        Step("action_taken", parse=parse.text(min_len=2, max_len=2000)),
        Step("location", parse=location_in_area, optional=True, ask_location=True, show=show_location),
        Step("kecamatan_check", answer_choices=kecamatan_check_choices, skip_if=location_agrees,
             amend=apply_kecamatan_check),
        Step("photo", parse=parse.media, optional=True, show=show_media),
    ),
    submit=submit_incident,
)

FEATURE = Feature("incident", flows=(INCIDENT,))
