"""A fake Twilio REST API on 127.0.0.1 (Messages create, media) plus signed webhook helpers, for offline tests.

`enforce_mps()` limits each sender to its messages per second: a create beyond it is answered 429 with
error 20429 "Too Many Requests" (real Twilio queues such messages at the sender's MPS and keeps 429 for too
many concurrent API requests; refusing makes a client that does not pace itself visible).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.support.ratelimit import Buckets

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
SENDER = "whatsapp:+14155238886"
PUBLIC_BASE_URL = "https://siaga.example.test"


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until `condition()` is truthy and return it; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    """Return the headers Twilio sends with a webhook: the signature of the public URL and all params."""
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params),
            "Content-Type": "application/x-www-form-urlencoded"}


def inbound_params(sender: str, body: str | None = None, *, sid: str | None = None, **extra: str) -> dict[str, str]:
    """Form fields of an inbound WhatsApp message as Twilio posts them."""
    params = {"SmsMessageSid": sid or new_sid("SM"), "NumMedia": "0", "ProfileName": "Budi", "SmsSid": "",
              "WaId": sender.removeprefix("whatsapp:+"), "SmsStatus": "received", "To": SENDER, "From": sender,
              "MessageType": "text", "NumSegments": "1", "ReferralNumMedia": "0", "AccountSid": ACCOUNT_SID,
              "ApiVersion": "2010-04-01"}
    params["MessageSid"] = params["SmsSid"] = params["SmsMessageSid"]
    if body is not None:
        params["Body"] = body
    params.update(extra)
    return params


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class FakeTwilio:
    """Records Messages.create calls, serves media, fails on demand; runs uvicorn in a thread."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: list[dict[str, str]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_requests: list[str] = field(default_factory=list)
    _failures: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    # Where callbacks really go: the public URL maps to the app under test.
    webhook_target: str | None = None
    # Seconds Messages.create takes (a slow provider); `arrived` counts create calls as they come in.
    delay: float = 0.0
    arrived: int = 0
    # While set, Messages.create calls are accepted but not answered (a stalled provider): a test decides when
    # they complete, instead of betting that a fixed delay outlasts the machine's load.
    holding: threading.Event = field(default_factory=threading.Event)
    # Off by default: tests post the callbacks they need themselves (status_callback). When set, every created
    # message with a StatusCallback gets these statuses posted to it, signed, in order, as Twilio does.
    post_statuses: tuple[str, ...] = ()
    # (message sid, status, HTTP status of the app's answer) of every callback posted because of post_statuses.
    callbacks: list[tuple[str, str, int]] = field(default_factory=list)
    _pending_callbacks: set[asyncio.Task[None]] = field(default_factory=set)
    # When each of `messages` was accepted (time.monotonic()); creates refused by enforce_mps().
    accepted_at: list[float] = field(default_factory=list)
    refused: int = 0
    _mps: Buckets | None = None
    _client: httpx.AsyncClient | None = None

    def _basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()

    def fail_next(self, status: int, times: int = 1, *, code: int | None = None,
                  retry_after: float | None = None) -> None:
        """Answer the next `times` Messages.create calls with this error status."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"code": code or status * 100, "message": "fake failure", "status": status}
        with self._lock:
            self._failures += [(status, body, headers)] * times

    def enforce_mps(self, mps: float, *, burst: float | None = None, slack: float = 0.05) -> None:
        """Refuse creates beyond `mps` a second from one sender (`burst`, default a second's worth, at once)."""
        self._mps = Buckets(mps, burst or mps, slack=slack)

    def add_media(self, content: bytes, content_type: str = "image/jpeg") -> str:
        """Serve a media file the way Twilio does (authenticated, then a redirect); return its URL."""
        name = new_sid("ME")
        self.media[name] = (content, content_type)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/{new_sid('MM')}/Media/{name}"

    def bodies(self, to: str | None = None) -> list[str]:
        with self._lock:
            return [m.get("Body", "") for m in self.messages if to is None or m["To"] == to]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def status_callback(self, message: dict[str, str], status: str, error_code: str | None = None) -> httpx.Response:
        """Post a signed delivery status callback for a created message, as Twilio would."""
        params = {"MessageSid": message["sid"], "MessageStatus": status, "SmsStatus": status,
                  "To": message["To"], "From": message["From"], "AccountSid": self.account_sid,
                  "ApiVersion": "2010-04-01", "ChannelPrefix": "whatsapp"}
        if error_code:
            params["ErrorCode"] = error_code
        return post_signed(message["StatusCallback"], params, token=self.auth_token, target=self.webhook_target)

    def callbacks_in_flight(self) -> int:
        """How many messages still have status callbacks to post (see post_statuses)."""
        with self._lock:
            return len(self._pending_callbacks)

    def _status_params(self, message: dict[str, str], status: str) -> dict[str, str]:
        return {"MessageSid": message["sid"], "MessageStatus": status, "SmsStatus": status, "To": message["To"],
                "From": message["From"], "AccountSid": self.account_sid, "ApiVersion": "2010-04-01",
                "ChannelPrefix": "whatsapp"}

    async def _post_statuses(self, message: dict[str, str]) -> None:
        public = message["StatusCallback"]
        url = public
        if self.webhook_target is not None:
            # The public URL maps to the app under test: keep the path and query, swap the host.
            url = self.webhook_target.rstrip("/") + "/" + public.split("://", 1)[-1].partition("/")[2]
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=30)
        try:
            for status in self.post_statuses:
                params = self._status_params(message, status)
                try:
                    response = await self._client.post(url, content=urlencode(params),
                                                       headers=signed(public, params, self.auth_token))
                    code = response.status_code
                except httpx.HTTPError:
                    code = 0
                with self._lock:
                    self.callbacks.append((message["sid"], status, code))
        finally:
            with self._lock:
                self._pending_callbacks.discard(asyncio.current_task())  # type: ignore[arg-type]

    # -- the ASGI app --------------------------------------------------------------------------

    async def _create(self, request: Request) -> Response:
        if request.path_params["sid"] != self.account_sid:
            return JSONResponse({"code": 20404, "message": "not found", "status": 404}, status_code=404)
        auth = request.headers.get("Authorization", "")
        if auth != self._basic():
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        try:
            form = {k: str(v) for k, v in (await request.form()).items()}
        except ClientDisconnect:  # the app died mid-request (a SIGKILL test): nobody to answer
            return Response(status_code=499)
        with self._lock:
            self.arrived += 1
        if self.delay:
            await asyncio.sleep(self.delay)  # accepted, but the caller hears of it only later
        while self.holding.is_set():
            await asyncio.sleep(0.01)
        with self._lock:
            if self._failures:
                status, body, headers = self._failures.pop(0)
                return JSONResponse(body, status_code=status, headers=headers)
            if self._mps is not None:
                if self._mps.wait_for(form.get("From")):
                    self.refused += 1
                    return JSONResponse({"code": 20429, "message": "Too Many Requests", "status": 429,
                                         "more_info": "https://www.twilio.com/docs/errors/20429"}, status_code=429)
                self._mps.take(form.get("From"))
            sid = new_sid("SM")
            self.messages.append({**form, "sid": sid})
            self.accepted_at.append(time.monotonic())
            if self.post_statuses and form.get("StatusCallback"):
                # After this answer, as Twilio does; the task set keeps a reference until it ends.
                task = asyncio.get_running_loop().create_task(self._post_statuses({**form, "sid": sid}))
                self._pending_callbacks.add(task)
        return JSONResponse({"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                             "body": form.get("Body"), "account_sid": self.account_sid, "num_media": "0",
                             "error_code": None, "error_message": None, "direction": "outbound-api",
                             "api_version": "2010-04-01", "uri": f"/Messages/{sid}.json"}, status_code=201)

    async def _media(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.media_requests.append(name)
        if request.headers.get("Authorization") != self._basic():
            return Response(status_code=401)
        if name not in self.media:
            return Response(status_code=404)
        return RedirectResponse(f"{self.url}/s3/{name}", status_code=307)

    async def _s3(self, request: Request) -> Response:
        content, content_type = self.media[request.path_params["name"]]
        return Response(content, media_type=content_type)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", self._create, methods=["POST"]),
            Route("/2010-04-01/Accounts/{sid}/Messages/{msg}/Media/{name}", self._media, methods=["GET"]),
            Route("/s3/{name}", self._s3, methods=["GET"]),
        ])

    def __enter__(self) -> FakeTwilio:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self.app(), log_level="warning", access_log=False,
                                                     lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        wait_until(lambda: self._server.started, timeout=10)
        self._sock = sock
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


def post_signed(public_url: str, params: dict[str, str], *, token: str = AUTH_TOKEN,
                target: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
    """POST a webhook signed for `public_url` to `target` (the same path on the local server)."""
    url = public_url
    if target is not None:
        url = target.rstrip("/") + public_url.removeprefix(PUBLIC_BASE_URL)
    return httpx.post(url, content=urlencode(params), headers={**signed(public_url, params, token), **(headers or {})},
                      timeout=30)
