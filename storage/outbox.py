"""Outgoing messages: add once per idempotency key, claim the due ones, record what the provider said."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, aliased

from storage._sql import insert_ignore
from storage.models import Conversation, OutboxMessage, OutboxStatus

_OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def add_message(
    session: Session, key: str, channel: str, address: str, payload: dict[str, Any], now: datetime, *,
    kind: str = "reply", not_before: datetime | None = None, expires_at: datetime | None = None,
    claimed_by: str | None = None, lease_until: datetime | None = None,
) -> int | None:
    """Queue a message unless its idempotency key is already queued; return the new id, or None.

    It is not sent before `not_before`, and never after `expires_at` (it is marked expired instead).
    With `claimed_by`, it is added already claimed for sending by that process until `lease_until`.
    """
    if claimed_by is not None:
        assert lease_until is not None
        return insert_ignore(session, OutboxMessage, returning="id", idempotency_key=key, channel=channel,
                             address=address, payload=payload, status=OutboxStatus.SENDING, attempts=1,
                             created_at=now, next_attempt_at=lease_until, kind=kind, expires_at=expires_at,
                             possible_duplicates=0, claimed_by=claimed_by)
    return insert_ignore(session, OutboxMessage, returning="id", idempotency_key=key, channel=channel,
                         address=address, payload=payload, status=OutboxStatus.PENDING, attempts=0,
                         created_at=now, next_attempt_at=max(now, not_before or now), kind=kind,
                         expires_at=expires_at, possible_duplicates=0)


# Written for every send: a text statement, whose cache key is cheap to compute (the ORM's update() with
# these clauses spent more time on cache keys than in SQLite).
_MARK_SENT = text(
    "UPDATE outbox_messages SET sent_at = :now, provider_message_id = :provider_message_id, "
    # A delivery report that came first (and failed the message) is kept.
    "status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END, "
    "error = CASE WHEN status = 'sending' THEN NULL ELSE error END "
    "WHERE id = :message_id"
).bindparams(bindparam("now", type_=OutboxMessage.__table__.c.sent_at.type))


def release(session: Session, message_ids: Collection[int]) -> None:
    """Put claimed messages that were not tried back in the queue (an earlier one of their chat failed)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.PENDING, attempts=OutboxMessage.attempts - 1, claimed_by=None,
                next_attempt_at=OutboxMessage.created_at)
        .execution_options(synchronize_session=False)
    )


def has_message(session: Session, key: str) -> bool:
    """Tell whether a message with this idempotency key was ever queued."""
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)) is not None


