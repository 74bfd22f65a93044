"""One fake clock for every test that needs time to stand still or jump."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NINE_IN_HANOI = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 on a Monday in Hà Nội (UTC+7)
MONOTONIC_START = 1000.0


class FakeClock:
    """Time that moves only when the test moves it.

    Called, it reads as a wall clock (an aware `datetime`), as the store and the broker take it;
    `monotonic` reads the same time in seconds, as the press guards, the kiosk and the scanner take it.
    """

    def __init__(self, start: datetime = NINE_IN_HANOI) -> None:
        self.start = start
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return MONOTONIC_START + (self.now - self.start).total_seconds()

    def advance(self, **delta: float) -> None:
        """Move on by `timedelta(**delta)`, e.g. `advance(seconds=1.5)` or `advance(minutes=40)`."""
        self.now += timedelta(**delta)
