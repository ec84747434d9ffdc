"""WhatsApp adapter (Twilio): signed webhook → `Inbound`, `Reply` → numbered text or template, failures → `SendError`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import httpx
from cryptography.fernet import Fernet, InvalidToken
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from yarl import URL

from bot.attachments import store_bytes
from bot.sending import Capabilities, Outgoing, SendError
from bot.config import Settings
from bot.runner import Runner
from handlers.limits import ELLIPSIS, MAX_REPLY_PARTS
from handlers.texts import t
from handlers.types import Inbound, Location, Media, Reply

CHANNEL = "whatsapp"
# Twilio refuses a Body longer than this (error 21617/21658), WhatsApp or not.
BODY_LIMIT = 1600
# Free-form messages only within 24 hours of the contact's last message (error 63016); else a template.
WINDOW = timedelta(hours=24)
FORM_TYPE = "application/x-www-form-urlencoded"
# Twilio's webhooks carry a few dozen fields (ten media with two each, location, referral): far fewer than this.
MAX_FORM_FIELDS = 500
# Twilio's SIDs have 34 characters; inbound_messages.message_id holds 100.
MAX_SID = 64
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Media downloads; sends get longer, so that a slow but accepted send is not repeated as a duplicate.
HTTP_TIMEOUT = 15.0
SEND_TIMEOUT = 60.0
# Connections kept to Twilio: the sends in flight at a sender's rate (80-400 a second, ~0.1-0.3 s each).
SEND_CONNECTIONS = 100
_TIMEOUT_NAMES = {aiohttp.SocketTimeoutError: "ReadTimeout", aiohttp.ConnectionTimeoutError: "ConnectTimeout"}

# Twilio fetches a message's files from us (MediaUrl); a link works this long and only with its signature.
MEDIA_LINK_TTL = timedelta(hours=2)
MEDIA_PATH = "/whatsapp/media"
# Twilio takes at most this many MediaUrl per message.
MEDIA_PER_MESSAGE = 10

# A delivery report: (outbox message id from the callback URL, Twilio MessageSid, status, error).
StatusReport = tuple[int | None, str | None, str, str | None]
# Records the reports that arrived together (in one transaction); says of each whether its message is known.
OnStatus = Callable[[Sequence[StatusReport]], Awaitable[Sequence[bool]]]
# At most this many delivery reports share a transaction.
STATUS_BATCH = 100

log = logging.getLogger(__name__)


# -- inbound ---------------------------------------------------------------------------------------

def public_url(public_base_url: str, path: str, query: str) -> str:
    """Return the URL Twilio called (and signed): the public base, not the Host behind the proxy.

    >>> public_url("https://siaga.example.go.id/", "/whatsapp/inbound", "")
    'https://siaga.example.go.id/whatsapp/inbound'
    """
    return public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


def to_inbound(form: Mapping[str, Any]) -> Inbound | None:
    """Translate Twilio's inbound message fields; None when it is not a WhatsApp message."""
    sender = str(form.get("From") or "")
    sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "")
    if not sender.startswith("whatsapp:") or not sid:
        return None
    location = None
    if form.get("Latitude") and form.get("Longitude"):
        try:
            location = Location(float(form["Latitude"]), float(form["Longitude"]))
        except ValueError:
            location = None
    media = []
    for n in range(_int(form.get("NumMedia"))):
        url = form.get(f"MediaUrl{n}")
        if url:
            content_type = form.get(f"MediaContentType{n}") or None
            kind = "photo" if (content_type or "").startswith("image/") else "document"
            media.append(Media(kind, str(url), content_type))
    payload = form.get("ButtonPayload") or None
    text = form.get("ButtonText") if payload else form.get("Body")
    # Swiping to reply to one of our messages names it: a number then answers that message's list.
    replied = str(form.get("OriginalRepliedMessageSid") or "")
    return Inbound(CHANNEL, sender, text=(str(text) if text else None) if not location else None,
                   choice=payload, location=location, media=tuple(media), message_id=sid,
                   display_name=form.get("ProfileName") or None, reply_to=replied if valid_sid(replied) else None)


