"""The two round trips of an ordinary chat turn: read who writes and where they are; write state, dedupe, replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Connection,
    Dialect,
    Integer,
    String,
    TextClause,
    bindparam,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from storage.models import JSONType, OutboxStatus, UTCDateTime


@dataclass(frozen=True, slots=True)
class _Driver:
    """A fixed statement as its driver runs it: SQLAlchemy compiled it once for the dialect (SQL in the driver's
    parameter style, bind order, the columns' own bind and result conversions), so each execution skips the
    cache-key, compilation and result-object work and goes to the DB-API cursor through the path SQLAlchemy
    itself takes for statements it runs outside `execute` (sequences, defaults): `Connection._cursor_execute`,
    with the connection's events, echo and error wrapping (`_handle_dbapi_exception`: the `handle_error`
    events that cut a driver's message to its first line, hidden parameters, a dead connection invalidated)."""

    sql: str
    order: tuple[str, ...] | None  # positional drivers (SQLite): the parameter names in order
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, conversion) for the columns that have one

    def run(self, connection: Connection, params: dict[str, Any],
            converted: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Execute with `params`; `converted` keeps bound values already converted by an earlier statement of the
        same turn (the same name is the same value and type in all of them: `now` is formatted once)."""
        values = dict(params)
        converted = {} if converted is None else converted
        for name, convert in self.binds:
            value = converted.get(name, _UNSET)
            if value is _UNSET:
                value = converted[name] = convert(values[name])
            values[name] = value
        args = tuple([values[n] for n in self.order]) if self.order is not None else values
        cursor = connection.connection.cursor()
        try:
            connection._cursor_execute(cursor, self.sql, args)  # see the class docstring
            try:
                rows = cursor.fetchall()
            except BaseException as error:  # noqa: BLE001 - a row's error surfaces while stepping: re-raised, wrapped
                connection._handle_dbapi_exception(error, self.sql, args, cursor, None)
        finally:
            cursor.close()
        if not self.results:
            return rows
        converted_rows = []
        for row in rows:
            out = list(row)
            for column, convert in self.results:
                if (value := out[column]) is not None:  # NULL is None for every type a turn reads
                    out[column] = convert(value)
            converted_rows.append(tuple(out))
        return converted_rows


_UNSET = object()


@lru_cache(maxsize=256)
def _driver(statement: TextClause, dialect: Dialect, result_types: tuple[TypeEngine[Any], ...] = ()) -> _Driver:
    compiled = statement.compile(dialect=dialect)
    binds = tuple((bind.key, convert) for bind in compiled.binds.values()
                  if (convert := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None)
    results = tuple((column, convert) for column, t in enumerate(result_types)
                    if (convert := t.dialect_impl(dialect).result_processor(dialect, None)) is not None)
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    return _Driver(compiled.string, order, binds, results)


# One statement for everything a turn reads before the handlers run, as plain values: which officer the
# address speaks for (the officer and office come from the who-is-who cache, `people.officer_for_turn`) and
# the cache's version, their conversation, and whether their chat has messages still open (the replies must
# then queue behind them). A stranger has no identity and may have a conversation (joining), so both are
# outer-joined to a one-row subquery.
_READ = text(
    "SELECT i.id, i.officer_id, i.last_inbound_at, c.id, c.flow, c.step, c.data, c.version, c.updated_at, "
    "c.reask_at, EXISTS (SELECT 1 FROM outbox_messages o WHERE o.channel = :channel AND o.address = :address "
    f"AND o.status IN ('{OutboxStatus.PENDING.value}', '{OutboxStatus.SENDING.value}')), "
    "(SELECT w.version FROM who_version w WHERE w.id = 1) "
    "FROM (SELECT 1 AS one) AS one "
    "LEFT OUTER JOIN channel_identities i ON i.channel = :channel AND i.address = :address "
    "LEFT OUTER JOIN conversations c ON c.channel = :channel AND c.address = :address"
)
_READ_TYPES = (Integer(), Integer(), UTCDateTime(), Integer(), String(), String(), JSONType, Integer(), UTCDateTime(),
               UTCDateTime(), Boolean(), Integer())


class Chat(NamedTuple):  # a tuple: built on every turn, a frozen dataclass's __init__ cost 2% of it
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
    connection = session.connection()
    (row,) = _driver(_READ, connection.dialect, _READ_TYPES).run(connection, {"channel": channel, "address": address})
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
    connection, converted = session.connection(), {}
    for name, statement in _write_statements(combined, message_id is not None, shape, touch_identity is not None,
                                             len(replies)):
        rows = _driver(statement, connection.dialect).run(connection, params, converted)
        if name == "all":
            marks = {key for key, _ in rows}
            claimed, saved = claimed or "claim" in marks, saved or "state" in marks
            ids = {key: value for key, value in rows if key not in ("claim", "state", "touch")}
        elif name == "outbox":
            ids = {key: value for key, value in rows}
        elif rows:
            claimed, saved = claimed or name == "claim", saved or name == "state"
    return Written(claimed, saved, ids)
