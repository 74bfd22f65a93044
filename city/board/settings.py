"""The `[board]` section of city.toml: where the city's board listens, and when a center counts as
cut off (no event for `stale_after_min` minutes while centers are open)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class BoardSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str = Field(default="127.0.0.1:8100", pattern=r"^[^\s:]*:\d{1,5}$")  # HOST:PORT
    timezone: str = "Asia/Ho_Chi_Minh"  # whose "today" the board shows
    opens: time = time(7, 30)  # when centers open: outside these hours silence is normal
    closes: time = time(17, 30)
    workdays: list[int] = Field(default=[0, 1, 2, 3, 4, 5], min_length=1, max_length=7)  # Monday=0
    stale_after_min: int = Field(default=15, ge=1, le=24 * 60)
    # How often the overview is summed again and missing or late days are rolled up.
    refresh_s: float = Field(default=30.0, ge=0.5, le=3600)
    backfill_days: int = Field(default=400, ge=1, le=3660)  # how far back missing days are built
    session_idle_min: int = Field(default=120, ge=5, le=24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=72)
    login_attempts: int = Field(default=5, ge=1, le=100)
    login_window_min: int = Field(default=10, ge=1, le=24 * 60)
    secure_cookies: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("workdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(day not in range(7) for day in value):
            raise ValueError("workdays are weekday numbers, Monday 0 to Sunday 6")
        return sorted(set(value))

    @model_validator(mode="after")
    def _opens_before_closes(self) -> BoardSection:
        if self.opens >= self.closes:
            raise ValueError(f"opens ({self.opens}) must be before closes ({self.closes})")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def open_at(self, moment: datetime) -> bool:
        """Whether centers are open at this moment (their silence then means a lost link)."""
        local = moment.astimezone(self.zone)
        return local.weekday() in self.workdays and self.opens <= local.time() < self.closes