def valid_sid(sid: str) -> bool:
    """Tell whether a message id looks like Twilio's (two letters and 32 hex digits; some slack kept).

    >>> valid_sid("SM" + "0" * 32), valid_sid("SM" + "0" * 200), valid_sid("SM'--")
    (True, False, False)
    """
    return 2 <= len(sid) <= MAX_SID and sid.isascii() and sid.isalnum()


def _int(value: Any) -> int:
    try:
        return max(0, min(int(value or 0), 10))  # WhatsApp sends at most 10 media per message
    except ValueError:
        return 0


# -- outbound --------------------------------------------------------------------------------------

def render(reply: Reply) -> str:
    """Render a reply as text with numbered choices ("1. Label") and, when asked, the location hint."""
    lines = [reply.text]
    if reply.choices:
        lines += [""] + [f"{n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
        if any(c.id.startswith("/") for c in reply.choices):
            # Actions (an alert's) stay answerable after later messages: by replying to this very one.
            lines.append(t("whatsapp.reply_hint", reply.lang))
    if reply.ask_location:
        lines.append(t("whatsapp.location_hint", reply.lang))
    return "\n".join(lines)


def split_body(text: str, limit: int = BODY_LIMIT, max_parts: int = MAX_REPLY_PARTS) -> list[str]:
    """Cut a long text into at most `max_parts` bodies Twilio accepts, at a line break or a space where possible.

    >>> [len(p) for p in split_body("a" * 10 + "\\n" + "b" * 10, limit=12)]
    [10, 10]
    """
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        if len(parts) == max_parts - 1:  # one reply never becomes a flood of messages
            rest = rest[: limit - 1] + ELLIPSIS
            break
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    parts.append(rest)
    return [p for p in parts if p] or [""]


def _fernet(secret: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"siaga-media-link:" + secret).digest()))


def media_token(secret: bytes, path: str, expires: int) -> str:
    """Return the expiring token that names a file on disk in a media link, sealed with Fernet (AES-CBC + HMAC).

    The link says nothing of the server's files, and only the holder of `secret` can make or read one.

    >>> media_path(b"k", media_token(b"k", "/a/b.png", 100), 99)
    '/a/b.png'
    >>> "/a/b" in base64.urlsafe_b64decode(media_token(b"k", "/a/b.png", 100)).decode("latin-1")
    False
    """
    return _fernet(secret).encrypt(f"{expires}\n{path}".encode()).decode()


def media_path(secret: bytes, token: str, now: float) -> str | None:
    """Return the file a token names, or None when it is forged, garbled or expired."""
    try:
        expires, path = _fernet(secret).decrypt(token.encode()).decode().split("\n", 1)
        return path if int(expires) >= now else None
    except (InvalidToken, ValueError, UnicodeDecodeError):
        return None


