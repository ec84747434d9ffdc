"""`FLOWS`, `COMMANDS` and `SCHEDULED`, derived from `handlers.features.FEATURES`, and `dispatch()`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from handlers import access, engine, onboarding, parse
from handlers.commands import role_help
from handlers.feature import Command, Tap
from handlers.features import FEATURES
from handlers.flow import Flow
from handlers.limits import MAX_INBOUND_CHARS, bound_reply, too_long
from handlers.onboarding import PROFILE
from handlers.parse import match_choice
from handlers.texts import CATALOGUE, t
from handlers.types import IDLE, Choice, Ctx, Inbound, Reply, StartFlow, State, Tick
from storage import outbox
from storage.models import Role

__all__ = ["COMMANDS", "FLOWS", "SCHEDULED", "accepts_media", "dispatch", "lapsed", "parse_command", "pending"]

FLOWS: dict[str, Flow] = {flow.name: flow for feature in FEATURES for flow in feature.flows}
FLOW_COMMANDS: dict[str, Flow] = {cmd: f for f in FLOWS.values() for cmd in f.commands}
COMMANDS: dict[str, Command] = {name: run for feature in FEATURES for name, run in feature.commands.items()}
JOIN_COMMANDS = frozenset(word for feature in FEATURES for word in feature.join_words)
TAPS: tuple[Tap, ...] = tuple(tap for feature in FEATURES for tap in feature.taps)
_BARE_WORDS = set(FLOW_COMMANDS) | set(COMMANDS) | JOIN_COMMANDS
# Time-driven work (reminders, digests, check-ins), run by bot/scheduler.py.
SCHEDULED: tuple[Tick, ...] = tuple(tick for feature in FEATURES for tick in feature.ticks)


def parse_command(inbound: Inbound, *, bare: bool) -> tuple[str, str] | None:
    """Split `/name@bot args` (or, when `bare`, a known word without the slash) into name and args.

    >>> parse_command(Inbound("telegram", "1", text="/start@SiagaBot ABC123"), bare=False)
    ('start', 'ABC123')
    """
    # A button can carry a command (an alert's "verify"), so a tap works whatever the chat was doing.
    text = inbound.choice if inbound.choice is not None and inbound.choice.startswith("/") else inbound.text
    if (inbound.choice is not None and text is not inbound.choice) or not text:
        return None
    words = text.split(maxsplit=1)
    if not words:
        return None
    head, rest = words[0], (words[1].strip() if len(words) > 1 else "")
    if head.startswith("/"):
        return head[1:].split("@", 1)[0].lower(), rest
    if bare and head.lower() in _BARE_WORDS:
        return head.lower(), rest
    return None


def tap_of(inbound: Inbound) -> Tap | None:
    """Return the feature button a message is (an RSVP tap), if any."""
    return next((tap for tap in TAPS if tap.matches(inbound)), None)


# What a command name can be (Telegram's rule); "/ 2 jam lalu" or "/12" is text, not a command.
_COMMAND_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def accepts_media(flow: str | None, step: str | None) -> bool:
    """Tell whether a conversation stands at a question answered with a photo or document."""
    if flow not in FLOWS or step is None:
        return False
    found = next((s for s in FLOWS[flow].steps if s.id == step), None)
    return found is not None and found.parse is parse.media


def lapsed(flow: str | None, answers: dict[str, Any], ctx: Ctx) -> str | None:
    """Say why a draft or a waiting start no longer applies (its rakor was cancelled), or None if it does."""
    found = FLOWS.get(flow or "")
    return found.lapsed(answers, ctx) if found is not None and found.lapsed is not None else None


def pending(state: State, ctx: Ctx) -> list[Reply]:
    """The question a chat is waiting on (shown again after a restart), or nothing when idle, expired or lapsed."""
    if state.flow not in FLOWS or engine.expired(state, ctx) or lapsed(state.flow, state.answers, ctx):
        return []
    return [bound_reply(engine.reprompt(FLOWS[state.flow], state, ctx))]


def dispatch(state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    """Route one message: joining for unknown senders, the running flow, or a command."""
    new_state, replies = _dispatch(state, inbound, ctx)
    return new_state, [bound_reply(r) for r in replies]


def _dispatch(state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    if ctx.officer is None:
        if too_long(inbound):
            return IDLE, onboarding.refuse_unknown(ctx)
        return _unknown_sender(inbound, ctx)

    lead: list[Reply] = []
    if state.flow is not None and (state.flow not in FLOWS or not engine.known(FLOWS[state.flow], state)):
        # The flow or its step was removed by an update while this draft waited.
        lead.append(Reply(t("engine.flow_changed", ctx.lang, flow=flow_label(state.flow, ctx.lang))))
        state = IDLE
    elif state.flow is not None and engine.expired(state, ctx):
        hours = int(ctx.draft_ttl.total_seconds() // 3600)
        lead.append(Reply(t("engine.expired", ctx.lang, flow=flow_label(state.flow, ctx.lang), hours=hours)))
        state = IDLE
    elif state.flow is not None and (gone := lapsed(state.flow, state.answers, ctx)) is not None:
        # Closed for good (its rakor was cancelled, moved or has begun). An answer to it is told why, once;
        # a command simply runs, as if the chat were idle (the invitee was told of the change already).
        state = IDLE
        if parse_command(inbound, bare=False) is None:
            return _open_own_start(IDLE, [Reply(gone)], ctx)

    if too_long(inbound):
        hint = t("error.message_too_long", ctx.lang, max=MAX_INBOUND_CHARS, length=len(inbound.text or ""))
        if state.flow is not None:
            return state, lead + [engine.reprompt(FLOWS[state.flow], state, ctx, lead=hint)]
        return IDLE, lead + [Reply(hint)]
    if ctx.officer.role == Role.GUEST and (state.flow is None or not access.allowed(state.flow, Role.GUEST)):
        return _guest(state, inbound, ctx, lead)

    tap = tap_of(inbound)
    if tap is not None and state.flow is not None and tap.elsewhere(state.flow, state.answers, inbound):
        # A button of another question (an RSVP of an old invitation, or a reminder's): answered on its own; the
        # open question is put again.
        return state, tap.answer(inbound, ctx) + [engine.reprompt(FLOWS[state.flow], state, ctx)]
    if state.flow is not None:
        flow = FLOWS[state.flow]
        command = parse_command(inbound, bare=False)
        busy = t("engine.busy", ctx.lang, flow=t(f"flow.{flow.name}", ctx.lang))
        if command and command[0] in engine.ENGINE_COMMANDS:
            # `/batal@SiagaBot` means what `/batal` means.
            return _open_own_start(*engine.step(flow, state, replace(inbound, text="/" + command[0]), ctx), ctx)
        if command and not access.allowed(command[0], ctx.officer.role) and (
                command[0] in COMMANDS or command[0] in FLOW_COMMANDS):
            return state, access.refuse(command[0], ctx) + [engine.reprompt(flow, state, ctx)]
        if command and command[0] in COMMANDS:
            replies = COMMANDS[command[0]](command[1], ctx)
            if _take_own_start(ctx) is not None:
                # The command wants a conversation of its own (a rejection's reason): finish this one first.
                return state, [engine.reprompt(flow, state, ctx, lead=busy)]
            # `/bahasa en` takes effect at once: the question is put again in the new language.
            ctx = replace(ctx, lang=ctx.officer.language or ctx.lang)
            return state, replies + [engine.reprompt(flow, state, ctx)]
        if command and (command[0] in FLOW_COMMANDS or command[0] in JOIN_COMMANDS):
            return state, [engine.reprompt(flow, state, ctx, lead=busy)]
        if command and _COMMAND_NAME.fullmatch(command[0]):
            # The same answer as when idle, and never stored as an answer (a place called "/rekap").
            return state, [engine.reprompt(flow, state, ctx, lead=t("engine.unknown_command", ctx.lang))]
        return _open_own_start(*engine.step(flow, state, inbound, ctx), ctx)

    new_state, replies = _open_own_start(*_idle(inbound, ctx), ctx)
    return new_state, lead + replies


def _take_own_start(ctx: Ctx) -> StartFlow | None:
    """Remove and return a conversation the turn asked to open for the sender themself."""
    assert ctx.officer is not None
    for effect in ctx.effects:
        if isinstance(effect, StartFlow) and effect.officer_id == ctx.officer.id and effect.not_before is None:
            ctx.effects.remove(effect)
            return effect
    return None


def _open_own_start(state: State, replies: list[Reply], ctx: Ctx) -> tuple[State, list[Reply]]:
    """Open at once a flow the turn started for the sender (check-in -> report), if they are now idle."""
    if state.flow is not None:
        return state, replies
    own = _take_own_start(ctx)
    if own is None or own.flow not in FLOWS:
        return state, replies
    new_state, ask = engine.start(FLOWS[own.flow], ctx, answers=own.params)
    return new_state, replies + ask


# A numbered answer to an alert's actions counts within this time of the alert.
ACTION_REPLY_WINDOW = timedelta(hours=24)


def _numbered_pick(inbound: Inbound, ctx: Ctx) -> str | None:
    """Read "1" sent while idle as the first choice of the last message (an alert's actions, a reminder's RSVP on
    WhatsApp), or of the message it replies to; return the choice id (a command or an RSVP button)."""
    if not (inbound.text or "").strip().isdigit():
        return None
    since = ctx.now - ACTION_REPLY_WINDOW
    listed = outbox.list_last_choices(ctx.session, ctx.channel, ctx.address, since, inbound.reply_to) \
        if inbound.reply_to else []
    # A reply to one of our messages answers that message's list (an earlier alert's); else the latest list.
    listed = listed or outbox.list_last_choices(ctx.session, ctx.channel, ctx.address, since)
    offered = tuple(Choice(i, label) for i, label in listed
                    if i.startswith("/") or tap_of(Inbound(ctx.channel, ctx.address, choice=i)) is not None)
    picked = match_choice(inbound, offered) if offered else None
    return picked.id if picked else None


def flow_label(name: str, lang: str) -> str:
    """Return a flow's name as readers know it ("laporan kejadian"), or its id when the catalogue has none."""
    return t(f"flow.{name}", lang) if f"flow.{name}" in CATALOGUE else name


