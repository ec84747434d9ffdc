"""Telegram adapter (python-telegram-bot): `Update` ↔ `Inbound`, `Reply` → Bot API call; polling or webhook.

PTB receives updates (its `Updater` polls and parses them) and sends files. A private message without a
file takes the lean way: the turns of one getUpdates batch go to the database threads in one hop, without
PTB's per-update dispatch (a task, its handler lookup and context each); taps, files and group commands go
through PTB's handlers. One chat's updates are handled in arrival order either way. Plain text replies
(with or without a keyboard) are posted through PTB's request object as plain JSON: building and freezing a
`Message` per reply cost more than the rest of the send. Pacing (Telegram's flood limits) is the outbox's,
from `CAPABILITIES`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import mimetypes
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    Updater,
    filters,
)
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter
from telegram.warnings import PTBDeprecationWarning

from bot.attachments import store_bytes
from bot.config import Settings
from bot.runner import Queued, Runner
from bot.sending import Capabilities, Outbound, Outgoing, Rate, SendError
from handlers.commands import menu_for
from handlers.limits import ELLIPSIS, MAX_REPLY_PARTS
from handlers.texts import LANGUAGES, t
from handlers.types import Inbound, Location, Media, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "telegram"
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
CALLBACK_DATA_MAX = 64  # bytes, a Bot API limit
# The command menu: (Indonesian name, English name, description key). The engine accepts both names.
MENU = (
    ("lapor", "report", "menu.report"),
    ("laporanku", "myreports", "menu.myreports"),
    ("bahasa", "language", "menu.language"),
    ("bantuan", "help", "menu.help"),
    ("batal", "cancel", "menu.cancel"),
)
# Labels this short share a keyboard row (Rendah / Sedang / Tinggi); longer ones get a row each.
SHORT_LABEL = 12
# Seconds a send may take: long, so that a slow but accepted send is not sent again as a duplicate.
SEND_TIMEOUT = 60.0
# Telegram's flood limits, kept by the outbox: 30 messages a second to all chats (bulk notifications),
# about one a second to one chat after a short burst, 20 a minute to one group.
CAPABILITIES = Capabilities(rate=30.0, chat=Rate(1.0, burst=3), group=Rate(20 / 60, burst=20))


# ---------------------------------------------------------------- Update → Inbound


def message_inbound(message: Message, media: Sequence[Media] = ()) -> Inbound:
    """Translate a private-chat message (text, caption, location or venue) into an `Inbound`."""
    place = message.venue.location if message.venue else message.location
    user = message.from_user
    return Inbound(
        CHANNEL, str(message.chat.id),
        text=message.text if message.text is not None else message.caption,
        location=Location(place.latitude, place.longitude) if place else None,
        media=tuple(media),
        message_id=f"{message.chat.id}:{message.message_id}",
        display_name=user.full_name if user else None,
    )


def chat_of(update: Update) -> int | None:
    """The id of the chat an update belongs to (its order is kept per chat), if any."""
    message = update.message or (update.callback_query.message if update.callback_query else None)
    if message is not None:
        return message.chat.id
    chat = update.effective_chat
    return chat.id if chat is not None else None


@dataclass(frozen=True)
class _Turn:
    """A private message taken the lean way: its update, the `Inbound` it became, and when its turn is over."""

    update: Update
    inbound: Inbound
    done: asyncio.Future[None]

    def over(self, _: object = None) -> None:
        if not self.done.done():
            self.done.set_result(None)


# Put on the update queue by `stop`: the consumer takes what is queued before it, then ends.
_STOP = object()


def callback_inbound(update: Update) -> Inbound | None:
    """Translate a button press; one answer per keyboard, so a second tap on it is a duplicate."""
    query = update.callback_query
    if query is None or query.message is None or query.data is None:
        return None
    chat_id, message_id = query.message.chat.id, query.message.message_id
    data = query.data
    common = dict(message_id=f"{chat_id}:{message_id}:tap", display_name=query.from_user.full_name)
    if data.startswith("#") and data[1:].isdigit():
        # A choice id too long for callback_data went out as its position; a typed number means the same.
        return Inbound(CHANNEL, str(chat_id), text=data[1:], **common)
    return Inbound(CHANNEL, str(chat_id), choice=data, **common)


def attachment_of(message: Message) -> tuple[str, str, str | None, str] | None:
    """Return (kind, file_id, content_type, suffix) of a message's photo or document, if any."""
    if message.photo:
        return "photo", message.photo[-1].file_id, "image/jpeg", ".jpg"  # the largest size
    if message.document:
        doc = message.document
        content_type = doc.mime_type or (mimetypes.guess_type(doc.file_name or "")[0])
        suffix = Path(doc.file_name or "").suffix.lower() or (mimetypes.guess_extension(content_type or "") or "")
        kind = "photo" if (content_type or "").startswith("image/") else "document"
        return kind, doc.file_id, content_type, suffix
    return None