class TwilioHttp(AsyncHttpClient):
    """The twilio client's transport: one pooled aiohttp session, a configurable base URL, 429 Retry-After kept.

    aiohttp rather than httpx (twilio's own async transport is aiohttp too): a send cost 2.6-3.5 ms of CPU
    through httpx and 0.25-0.35 ms through aiohttp on the bench machine (`BENCHMARKS.md`, WhatsApp), and a
    Twilio sender takes 80 or more a second. The session (its connection pool) is made on first use, inside
    the event loop that sends, and shared by every send.
    """

    def __init__(self, base_url: str | None = None, timeout: float = HTTP_TIMEOUT,
                 connections: int = SEND_CONNECTIONS) -> None:
        super().__init__(logger=logging.getLogger("twilio.http_client"), is_async=True, timeout=timeout)
        self._base = URL(base_url) if base_url else None
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._authorization: dict[tuple[str, str], str] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Timeouts per phase, as httpx had them: a slow but accepted send is not cut short as a whole.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.timeout, sock_read=self.timeout))
        return self._session

    async def request(self, method: str, url: str, params: Any = None, data: Any = None, headers: Any = None,
                      auth: Any = None, timeout: float | None = None, allow_redirects: bool = False
                      ) -> TwilioResponse:
        target = URL(url)
        if self._base is not None:
            target = target.with_scheme(self._base.scheme).with_host(self._base.raw_host or "") \
                .with_port(self._base.port)
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = self._basic(*auth)
        # Twilio's form: repeated keys for lists (MediaUrl), as the library's own transports encode it.
        body = urlencode(data, doseq=True).encode() if data else None
        options: dict[str, Any] = {}
        if timeout:  # else the session's (aiohttp reads timeout=None as no timeout at all)
            options["timeout"] = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        async with self._client().request(method, target, params=params, data=body, headers=headers,
                                          allow_redirects=allow_redirects, **options) as response:
            text = await response.text()
            if response.status == 429:
                # twilio's exception drops the headers, so the wait Twilio asks for is read here.
                raise SendError("twilio 429 too many requests", retryable=True,
                                retry_after=_seconds(response.headers.get("Retry-After")))
            return TwilioResponse(response.status, text, response.headers)

    def _basic(self, user: str, password: str) -> str:
        header = self._authorization.get((user, password))
        if header is None:
            header = self._authorization[user, password] = \
                "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return header

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


# -- the channel -----------------------------------------------------------------------------------

