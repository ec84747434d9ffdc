"""What every page of the web view shares: its security headers, the refusal a request ends with, the signed-in head."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handlers import access
from storage import audit
from storage.db import Session
from storage.models import Officer, WebSession

# No inline script or style anywhere; Leaflet styles its elements from script (CSSOM), which style-src allows.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]


class SecurityHeaders:
    """ASGI middleware: every response of the web view carries the security headers; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/web/static/")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(HEADERS)]
                headers += HEADERS
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class Refused(Exception):
    """A request answered with one clear page: its status and the catalogue key of its sentence."""

    def __init__(self, status: int, key: str, **params: Any) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


@dataclass
class Viewer:
    """The signed-in head of one request, inside its transaction."""

    session: Session
    row: WebSession
    officer: Officer
    lang: str
    now: datetime

    @property
    def scope(self) -> str:
        return self.officer.office.region_code

    @property
    def tz(self) -> str:
        return self.officer.office.tz

    def sees(self, code: str) -> bool:
        """Tell whether a region (kecamatan or kab/kota code) lies in the head's jurisdiction, by chat's rule."""
        return access.within(self.scope, code)

    def refuse(self, what: str) -> Refused:
        """Audit a look outside the jurisdiction and return the refusal, which tells nothing about what is there."""
        audit.add_audit(self.session, self.now, "access.refused", actor_id=self.officer.id, subject=f"web:{what}"[:120],
                        reason="jurisdiction", role=self.officer.role.value, channel="web")
        return Refused(403, "web.error.forbidden")
