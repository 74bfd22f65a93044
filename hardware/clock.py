"""Is this device's clock synchronised? Tickets, statistics and the daily reset depend on it, and
only the Pi 5 has a real-time clock: a Pi 4 boots at the last saved time until chrony corrects it.

The kernel keeps the answer: `adjtimex()` (read only, no privilege) returns TIME_ERROR while the
clock is unsynchronised, which chrony clears once it follows a source (what `timedatectl` shows as
"System clock synchronized"). `XEPHANG_CLOCK=fake-synced|fake-unsynced` picks the fake, for the
demo and the tests on machines whose own clock state is not theirs to choose.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

TIME_ERROR = 5  # adjtimex(): "clock not synchronized"
TIMEX_SIZE = 256  # struct timex is 208 bytes on 64-bit Linux; modes = 0 (the first field) reads only

ClockSynced = Callable[[], bool | None]


def kernel_clock_synced() -> bool | None:
    """True when the kernel's clock is synchronised, False when not, None when it cannot tell."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        buffer = ctypes.create_string_buffer(TIMEX_SIZE)
        state = int(libc.adjtimex(buffer))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != TIME_ERROR


CLOCKS: dict[str, ClockSynced] = {
    "kernel": kernel_clock_synced,
    "fake-synced": lambda: True,
    "fake-unsynced": lambda: False,
}


def clock_synced_source(name: str | None = None) -> ClockSynced:
    """The clock-sync check named by `name` or `XEPHANG_CLOCK` (default: the kernel's)."""
    chosen = name or os.environ.get("XEPHANG_CLOCK", "kernel")
    try:
        return CLOCKS[chosen]
    except KeyError:
        raise ValueError(f"XEPHANG_CLOCK={chosen!r} is not one of {', '.join(CLOCKS)}") from None
