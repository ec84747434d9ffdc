"""`/web`: a head of office (or an admin) gets a one-time link that opens the web view in a browser."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from handlers.feature import READERS, Feature, Rule
from handlers.texts import t
from handlers.types import Ctx, Reply
from storage import audit, web

# Long enough to open a laptop, short enough that a forwarded chat is harmless.
LINK_TTL = timedelta(minutes=10)
LOGIN_PATH = "/web/masuk"
# The address the web view is reached at (PUBLIC_BASE_URL); None: the server has no web view.
_base_url: str | None = None


def configure(base_url: str | None) -> None:
    """Set the public address links are built from (`siaga run` passes PUBLIC_BASE_URL)."""
    global _base_url
    _base_url = base_url.rstrip("/") if base_url else None


def token_hash(token: str) -> str:
    """Return what is stored of a link or session token: its SHA-256, so a database leak opens no browser.

    >>> len(token_hash("abc"))
    64
    """
    return hashlib.sha256(token.encode()).hexdigest()


def web_command(args: str, ctx: Ctx) -> list[Reply]:
    """Answer with a fresh sign-in link, or say the server has no web view."""
    assert ctx.officer is not None
    if _base_url is None:
        return [Reply(t("web.unavailable", ctx.lang))]
    token = secrets.token_urlsafe(32)
    web.add_login(ctx.session, ctx.officer.id, token_hash(token), ctx.now, ctx.now + LINK_TTL)
    audit.add_audit(ctx.session, ctx.now, "web.link", actor_id=ctx.officer.id, subject=f"officer:{ctx.officer.id}",
                    channel=ctx.channel)
    minutes = int(LINK_TTL.total_seconds() // 60)
    return [Reply(t("web.link", ctx.lang, url=f"{_base_url}{LOGIN_PATH}?t={token}", minutes=minutes))]


WEB_COMMANDS = {"web": web_command}

FEATURE = Feature("web", commands=WEB_COMMANDS, rules={"web": Rule(READERS)})
