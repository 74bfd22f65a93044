"""The `[board]` section of city.toml: where the city's board listens, when centers are open (a
center counts as cut off after `stale_after_min` minutes without an event while centers are open),
how often it sums, and its sign-in limits. Every key has a default; a bad value is reported by
`city.config.load_city_config` with the file and the key (`board.stale_after_min: …`)."""

from __future__ import annotations

import re
from datetime import datetime, time

from pydantic import Field, field_validator

from xephang.config import OpeningHours

_LISTEN = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})$")


class BoardSection(OpeningHours):
    listen: str = "127.0.0.1:8100"  # HOST:PORT
    # `timezone` (whose "today" the board shows), `opens` and `closes`: when centers open; outside
    # these hours (and on other days than `workdays`) silence is normal.
    closes: time = time(17, 30)
    workdays: list[int] = Field(default=[0, 1, 2, 3, 4, 5], min_length=1, max_length=7)  # Monday=0
    stale_after_min: int = Field(default=15, ge=1, le=24 * 60)
    # How often the overview is brought up to date and missing or late days are rolled up.
    refresh_s: float = Field(default=30.0, ge=0.5, le=3600)
    backfill_days: int = Field(default=400, ge=1, le=3660)  # how far back missing days are built
    session_idle_min: int = Field(default=120, ge=5, le=24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=72)
    login_attempts: int = Field(default=5, ge=1, le=100)
    login_window_min: int = Field(default=10, ge=1, le=24 * 60)
    secure_cookies: bool = False

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        match = _LISTEN.match(value)
        if not match or not 0 <= int(match["port"]) <= 65535:  # 0: any free port
            raise ValueError(f"{value!r} không phải dạng HOST:PORT (ví dụ 127.0.0.1:8100)")
        return value

    @field_validator("workdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(day not in range(7) for day in value):
            raise ValueError("workdays là số thứ trong tuần: thứ Hai là 0 … Chủ nhật là 6")
        return sorted(set(value))

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    def open_at(self, moment: datetime) -> bool:
        """Whether centers are open at this moment (their silence then means a lost link)."""
        local = moment.astimezone(self.zone)
        return local.weekday() in self.workdays and self.opens <= local.time() < self.closes