def addressed_command(message: Message, bot_username: str) -> bool:
    """Tell whether a group message is a command explicitly addressed to this bot (`/cmd@bot`)."""
    head = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    _, at, name = head.partition("@")
    return head.startswith("/") and bool(at) and name.casefold() == bot_username.casefold()


# ---------------------------------------------------------------- Reply → Bot API


def callback_data(position: int, choice_id: str) -> str:
    """Return a button's callback data: the choice id, or its position when the id is too long."""
    return choice_id if len(choice_id.encode()) <= CALLBACK_DATA_MAX else f"#{position}"


def keyboard(reply: Reply) -> dict[str, Any]:
    """Choices as an inline keyboard, "ask for location" as a `request_location` button, else no keyboard.

    The Bot API's JSON, as it is posted (see `markup` for PTB's object of it).
    """
    if reply.choices:
        buttons = [{"text": c.label, "callback_data": callback_data(n, c.id)}
                   for n, c in enumerate(reply.choices, start=1)]
        per_row = 3 if all(len(c.label) <= SHORT_LABEL for c in reply.choices) else 1
        return {"inline_keyboard": [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]}
    if reply.ask_location:
        button = {"text": t("channel.location_button", reply.lang), "request_location": True}
        return {"keyboard": [[button]], "resize_keyboard": True, "one_time_keyboard": True}
    # Removing a location keyboard that is not there is harmless; tracking whether it is would be state.
    return {"remove_keyboard": True}


def markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """`keyboard` as PTB's object, for the files PTB sends."""
    data = keyboard(reply)
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardRemove.de_json(data, None)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH, max_parts: int = MAX_REPLY_PARTS) -> list[str]:
    """Cut a long text into at most `max_parts` messages Telegram accepts, at line breaks where possible."""
    parts: list[str] = []
    while len(text) > limit:
        if len(parts) == max_parts - 1:  # one reply never becomes a flood of messages
            text = text[: limit - 1] + ELLIPSIS
            break
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*parts, text] if text or not parts else parts


