"""`siaga` with Telegram's send caps lifted, for the webhook benches: `python -m bench.uncapped run --workers N`.

Telegram allows a bot about 30 messages a second overall and one a second per chat; `siaga run` keeps
to that. A benchmark of Siaga's cost per update would then measure the caps, so here (as in the
in-process bench) the caps are lifted and the code path is kept. Twilio's cap is a setting (TWILIO_MPS).
"""

from __future__ import annotations

import sys

from bot.channels import telegram
from bot.cli import main

_pacer, _limiter = telegram.ChatPacer, telegram.RetryingRateLimiter


def uncapped_pacer() -> telegram.ChatPacer:
    return _pacer(rate=1_000_000, burst=1_000_000)


def uncapped_limiter() -> telegram.RetryingRateLimiter:
    return _limiter(overall_max_rate=1_000_000, group_max_rate=1_000_000)


if __name__ == "__main__":
    # TelegramChannel builds its pacer and rate limiter from these module names when none is given.
    telegram.ChatPacer = uncapped_pacer  # type: ignore[misc,assignment]
    telegram.RetryingRateLimiter = uncapped_limiter  # type: ignore[misc,assignment]
    # The outbox spaces a chat's queued messages by this too (a closed-loop chat's next reply often queues).
    telegram.TelegramChannel.per_chat_rate = 1_000_000
    sys.exit(main())
