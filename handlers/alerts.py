"""The instant alert to the heads up the office tree when a serious or always-alert report arrives."""

from __future__ import annotations

from handlers.localtime import local_time
from handlers.statuses import next_statuses
from handlers.texts import t
from handlers.types import Choice, Notify, Reply, ToRole
from storage import people
from storage.models import IncidentReport, Office, Officer, ReportStatus, Role, Severity

# How much of the description an alert quotes.
FIRST_LINES = 3
FIRST_CHARS = 300


def category_name(report: IncidentReport, lang: str) -> str:
    """Return a report's category in a language."""
    return report.category.name_en if lang == "en" else report.category.name_id


def first_lines(text: str) -> str:
    """Quote the start of a description: a few lines, cut at a word."""
    head = "\n".join(text.strip().splitlines()[:FIRST_LINES])
    if len(head) <= FIRST_CHARS:
        return head
    return head[:FIRST_CHARS].rsplit(" ", 1)[0] + "…"


def action_choices(number: str, status: ReportStatus, lang: str) -> tuple[Choice, ...]:
    """One-tap actions on a report: the moves its status allows, and the full report."""
    moves = tuple(Choice(f"/status {number} {s.value}", t(f"status.action.{s.value}", lang))
                  for s in next_statuses(status))
    return moves + (Choice(f"/laporan {number}", t("alert.details", lang)),)


def chain(session, report: IncidentReport) -> list[Office]:  # type: ignore[no-untyped-def]
    """The office whose area holds the report's kecamatan (else the reporter's), then the province office."""
    base = people.get_office_by_region(session, report.kecamatan_code[:5]) or report.office
    province = people.get_office_by_region(session, report.kecamatan_code[:2])
    return [base] + ([province] if province is not None and province.id != base.id else [])


def alert_office(session, report: IncidentReport) -> Office | None:  # type: ignore[no-untyped-def]
    """Return the lowest office to alert (its heads and those above it), or None when no alert is due."""
    offices = chain(session, report)
    if report.severity is Severity.TINGGI:
        return offices[0]
    return next((o for o in offices if report.category.code in (o.alert_categories or [])), None)


def render_alert(report: IncidentReport, reporter_name: str, office_name: str,  # type: ignore[no-untyped-def]
                 category_office: str | None = None):
    """Return the alert's render function and its template variables; they read only values copied now.

    `category_office` names the office that asked to be alerted of this category whatever the severity:
    the alert then says so, since its severity alone would not explain it.
    """
    number, status = report.number, report.status
    kecamatan, severity, occurred = report.kecamatan.name, report.severity.value, report.occurred_at
    categories = {"id": report.category.name_id, "en": report.category.name_en}
    quote = first_lines(report.description)

    def render(recipient: Officer, lang: str) -> list[Reply]:
        category = categories.get(lang, categories["id"])
        text = t("alert.text", lang, severity=t(f"severity.{severity}", lang), category=category,
                 number=number, kecamatan=kecamatan, when=local_time(occurred, recipient.office.tz),
                 reporter=reporter_name, office=office_name, quote=quote)
        if category_office is not None:
            text += "\n" + t("alert.why_category", lang, category=category, office=category_office)
        return [Reply(text, choices=action_choices(number, status, lang))]

    def variables(recipient: Officer, lang: str) -> dict[str, str]:
        # In the order of the README's suggested template: category, kecamatan, severity, number, time.
        return {"1": categories.get(lang, categories["id"]), "2": kecamatan, "3": t(f"severity.{severity}", lang),
                "4": number, "5": local_time(occurred, recipient.office.tz)}

    return render, variables


def alert_for(session, report: IncidentReport) -> Notify | None:  # type: ignore[no-untyped-def]
    """Return the alert a new report calls for, or None."""
    office = alert_office(session, report)
    if office is None:
        return None
    why = office.name if report.severity is not Severity.TINGGI else None
    render, variables = render_alert(report, report.reporter.name, report.office.name, why)
    return Notify(key=f"alert:{report.number}", kind="alert", to=ToRole(office.id, Role.HEAD.value, upward=True),
                  render=render, variables=variables)