class WhatsAppChannel:
    """Twilio WhatsApp: `/whatsapp/inbound` and `/whatsapp/status` on the shared server; sends what the outbox gives it."""

    name = CHANNEL

    def __init__(self, settings: Settings, runner: Runner, *, on_status: OnStatus | None = None) -> None:
        assert settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_whatsapp_from
        assert settings.public_base_url, "WhatsApp needs PUBLIC_BASE_URL"
        token = settings.twilio_auth_token.get_secret_value()
        self.settings = settings
        self.runner = runner
        self.sender = settings.twilio_whatsapp_from
        self.public_base_url = settings.public_base_url
        self.templates = dict(settings.twilio_templates)
        self.capabilities = Capabilities(session_window=WINDOW, templates=self.templates, rate=settings.twilio_mps)
        self.validator = RequestValidator(token)
        self._twilio_http = TwilioHttp(settings.twilio_api_base_url, timeout=SEND_TIMEOUT)
        self.client = Client(settings.twilio_account_sid, token, http_client=self._twilio_http)
        self._credentials = (settings.twilio_account_sid, token)
        # Media links are signed with a key derived from the auth token, so no second secret is needed.
        self._media_key = hashlib.sha256(f"siaga-media:{token}".encode()).digest()
        self._media = httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=True)
        # Delivery reports are the app's bookkeeping; the channel only reads them off the callback, and hands
        # those that arrive while a batch is being recorded over together (answered once they are committed).
        self.on_status = on_status
        self._reports: list[tuple[StatusReport, asyncio.Future[bool]]] = []
        self._recording: asyncio.Task[None] | None = None

    def routes(self) -> list[BaseRoute]:
        return [Route("/whatsapp/inbound", self.inbound, methods=["POST"]),
                Route("/whatsapp/status", self.status, methods=["POST"]),
                Route(MEDIA_PATH + "/{token}", self.media, methods=["GET", "HEAD"])]

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass  # the webhooks stop with the web server; sending stops with close()

    async def close(self) -> None:
        """Release the HTTP clients (after the outbox sent its last round through them)."""
        await self._media.aclose()
        await self._twilio_http.aclose()

    # -- webhooks ----------------------------------------------------------------------------

    async def _signed_form(self, request: Request) -> FormData | Response:
        """Return the form Twilio signed, or the refusal: 403 unsigned or forged, 400 not a Twilio form."""
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            log.warning("whatsapp: request without a signature refused path=%s", request.url.path)
            return Response(status_code=403)
        # Twilio posts url-encoded forms only; anything else is not parsed (a multipart body costs work).
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
            log.warning("whatsapp: request that is not a url-encoded form refused path=%s", request.url.path)
            return Response(status_code=400)
        try:
            # The standard library's parser: python-multipart's (behind `request.form()`) costs several times more.
            form = FormData(parse_qsl((await request.body()).decode(), keep_blank_values=True,
                                      max_num_fields=MAX_FORM_FIELDS))
        except (UnicodeDecodeError, ValueError):
            log.warning("whatsapp: request with a malformed form refused path=%s", request.url.path)
            return Response(status_code=400)
        url = public_url(self.public_base_url, request.url.path, request.url.query)
        if not self.validator.validate(url, form, signature):
            log.warning("whatsapp: request with a wrong signature refused path=%s", request.url.path)
            return Response(status_code=403)
        return form

    async def inbound(self, request: Request) -> Response:
        """Take a message: check the signature, store media, run the turn, queue the replies; answer at once."""
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        if not valid_sid(str(form.get("MessageSid") or form.get("SmsMessageSid") or "")):
            log.warning("whatsapp: message with a malformed MessageSid refused")
            return Response(status_code=400)
        message = to_inbound(form)
        if message is None:
            log.info("whatsapp: ignored a non-WhatsApp or incomplete message")
            return Response(EMPTY_TWIML, media_type="text/xml")
        if message.media:
            message = replace(message, media=await self._media_of(message))
        try:
            # The runner writes the replies to the outbox with the turn and wakes it.
            await self.runner.run_turn_async(message)
        except Exception:  # the route's one catch-all: apologise in chat, keep the webhook answering
            log.error("whatsapp: turn failed message=%s", message.message_id, exc_info=True)
            await self.runner.apologise_async(CHANNEL, message.address)
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(self, request: Request) -> Response:
        """Record a delivery status callback on the outbox message it belongs to."""
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        status = str(form.get("MessageStatus") or form.get("SmsStatus") or "")
        if not status:
            return Response(status_code=400)
        outbox_id = request.query_params.get("outbox")
        code = form.get("ErrorCode")
        if self.on_status is None:
            return Response()
        found = await self._record((int(outbox_id) if outbox_id and outbox_id.isdigit() else None,
                                    str(form.get("MessageSid") or "") or None, status,
                                    f"twilio {status} error {code}" if code else None))
        if not found:
            log.info("whatsapp: status callback for an unknown message")
        return Response()

    async def _record(self, report: StatusReport) -> bool:
        """Record a delivery report with the others that arrive meanwhile: one transaction for all of them.

        A status callback is a row update; its own transaction (and hop to a database thread) cost more than
        the update. The first report goes at once; those arriving while it is recorded go in the next batch.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._reports.append((report, future))
        if self._recording is None:
            self._recording = asyncio.create_task(self._record_batches())
        return await future

    async def _record_batches(self) -> None:
        assert self.on_status is not None
        try:
            while self._reports:
                batch, self._reports = self._reports[:STATUS_BATCH], self._reports[STATUS_BATCH:]
                try:
                    found = await self.on_status([report for report, _ in batch])
                except Exception as exc:  # noqa: BLE001 - handed to each waiting callback: it fails as it did alone
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), known in zip(batch, found, strict=True):
                    if not future.done():
                        future.set_result(known)
        finally:
            self._recording = None

    async def _media_of(self, message: Inbound) -> tuple[Media, ...]:
        """Download media only for a known officer at a question that takes it, and only from Twilio."""
        if not await self.runner.call(self.runner.accepts_media, message):
            # A stranger, or an officer at a question that wants words: nothing is fetched or stored.
            return ()
        fetchable = [m for m in message.media if self.media_host_allowed(m.ref)]
        if len(fetchable) < len(message.media):
            log.warning("whatsapp: %d media URL(s) outside Twilio ignored message=%s",
                        len(message.media) - len(fetchable), message.message_id)
        return tuple([await self._download(m, message.message_id or "") for m in fetchable])

    def media_host_allowed(self, url: str) -> bool:
        """Tell whether a media URL is Twilio's (https, a twilio.com host, port 443) or the configured API base."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        if self.settings.twilio_api_base_url is not None:
            base = httpx.URL(self.settings.twilio_api_base_url)
            if (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port):
                return True
        return target.scheme == "https" and target.port in (None, 443) and (
            target.host == "api.twilio.com" or target.host.endswith(".twilio.com"))

    async def media(self, request: Request) -> Response:
        """Serve a file of an outgoing message to Twilio, if the link is signed and not expired."""
        path = media_path(self._media_key, request.path_params["token"], time.time())
        if path is None or not Path(path).is_file():
            return Response(status_code=404)  # forged, expired or gone: the same answer, nothing to learn
        return FileResponse(path)

    def media_url(self, media: Media) -> str:
        """Return the signed, expiring public link to one of our files."""
        assert media.stored_path is not None
        token = media_token(self._media_key, media.stored_path, int(time.time() + MEDIA_LINK_TTL.total_seconds()))
        return public_url(self.public_base_url, f"{MEDIA_PATH}/{token}", "")

    async def _download(self, media: Media, message_id: str) -> Media:
        """Store a media file (size-capped); on failure keep the Twilio URL so the evidence is not lost."""
        limit = self.settings.twilio_media_max_bytes
        try:
            async with self._media.stream("GET", media.ref, auth=self._auth_for(media.ref)) as response:
                response.raise_for_status()
                if int(response.headers.get("Content-Length") or 0) > limit:
                    raise _TooLarge()
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > limit:
                        raise _TooLarge()
                content_type = media.content_type or response.headers.get("Content-Type")
        except _TooLarge:
            log.warning("whatsapp: media over %d bytes not stored message=%s", limit, message_id)
            return media
        except httpx.HTTPError as exc:
            log.warning("whatsapp: media download failed message=%s: %s", message_id, type(exc).__name__)
            return media
        stored = await asyncio.to_thread(store_bytes, Path(self.settings.attachments_dir), bytes(content),
                                         content_type)
        return Media(media.kind, media.ref, content_type, str(stored))

    def _auth_for(self, url: str) -> tuple[str, str] | None:
        # The account credentials go to Twilio (or the configured fake) only, whatever URL a message names.
        host = httpx.URL(url).host
        allowed = host == "api.twilio.com" or host.endswith(".twilio.com") or (
            self.settings.twilio_api_base_url is not None
            and host == httpx.URL(self.settings.twilio_api_base_url).host)
        return self._credentials if allowed else None

    # -- sending -------------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> str | None:
        """Send a claimed outbox message: its template if one was chosen, else the text in parts."""
        callback = public_url(self.public_base_url, "/whatsapp/status", f"outbox={message.id}")
        if message.template is not None:
            requests: list[dict[str, Any]] = [{"content_sid": self.templates[message.template],
                                               "content_variables": json.dumps(message.variables)}]
        else:
            requests = [{"body": body} for body in split_body(render(message.reply))]
            files = [self.media_url(m) for m in message.reply.media if m.stored_path]
            if files:  # the files ride on the last part, ten at most per message
                requests[-1]["media_url"] = files[:MEDIA_PER_MESSAGE]
                requests += [{"media_url": files[n:n + MEDIA_PER_MESSAGE]}
                             for n in range(MEDIA_PER_MESSAGE, len(files), MEDIA_PER_MESSAGE)]
        sid = None
        for fields in requests:
            sid = await self._create(to=message.address, status_callback=callback, **fields)
        return sid

    async def _create(self, **fields: Any) -> str:
        try:
            created = await self.client.messages.create_async(from_=self.sender, **fields)
        except TwilioRestException as exc:
            raise SendError(f"twilio {exc.status} error {exc.code}", retryable=exc.status >= 500) from None
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors; named as before for the operator
            raise SendError(f"twilio timeout {_TIMEOUT_NAMES.get(type(exc), type(exc).__name__)}",
                            retryable=True) from None
        except aiohttp.ClientError as exc:
            raise SendError(f"twilio connection {type(exc).__name__}", retryable=True) from None
        return str(created.sid)


class _TooLarge(Exception):
    pass
