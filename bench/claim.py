"""The outbox's claim of each chat's first due message: one pass over the open rows against the anti-join it replaced.

`python -m bench.claim [--database sqlite|postgresql|both] [--messages 1000] [--batch 50]`: queue N messages
to N chats (a fan-out), then claim them all in batches as the drain does, with the shipped `claim_due` and with
the anti-join candidates it replaced (kept here as the baseline: "no older open message to this chat"). Each
runs twice: on a table whose statistics are stale, as right after `siaga init` or a fan-out that just filled
it (PostgreSQL then planned the anti-join as a nested loop, quadratic in the backlog), and after ANALYZE.
CPU of this process and wall per message, best of two rounds; PostgreSQL's own CPU is in the wall time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, text
from sqlalchemy.orm import aliased

from bench.common import databases, throwaway_database
from bot.app import initialise
from bot.outbox import Outbound, enqueue
from bot.runner import utcnow
from handlers.types import Reply
from storage import outbox
from storage.db import Session, make_sessions
from storage.models import OutboxMessage, OutboxStatus

Claim = Callable[[Session, Sequence[str], datetime, datetime, int, str | None], list[OutboxMessage]]


def _anti_join_candidates(channels: tuple[str, ...]) -> Any:
    """The candidates before issue 24: due pending messages with no older open message to the same chat."""
    older = aliased(OutboxMessage)
    now = bindparam("now")
    blocked = exists().where(
        older.channel == OutboxMessage.channel, older.address == OutboxMessage.address,
        older.id < OutboxMessage.id, older.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        or_(older.status == OutboxStatus.SENDING, older.attempts > 0, older.next_attempt_at <= now),
    )
    return (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
               OutboxMessage.channel.in_(channels), ~blocked)
        .order_by(OutboxMessage.id).limit(bindparam("limit"))
    )


def anti_join_claim(session: Session, channels: Sequence[str], now: datetime, lease_until: datetime, limit: int,
                    claimed_by: str | None = None) -> list[OutboxMessage]:
    """`claim_due` with the anti-join candidates: the same batch UPDATE and reload after them."""
    candidates = session.scalars(_anti_join_candidates(tuple(sorted(channels))), {"now": now, "limit": limit}).all()
    if not candidates:
        return []
    claimed = session.execute(outbox._CLAIM, {"ids": candidates, "lease_until": lease_until,
                                              "claimed_by": claimed_by}).scalars().all()
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)))


def measure(url: str, claim: Claim, messages: int, batch: int, tag: str, analyze: bool) -> tuple[float, float]:
    """Queue `messages` to as many chats, claim them all; return (CPU, wall) ms per message."""
    sessions = make_sessions(initialise(url).engine)
    with sessions.begin() as s:
        s.execute(text("DELETE FROM outbox_messages"))
        now = utcnow()
        for n in range(messages):
            enqueue(s, Outbound("memory", f"chat{n}", Reply(f"pesan {n}"), key=f"bench:{tag}:{n}"), now=now)
    if analyze:
        with sessions.begin() as s:
            s.execute(text("ANALYZE outbox_messages"))
    cpu, wall, got = time.process_time(), time.perf_counter(), 0
    while True:
        with sessions.begin() as s:
            now = utcnow() + timedelta(seconds=1)
            rows = claim(s, ["memory"], now, now + timedelta(minutes=5), batch, "bench")
        if not rows:
            break
        got += len(rows)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if got != messages:
        raise SystemExit(f"claimed {got} of {messages} messages")
    return cpu / messages * 1e3, wall / messages * 1e3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.claim", description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args(argv)
    summary = []
    for kind in databases(args.database):
        for analyze, stats in ((False, "stale"), (True, "analyzed")):
            # A new database each time: on a table ANALYZE has seen once, the statistics are no longer stale.
            with throwaway_database(kind, tag="claim") as url:
                best: dict[str, tuple[float, float]] = {}
                for round_ in range(2):
                    for name, claim in (("anti-join", anti_join_claim), ("first", outbox.claim_due)):
                        cpu, wall = measure(url, claim, args.messages, args.batch, f"{name}{round_}", analyze)
                        old = best.get(name, (cpu, wall))
                        best[name] = (min(old[0], cpu), min(old[1], wall))
            for name, (cpu, wall) in best.items():
                print(f"{kind} {stats:8s} {name:9s} claim of {args.messages} messages in batches of {args.batch}: "
                      f"cpu {cpu:.3f} ms/message, wall {wall:.3f} ms/message")
            ratio = best["anti-join"][1] / best["first"][1]
            print(f"ratio {kind} {stats} anti-join/first wall: {ratio:.2f}x")
            summary.append(f"{kind} {stats} {best['first'][1]:.3f} ms wall/message ({ratio:.2f}x less than anti-join)")
    print("SUMMARY claim: " + "; ".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