def get_message(session: Session, message_id: int) -> OutboxMessage | None:
    """Return one outbox message."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id))


def get_message_by_key(session: Session, key: str) -> OutboxMessage | None:
    """Return the outbox message with this idempotency key."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def list_messages(session: Session, status: OutboxStatus | None = None, limit: int | None = 50) -> list[OutboxMessage]:
    """Return outbox messages, newest first, optionally of one status."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(session.scalars(stmt))


def _claim_candidates(channels: tuple[str, ...]) -> Any:
    """Due pending messages with no older open message to the same chat that holds it up, oldest first.

    The older message is looked up once per candidate, through `ix_outbox_messages_open`: the OFFSET 0 keeps
    PostgreSQL from turning the NOT EXISTS into an anti-join, which it planned, whenever its statistics were
    stale (a new table, or one a fan-out had just filled), as a nested loop over the channel's open rows for
    each candidate: 70% of its CPU per WhatsApp webhook in the bench, and 58 s for one claim with 10,000
    messages waiting. The statuses are SQL constants, not parameters, so the partial index serves a
    prepared statement's generic plan too.
    """
    older = aliased(OutboxMessage)
    now = bindparam("now")
    pending, sending = (literal(s.value, literal_execute=True) for s in _OPEN)
    blocked = (
        select(older.id)
        .where(older.channel == OutboxMessage.channel, older.address == OutboxMessage.address,
               older.id < OutboxMessage.id, older.status.in_([pending, sending]),
               # A message held back by its not_before (never tried yet) does not hold up the chat; a retry
               # does, so that a chat's messages keep their order.
               or_(older.status == sending, older.attempts > 0, older.next_attempt_at <= now))
        .offset(literal_column("0"))
    )
    return (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == pending, OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
               OutboxMessage.channel.in_(channels), ~blocked.exists())
        .order_by(OutboxMessage.id).limit(bindparam("limit"))
    )


_CANDIDATES: dict[tuple[str, ...], Any] = {}
_table = OutboxMessage.__table__
_CLAIM = (
    update(_table)
    .where(_table.c.id.in_(bindparam("ids", expanding=True)), _table.c.status == OutboxStatus.PENDING)
    .values(status=OutboxStatus.SENDING, attempts=_table.c.attempts + 1,
            next_attempt_at=bindparam("lease_until", type_=_table.c.next_attempt_at.type),
            claimed_by=bindparam("claimed_by", type_=_table.c.claimed_by.type))
    .returning(_table.c.id)
)


def claim_due(
    session: Session, channels: Collection[str], now: datetime, lease_until: datetime, limit: int,
    claimed_by: str | None = None, *, per_chat: int = 1,
) -> list[OutboxMessage]:
    """Mark due messages as being sent by `claimed_by` and return them, oldest first.

    At most `limit` chats, and `per_chat` consecutive messages of each: a message waits while an older
    one to the same address is still open and not claimed with it, so a chat's messages keep their order
    (the caller sends a chat's messages one after another). The conditional update makes two workers
    claiming the same row safe.
    """
    key = tuple(sorted(channels))
    stmt = _CANDIDATES.get(key)
    if stmt is None:
        stmt = _CANDIDATES[key] = _claim_candidates(key)
    candidates = session.scalars(stmt, {"now": now, "limit": limit}).all()
    if not candidates:
        return []
    if per_chat > 1:
        candidates = _with_followers(session, candidates, now, per_chat)
    # One conditional UPDATE for the whole batch (a statement per row was a sixth of a fan-out's CPU); a row
    # another worker claimed first no longer matches `pending` and is not returned.
    claimed = session.execute(_CLAIM, {"ids": candidates, "lease_until": lease_until,
                                       "claimed_by": claimed_by}).scalars().all()
    if not claimed:
        return []
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)))


def _with_followers(session: Session, heads: Sequence[int], now: datetime, per_chat: int) -> list[int]:
    """The heads and, after each, the messages of its chat that are due next in a row (up to `per_chat`).

    Without them a chat's next message was claimed only once its previous send was recorded: one
    message per record-and-claim round trip, which held a busy chat (and the WhatsApp bench) well under
    the sender's rate. A chat's run ends at the first message that cannot go now (a retry waiting for its
    backoff, one expired); one held back by its not_before is passed over, as it holds up nobody.
    """
    head_ids = set(heads)
    chats = select(OutboxMessage.channel, OutboxMessage.address).where(OutboxMessage.id.in_(heads))
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.address, OutboxMessage.status,
               OutboxMessage.attempts, OutboxMessage.next_attempt_at, OutboxMessage.expires_at)
        .where(OutboxMessage.status.in_(_OPEN), OutboxMessage.id >= min(heads),
               tuple_(OutboxMessage.channel, OutboxMessage.address).in_(chats))
        .order_by(OutboxMessage.id)
    ).all()
    taken: dict[tuple[str, str], int] = {}
    ids: list[int] = []
    for row in rows:
        chat = (row.channel, row.address)
        count = taken.get(chat)
        if row.id in head_ids:
            taken[chat] = 1
            ids.append(row.id)
        elif count is None or count >= per_chat:
            continue  # before its chat's head (held back, blocking nothing), or the chat's run is full
        elif row.status == OutboxStatus.PENDING and row.attempts == 0 and row.next_attempt_at > now:
            continue
        elif (row.status == OutboxStatus.PENDING and row.next_attempt_at <= now
              and (row.expires_at is None or row.expires_at > now)):
            taken[chat] = count + 1
            ids.append(row.id)
        else:
            taken[chat] = per_chat  # the run ends here
    return ids


def expire_due(session: Session, channels: Collection[str], now: datetime) -> int:
    """Mark waiting messages past their expires_at as expired (never sent late); return how many."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.expires_at <= now,
               OutboxMessage.channel.in_(list(channels)))
        .values(status=OutboxStatus.EXPIRED, error="expired before it could be sent")
        .execution_options(synchronize_session=False)
    ).rowcount


def list_claimers(session: Session, channels: Collection[str], exclude: str | None) -> list[str]:
    """Return the processes that hold messages being sent, other than `exclude`."""
    stmt = (select(OutboxMessage.claimed_by).distinct()
            .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_by.is_not(None),
                   OutboxMessage.channel.in_(list(channels))))
    if exclude is not None:
        stmt = stmt.where(OutboxMessage.claimed_by != exclude)
    return [c for c in session.scalars(stmt) if c is not None]


