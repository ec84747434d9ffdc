"""What a turn or a tick leaves for others: notifications per recipient, conversations the system starts (opened
now or parked until the officer is free), and messages held for a contact released when they write again.

Kept apart from bot/runner.py, which runs the turn and its transaction; both queue through the one outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import handlers
from bot.config import Settings
from bot.outbox import enqueue, reply_from_payload
from bot.sending import Outbound
from handlers import engine
from handlers.deps import TEMPORARY, Deps
from handlers.texts import t
from handlers.types import IDLE, Ctx, Effect, Notify, Reply, StartFlow, State, ToOfficer
from storage import conversations, flow_starts, outbox, people
from storage.db import Session
from storage.models import Conversation, FlowStart, FlowStartStatus, Officer, Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """How a process delivers: which channels' replies go through the outbox, which channels reach officers."""

    # Replies to a message on these channels are written to the outbox in the turn's transaction
    # (`siaga run`); on others (the console, tests) they are only returned.
    outbox_channels: frozenset[str] = frozenset()
    # Officers are reached on their last-used identity among these channels (None: any channel).
    reach: tuple[str, ...] | None = None
    # The process whose outbox sends replies straight after their turn commits (None: they wait for a drain).
    boot_id: str | None = None


def draft_ttl(flow: str | None, settings: Settings) -> timedelta:
    """Return how long a draft of this flow lives: the flow's own lifetime, else the configured one."""
    declared = handlers.FLOWS[flow].draft_ttl if flow in handlers.FLOWS else None
    return declared or settings.draft_ttl


def live(state: State, ctx: Ctx) -> bool:
    """Tell whether a stored state is a flow still running (known, its step known, not expired, not lapsed)."""
    flow = handlers.FLOWS.get(state.flow or "")
    return (flow is not None and engine.known(flow, state) and not engine.expired(state, ctx)
            and handlers.lapsed(state.flow, state.answers, ctx) is None)


# A message held for a contact who could not read it (outside WhatsApp's window) is sent when they write
# again, if they write within this time and it has not expired.
HELD_FOR = timedelta(days=7)


def release_held(session: Session, channel: str, address: str, now: datetime) -> int:
    """Queue the full text of messages held for this chat (an alert that went as a template, or not at all).

    Called when the contact writes after a pause: their window is open again, so the text goes as it is,
    ahead of the replies to what they wrote. Return the messages queued.
    """
    queued = 0
    for row in outbox.take_held(session, channel, address, now, now - HELD_FOR):
        added = enqueue(session, Outbound(channel, address, reply_from_payload(row.payload["reply"]),
                                          key=f"held:{row.id}", kind=row.kind, expires_at=row.expires_at), now=now)
        queued += added is not None
    return queued


# -- effects: messages to others and conversations the system starts ------------------------------


def queue_effects(session: Session, effects: Sequence[Effect], now: datetime, settings: Settings,
                  delivery: Delivery, *, deps: Deps = TEMPORARY) -> int:
    """Queue notifications per recipient and open (or park) started flows; return the messages queued."""
    queued = 0
    for effect in effects:
        if isinstance(effect, Notify):
            queued += _queue_notify(session, effect, now, settings, delivery)
        elif isinstance(effect, StartFlow):
            queued += start_flow(session, effect, now, settings, delivery, deps=deps)
        else:
            raise TypeError(f"unknown effect {type(effect).__name__}")
    return queued


def _recipients(session: Session, effect: Notify) -> list[Officer]:
    if isinstance(effect.to, ToOfficer):
        officer = people.get_officer(session, effect.to.officer_id)
        return [officer] if officer is not None and officer.active else []
    return people.list_role_holders(session, effect.to.office_id, Role(effect.to.role), upward=effect.to.upward)


def _queue_notify(session: Session, effect: Notify, now: datetime, settings: Settings, delivery: Delivery) -> int:
    queued = 0
    for officer in _recipients(session, effect):
        base = f"{effect.key}:{officer.id}"
        if outbox.has_message(session, f"{base}:0"):
            continue  # queued before (a tick that ran again): do not even render it
        identity = people.get_preferred_identity(session, officer.id, delivery.reach)
        if identity is None:
            log.warning("notify %s: officer %d has no chat address to reach", effect.key, officer.id)
            continue
        lang = officer.language or settings.language
        variables = effect.variables(officer, lang) if effect.variables is not None else None
        for n, reply in enumerate(effect.render(officer, lang)):
            # Only the first part can stand in as the template outside WhatsApp's window.
            added = enqueue(session, Outbound(
                identity.channel, identity.address, replace(reply, lang=lang), key=f"{base}:{n}", kind=effect.kind,
                business_initiated=True, template=effect.kind if n == 0 else None,
                variables=variables if n == 0 else None, not_before=effect.not_before,
                expires_at=effect.expires_at, hold=True), now=now)
            queued += added is not None
    return queued


