"""One center's day (or many days summed): the whole, and the same figures per service, per hour
and per counter, with each counter's open time and its state at the last event (summed by
PostgreSQL, city/board/summing.py; kept as jsonb in the rollups)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from city.board.figures import Tally


@dataclass
class DayFigures:
    total: Tally = field(default_factory=Tally)
    services: dict[str, Tally] = field(default_factory=dict)
    hours: dict[int, Tally] = field(default_factory=dict)
    counters: dict[int, Tally] = field(default_factory=dict)
    states: dict[int, str] = field(default_factory=dict)  # each counter's state at the last event
    events: int = 0
    last_at: datetime | None = None

    @property
    def open_counters(self) -> int:
        return sum(state == "open" for state in self.states.values())

    @property
    def paused_counters(self) -> int:
        return sum(state == "paused" for state in self.states.values())

    @property
    def counter_hours(self) -> float:
        """Hours the center's counters were open, all counters summed."""
        return self.total.open_s / 3600

    def merge(self, other: DayFigures) -> None:
        self.total.merge(other.total)
        for mine, theirs in ((self.services, other.services), (self.hours, other.hours),
                             (self.counters, other.counters)):
            for key, tally in theirs.items():
                mine.setdefault(key, Tally()).merge(tally)  # type: ignore[arg-type]
        self.events += other.events
        self.states = dict(other.states) or self.states
        if other.last_at is not None and (self.last_at is None or other.last_at > self.last_at):
            self.last_at = other.last_at

    def detail_json(self) -> dict[str, Any]:
        return {"services": {k: t.to_json() for k, t in self.services.items()},
                "hours": {str(k): t.to_json() for k, t in self.hours.items()},
                "counters": {str(k): t.to_json() for k, t in self.counters.items()},
                "states": {str(k): s for k, s in self.states.items()}}

    @classmethod
    def from_json(cls, total: dict[str, Any], detail: dict[str, Any], events: int) -> DayFigures:
        return cls(Tally.from_json(total),
                   {k: Tally.from_json(t) for k, t in detail["services"].items()},
                   {int(k): Tally.from_json(t) for k, t in detail["hours"].items()},
                   {int(k): Tally.from_json(t) for k, t in detail["counters"].items()},
                   {int(k): s for k, s in detail["states"].items()}, events)