def reclaim(session: Session, channels: Collection[str], now: datetime, *, claimed_by: str | None = None,
            lease_ended: bool = False) -> int:
    """Put back for sending the claims of a dead process (or whose lease ended), counting possible duplicates.

    Such a message may or may not have reached the recipient: at least once, a repeated message is
    harmless and a lost one strands an officer.
    """
    stmt = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING,
                                       OutboxMessage.channel.in_(list(channels)))
    if claimed_by is not None:
        stmt = stmt.where(OutboxMessage.claimed_by == claimed_by)
    if lease_ended:
        stmt = stmt.where(OutboxMessage.next_attempt_at < now)
    return session.execute(
        stmt.values(status=OutboxStatus.PENDING, next_attempt_at=now, claimed_by=None,
                    possible_duplicates=OutboxMessage.possible_duplicates + 1,
                    error="resent: the sending process stopped mid-send")
        .execution_options(synchronize_session=False)
    ).rowcount


def _set(session: Session, message_id: int, **values: Any) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
                    .execution_options(synchronize_session=False))


def mark_sent(session: Session, message_id: int, now: datetime, provider_message_id: str | None) -> None:
    """Record that the provider accepted a message (a delivery report that came first is kept)."""
    mark_all_sent(session, [(message_id, provider_message_id)], now)


def mark_all_sent(session: Session, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
    """Record that the provider accepted these (message id, provider id) in one statement.

    Rows in id order, as delivery reports are recorded: two transactions never wait on each other in a circle.
    """
    if sent:
        session.execute(_MARK_SENT, [{"message_id": m, "provider_message_id": p, "now": now}
                                     for m, p in sorted(sent, key=lambda pair: pair[0])])


def mark_retry(session: Session, message_id: int, next_attempt_at: datetime, error: str) -> None:
    """Put a message back in the queue after a temporary failure."""
    _set(session, message_id, status=OutboxStatus.PENDING, next_attempt_at=next_attempt_at, error=error)


def mark_failed(session: Session, message_id: int, error: str,
                status: OutboxStatus = OutboxStatus.FAILED, *, reask_at: datetime | None = None) -> None:
    """Record that a message will not be sent (failed, or undeliverable).

    With `reask_at` (a reply that failed for good), the chat's next message gets its current question again.
    """
    _set(session, message_id, status=status, error=error)
    if reask_at is not None:
        row = session.get(OutboxMessage, message_id)
        if row is not None and row.kind == "reply":
            flag_reask(session, row.channel, row.address, reask_at)


def flag_reask(session: Session, channel: str, address: str, now: datetime) -> None:
    """Mark a chat whose reply did not arrive: its next message is answered with the current question."""
    session.execute(update(Conversation).where(Conversation.channel == channel, Conversation.address == address)
                    .values(reask_at=now).execution_options(synchronize_session=False))


def count_messages(session: Session, status: OutboxStatus) -> int:
    """Count outbox messages of one status."""
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)) or 0


# Provider delivery statuses in the order they happen; a late callback never moves a message back.
DELIVERY_ORDER = {
    "accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5,
    "failed": 6, "undelivered": 6, "canceled": 6,
}
DELIVERY_FAILED = {"failed", "undelivered", "canceled"}


# The stored delivery status's rank in DELIVERY_ORDER, in SQL (none, or one we do not know: -1).
_RANK = ("CASE delivery_status "
         + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in DELIVERY_ORDER.items()) + " ELSE -1 END")


def _delivery_statement(by: str, failed: bool) -> Any:
    """The one UPDATE a status callback costs: move the delivery status forward, failing the message if it failed.

    The rank is compared in the WHERE, so a late or repeated callback changes nothing, also when two race
    (the row's lock makes the second re-check the condition).
    """
    table = OutboxMessage.__table__
    failing = f", status = '{OutboxStatus.FAILED.value}', error = :error" if failed else ""
    return (text(f"UPDATE outbox_messages SET delivery_status = :status{failing} "
                 f"WHERE {by} = :key AND {_RANK} < :rank RETURNING status, kind, channel, address, sent_at, created_at")
            .columns(table.c.status, table.c.kind, table.c.channel, table.c.address, table.c.sent_at,
                     table.c.created_at))


