"""The outbox's claim of due messages: one conditional UPDATE per batch against a statement per row (issue 12).

`python -m bench.claim [--database sqlite|postgresql|both] [--messages 5000] [--batch 50]`: queue N messages
to N chats, then claim them all in batches as a fan-out's drain does, with the shipped `claim_due` and with
the per-row claim it replaced (kept here as the baseline); CPU and wall per message, best of two rounds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, text, update

from bench.common import databases, throwaway_database
from bot.app import initialise
from bot.outbox import Outbound, enqueue
from bot.runner import utcnow
from handlers.types import Reply
from storage import outbox
from storage.db import Session, make_sessions
from storage.models import OutboxMessage, OutboxStatus

Claim = Callable[[Session, Sequence[str], datetime, datetime, int, str | None], list[OutboxMessage]]


def per_row_claim(session: Session, channels: Sequence[str], now: datetime, lease_until: datetime, limit: int,
                  claimed_by: str | None = None) -> list[OutboxMessage]:
    """The claim before issue 12: the same candidates, then one conditional UPDATE per row."""
    candidates = session.scalars(outbox._claim_candidates(tuple(sorted(channels))), {"now": now, "limit": limit}).all()
    claimed = [message_id for message_id in candidates if session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_until,
                claimed_by=claimed_by)
        .execution_options(synchronize_session=False)).rowcount == 1]
    if not claimed:
        return []
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)))


def measure(url: str, claim: Claim, messages: int, batch: int, tag: str) -> tuple[float, float]:
    """Queue `messages` to as many chats, claim them all; return (CPU, wall) ms per message."""
    sessions = make_sessions(initialise(url).engine)
    with sessions.begin() as s:
        s.execute(text("DELETE FROM outbox_messages"))
        now = utcnow()
        for n in range(messages):
            enqueue(s, Outbound("memory", f"chat{n}", Reply(f"pesan {n}"), key=f"bench:{tag}:{n}"), now=now)
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
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args(argv)
    summary = []
    for kind in databases(args.database):
        with throwaway_database(kind, tag="claim") as url:
            best: dict[str, tuple[float, float]] = {}
            for round_ in range(2):
                for name, claim in (("per-row", per_row_claim), ("batch", outbox.claim_due)):
                    cpu, wall = measure(url, claim, args.messages, args.batch, f"{name}{round_}")
                    old = best.get(name, (cpu, wall))
                    best[name] = (min(old[0], cpu), min(old[1], wall))
            for name, (cpu, wall) in best.items():
                print(f"{kind} {name:8s} claim of {args.messages} messages in batches of {args.batch}: "
                      f"cpu {cpu:.3f} ms/message, wall {wall:.3f} ms/message")
            ratio = best["per-row"][0] / best["batch"][0]
            print(f"ratio {kind} per-row/batch cpu: {ratio:.2f}x")
            summary.append(f"{kind} {best['batch'][0]:.3f} ms cpu/message ({ratio:.2f}x less than per-row)")
    print("SUMMARY claim: " + "; ".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
