"""Console adapter: a terminal line ↔ `Inbound`, `Reply` → numbered text; for trying Siaga and for tests."""

from __future__ import annotations

import contextlib
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


# What may be attached, by content type, and how such a file starts: a name alone does not make a photo.
_ZIP, _OLE = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0",)
ATTACHABLE: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",), "application/pdf": (b"%PDF",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _ZIP,
    "application/msword": _OLE, "application/vnd.ms-excel": _OLE, "application/vnd.ms-powerpoint": _OLE,
}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # what Telegram's Bot API hands over

# A line that could not become a message: the catalogue key and its parameters.
Refusal = tuple[str, dict[str, object]]


def to_inbound(line: str, address: str, attachments_dir: Path) -> Inbound | Refusal:
    """Translate a typed line; `!lokasi LAT,LON` shares a location, `!foto FILE` attaches a photo or document.

    Returns a refusal (catalogue key, parameters) for a missing file or one that is no photo or document.
    """
    if m := _LOCATION.match(line):
        return Inbound(CHANNEL, address, location=Location(float(m.group(1)), float(m.group(2))))
    if m := _PHOTO.match(line):
        path = Path(m.group(1).strip()).expanduser()
        if not path.is_file():
            return "console.no_file", {"path": str(path)}
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            return "console.too_big", {"path": path.name, "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        content_type = mimetypes.guess_type(path.name)[0]
        with path.open("rb") as f:
            head = f.read(16)
        if content_type not in ATTACHABLE or not head.startswith(ATTACHABLE[content_type]):
            return "console.not_attachable", {"path": path.name}
        stored = store_bytes(attachments_dir, path.read_bytes(), content_type, path.suffix.lower())
        kind = "photo" if content_type.startswith("image/") else "document"
        return Inbound(CHANNEL, address, media=(Media(kind, str(path.resolve()), content_type, str(stored)),))
    return Inbound(CHANNEL, address, text=line)


def render(reply: Reply) -> str:
    """Render a reply as text with numbered choices."""
    lines = [reply.text]
    lines += [f"  {n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
    if reply.ask_location:
        lines.append(t("console.location_hint", reply.lang))
    return "\n".join(lines)


def _read_line_edited() -> str:
    """Read a line with editing and in-session history (readline); history is not written to disk."""
    try:
        return input("> ") + "\n"
    except EOFError:
        return ""


def run_console(
    run_turn: Callable[[Inbound], list[Reply]], address: str, attachments_dir: Path,
    stdin: IO[str], stdout: IO[str], *, lang: str, interactive: bool = False, record: IO[str] | None = None,
    pending: Callable[[], list[Reply]] | None = None,
) -> None:
    """Read one line per turn until EOF, printing the bot's replies.

    `pending()` returns the question the chat waits on: shown at the start of an interactive session (a
    restart mid-draft) and again after a line that could not be sent.
    """
    read = stdin.readline
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform; plain input() still works
            import readline  # noqa: F401  (importing it gives input() line editing and history)
        read = _read_line_edited
        stdout.write(t("console.banner", lang) + "\n")
        waiting = pending() if pending else []
        if waiting:
            stdout.write("\n" + "\n\n".join(render(r) for r in waiting) + "\n\n")
        stdout.flush()
    while True:
        line = read()
        if not line:
            break
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        inbound = to_inbound(line.strip(), address, attachments_dir)
        if isinstance(inbound, tuple):
            key, params = inbound
            replies = [Reply(t(key, lang, **params), lang=lang), *(pending() if pending else [])]
        else:
            replies = run_turn(inbound)
        text = "\n\n".join(render(r) for r in replies)
        stdout.write(text + "\n\n")
        stdout.flush()
        if record is not None:
            record.write(f"> {line}\n")
            record.writelines(f"< {out}".rstrip() + "\n" for out in text.split("\n"))
            record.flush()
