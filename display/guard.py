"""One press, one command: the counter unit's own guard against double presses.

gpiozero's `bounce_time` does nothing on mock pins and `when_pressed` runs in the pressing thread, so
the guard is ours: a press is ignored while this unit's previous command still awaits its reply (up to
`reply_timeout_s`, after which the broker is presumed to have missed it), or within `min_gap_s` of the
last accepted press. A staff member who double-presses "call next" would otherwise skip a citizen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MIN_GAP_S = 1.0
REPLY_TIMEOUT_S = 4.0


class PressGuard:
    def __init__(self, *, min_gap_s: float = MIN_GAP_S, reply_timeout_s: float = REPLY_TIMEOUT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._min_gap_s = min_gap_s
        self._reply_timeout_s = reply_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last_at: float | None = None
        self._pending: str | None = None

    def try_begin(self, command_id: str) -> bool:
        """Accept this press (and remember its command as pending) unless it is a double press."""
        with self._lock:
            now = self._clock()
            if self._last_at is not None and self._busy(now - self._last_at):
                return False
            self._last_at = now
            self._pending = command_id
            return True

    def settle(self, command_id: str) -> bool:
        """The reply for `command_id` arrived; True if it was the one we were waiting for."""
        with self._lock:
            if command_id != self._pending:
                return False
            self._pending = None
            return True

    @property
    def pending(self) -> str | None:
        with self._lock:
            return self._pending

    def _busy(self, since: float) -> bool:
        if since < self._min_gap_s:
            return True
        return self._pending is not None and since < self._reply_timeout_s