_DELIVERY = {(by, failed): _delivery_statement(by, failed)
             for by in ("id", "provider_message_id") for failed in (False, True)}
_STATUS_BY = {"id": select(OutboxMessage.status).where(OutboxMessage.id == bindparam("key")),
              "provider_message_id": select(OutboxMessage.status)
              .where(OutboxMessage.provider_message_id == bindparam("key")).limit(1)}


def record_delivery(session: Session, message_id: int | None, provider_message_id: str | None, status: str,
                    error: str | None = None) -> OutboxStatus | None:
    """Move a sent message's delivery status forward; a failed delivery fails the message.

    Returns the message's status afterwards, or None when no such message is known. One UPDATE in the
    usual case (a status that moves forward); a late or repeated one, or an unknown id, reads the status.
    """
    status = status.lower()
    rank = DELIVERY_ORDER.get(status, -1)
    failed = status in DELIVERY_FAILED
    keys = [("id", message_id)] if message_id is not None else []
    keys += [("provider_message_id", provider_message_id)] if provider_message_id else []
    for by, key in keys:
        if rank >= 0:
            params: dict[str, Any] = {"key": key, "status": status, "rank": rank}
            if failed:
                params["error"] = (error or f"delivery {status}")[:500]
            row = session.execute(_DELIVERY[by, failed], params).first()
            if row is not None:
                if failed and row.kind == "reply":
                    flag_reask(session, row.channel, row.address, row.sent_at or row.created_at)
                return OutboxStatus(row.status)
        current = session.scalar(_STATUS_BY[by], {"key": key})
        if current is not None:  # known, and this status does not move it forward
            return OutboxStatus(current)
    return None


def count_business_recipients(session: Session, channel: str, since: datetime) -> int:
    """Count the distinct addresses sent a message we started (not a reply) since then (Meta's daily tier)."""
    return session.scalar(
        select(func.count(func.distinct(OutboxMessage.address)))
        .where(OutboxMessage.channel == channel, OutboxMessage.kind != "reply", OutboxMessage.sent_at >= since)
    ) or 0


# How many of a chat's latest messages are looked through for the newest list of choices.
LAST_CHOICES_DEPTH = 10


def list_last_choices(session: Session, channel: str, address: str, since: datetime,
                      provider_message_id: str | None = None) -> list[tuple[str, str]]:
    """Return the (id, label) choices of the newest message with choices queued to a chat since `since` (none:
    empty), or of the message the provider knows as `provider_message_id` (the one a reply answers).

    A plain message after a list (a colleague's notice, an answer) leaves that list answerable by number.
    """
    stmt = (select(OutboxMessage.payload)
            .where(OutboxMessage.channel == channel, OutboxMessage.address == address,
                   OutboxMessage.created_at >= since)
            .order_by(OutboxMessage.id.desc()).limit(LAST_CHOICES_DEPTH))
    if provider_message_id is not None:
        stmt = stmt.where(OutboxMessage.provider_message_id == provider_message_id)
    payload = next((p for p in session.scalars(stmt) if ((p or {}).get("reply") or {}).get("choices")), None)
    return [(str(i), str(label)) for i, label in ((payload or {}).get("reply") or {}).get("choices") or ()]


# -- messages a contact could not read in full, kept until they write again ---------------------------


def hold(session: Session, message_id: int, now: datetime) -> None:
    """Keep a message's text for when its recipient writes again (it went as a template, or not at all)."""
    _set(session, message_id, held_at=now)


def take_held(session: Session, channel: str, address: str, now: datetime, since: datetime) -> list[OutboxMessage]:
    """Return, oldest first, the messages held for a chat since `since` and not expired, and release them."""
    rows = list(session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address,
               OutboxMessage.held_at.is_not(None), OutboxMessage.created_at >= since,
               or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))
        .order_by(OutboxMessage.id)
    ))
    if rows:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows]))
                        .values(held_at=None).execution_options(synchronize_session=False))
    return rows


def list_undelivered(session: Session, kind: str, since: datetime, until: datetime) -> list[OutboxMessage]:
    """Return the messages of a kind queued in [since, until) that could not be delivered (undeliverable, failed)."""
    return list(session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == kind, OutboxMessage.created_at >= since, OutboxMessage.created_at < until,
               OutboxMessage.status.in_([OutboxStatus.UNDELIVERABLE, OutboxStatus.FAILED]))
        .order_by(OutboxMessage.id)
    ))
