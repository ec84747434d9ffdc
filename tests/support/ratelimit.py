"""Token buckets for the fake providers' enforcing mode: a rate, a burst, and a little slack for jitter."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable


class Buckets:
    """One token bucket per key (a chat, a sender): `rate` tokens a second, holding at most `burst`.

    `slack` seconds of credit absorb the jitter between when a client paced a request and when it
    arrives here, so a client that paces exactly at the rate is not refused for a millisecond.
    """

    def __init__(self, rate: float, burst: float = 1.0, *, slack: float = 0.05,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.slack, self.clock = rate, burst, slack, clock
        self._state: dict[Hashable, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()

    def wait_for(self, key: Hashable = None) -> float:
        """Seconds until `key` has a token (0.0: it has one now); takes nothing."""
        with self._lock:
            tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1 - self.rate * self.slack else (1 - tokens) / self.rate

    def take(self, key: Hashable = None) -> None:
        """Spend one token of `key` (call after `wait_for` said 0.0)."""
        with self._lock:
            now = self.clock()
            self._state[key] = (self._tokens(key, now) - 1, now)

    def _tokens(self, key: Hashable, now: float) -> float:
        tokens, then = self._state.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)


def retry_after(seconds: float) -> int:
    """Whole seconds, at least one, as the Bot API's `retry_after` states them."""
    return max(1, math.ceil(seconds))