def start_flow(session: Session, effect: StartFlow, now: datetime, settings: Settings, delivery: Delivery, *,
               deps: Deps = TEMPORARY) -> int:
    """Record a started flow once per key and open it now if the officer is free; return the messages queued."""
    start_id = flow_starts.add_flow_start(session, effect.key, effect.officer_id, effect.flow, dict(effect.params),
                                          effect.kind, now, not_before=effect.not_before,
                                          expires_at=effect.expires_at)
    if start_id is None:
        return 0  # this key was started before
    start = flow_starts.get_flow_start(session, start_id)
    assert start is not None
    if effect.not_before is not None and effect.not_before > now:
        return 0  # the scheduler opens it when its time comes
    return open_start(session, start, now, settings, delivery, deps=deps)


def open_start(session: Session, start: FlowStart, now: datetime, settings: Settings, delivery: Delivery, *,
               deps: Deps = TEMPORARY) -> int:
    """Open a waiting start in the officer's chat, or tell them once that it waits; return the messages queued."""
    officer = people.get_officer(session, start.officer_id)
    if start.flow not in handlers.FLOWS or officer is None or not officer.active:
        log.warning("flow start %d dropped: flow %s unknown or officer inactive", start.id, start.flow)
        start.status = FlowStartStatus.EXPIRED
        return 0
    identity = people.get_preferred_identity(session, officer.id, delivery.reach)
    if identity is None:
        log.warning("flow start %d waits: officer %d has no chat address to reach", start.id, officer.id)
        return 0
    channel, address = identity.channel, identity.address
    conversation = conversations.get_conversation(session, channel, address)
    state = (State.load(conversation.flow, conversation.step, conversation.data, conversation.updated_at)
             if conversation is not None else IDLE)
    lang = officer.language or settings.language
    ctx = Ctx(session=session, now=now, lang=lang, channel=channel, address=address, officer=officer,
              draft_ttl=draft_ttl(state.flow, settings), deps=deps)
    if handlers.lapsed(start.flow, start.params, ctx) is not None:
        # What it was to ask no longer applies (an invitation to a rakor cancelled before it could open).
        start.status = FlowStartStatus.EXPIRED
        return 0
    if state.flow is not None and live(state, ctx):
        waiting = handlers.FLOWS[start.flow].label
        name = waiting(start.params, ctx) if waiting is not None else handlers.flow_label(start.flow, lang)
        line = Reply(t("delivery.start_waiting", lang, flow=name,
                       current=handlers.flow_label(state.flow, lang)), lang=lang)
        added = enqueue(session, Outbound(channel, address, line, key=f"start:{start.key}:waiting", kind=start.kind,
                                          business_initiated=True, expires_at=start.expires_at), now=now)
        return int(added is not None)
    new_state, replies = _begin(start, ctx)
    save_state(session, conversation, channel, address, new_state, now)
    queued = 0
    for n, reply in enumerate(replies):
        added = enqueue(session, Outbound(
            channel, address, replace(reply, lang=lang), key=f"start:{start.key}:{n}", kind=start.kind,
            business_initiated=True, template=start.kind if n == 0 else None,
            # WhatsApp template variables may not hold line breaks.
            variables={"1": " ".join(reply.text.split())} if n == 0 else None, expires_at=start.expires_at), now=now)
        queued += added is not None
    if ctx.effects:
        queued += queue_effects(session, ctx.effects, now, settings, delivery, deps=deps)
    return queued


def _begin(start: FlowStart, ctx: Ctx) -> tuple[State, list[Reply]]:
    flow_starts.mark_started(ctx.session, start, ctx.now)
    log.info("flow started by the system flow=%s officer=%s start=%d", start.flow, start.officer_id, start.id)
    return engine.start(handlers.FLOWS[start.flow], ctx, start.params)


def save_state(session: Session, conversation: Conversation | None, channel: str, address: str, state: State,
          now: datetime) -> None:
    conversations.save_conversation(session, conversation, channel, address, state.flow, state.step,
                                    state.data(), now)


def open_waiting(session: Session, officer: Officer, channel: str, address: str, now: datetime,
                  settings: Settings, deps: Deps) -> tuple[State, list[Reply]]:
    """Open the oldest due started flow of an officer in this chat (their turn just ended a flow)."""
    for start in flow_starts.list_due_starts(session, now, officer.id):
        if start.flow not in handlers.FLOWS:
            start.status = FlowStartStatus.EXPIRED
            continue
        lang = officer.language or settings.language
        ctx = Ctx(session=session, now=now, lang=lang, channel=channel, address=address, officer=officer,
                  draft_ttl=draft_ttl(start.flow, settings), deps=deps)
        if handlers.lapsed(start.flow, start.params, ctx) is not None:
            start.status = FlowStartStatus.EXPIRED
            continue
        return _begin(start, ctx)
    return IDLE, []


