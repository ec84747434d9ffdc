"""One-shot commands: `/bantuan`, `/laporanku`, `/bahasa`."""

from __future__ import annotations

from collections.abc import Callable

from handlers.engine import zone_name
from handlers.texts import LANGUAGES, t
from handlers.types import Ctx, Reply
from storage import incidents, people

MY_REPORTS_LIMIT = 5

Command = Callable[[str, Ctx], list[Reply]]


def help_command(args: str, ctx: Ctx) -> list[Reply]:
    """List the commands the sender's role may use."""
    role = ctx.officer.role.value if ctx.officer else "officer"
    if role == "guest":
        return [Reply(t("help.guest", ctx.lang))]
    extra = [t("help.head", ctx.lang)] if role in ("head", "admin") else [t("help.officer", ctx.lang)]
    return [Reply("\n\n".join([t("help.text", ctx.lang), *extra]))]


def my_reports(args: str, ctx: Ctx) -> list[Reply]:
    """Show the sender's latest reports."""
    assert ctx.officer is not None
    reports = incidents.list_reports(ctx.session, reporter_id=ctx.officer.id, limit=MY_REPORTS_LIMIT)
    if not reports:
        return [Reply(t("myreports.none", ctx.lang))]
    lines = [t("myreports.title", ctx.lang)]
    for r in reports:
        lines.append(t(
            "myreports.line", ctx.lang, number=r.number,
            when=f"{r.occurred_at.astimezone(ctx.tz):%d/%m %H:%M} {zone_name(ctx)}",
            category=r.category.name_en if ctx.lang == "en" else r.category.name_id,
            kecamatan=r.kecamatan.name, status=t(f"status.{r.status.value}", ctx.lang),
        ))
    return [Reply("\n".join(lines))]


def language(args: str, ctx: Ctx) -> list[Reply]:
    """Switch the sender's language: `/bahasa en` or `/bahasa id`."""
    assert ctx.officer is not None
    choice = args.strip().lower()[:2]
    if choice not in LANGUAGES:
        return [Reply(t("language.usage", ctx.lang))]
    people.set_language(ctx.session, ctx.officer, choice)
    return [Reply(t("language.set", choice))]


COMMANDS: dict[str, Command] = {
    "bantuan": help_command,
    "help": help_command,
    "laporanku": my_reports,
    "myreports": my_reports,
    "bahasa": language,
    "language": language,
}
