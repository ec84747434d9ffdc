"""Inbound normalisation and the size limits every message and reply keeps (hostile or careless input)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from handlers.types import Inbound, Reply

# One message at most this long is read (Telegram's own limit; WhatsApp's is the same). Longer ones are
# refused with a hint rather than cut, so a pasted text is never stored half.
MAX_INBOUND_CHARS = 4096
# A reply's text: fits one Telegram message, and at most `MAX_REPLY_PARTS` WhatsApp bodies (1,600 each).
MAX_REPLY_CHARS = 4000
# How many messages one reply may become when a channel splits it to the platform's length.
MAX_REPLY_PARTS = 3
# User text quoted back in a reply (an error naming what was typed) is cut to this.
EXCERPT_CHARS = 40
# A choice payload (button data) is an id: anything longer is not one of ours.
MAX_CHOICE_CHARS = 200
ELLIPSIS = "…"

# ANSI/VT escape sequences (colour codes pasted from a terminal) go whole, not just their ESC byte.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# Unicode's control characters (category Cc) except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides can make a stored text read differently from what was typed.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def normalise_text(text: str) -> str:
    """Return text in NFC without control characters (newline and tab stay; CR becomes a newline).

    >>> normalise_text("Pasar\\x00 Baru\\r\\n\\x1b[31mmerah\\x1b[0m")
    'Pasar Baru\\nmerah'
    """
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", _CONTROL.sub("", text).translate(_BIDI))


def clean_inbound(inbound: Inbound) -> Inbound:
    """Normalise the text, choice and display name of an inbound message, once, before anything reads it."""
    text = normalise_text(inbound.text) if inbound.text is not None else None
    choice = normalise_text(inbound.choice)[:MAX_CHOICE_CHARS] if inbound.choice is not None else None
    name = normalise_text(inbound.display_name)[:200] if inbound.display_name is not None else None
    return replace(inbound, text=text, choice=choice, display_name=name)


def too_long(inbound: Inbound) -> bool:
    """Tell whether a message is over the per-message cap."""
    return inbound.text is not None and len(inbound.text) > MAX_INBOUND_CHARS


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Return at most `limit` characters of user text, on one line, for quoting in a reply.

    >>> excerpt("banjarmasin " * 10, limit=20)
    'banjarmasin banjarm…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + ELLIPSIS


def bound_reply(reply: Reply) -> Reply:
    """Cut a reply's text to `MAX_REPLY_CHARS`, so no reply becomes more than `MAX_REPLY_PARTS` messages."""
    if len(reply.text) <= MAX_REPLY_CHARS:
        return reply
    return replace(reply, text=reply.text[: MAX_REPLY_CHARS - 1] + ELLIPSIS)
