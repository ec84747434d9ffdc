"""One-shot commands: `/bantuan`, `/laporanku`, `/bahasa`."""

from __future__ import annotations

from handlers.feature import EVERYONE, Command, Feature, Rule
from handlers.localtime import zone_name
from handlers.texts import LANGUAGES, t
from handlers.types import Ctx, Reply
from storage import incidents, people

MY_REPORTS_LIMIT = 5


def role_help(role: str, lang: str) -> str:
    """The commands a role may use, as help (`/bantuan`) and after joining."""
    if role == "guest":
        return t("help.guest", lang)
    extra = t("help.head", lang) if role in ("head", "admin") else t("help.officer", lang)
    return "\n\n".join([t("help.text", lang), extra])


def help_command(args: str, ctx: Ctx) -> list[Reply]:
    """List the commands the sender's role may use."""
    return [Reply(role_help(ctx.officer.role.value if ctx.officer else "officer", ctx.lang))]


# A chat app's command menu per role: (Indonesian command, English command, description key), most used first.
# Telegram shows it per chat (setMyCommands with a chat scope), so each reader sees what they may use.
_COMMON_TAIL = (("bahasa", "language", "menu.language"), ("bantuan", "help", "menu.help"),
                ("batal", "cancel", "menu.cancel"))
OFFICER_MENU = (("lapor", "report", "menu.report"), ("laporanku", "myreports", "menu.myreports"),
                ("nihil", "nihil", "menu.nihil"), ("jeda", "pause", "menu.pause"), ("rakor", "rakor", "menu.rakor"),
                ("notulen", "minutes", "menu.minutes"), ("kesepakatan", "agreements", "menu.agreements"),
                *_COMMON_TAIL)
HEAD_MENU = (("laporan", "reports", "menu.reports"), ("ringkasan", "digest", "menu.digest"),
             ("status", "status", "menu.status"), ("rawan", "rawan", "menu.rawan"), ("web", "web", "menu.web"),
             ("rakor", "rakor", "menu.rakor"), ("rakor_baru", "new_rakor", "menu.new_rakor"),
             ("notulen", "minutes", "menu.minutes"), ("kesepakatan", "agreements", "menu.agreements"),
             ("lapor", "report", "menu.report"), *_COMMON_TAIL)
GUEST_MENU = (("rakor", "rakor", "menu.rakor"), ("kesepakatan", "agreements", "menu.agreements"),
              ("bahasa", "language", "menu.language"), ("bantuan", "help", "menu.help"))
MENUS = {"officer": OFFICER_MENU, "head": HEAD_MENU, "admin": HEAD_MENU, "guest": GUEST_MENU}


def menu_for(role: str, lang: str) -> list[tuple[str, str]]:
    """Return a role's command menu in a language: (command, description)."""
    return [(id_name if lang == "id" else en_name, t(key, lang)) for id_name, en_name, key in MENUS[role]]


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
# Help and language are a guest's too; /laporanku is every member's.
FEATURE = Feature("commands", commands=COMMANDS,
                  rules={name: Rule(EVERYONE) for name in ("bantuan", "help", "bahasa", "language")})
