"""Verification: `/status NUMBER STATUS` moves a report forward, or rejects it with a reason; the reporter is told."""

from __future__ import annotations

from handlers import parse
from handlers.alerts import action_choices, alert_office
from handlers.feature import VERIFIERS, Feature, Rule
from handlers.flow import Answers, Flow, Step
from handlers.localtime import local_time
from handlers.reports import STATUS_WORDS, normalise_number, visible_report
from handlers.statuses import next_statuses
from handlers.texts import t
from handlers.types import Ctx, Notify, Reply, StartFlow, ToOfficer
from storage import audit, incidents, people
from storage.models import IncidentReport, Officer, ReportStatus, Role

S = ReportStatus
STATUS_WORDS_EXTRA = {"verifikasi": S.TERVERIFIKASI, "verify": S.TERVERIFIKASI, "tangani": S.DITANGANI,
                      "handle": S.DITANGANI, "done": S.SELESAI, "tolak": S.DITOLAK, "reject": S.DITOLAK}


def _last_change_text(ctx: Ctx, report: IncidentReport) -> str:
    assert ctx.officer is not None
    changes = incidents.list_status_changes(ctx.session, report.id)
    if not changes:
        return ""
    last = changes[-1]
    return t("status.by", ctx.lang, by=last.actor.name or "-",
             when=local_time(last.at, ctx.officer.office.tz, "%d/%m %H:%M"))


def _status_label(status: ReportStatus, lang: str) -> str:
    return t(f"status.{status.value}", lang)


def notify_reporter(report: IncidentReport, new: ReportStatus, reason: str | None, actor: Officer) -> Notify:
    """Tell the reporter their report moved (and why, when rejected)."""
    number, actor_name = report.number, actor.name or "-"

    def render(recipient: Officer, lang: str) -> list[Reply]:
        text = t("status.reporter", lang, number=number, status=_status_label(new, lang), by=actor_name)
        if reason:
            text += "\n" + t("reports.full.reason", lang, reason=reason)
        return [Reply(text)]

    def variables(recipient: Officer, lang: str) -> dict[str, str]:
        return {"1": number, "2": _status_label(new, lang)}

    return Notify(key=f"status:{number}:{new.value}", kind="notice", to=ToOfficer(report.reporter_id),
                  render=render, variables=variables)


def notify_other_heads(report: IncidentReport, new: ReportStatus, ctx: Ctx) -> list[Notify]:
    """Tell the other heads who were alerted of a report who moved it, so their alert does not read as still open.

    Without buttons of its own: a number typed next still answers the alert's list, and is told the status.
    """
    assert ctx.officer is not None
    office = alert_office(ctx.session, report)
    if office is None:
        return []
    number, actor_name, actor_id = report.number, ctx.officer.name or "-", ctx.officer.id

    def render(recipient: Officer, lang: str) -> list[Reply]:
        return [Reply(t("status.colleague", lang, number=number, status=_status_label(new, lang), by=actor_name))]

    return [Notify(key=f"status:{number}:{new.value}:head", kind="notice", to=ToOfficer(head.id), render=render,
                   variables=lambda recipient, lang: {"1": number, "2": _status_label(new, lang)})
            for head in people.list_role_holders(ctx.session, office.id, Role.HEAD) if head.id != actor_id]


def apply_status(report: IncidentReport, new: ReportStatus, reason: str | None, ctx: Ctx) -> list[Reply]:
    """Move a report to `new` if its status allows; answer a stale or backward request clearly."""
    assert ctx.officer is not None
    old = report.status
    if new not in next_statuses(old):
        key = "status.already" if old == new else "status.not_allowed"
        text = t(key, ctx.lang, number=report.number, status=_status_label(old, ctx.lang),
                 wanted=_status_label(new, ctx.lang)) + _last_change_text(ctx, report)
        return [Reply(text, choices=action_choices(report.number, old, ctx.lang)[:-1])]
    if not incidents.change_status(ctx.session, report, old, new, ctx.officer.id, ctx.now, reason):
        # Another head moved it between our read and our update; `report` now holds their status.
        text = t("status.changed_meanwhile", ctx.lang, number=report.number,
                 status=_status_label(report.status, ctx.lang)) + _last_change_text(ctx, report)
        return [Reply(text, choices=action_choices(report.number, report.status, ctx.lang)[:-1])]
    audit.add_audit(ctx.session, ctx.now, "report.status", actor_id=ctx.officer.id, subject=f"report:{report.id}",
                    from_status=old.value, to_status=new.value)
    if report.reporter_id != ctx.officer.id:
        ctx.emit(notify_reporter(report, new, reason, ctx.officer))
    ctx.emit(*notify_other_heads(report, new, ctx))
    return [Reply(t("status.changed", ctx.lang, number=report.number, status=_status_label(new, ctx.lang)),
                  choices=action_choices(report.number, new, ctx.lang)[:-1])]


def status_command(args: str, ctx: Ctx) -> list[Reply]:
    """`/status NUMBER` shows where a report stands; `/status NUMBER STATUS [reason]` moves it."""
    assert ctx.officer is not None
    parts = args.split(maxsplit=2)
    number = normalise_number(parts[0]) if parts else None
    if number is None:
        return [Reply(t("status.usage", ctx.lang))]
    report, refusal = visible_report(ctx, number, "status")
    if report is None:
        return refusal
    if len(parts) == 1:
        text = t("status.current", ctx.lang, number=number, status=_status_label(report.status, ctx.lang))
        return [Reply(text + _last_change_text(ctx, report),
                      choices=action_choices(number, report.status, ctx.lang)[:-1])]
    word = parts[1].casefold()
    new = STATUS_WORDS.get(word) or STATUS_WORDS_EXTRA.get(word)
    if new is None:
        return [Reply(t("status.usage", ctx.lang))]
    reason = parts[2].strip() if len(parts) > 2 else None
    if new is S.DITOLAK and not reason and new in next_statuses(report.status):
        ctx.emit(StartFlow(key=f"reject:{number}:{ctx.officer.id}:{ctx.now.isoformat()}", officer_id=ctx.officer.id,
                           flow=REJECT.name, params={"number": number}))
        return []
    return apply_status(report, new, reason, ctx)


def submit_rejection(answers: Answers, ctx: Ctx) -> list[Reply]:
    """Reject the report with the reason given."""
    report, refusal = visible_report(ctx, answers["number"], "status")
    if report is None:
        return refusal
    return apply_status(report, S.DITOLAK, answers["reason"], ctx)


REJECT = Flow(
    name="reject",
    commands=(),
    steps=(Step("reason", parse=parse.text(min_len=5, max_len=500)),),
    submit=submit_rejection,
    review=False,
)

STATUS_COMMANDS = {"status": status_command}
FEATURE = Feature("verification", flows=(REJECT,), commands=STATUS_COMMANDS, rules={"status": Rule(VERIFIERS)})
