"""Console adapter: a terminal line ↔ `Inbound`, `Reply` → numbered text; for trying Siaga and for tests."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO

from bot.attachments import store_bytes
from handlers.texts import t
from handlers.types import Inbound, Location, Media, Reply

CHANNEL = "console"
_LOCATION = re.compile(r"^!(?:lokasi|location)\s+(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$", re.I)
_PHOTO = re.compile(r"^!(?:foto|photo|file|berkas)\s+(.+)$", re.I)


def to_inbound(line: str, address: str, attachments_dir: Path) -> Inbound | str:
    """Translate a typed line; `!lokasi LAT,LON` shares a location, `!foto FILE` attaches a file.

    Returns an error key when an attached file does not exist.
    """
    if m := _LOCATION.match(line):
        return Inbound(CHANNEL, address, location=Location(float(m.group(1)), float(m.group(2))))
    if m := _PHOTO.match(line):
        path = Path(m.group(1).strip()).expanduser()
        if not path.is_file():
            return str(path)
        content_type = mimetypes.guess_type(path.name)[0]
        stored = store_bytes(attachments_dir, path.read_bytes(), content_type, path.suffix.lower())
        kind = "photo" if (content_type or "").startswith("image/") else "document"
        return Inbound(CHANNEL, address, media=(Media(kind, str(path.resolve()), content_type, str(stored)),))
    return Inbound(CHANNEL, address, text=line)


def render(reply: Reply) -> str:
    """Render a reply as text with numbered choices."""
    lines = [reply.text]
    lines += [f"  {n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
    if reply.ask_location:
        lines.append(t("console.location_hint", reply.lang))
    return "\n".join(lines)


def run_console(
    run_turn: Callable[[Inbound], list[Reply]], address: str, attachments_dir: Path,
    stdin: IO[str], stdout: IO[str], *, lang: str, interactive: bool = False, record: IO[str] | None = None,
) -> None:
    """Read one line per turn until EOF, printing the bot's replies."""
    if interactive:
        stdout.write(t("console.banner", lang) + "\n")
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        inbound = to_inbound(line.strip(), address, attachments_dir)
        if isinstance(inbound, str):
            replies = [Reply(t("console.no_file", lang, path=inbound), lang=lang)]
        else:
            replies = run_turn(inbound)
        text = "\n\n".join(render(r) for r in replies)
        stdout.write(text + "\n\n")
        stdout.flush()
        if record is not None:
            record.write(f"> {line}\n")
            record.writelines(f"< {out}".rstrip() + "\n" for out in text.split("\n"))
            record.flush()
