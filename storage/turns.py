"""The two round trips of an ordinary chat turn: read who writes and where they are; write state, dedupe, replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import TextClause, and_, bindparam, exists, literal_column, select, text
from sqlalchemy.orm import Session

from storage.models import (
    ChannelIdentity,
    Conversation,
    JSONType,
    OutboxMessage,
    OutboxStatus,
    UTCDateTime,
    WhoVersion,
)

_conv = Conversation.__table__
_out = OutboxMessage.__table__
_ident = ChannelIdentity.__table__
_who = WhoVersion.__table__

# One statement for everything a turn reads before the handlers run, as plain columns (Core: no ORM
# loading): which officer the address speaks for (the officer and office come from the who-is-who cache,
# `people.officer_for_turn`) and the cache's version, their conversation, and whether their chat has
# messages still open (the replies must then queue behind them). A stranger has no identity and may have
# a conversation (joining), so both are outer-joined to a one-row subquery. Built once: every turn runs it.
_READ = (
    select(
        _ident.c.id, _ident.c.officer_id, _ident.c.last_inbound_at,
        _conv.c.id, _conv.c.flow, _conv.c.step, _conv.c.data, _conv.c.version, _conv.c.updated_at,
        _conv.c.reask_at,
        exists().where(_out.c.channel == bindparam("channel"), _out.c.address == bindparam("address"),
                       _out.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])).label("has_open"),
        select(_who.c.version).where(_who.c.id == 1).scalar_subquery().label("who_version"),
    )
    .select_from(select(literal_column("1").label("one")).subquery("one"))
    .outerjoin(_ident, and_(_ident.c.channel == bindparam("channel"), _ident.c.address == bindparam("address")))
    .outerjoin(_conv, and_(_conv.c.channel == bindparam("channel"), _conv.c.address == bindparam("address")))
)


@dataclass(frozen=True, slots=True)
class Chat:
    """What one turn reads: which identity and officer write from the address (None: a stranger), when they
    last wrote, their conversation (id None: none yet), open messages, and the who-is-who version."""

    identity_id: int | None
    officer_id: int | None
    last_inbound_at: datetime | None
    conversation_id: int | None
    flow: str | None
    step: str | None
    data: dict[str, Any] | None
    version: int | None
    updated_at: datetime | None
    reask_at: datetime | None
    has_open: bool
    who_version: int


def read_chat(session: Session, channel: str, address: str) -> Chat:
    """Read the sender, their conversation and whether their chat has messages still open, in one statement."""
    row = session.connection().execute(_READ, {"channel": channel, "address": address}).one()
    return Chat(*row[:10], has_open=bool(row[10]), who_version=row[11])


@dataclass(frozen=True, slots=True)
class StateWrite:
    """A conversation's new state; `conversation_id` None inserts the chat's first row."""

    conversation_id: int | None
    version: int | None
    flow: str | None
    step: str | None
    data: dict[str, Any]
    clear_reask: bool


@dataclass(frozen=True, slots=True)
class Written:
    """What the write did: the message id was new (else: a redelivery), the state saved (else: a concurrent
    turn of this chat won), and the outbox ids of the replies by idempotency key (a key queued before: absent)."""

    claimed: bool
    saved: bool
    outbox_ids: dict[str, int]


_CLAIM = ("INSERT INTO inbound_messages (channel, message_id, received_at) VALUES (:channel, :message_id, :now) "
          "ON CONFLICT DO NOTHING RETURNING 1")
_INSERT_STATE = ("INSERT INTO conversations (channel, address, flow, step, data, version, updated_at) "
                 "VALUES (:channel, :address, :flow, :step, :data, 1, :now) ON CONFLICT DO NOTHING RETURNING 1")
# The version check: of two workers stepping the same chat at once, the second saves nothing and runs again.
_UPDATE_STATE = ("UPDATE conversations SET flow = :flow, step = :step, data = :data, updated_at = :now, "
                 "version = version + 1{reask} WHERE id = :conversation_id AND version = :version RETURNING 1")
# WhatsApp's 24-hour window opens at the contact's last message; not a who-is-who change (no trigger fires).
_TOUCH = "UPDATE channel_identities SET last_inbound_at = :now WHERE id = :identity_id RETURNING 1"


def _outbox_insert(replies: int) -> str:
    rows = ", ".join(f"(:key_{n}, :channel, :address, :payload_{n}, :status, :attempts, :now, :next_attempt_at, "
                     "'reply', 0, :claimed_by)" for n in range(replies))
    return ("INSERT INTO outbox_messages (idempotency_key, channel, address, payload, status, attempts, created_at, "
            f"next_attempt_at, kind, possible_duplicates, claimed_by) VALUES {rows} "
            "ON CONFLICT DO NOTHING RETURNING idempotency_key, id")


def _typed(sql: str, replies: int) -> TextClause:
    names = ["now", "next_attempt_at", "data", *(f"payload_{n}" for n in range(replies))]
    types = {"now": UTCDateTime(), "next_attempt_at": UTCDateTime(), "data": JSONType}
    return text(sql).bindparams(*(bindparam(name, type_=types.get(name, JSONType)) for name in names
                                  if f":{name}" in sql))


@cache
def _write_statements(combined: bool, claim: bool, state: str | None, touch: bool,
                      replies: int) -> tuple[tuple[str, TextClause], ...]:
    """The write of one shape of turn: one statement of CTEs on PostgreSQL, a statement per part on SQLite
    (which has no data-modifying CTEs; its round trips are function calls). Each shape is built once."""
    parts: list[tuple[str, str]] = []
    if claim:
        parts.append(("claim", _CLAIM))
    if state == "insert":
        parts.append(("state", _INSERT_STATE))
    elif state is not None:
        parts.append(("state", _UPDATE_STATE.format(reask=", reask_at = NULL" if state == "update_reask" else "")))
    if touch:
        parts.append(("touch", _TOUCH))
    if replies:
        parts.append(("outbox", _outbox_insert(replies)))
    if not combined or not parts:
        return tuple((name, _typed(sql, replies)) for name, sql in parts)
    # The outbox rows come back as (key, id); the claim and the state as a marker row each.
    results = " UNION ALL ".join(
        f"SELECT idempotency_key, id FROM {name}" if name == "outbox" else f"SELECT '{name}', 0 FROM {name}"
        for name, _ in parts)
    ctes = ", ".join(f"{name} AS ({sql})" for name, sql in parts)
    return (("all", _typed(f"WITH {ctes} {results}", replies)),)


def write_turn(
    session: Session, channel: str, address: str, now: datetime, *, message_id: str | None,
    state: StateWrite | None, replies: Sequence[tuple[str, dict[str, Any]]], claimed_by: str | None,
    lease_until: datetime, touch_identity: int | None = None,
) -> Written:
    """Claim the message id, save the state, queue the replies and (`touch_identity`) set when the identity
    last wrote: one round trip on PostgreSQL.

    The caller rolls the transaction back when the message id was claimed before (the turn is a
    redelivery) or the state was not saved (a concurrent turn of the chat won; run the turn again).
    With `claimed_by`, the replies are added already claimed for sending by that process until
    `lease_until`; else they wait in the queue.
    """
    shape = None if state is None else (
        "insert" if state.conversation_id is None else "update_reask" if state.clear_reask else "update")
    combined = session.get_bind().dialect.name == "postgresql"
    params: dict[str, Any] = {"channel": channel, "address": address, "now": now, "message_id": message_id,
                              "identity_id": touch_identity}
    if state is not None:
        params.update(conversation_id=state.conversation_id, version=state.version, flow=state.flow,
                      step=state.step, data=state.data)
    if replies:
        params.update(
            status=(OutboxStatus.SENDING if claimed_by is not None else OutboxStatus.PENDING).value,
            attempts=1 if claimed_by is not None else 0, claimed_by=claimed_by,
            next_attempt_at=lease_until if claimed_by is not None else now)
        for n, (key, payload) in enumerate(replies):
            params[f"key_{n}"], params[f"payload_{n}"] = key, payload
    claimed, saved, ids = message_id is None, state is None, {}
    connection = session.connection()
    for name, statement in _write_statements(combined, message_id is not None, shape, touch_identity is not None,
                                             len(replies)):
        rows = connection.execute(statement, params).all()
        if name == "all":
            marks = {key for key, _ in rows}
            claimed, saved = claimed or "claim" in marks, saved or "state" in marks
            ids = {key: value for key, value in rows if key not in ("claim", "state", "touch")}
        elif name == "outbox":
            ids = {key: value for key, value in rows}
        elif rows:
            claimed, saved = claimed or name == "claim", saved or name == "state"
    return Written(claimed, saved, ids)