def send_error(exc: TelegramError) -> SendError:
    """Classify a failed Bot API call for the outbox: retry 429/5xx/timeouts, not refusals."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # 22.x warns that retry_after becomes a timedelta; accept both
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            after = exc.retry_after
        seconds = after if isinstance(after, (int, float)) else after.total_seconds()
        return SendError(f"telegram: rate limited ({seconds}s)", retryable=True, retry_after=float(seconds))
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return SendError(f"telegram: {exc.__class__.__name__}", retryable=True)
    return SendError(f"telegram: {exc.__class__.__name__}: {exc.message}", retryable=False)


# ---------------------------------------------------------------- transport


async def retrying(retries: int, backoff: float, call: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a Bot API call, again after a 5xx or a refused connection (not sent: safe to repeat).

    A timeout may have been accepted, a 429 holds the whole channel and a refusal will not change: those
    go to the outbox, which decides (after a backoff, or the time the 429 asked).
    """
    for attempt in range(retries + 1):
        try:
            return await call(*args)
        except (BadRequest, TimedOut):
            raise
        except NetworkError as exc:
            if attempt == retries:
                raise
            delay = backoff * 2**attempt
            log.info("telegram request failed (%s), retry %d in %.1fs", exc.__class__.__name__, attempt + 1, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def webhook_secret(settings: Settings) -> str:
    """Return the webhook secret: TELEGRAM_WEBHOOK_SECRET, or one derived from the bot token."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    return hashlib.sha256(f"siaga-telegram-webhook:{token}".encode()).hexdigest()[:48]


# ---------------------------------------------------------------- the channel


class TelegramChannel:
    """Serves one bot: long polling by default, a webhook route when PUBLIC_BASE_URL is set."""

    name = CHANNEL

    capabilities: Capabilities = CAPABILITIES

    def __init__(self, settings: Settings, runner: Runner, *, concurrent_updates: int = 16,
                 request: BaseRequest | None = None, retries: int = 3, backoff: float = 0.5) -> None:
        assert settings.telegram_bot_token is not None, "TelegramChannel needs TELEGRAM_BOT_TOKEN"
        # httpx logs every request URL, and Bot API URLs carry the token; PTB logs whole updates at DEBUG.
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
        logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger("telegram").level))
        self.settings = settings
        self.runner = runner
        self.retries, self.backoff = retries, backoff
        self.webhook = settings.public_base_url is not None
        self._secret = webhook_secret(settings)
        # Chats whose command menu this process has set: chat id -> (role, language).
        self._chat_menus: dict[str, tuple[str, str]] = {}
        self._accepting = False
        api = settings.telegram_api_base_url.rstrip("/")
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
            .job_queue(None)
            # PTB's own update queue stays empty: updates come to `_take` (polled or posted).
            .updater(None)
        )
        if request is not None:  # an in-memory Bot API, for benchmarks
            builder = builder.request(request).get_updates_request(request)
        else:
            builder = builder.read_timeout(SEND_TIMEOUT).write_timeout(SEND_TIMEOUT).media_write_timeout(SEND_TIMEOUT)
        self.app = builder.build()
        # PTB's poller fills a queue of our own: `_consume` takes what one getUpdates call brought as one batch.
        self._updates: asyncio.Queue[object] = asyncio.Queue()
        self.updater = None if self.webhook else Updater(self.app.bot, self._updates)
        self._consumer: asyncio.Task[None] | None = None
        # Chat id -> when that chat's last taken update is done: the next one of the chat waits for it.
        self._tails: dict[int, asyncio.Future[Any]] = {}
        # Updates through PTB's handlers (taps, files) at once at most: downloads and Bot API calls.
        self._others = asyncio.Semaphore(concurrent_updates)
        # One handler feeds the runner; the other only tells a group where reports are filed.
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, self._on_message))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.GROUPS & filters.COMMAND,
                                            self._on_group_command))
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self.app.add_error_handler(self._on_error)

    # -------------------------------------------------------- lifecycle

    def routes(self) -> list[BaseRoute]:
        """Return the webhook route in webhook mode, nothing in polling mode."""
        return [Route(WEBHOOK_PATH, self._on_webhook, methods=["POST"])] if self.webhook else []

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, then take updates by webhook or long polling."""
        await self.app.initialize()
        await self._set_commands()
        await self.app.start()
        if self.webhook:
            assert self.settings.public_base_url is not None
            url = self.settings.public_base_url.rstrip("/") + WEBHOOK_PATH
            await self.app.bot.set_webhook(url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES)
            self._accepting = True
            log.info("telegram bot id=%s: webhook set at path %s", self.app.bot.id, WEBHOOK_PATH)
        else:
            assert self.updater is not None
            await self.updater.initialize()
            self._consumer = asyncio.create_task(self._consume(), name="telegram-updates")
            await self.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            log.info("telegram bot id=%s: long polling", self.app.bot.id)

    async def stop(self) -> None:
        """Stop taking updates, let in-flight turns finish (each is saved as it ends), then close."""
        self._accepting = False
        if self.updater is not None and self.updater.running:
            await self.updater.stop()  # also confirms the fetched updates to Telegram
        if self._consumer is not None:
            # Every fetched update is confirmed now: each one still queued is taken before the consumer ends.
            self._updates.put_nowait(_STOP)
            await self._consumer
            self._consumer = None
        while self._tails:
            await asyncio.wait(set(self._tails.values()))
        if self.app.running:
            await self.app.stop()

    async def close(self) -> None:
        """Release the Bot API client (after the outbox sent its last round through it)."""
        if self.updater is not None:
            await self.updater.shutdown()
        await self.app.shutdown()  # PTB returns at once if the app was never initialised

    async def _set_commands(self) -> None:
        try:
            for lang in LANGUAGES:
                commands = [BotCommand(id_name if lang == "id" else en_name, t(key, lang))
                            for id_name, en_name, key in MENU]
                await self.app.bot.set_my_commands(commands, language_code=lang)
            default = self.settings.language
            await self.app.bot.set_my_commands(
                [BotCommand(i if default == "id" else e, t(k, default)) for i, e, k in MENU],
                scope=BotCommandScopeDefault())
        except TelegramError as exc:
            # A missing menu is cosmetic; the bot still answers every command.
            log.warning("telegram: could not set the command menu (%s)", exc.__class__.__name__)

    # -------------------------------------------------------- input

    async def _on_webhook(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self._secret.encode()):
            return Response(status_code=403)
        if not self._accepting:
            return Response(status_code=503)  # Telegram retries later, when we are back
        try:
            data = await request.json()
            # `null`, `[]` or `1` is valid JSON but no update: refuse it before PTB reads it.
            update = Update.de_json(data, self.app.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("telegram: webhook body that is not an update refused")
            return Response(status_code=400)
        # Answer only after the turn: if we die mid-turn, Telegram redelivers and the runner dedupes. One update
        # per request (queueing the requests that wait together as one batch made the webhook's p99 worse).
        # Shielded: a dropped request must not cancel a turn other updates of the chat wait for.
        await asyncio.shield(self._take([update])[0])
        return Response()

    # -------------------------------------------------------- intake: updates in batches, one chat in order

    async def _consume(self) -> None:
        """Take the polled updates, everything one getUpdates call queued at a time, until `_STOP`."""
        while True:
            batch = [await self._updates.get()]
            while not self._updates.empty():
                batch.append(self._updates.get_nowait())
            updates = [item for item in batch if isinstance(item, Update)]
            if updates:
                self._take(updates)
            if any(item is _STOP for item in batch):
                return

    def _take(self, updates: Sequence[Update]) -> list[asyncio.Future[Any]]:
        """Start handling updates in arrival order; return, for each, when it is done.

        The private messages without a file whose chat has nothing in progress run as one group: one hop to
        the database threads. Any other update, or a chat's update while an earlier one is in progress,
        waits for its chat's previous update, then goes alone (a tap or a file through PTB's handlers).
        """
        loop = asyncio.get_running_loop()
        group: list[_Turn] = []
        grouped: asyncio.Future[None] = loop.create_future()
        done: list[asyncio.Future[Any]] = []
        for update in updates:
            chat = chat_of(update)
            tail = self._tails.get(chat) if chat is not None else None
            turn = self._lean(update, loop)
            finished: asyncio.Future[Any]
            if turn is not None and (tail is None or tail is grouped):
                group.append(turn)
                finished = grouped
            elif turn is not None:
                finished = loop.create_task(self._after(tail, self._turns, [turn]))
                finished.add_done_callback(turn.over)
            else:
                finished = loop.create_task(self._after(tail, self._other, update))
            if chat is not None:
                self._track(chat, finished)
            # A turn is over once it committed and its replies went to the outbox (its chat's next update
            # still waits for the whole group, menus included).
            done.append(turn.done if turn is not None else finished)
        if group:
            def over(_: object) -> None:
                for turn in group:  # also those a failure left unfinished
                    turn.over()
                grouped.set_result(None)

            loop.create_task(self._turns(group)).add_done_callback(over)
        else:
            grouped.cancel()
        return done

    def _track(self, chat: int, finished: asyncio.Future[Any]) -> None:
        self._tails[chat] = finished

        def forget(_: object) -> None:
            if self._tails.get(chat) is finished:
                del self._tails[chat]

        finished.add_done_callback(forget)

    @staticmethod
    async def _after(tail: asyncio.Future[Any] | None, work: Callable[[T], Awaitable[None]], arg: T) -> None:
        if tail is not None:
            await asyncio.wait([tail])  # its outcome is its own; only its being over matters here
        await work(arg)

    def _lean(self, update: Update, loop: asyncio.AbstractEventLoop) -> _Turn | None:
        """A private message without a file, as the turn it becomes; else None (PTB's handlers take it)."""
        message = update.message
        if message is None or message.chat.type != "private" or message.photo or message.document:
            return None
        return _Turn(update, message_inbound(message), loop.create_future())

    async def _other(self, update: Update) -> None:
        async with self._others:
            await self.app.process_update(update)  # PTB's handlers; their failures go to `_on_error`

    async def _turns(self, turns: list[_Turn]) -> None:
        """Run turns on the database threads, a hop per thread's share (one chat's on one thread, in order)."""
        try:
            shares = min(self.runner.db_threads, len(turns))
            if shares <= 1:
                await self._run_turns(turns)
            else:  # the chats dealt out in turn, each chat's turns to one share
                parts: list[list[_Turn]] = [[] for _ in range(shares)]
                slots: dict[str, int] = {}
                for turn in turns:
                    parts[slots.setdefault(turn.inbound.address, len(slots) % shares)].append(turn)
                await asyncio.gather(*(self._run_turns(part) for part in parts if part))
        except Exception:  # the lean way's one catch-all, as PTB's error handler is for the rest
            log.exception("telegram: updates failed update_ids=%s", [turn.update.update_id for turn in turns])

    async def _run_turns(self, turns: list[_Turn]) -> None:
        """One hop there: every turn in its own transaction; each one's replies go to the outbox as it commits."""
        loop = asyncio.get_running_loop()
        later: list[asyncio.Future[Any]] = []

        def committed(turn: _Turn, queued: Queued | None, who: tuple[str, str] | None) -> None:
            # On the event loop, as soon as the turn committed: a slow turn in the batch delays no other's replies.
            turn.over()
            if queued is None:  # failed: the apology was queued instead
                self.runner.wake()
                return
            if queued.drawings:  # committed: drawn off the database threads, then sent
                later.append(loop.create_task(self._draw_and_send(queued)))
            elif queued.claimed:
                self._send_now(queued)
            if queued.pending:
                self.runner.wake()
            if who is not None:
                later.append(loop.create_task(self._set_chat_menu(turn.inbound.address, who)))

        def run_here() -> None:
            for turn in turns:
                loop.call_soon_threadsafe(committed, *self._run_turn_here(turn))

        await self.runner.call(run_here)  # its result is told after every `committed` above ran
        if later:
            await asyncio.gather(*later)

    def _run_turn_here(self, turn: _Turn) -> tuple[_Turn, Queued | None, tuple[str, str] | None]:
        """On a database thread: the turn in its own transaction (a failed one is logged and apologised for)."""
        queued = Queued(caller_draws=True)
        try:
            self.runner.run_turn(turn.inbound, None, queued)
        except Exception as exc:  # as `_on_error` for PTB's handlers: logged, apologised
            update_id = turn.update.update_id
            log.error("telegram update failed update_id=%s", update_id, exc_info=exc)
            try:
                self.runner.apologise(CHANNEL, turn.inbound.address, self._lang_of(turn.update))
            except Exception:  # noqa: BLE001 - the database may be what failed; the log above has the cause
                log.warning("telegram: could not queue the error notice update_id=%s", update_id)
            return turn, None, None
        return turn, queued, self._menu_due(turn.inbound) if self._menu_wanted(turn.inbound) else None

    async def _draw_and_send(self, queued: Queued) -> None:
        await asyncio.to_thread(queued.draw)
        if queued.claimed:
            self._send_now(queued)

    def _send_now(self, queued: Queued) -> None:
        if self.runner.send_now is not None:
            self.runner.send_now(queued.claimed)
        else:  # nobody here sends straight away: the drain sends them after their lease
            log.warning("runner: %d claimed reply(ies) without a sender", len(queued.claimed))

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        inbound = message_inbound(message)
        # Only a known officer at a question that takes a file gets it downloaded and stored.
        if attachment_of(message) is not None and await self.runner.call(self.runner.accepts_media, inbound):
            inbound = message_inbound(message, await self._download(message))
        await self._turn(inbound)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()  # stops the button's spinner
        if query.message is None or query.message.chat.type != query.message.chat.PRIVATE:
            return  # we never send keyboards to groups
        inbound = callback_inbound(update)
        if inbound is not None:
            await self._turn(inbound)
        # This keyboard is answered: take it away so an old button cannot answer a later question. It is
        # cosmetic (a second tap on it is a duplicate the runner drops), so a failure is only noted. BadRequest:
        # already removed (a double tap), or the message is too old to edit.
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest:
            pass
        except TelegramError as exc:
            log.info("telegram: keyboard not removed (%s)", exc.__class__.__name__)

    async def _on_group_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        if not addressed_command(message, context.bot.username):
            return
        # Through the outbox like every message: paced under a group's 20 a minute, sent at least once.
        lang = self._lang_of(update)
        text = t("telegram.private_only", lang, bot=context.bot.username)
        await self.runner.queue_async(Outbound(CHANNEL, str(message.chat.id), Reply(text, lang=lang),
                                               key=f"group:{message.chat.id}:{message.message_id}",
                                               reply_to=str(message.message_id)))

    async def _download(self, message: Message) -> list[Media]:
        found = attachment_of(message)
        if found is None:
            return []
        kind, file_id, content_type, suffix = found
        try:
            tg_file = await self.app.bot.get_file(file_id)
            content = bytes(await tg_file.download_as_bytearray())
        except TelegramError as exc:
            # Over the Bot API's 20 MB, or gone: keep the file_id so the report still points at the evidence.
            log.warning("telegram: attachment not downloaded message=%s (%s)", message.message_id,
                        exc.__class__.__name__)
            return [Media(kind, file_id, content_type, None)]
        stored = await asyncio.to_thread(store_bytes, self.settings.attachments_dir, content, content_type, suffix)
        return [Media(kind, file_id, content_type, str(stored))]

    async def _turn(self, inbound: Inbound) -> None:
        # The runner writes the replies to the outbox with the turn and wakes it: they leave from there.
        await self.runner.run_turn_async(inbound)
        if self._menu_wanted(inbound):
            who = await self.runner.call(self._menu_due, inbound)
            if who is not None:
                await self._set_chat_menu(inbound.address, who)

    def _menu_wanted(self, inbound: Inbound) -> bool:
        """Tell whether a chat's command menu may need setting: once per chat and process, again after a
        language switch (a role changed by `siaga officer set` shows after a restart)."""
        return inbound.address not in self._chat_menus or (
            (inbound.text or "").lstrip("/").split(" ", 1)[0].lower() in ("bahasa", "language"))

    def _menu_due(self, inbound: Inbound) -> tuple[str, str] | None:
        """On a database thread: the (role, language) of the chat's officer if their menu is to be set, else None."""
        try:
            who = self.runner.role_of(CHANNEL, inbound.address)
        except Exception:  # the menu is cosmetic: the turn was saved and answered
            log.warning("telegram: could not read a chat's role for its menu", exc_info=True)
            return None
        return None if who is None or self._chat_menus.get(inbound.address) == who else who

    async def _set_chat_menu(self, address: str, who: tuple[str, str]) -> None:
        """Give a chat the command menu of its officer's role, in their language."""
        role, lang = who
        try:
            await self.app.bot.set_my_commands([BotCommand(name, text) for name, text in menu_for(role, lang)],
                                               scope=BotCommandScopeChat(int(address)))
        except TelegramError as exc:
            log.warning("telegram: could not set a chat's command menu (%s)", exc.__class__.__name__)
            return
        self._chat_menus[address] = who

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The one catch-all of the Telegram entry point.
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram update failed update_id=%s", update_id, exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None or chat.type != chat.PRIVATE:
            return
        try:
            await self.runner.apologise_async(CHANNEL, str(chat.id), self._lang_of(update))
        except Exception:  # noqa: BLE001 - the database may be what failed; the log above has the cause
            log.warning("telegram: could not queue the error notice update_id=%s", update_id)

    def _lang_of(self, update: object) -> str:
        user = update.effective_user if isinstance(update, Update) else None
        code = (user.language_code or "")[:2] if user else ""
        return code if code in LANGUAGES else self.settings.language

    # -------------------------------------------------------- output

    async def send(self, message: Outgoing) -> str | None:
        """Deliver one message (long text split, choices on the last part, files as photo/document).

        Returns the Bot API id of the last message sent, or raises `SendError`.
        """
        reply = message.reply
        chat = int(message.address)
        media = [m for m in reply.media if m.stored_path]
        caption = reply.text if media and len(reply.text) <= MessageLimit.CAPTION_LENGTH else None
        parts = [] if caption is not None else [p for p in split_text(reply.text) if p]
        # We never send keyboards to groups, so there is none to take away either.
        keys = keyboard(reply) if chat > 0 else None
        # The first part quotes the message it answers, and goes even if that was deleted meanwhile.
        quote = ({"message_id": int(message.reply_to), "allow_sending_without_reply": True}
                 if message.reply_to is not None else None)
        sent: int | None = None
        try:
            for n, part in enumerate(parts, start=1):
                if n > 1:
                    await message.pace()
                last = n == len(parts) and not media
                sent = await retrying(self.retries, self.backoff, self._send_text, chat, part,
                                      keys if last else None, quote if n == 1 else None)
            for n, item in enumerate(media, start=1):
                if parts or n > 1:
                    await message.pace()
                last = n == len(media)
                file = await retrying(self.retries, self.backoff, self._send_file, chat, item,
                                      caption if n == 1 else None, markup(reply) if last else None)
                sent = file.message_id
        except TelegramError as exc:
            raise send_error(exc) from exc
        return f"{chat}:{sent}" if sent is not None else None

    async def _send_text(self, chat: int, text: str, keys: dict[str, Any] | None,
                         quote: dict[str, Any] | None = None) -> int:
        """sendMessage as plain JSON through PTB's request object; return the new message's id."""
        parameters = [RequestParameter("chat_id", chat, None), RequestParameter("text", text, None)]
        if keys is not None:
            parameters.append(RequestParameter("reply_markup", keys, None))
        if quote is not None:
            parameters.append(RequestParameter("reply_parameters", quote, None))
        bot = self.app.bot
        result = await bot.request.post(f"{bot.base_url}/sendMessage", RequestData(parameters))
        assert isinstance(result, dict)
        return int(result["message_id"])

    async def _send_file(self, chat: int, media: Media, caption: str | None, reply_markup: Any) -> Message:
        assert media.stored_path is not None
        path = Path(media.stored_path)
        if media.kind == "photo":
            return await self.app.bot.send_photo(chat, path, caption=caption, reply_markup=reply_markup)
        return await self.app.bot.send_document(chat, path, filename=media.ref or path.name, caption=caption,
                                                reply_markup=reply_markup)
