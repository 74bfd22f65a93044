"""Sign-in throttling: growing delays per (address, username), never a lock-out for everyone.

Failures are counted per pair of client address and username. The first `attempts` cost nothing;
each one after doubles the wait before the next try (2 s, 4 s, 8 s … up to the window). A right
password from another address is never refused because of this one's failures, so knowing a
staff member's username is not enough to lock them out. One address trying many usernames meets
the same growing delays after `attempts × ADDRESS_FACTOR` failures, which stops password spraying
without touching anyone else. Failures are forgotten after a quiet window, or by a success.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

FIRST_DELAY_S = 2.0
ADDRESS_FACTOR = 4  # a shared office PC signs several staff in; a spray tries far more names
PRUNE_ABOVE = 4096  # entries kept before idle ones are swept, so rotating names cannot grow memory


@dataclass
class _Failures:
    count: int
    last: float


class _Delays:
    def __init__(self, free: int, window_s: float, clock: Callable[[], float]) -> None:
        self.free, self.window_s, self._clock = free, window_s, clock
        self._failures: dict[Hashable, _Failures] = {}

    def wait_s(self, key: Hashable) -> float:
        found = self._failures.get(key)
        if found is None or found.count < self.free:
            return 0.0
        delay = min(self.window_s, FIRST_DELAY_S * 2.0 ** (found.count - self.free))
        return max(0.0, found.last + delay - self._clock())

    def failed(self, key: Hashable) -> None:
        now = self._clock()
        found = self._failures.get(key)
        if found is None or now - found.last > self.window_s:
            found = self._failures[key] = _Failures(0, now)
        found.count, found.last = found.count + 1, now
        if len(self._failures) > PRUNE_ABOVE:
            self._failures = {k: f for k, f in self._failures.items()
                              if now - f.last <= self.window_s}

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)


class LoginThrottle:
    def __init__(self, attempts: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._pairs = _Delays(attempts, window_s, clock)
        self._addresses = _Delays(attempts * ADDRESS_FACTOR, window_s, clock)
        self._lock = threading.Lock()

    def wait_s(self, address: str, username: str) -> float:
        """Seconds before this address may try this username again; 0 when it may now."""
        with self._lock:
            return max(self._pairs.wait_s((address, username)), self._addresses.wait_s(address))

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            self._pairs.failed((address, username))
            self._addresses.failed(address)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._pairs.forget((address, username))
