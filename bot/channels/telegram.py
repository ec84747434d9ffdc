"""Telegram adapter (python-telegram-bot): `Update` ↔ `Inbound`, `Reply` → Bot API call; polling or webhook."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import mimetypes
import time
import warnings
from collections.abc import Awaitable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.attachments import store_bytes
from bot.sending import Outgoing, SendError
from bot.config import Settings
from bot.runner import Runner
from handlers.commands import menu_for
from handlers.limits import ELLIPSIS, MAX_REPLY_PARTS
from handlers.texts import LANGUAGES, t
from handlers.types import Inbound, Location, Media, Reply

log = logging.getLogger(__name__)

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
# Telegram: about one message a second to one chat (a short burst is tolerated, then 429s).
PER_CHAT_RATE = 1.0
OVERALL_RATE = 30.0  # messages a second to all chats (Telegram's bulk notification limit)
PER_CHAT_BURST = 3


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


def markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """Choices as an inline keyboard, "ask for location" as a `request_location` button, else no keyboard."""
    if reply.choices:
        buttons = [InlineKeyboardButton(c.label, callback_data=callback_data(n, c.id))
                   for n, c in enumerate(reply.choices, start=1)]
        per_row = 3 if all(len(c.label) <= SHORT_LABEL for c in reply.choices) else 1
        return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])
    if reply.ask_location:
        button = KeyboardButton(t("channel.location_button", reply.lang), request_location=True)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    # Removing a location keyboard that is not there is harmless; tracking whether it is would be state.
    return ReplyKeyboardRemove()


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


# ---------------------------------------------------------------- transport policies


class RetryingRateLimiter(AIORateLimiter):
    """`AIORateLimiter` (Telegram's flood limits, `RetryAfter` honoured) that also retries 5xx and timeouts."""

    def __init__(self, *, retries: int = 3, backoff: float = 0.5, **limits: Any) -> None:
        # Telegram's 30 messages a second, counted per half second: the same rate with half the burst, so
        # sends that the network or a busy loop bunches up on the way do not cross Telegram's count.
        limits.setdefault("overall_max_rate", OVERALL_RATE / 2)
        limits.setdefault("overall_time_period", 0.5)
        super().__init__(max_retries=retries, **limits)
        self.retries = retries
        self.backoff = backoff

    async def process_request(  # type: ignore[no-untyped-def]
        self, callback, args, kwargs, endpoint, data, rate_limit_args,
    ):
        for attempt in range(self.retries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, TimedOut):
                # A timed-out request may have been accepted: the outbox decides, after a backoff, whether to resend.
                raise
            except NetworkError as exc:  # 5xx, connection refused
                if attempt == self.retries:
                    raise
                delay = self.backoff * 2**attempt
                log.info("telegram %s failed (%s), retry %d in %.1fs", endpoint, exc.__class__.__name__,
                         attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


class ChatPacer:
    """At most `rate` messages a second to one chat after a burst of `burst` (the 30/s overall cap is PTB's)."""

    def __init__(self, rate: float = PER_CHAT_RATE, burst: int = PER_CHAT_BURST) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when counted)

    async def wait(self, chat: int) -> None:
        """Take a slot for one message to a chat, sleeping until it is free."""
        now = time.monotonic()
        tokens, then = self._buckets.get(chat, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate) - 1
        self._buckets[chat] = (tokens, now)
        if len(self._buckets) > 10_000:  # forget chats whose bucket is full again
            full = self.burst / self.rate
            self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < full}
        if tokens < 0:
            await asyncio.sleep(-tokens / self.rate)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Run different chats' updates concurrently and one chat's updates in arrival order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await super().process_update(update, coroutine)
            return
        lock, users = self._locks.get(chat.id, (asyncio.Lock(), 0))
        self._locks[chat.id] = (lock, users + 1)
        try:
            async with lock:  # taken before the semaphore, so one busy chat cannot hold every slot
                await super().process_update(update, coroutine)
        finally:
            lock, users = self._locks[chat.id]
            if users == 1:
                del self._locks[chat.id]
            else:
                self._locks[chat.id] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


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

    def __init__(self, settings: Settings, runner: Runner, *, rate_limiter: BaseRateLimiter | None = None,
                 concurrent_updates: int = 16, request: BaseRequest | None = None,
                 pacer: ChatPacer | None = None) -> None:
        assert settings.telegram_bot_token is not None, "TelegramChannel needs TELEGRAM_BOT_TOKEN"
        # httpx logs every request URL, and Bot API URLs carry the token; PTB logs whole updates at DEBUG.
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
        logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLogger("telegram").level))
        self.settings = settings
        self.runner = runner
        self.pacer = pacer or ChatPacer()
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
            .rate_limiter(rate_limiter or RetryingRateLimiter())
            .concurrent_updates(PerChatUpdateProcessor(concurrent_updates))
            .job_queue(None)
        )
        if request is not None:  # an in-memory Bot API, for benchmarks
            builder = builder.request(request).get_updates_request(request)
        else:
            builder = builder.read_timeout(SEND_TIMEOUT).write_timeout(SEND_TIMEOUT).media_write_timeout(SEND_TIMEOUT)
        if self.webhook:
            builder = builder.updater(None)
        self.app = builder.build()
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
            assert self.app.updater is not None
            await self.app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            log.info("telegram bot id=%s: long polling", self.app.bot.id)

    async def stop(self) -> None:
        """Stop taking updates, let in-flight turns finish (each is saved as it ends), then close."""
        self._accepting = False
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()  # also confirms the fetched updates to Telegram
        if self.app.running:
            await self.app.stop()  # drains the update queue and waits for running handlers

    async def close(self) -> None:
        """Release the Bot API client (after the outbox sent its last round through it)."""
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
        # Answer only after the turn: if we die mid-turn, Telegram redelivers and the runner dedupes.
        await self.app.update_processor.process_update(update, self.app.process_update(update))
        return Response()

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
        # This keyboard is answered: take it away so an old button cannot answer a later question.
        # BadRequest: already removed (a double tap), or the message is too old to edit.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(reply_markup=None)

    async def _on_group_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        if not addressed_command(message, context.bot.username):
            return
        await message.reply_text(t("telegram.private_only", self._lang_of(update), bot=context.bot.username))

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
        await self._chat_menu(inbound)

    async def _chat_menu(self, inbound: Inbound) -> None:
        """Give a chat the command menu of its officer's role, in their language, once per process.

        Asked again after a language switch; a role changed by `siaga officer set` shows after a restart.
        """
        switched = (inbound.text or "").lstrip("/").split(" ", 1)[0].lower() in ("bahasa", "language")
        if inbound.address in self._chat_menus and not switched:
            return
        who = await self.runner.call(self.runner.role_of, CHANNEL, inbound.address)
        if who is None or self._chat_menus.get(inbound.address) == who:
            return
        role, lang = who
        try:
            await self.app.bot.set_my_commands([BotCommand(name, text) for name, text in menu_for(role, lang)],
                                               scope=BotCommandScopeChat(int(inbound.address)))
        except TelegramError as exc:
            log.warning("telegram: could not set a chat's command menu (%s)", exc.__class__.__name__)
            return
        self._chat_menus[inbound.address] = who

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

    session_window: timedelta | None = None  # Telegram lets a bot write to its chats at any time
    per_chat_rate: float = PER_CHAT_RATE  # the outbox spaces a fan-out's messages to one chat by it
    templates: Mapping[str, str] = {}

    async def send(self, message: Outgoing) -> str | None:
        """Deliver one message (long text split, choices on the last part, files as photo/document).

        Returns the Bot API id of the last message sent, or raises `SendError`.
        """
        reply = message.reply
        chat = int(message.address)
        media = [m for m in reply.media if m.stored_path]
        caption = reply.text if media and len(reply.text) <= MessageLimit.CAPTION_LENGTH else None
        parts = [] if caption is not None else [p for p in split_text(reply.text) if p]
        sent: Message | None = None
        try:
            for n, part in enumerate(parts, start=1):
                last = n == len(parts) and not media
                await self.pacer.wait(chat)
                sent = await self.app.bot.send_message(chat, part, reply_markup=markup(reply) if last else None)
            for n, item in enumerate(media, start=1):
                last = n == len(media)
                await self.pacer.wait(chat)
                sent = await self._send_file(chat, item, caption if n == 1 else None,
                                             markup(reply) if last else None)
        except TelegramError as exc:
            raise send_error(exc) from exc
        return f"{chat}:{sent.message_id}" if sent is not None else None

    async def _send_file(self, chat: int, media: Media, caption: str | None, reply_markup: Any) -> Message:
        assert media.stored_path is not None
        path = Path(media.stored_path)
        if media.kind == "photo":
            return await self.app.bot.send_photo(chat, path, caption=caption, reply_markup=reply_markup)
        return await self.app.bot.send_document(chat, path, filename=media.ref or path.name, caption=caption,
                                                reply_markup=reply_markup)
