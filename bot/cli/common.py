"""What every `siaga` command shares: its error, its sessions, the office it names, printing, argument types."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from datetime import time
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.config import Settings

if TYPE_CHECKING:
    from storage.db import Session

# The chat channels a configuration can send on, each with whether it is configured.
CHANNELS: tuple[tuple[str, Callable[[Settings], bool]], ...] = (
    ("telegram", lambda settings: settings.telegram_bot_token is not None),
    ("whatsapp", lambda settings: settings.whatsapp_enabled),
)


class CliError(Exception):
    """A command that cannot proceed; its message is printed and the exit status is 2."""


def sessions(settings: Settings, *, require_schema: bool = True):  # type: ignore[no-untyped-def]
    """Open the configured database; refuse one that `siaga init` has not brought to the newest schema."""
    from storage import migrations
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database_url)
    if require_schema and migrations.current_revision(engine) != migrations.head_revision(engine):
        raise CliError("The database is not initialised or is out of date: run `siaga init` first.")
    return make_sessions(engine)


def office_of(session: Session, code: str) -> Any:
    """Return the office of a region code, or stop with how to create it."""
    from storage import people

    office = people.get_office_by_region(session, code)
    if office is None:
        raise CliError(f"No office for region {code}; create it with `siaga office add --region {code}`.")
    return office


def print_table(table: Sequence[Sequence[str]]) -> None:
    """Print rows of text as aligned columns (the first row is the header)."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    if len(table) == 1:
        print(NOTHING_FOUND)


NOTHING_FOUND = "(nothing found)"


def print_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a header and tab-separated rows, or say that there are none."""
    print("\t".join(header))
    for row in rows:
        print("\t".join(row))
    if not rows:
        print(NOTHING_FOUND)


def display_zone(session: Session, office_code: str | None) -> ZoneInfo:
    """The zone times are shown in: the office's, or the one zone all offices share, else UTC."""
    from storage import people

    if office_code:
        return ZoneInfo(office_of(session, office_code).tz)
    zones = {o.tz for o in people.list_offices(session)}
    return ZoneInfo(zones.pop()) if len(zones) == 1 else ZoneInfo("UTC")


def open_out(path: str | None, *, binary: bool = False, required: bool = False) -> IO[Any]:
    """Open --out for writing before any work is done, so a bad path fails at once; stdout when not given or `-`."""
    if path == "-" or (path is None and not required):
        return sys.stdout.buffer if binary else sys.stdout
    if path is None:
        raise CliError("this format needs --out FILE (or --out - for the standard output).")
    try:
        return open(path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""}))  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}; choose another --out.") from exc


def close_out(out: IO[Any]) -> None:
    """Close what `open_out` opened, but never the standard output."""
    if out not in (sys.stdout, sys.stdout.buffer):
        out.close()


def reach(settings: Settings) -> tuple[str, ...]:
    """Return the chat channels this configuration can send on."""
    return tuple(name for name, configured in CHANNELS if configured(settings))


MAX_NAME = 200  # Office.name and Officer.name columns
MAX_INVITE_DAYS = 365


def hhmm(value: str) -> time:
    """Read a local time of day written HH:MM.

    >>> hhmm("7:05")
    datetime.time(7, 5)
    """
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", value.strip())
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time of day; write HH:MM between 00:00 and 23:59")
    return time(int(m.group(1)), int(m.group(2)))


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """Return an argparse type that accepts a whole number from `low` to `high`."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is out of range; use {low} to {high}")
        return number
    return parse


def name_text(value: str) -> str:
    """Accept a name of at most `MAX_NAME` characters."""
    value = value.strip()
    if not value or len(value) > MAX_NAME:
        raise argparse.ArgumentTypeError(f"a name has 1 to {MAX_NAME} characters (this one has {len(value)})")
    return value
