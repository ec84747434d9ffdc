"""The explicit `FLOWS` and `COMMANDS` registries (no discovery) and `dispatch()`."""

from __future__ import annotations

from handlers import engine, onboarding, rakor
from handlers.commands import COMMANDS
from handlers.flow import Flow
from handlers.incident import INCIDENT
from handlers.onboarding import JOIN_COMMANDS, PROFILE
from handlers.texts import CATALOGUE, t
from handlers.types import IDLE, Ctx, Inbound, Reply, State, Tick
from storage.models import Role

__all__ = ["COMMANDS", "FLOWS", "SCHEDULED", "dispatch", "parse_command"]

FLOWS: dict[str, Flow] = {f.name: f for f in (INCIDENT, PROFILE, *rakor.FLOWS)}
FLOW_COMMANDS: dict[str, Flow] = {cmd: f for f in FLOWS.values() for cmd in f.commands}
COMMANDS.update(rakor.COMMANDS)
_BARE_WORDS = set(FLOW_COMMANDS) | set(COMMANDS) | JOIN_COMMANDS
# Time-driven work (reminders, digests, check-ins), run by bot/scheduler.py.
SCHEDULED: tuple[Tick, ...] = (*rakor.TICKS,)
# A guest (a rakor participant from another institution) may answer what Siaga asks them, set their name and
# language, and read the help; everything else is refused without showing any data.
GUEST_FLOWS = rakor.GUEST_FLOWS | {PROFILE.name}
GUEST_COMMANDS = {"bantuan", "help", "bahasa", "language"}


def parse_command(inbound: Inbound, *, bare: bool) -> tuple[str, str] | None:
    """Split `/name@bot args` (or, when `bare`, a known word without the slash) into name and args.

    >>> parse_command(Inbound("telegram", "1", text="/start@SiagaBot ABC123"), bare=False)
    ('start', 'ABC123')
    """
    if inbound.choice is not None or not inbound.text:
        return None
    words = inbound.text.split(maxsplit=1)
    if not words:
        return None
    head, rest = words[0], (words[1].strip() if len(words) > 1 else "")
    if head.startswith("/"):
        return head[1:].split("@", 1)[0].lower(), rest
    if bare and head.lower() in _BARE_WORDS:
        return head.lower(), rest
    return None


def dispatch(state: State, inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    """Route one message: joining for unknown senders, the running flow, or a command."""
    if ctx.officer is None:
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

    if ctx.officer.role == Role.GUEST and state.flow not in GUEST_FLOWS:
        return _guest(state, inbound, ctx, lead)

    if state.flow is not None:
        flow = FLOWS[state.flow]
        command = parse_command(inbound, bare=False)
        if command and command[0] in COMMANDS:
            return state, COMMANDS[command[0]](command[1], ctx) + [engine.reprompt(flow, state, ctx)]
        if command and (command[0] in FLOW_COMMANDS or command[0] in JOIN_COMMANDS):
            busy = t("engine.busy", ctx.lang, flow=t(f"flow.{flow.name}", ctx.lang))
            return state, [engine.reprompt(flow, state, ctx, lead=busy)]
        return engine.step(flow, state, inbound, ctx)

    new_state, replies = _idle(inbound, ctx)
    return new_state, lead + replies


def flow_label(name: str, lang: str) -> str:
    """Return a flow's name as readers know it ("laporan kejadian"), or its id when the catalogue has none."""
    return t(f"flow.{name}", lang) if f"flow.{name}" in CATALOGUE else name


def _idle(inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    assert ctx.officer is not None
    if engine.is_cancel(inbound):
        return IDLE, [Reply(t("engine.nothing_to_cancel", ctx.lang))]
    if not ctx.officer.name:
        return engine.start(PROFILE, ctx)
    command = parse_command(inbound, bare=True)
    if command is None:
        return IDLE, [Reply(t("engine.idle", ctx.lang))]
    name, args = command
    if name in FLOW_COMMANDS:
        flow = FLOW_COMMANDS[name]
        if flow.roles is not None and ctx.officer.role.value not in flow.roles:
            return IDLE, [Reply(t("engine.not_allowed", ctx.lang))]
        return engine.start(flow, ctx)
    if name in COMMANDS:
        return IDLE, COMMANDS[name](args, ctx)
    if name in JOIN_COMMANDS:
        if args:
            return IDLE, [Reply(t("onboarding.already", ctx.lang, office=ctx.officer.office.name))]
        return IDLE, [Reply(t("help.text", ctx.lang))]
    return IDLE, [Reply(t("engine.unknown_command", ctx.lang))]


def _guest(state: State, inbound: Inbound, ctx: Ctx, lead: list[Reply]) -> tuple[State, list[Reply]]:
    """Answer a guest outside their RSVP: help and language only, everything else refused politely."""
    assert ctx.officer is not None
    if not ctx.officer.name:
        return engine.start(PROFILE, ctx)
    command = parse_command(inbound, bare=True)
    if command is not None and command[0] in GUEST_COMMANDS:
        name, args = command
        if name in ("bantuan", "help"):
            return IDLE, lead + [Reply(t("guest.help", ctx.lang))]
        return IDLE, lead + COMMANDS[name](args, ctx)
    return IDLE, lead + [Reply(t("guest.refused", ctx.lang))]


def _unknown_sender(inbound: Inbound, ctx: Ctx) -> tuple[State, list[Reply]]:
    command = parse_command(inbound, bare=True)
    if command is None or command[0] not in JOIN_COMMANDS or not command[1]:
        return IDLE, onboarding.refuse_unknown(ctx)
    joined, replies = onboarding.join(command[1].split()[0], ctx)
    if joined is None:
        return IDLE, replies
    if joined.officer is not None and joined.officer.name:
        return IDLE, [Reply(onboarding.welcome(joined) + "\n\n" + t("help.text", joined.lang))]
    state, ask = engine.start(PROFILE, joined)
    return state, [Reply(onboarding.welcome(joined))] + ask