def _idle(inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    assert ctx.officer is not None
    if engine.is_cancel(inbound):
        return IDLE, [Reply(t("engine.nothing_to_cancel", ctx.lang))]
    if not ctx.officer.name:
        return engine.start(PROFILE, ctx)
    picked = _numbered_pick(inbound, ctx) if parse_command(inbound, bare=True) is None else None
    if picked is not None:
        inbound = Inbound(ctx.channel, ctx.address, choice=picked, message_id=inbound.message_id)
    if (tap := tap_of(inbound)) is not None:
        # A button of an invitation or a reminder (or its number), answered with no question open.
        return IDLE, tap.answer(inbound, ctx)
    command = parse_command(inbound, bare=True)
    if command is None:
        return IDLE, [Reply(t("engine.idle", ctx.lang))]
    name, args = command
    if (name in FLOW_COMMANDS or name in COMMANDS) and not access.allowed(name, ctx.officer.role):
        return IDLE, access.refuse(name, ctx)
    if name in FLOW_COMMANDS:
        return engine.start(FLOW_COMMANDS[name], ctx)
    if name in COMMANDS:
        return IDLE, COMMANDS[name](args, ctx)
    if name in JOIN_COMMANDS:
        if args:
            return IDLE, [Reply(t("onboarding.already", ctx.lang, office=ctx.officer.office.name))]
        return IDLE, [Reply(role_help(ctx.officer.role.value, ctx.lang))]
    return IDLE, [Reply(t("engine.unknown_command", ctx.lang))]


def _guest(state: State, inbound: Inbound, ctx: Ctx, lead: list[Reply]) -> tuple[State, list[Reply]]:
    """Answer a guest outside their RSVP: the commands their rules allow, everything else refused politely."""
    assert ctx.officer is not None
    if not ctx.officer.name:
        return engine.start(PROFILE, ctx)
    picked = _numbered_pick(inbound, ctx) if parse_command(inbound, bare=True) is None else None
    if picked is not None and tap_of(Inbound(ctx.channel, ctx.address, choice=picked)) is not None:
        inbound = Inbound(ctx.channel, ctx.address, choice=picked, message_id=inbound.message_id)
    if (tap := tap_of(inbound)) is not None:
        return _open_own_start(IDLE, lead + tap.answer(inbound, ctx), ctx)
    command = parse_command(inbound, bare=True)
    if command is not None and command[0] in COMMANDS and access.allowed(command[0], Role.GUEST):
        return IDLE, lead + COMMANDS[command[0]](command[1], ctx)
    if command is not None and (command[0] in COMMANDS or command[0] in FLOW_COMMANDS):
        access.refuse(command[0], ctx)  # audited like every refused command; a guest is told what they get
    return IDLE, lead + [Reply(t("guest.refused", ctx.lang))]


def _unknown_sender(inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    command = parse_command(inbound, bare=True)
    if command is None or command[0] not in JOIN_COMMANDS or not command[1]:
        return IDLE, onboarding.refuse_unknown(ctx)
    joined, replies = onboarding.join(command[1].split()[0], ctx)
    if joined is None:
        return IDLE, replies
    if joined.officer is not None and joined.officer.name:
        return IDLE, [Reply(onboarding.welcome(joined) + "\n\n" + role_help(joined.officer.role.value, joined.lang))]
    state, ask = engine.start(PROFILE, joined)
    return state, [Reply(onboarding.welcome(joined))] + ask
