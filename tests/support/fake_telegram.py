"""A fake Telegram Bot API on 127.0.0.1 for tests: records every call, hands out injected updates.

Updates reach the bot the way Telegram delivers them: through `getUpdates` (long polling, waiting until
an update arrives) or, once `setWebhook` was called, POSTed in order to the webhook URL with the secret
header, retried until the bot answers 200. `fail_next()` makes the next call of a method fail (429 with
`retry_after`, 502, 403...), so retries can be tested. `enforce_limits()` turns on Telegram's flood limits
(30 messages a second overall, one a second per chat): a send beyond them is answered 429 with `retry_after`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.ratelimit import Buckets, retry_after

TOKEN = "123456:TEST-fake-token-ABCdef"
BOT = {"id": 123456, "is_bot": True, "first_name": "Siaga", "username": "SiagaTestBot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope"}
SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None  # what the fake answered, e.g. the Message a sendMessage created


class FakeTelegram:
    """The fake server; use as a context manager or call `start()`/`stop()`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.webhook: dict[str, Any] | None = None
        self.delivered: set[int] = set()  # update ids handed to the bot (getUpdates or webhook 200)
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self.delays: dict[str, float] = {}  # method -> seconds the fake takes to answer it
        # Off unless enforce_limits() was called: (overall bucket, per-chat buckets).
        self._limits: tuple[Buckets, Buckets] | None = None
        self.refused: list[Call] = []  # sends answered 429 by the enforced limits
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTelegram:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        wait_until(lambda: self._server is not None and self._server.started, timeout=10, what="fake Bot API up")
        return self

    def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        asyncio.run(self._main(sock))

    async def _main(self, sock: socket.socket) -> None:
        assert self._server is not None
        pusher = asyncio.create_task(self._push_webhooks())
        try:
            await self._server.serve(sockets=[sock])
        finally:
            pusher.cancel()

    def stop(self) -> None:
        self._closing = True  # ends pending long polls at once
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ what the tests do

    def fail_next(self, method: str, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        """Make the next `times` calls of a method fail with an HTTP status (429 carries retry_after)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": f"Fake error {status}"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, body)] * times)

    def enforce_limits(self, per_second: float = 30.0, per_chat: float = 1.0, *, burst: float | None = None,
                       chat_burst: float = 1.0, slack: float = 0.05) -> None:
        """Refuse sends beyond `per_second` overall or `per_chat` a second to one chat, as Telegram does.

        A refused send gets 429 and `parameters.retry_after` (whole seconds until a slot frees); `burst`
        (default: a second's worth) and `chat_burst` sends may go at once after a quiet spell.
        """
        self._limits = (Buckets(per_second, burst or per_second, slack=slack),
                        Buckets(per_chat, chat_burst, slack=slack))

    def _over_limit(self, method: str, params: dict[str, Any]) -> float:
        """Seconds the caller must wait before this send is allowed; 0.0 takes its slot (call under the lock)."""
        if self._limits is None or method not in SEND_METHODS:
            return 0.0
        overall, chats = self._limits
        chat = str(params.get("chat_id"))
        wait = max(overall.wait_for(), chats.wait_for(chat))
        if wait == 0.0:
            overall.take()
            chats.take(chat)
        return wait

    def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (an `update_id` is added); returns its id."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        return update["update_id"]

    def add_file(self, content: bytes, path: str) -> str:
        """Store a file the bot can fetch with getFile; returns its file_id."""
        file_id = f"FILE{len(self.files) + 1:04d}"
        self.files[file_id] = (path, content)
        return file_id

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def bot_message(self, params: dict[str, Any], kind: str = "text") -> dict[str, Any]:
        """Render what the bot sent as the Message object the Bot API returns."""
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._message_ids), "date": int(time.time()), "from": BOT,
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}
        if kind == "text":
            message["text"] = params.get("text", "")
        if "inline_keyboard" in (params.get("reply_markup") or {}):
            message["reply_markup"] = params["reply_markup"]
        return message

    def next_message_id(self) -> int:
        return next(self._message_ids)

    # ------------------------------------------------------------ the Bot API

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        method = request.path_params["method"]
        try:
            params = await _params(request)
        except ClientDisconnect:  # the bot died mid-request (a SIGKILL test): nobody to answer
            return Response(status_code=499)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
            wait = self._over_limit(method, params) if failure is None else 0.0
            if wait:
                self.refused.append(call)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if failure is not None:
            return JSONResponse(failure[1], status_code=failure[0])
        if wait:
            seconds = retry_after(wait)
            return JSONResponse({"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                                 f"{seconds}", "parameters": {"retry_after": seconds}}, status_code=429)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, Response):
            return result
        call.result = result
        return JSONResponse({"ok": True, "result": result})

    async def _file(self, request: Request) -> Response:
        path = request.path_params["path"]
        for stored_path, content in self.files.values():
            if stored_path == path and request.path_params["token"] == self.token:
                return Response(content, media_type="application/octet-stream")
        return Response(status_code=404)

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return JSONResponse({"ok": False, "error_code": 409, "description": "Conflict: webhook is active"},
                                status_code=409)
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self._lock:
                # Like Telegram: an offset confirms every update before it.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
                self.delivered.update(u["update_id"] for u in ready)
            if ready or time.monotonic() >= deadline or self._closing:
                return ready
            await asyncio.sleep(0.01)

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_message(params)

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.bot_message(params, kind="photo")
        message["photo"] = [{"file_id": "SENT", "file_unique_id": "SENT", "width": 1, "height": 1}]
        return message

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.bot_message(params, kind="document")
        message["document"] = {"file_id": "SENTDOC", "file_unique_id": "SENTDOC"}
        return message

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return {**self.bot_message(params), "message_id": int(params["message_id"])}

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            return JSONResponse({"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                                status_code=400)
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(content), "file_path": path}

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _push_webhooks(self) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while True:
                hook = self.webhook
                with self._lock:
                    update = self._updates[0] if self._updates and hook else None
                if update is None or hook is None:
                    await asyncio.sleep(0.01)
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"] or ""}
                try:
                    response = await client.post(hook["url"], json=update, headers=headers)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    with self._lock:
                        self._updates.remove(update)
                        self.delivered.add(update["update_id"])
                else:
                    await asyncio.sleep(0.05)  # Telegram retries a failed delivery later


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        raw: dict[str, Any] = await request.json()
    else:
        form = await request.form()
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
        raw.update({k: f"<upload {v.filename}>" for k, v in form.items() if not isinstance(v, str)})
        # The uploaded bytes too, so a test can open the photo or document the bot sent.
        raw.update({f"{k}:bytes": await v.read() for k, v in form.items() if not isinstance(v, str)})
    params = dict(request.query_params) | raw
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params


def wait_until(condition: Callable[[], Any], *, timeout: float = 10, what: str = "condition") -> Any:
    """Poll a condition every 10 ms until it is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


# ---------------------------------------------------------------- a user of the fake, in one chat


class TelegramUser:
    """A person chatting with the bot in a private chat: sends, taps, and reads what the bot sent."""

    def __init__(self, fake: FakeTelegram, user_id: int = 7001, first_name: str = "Budi",
                 language_code: str = "id") -> None:
        self.fake = fake
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}
        self.seen = 0  # how many bot messages in this chat were already read

    @property
    def chat_id(self) -> int:
        return self.user["id"]

    def message(self, **content: Any) -> dict[str, Any]:
        """A new message update from this user, to push (once, or again as a redelivery)."""
        return self._message(**content)

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message": {"message_id": self.fake.next_message_id(), "date": int(time.time()),
                            "from": self.user, "chat": self.chat, **content}}

    def received(self) -> list[Call]:
        """Every sendMessage/sendPhoto the bot made to this chat."""
        with self.fake._lock:
            return [c for c in self.fake.calls
                    if c.method in ("sendMessage", "sendPhoto", "sendDocument")
                    and int(c.params["chat_id"]) == self.chat_id]

    def texts(self) -> list[str]:
        return [c.params.get("text", "") for c in self.received()]

    def _expect(self, expect: str, timeout: float) -> list[str]:
        def arrived() -> list[str] | None:
            new = self.texts()[self.seen:]
            return new if any(expect in text for text in new) else None

        new = wait_until(arrived, timeout=timeout, what=f"a bot message containing {expect!r}; "
                                                        f"got {self.texts()[self.seen:]!r}")
        self.seen += len(new)
        return new

    def send(self, text: str) -> int:
        """Send a text without waiting; returns the update id."""
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] \
            if text.startswith("/") else []
        return self.fake.push(self._message(text=text, **({"entities": entities} if entities else {})))

    def say(self, text: str, expect: str, timeout: float = 15) -> list[str]:
        """Send a text and wait for a bot message containing `expect`; returns the new bot messages."""
        self.send(text)
        return self._expect(expect, timeout)

    def share_location(self, lat: float, lon: float, expect: str, timeout: float = 15) -> list[str]:
        self.fake.push(self._message(location={"latitude": lat, "longitude": lon}))
        return self._expect(expect, timeout)

    def send_photo(self, content: bytes, expect: str, caption: str | None = None, timeout: float = 15) -> list[str]:
        file_id = self.fake.add_file(content, f"photos/file_{len(self.fake.files)}.jpg")
        sizes = [{"file_id": f"{file_id}s", "file_unique_id": "small", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": f"U{file_id}", "width": 800, "height": 600}]
        extra = {"caption": caption} if caption else {}
        self.fake.push(self._message(photo=sizes, **extra))
        return self._expect(expect, timeout)

    def last_keyboard(self) -> Call:
        """The latest bot message to this chat that carries an inline keyboard."""
        for call in reversed(self.received()):
            if "inline_keyboard" in (call.params.get("reply_markup") or {}):
                return call
        raise AssertionError("the bot sent no inline keyboard")

    def tap(self, label: str, expect: str, timeout: float = 15, keyboard: Call | None = None) -> list[str]:
        """Press the button labelled `label` on the latest keyboard (or a given one)."""
        keyboard = keyboard or self.last_keyboard()
        buttons = [b for row in keyboard.params["reply_markup"]["inline_keyboard"] for b in row]
        button = next((b for b in buttons if b["text"] == label), None)
        assert button is not None, f"no button {label!r} in {[b['text'] for b in buttons]}"
        self.press(keyboard, button["callback_data"])
        return self._expect(expect, timeout)

    def press(self, keyboard: Call, data: str) -> int:
        """Send the callback query of a button press on a bot message; returns the update id."""
        message = keyboard.result
        query = {"id": f"q{self.fake.next_message_id()}", "from": self.user, "chat_instance": "ci",
                 "message": message, "data": data}
        return self.fake.push({"callback_query": query})
