"""Telegram adapter (python-telegram-bot): `Update` ↔ `Inbound`, `Reply` → Bot API call; polling or webhook.

PTB receives updates and sends files. Plain text replies (with or without a keyboard) are posted through
PTB's request object as plain JSON: building and freezing a `Message` per reply cost more than the rest of
the send. Pacing (Telegram's flood limits) is the outbox's, from `CAPABILITIES`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import mimetypes
import warnings
from collections.abc import Awaitable, Callable, Sequence
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
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter
from telegram.warnings import PTBDeprecationWarning

from bot.attachments import store_bytes
from bot.config import Settings
from bot.runner import Runner
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
