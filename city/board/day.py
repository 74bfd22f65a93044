"""One center's day (or many days summed): the whole, and the same figures per service, per hour
and per counter, with each counter's open time and its state at the last event.

A counter is open from `counter_opened`/`counter_resumed` until `counter_closed`/`counter_paused`;
one that calls without an opening event that day was open already, from its first event. A counter
still open at the end counts until `until` (now, for today; its last event, for a closed day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from city.board.figures import COUNTER_STATES, OPENS, SHUTS, Event, Tally


@dataclass
class _Counter:
    """A counter's state as its events go by: where its current open stretch began."""

    state: str = "closed"
    since: datetime | None = None
    open_s: float = 0.0

    def step(self, event: Event) -> None:
        kind = event.type
        if kind in OPENS or (kind == "ticket_called" and self.state == "closed"):
            if self.since is None:
                self.since = event.at
        elif kind in SHUTS and self.since is not None:
            self.open_s += (event.at - self.since).total_seconds()
            self.since = None
        self.state = COUNTER_STATES.get(kind, self.state)

    def close_at(self, until: datetime) -> None:
        if self.since is not None and until > self.since:
            self.open_s += (until - self.since).total_seconds()
            self.since = until


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


def sum_day(events: Iterable[Event], zone: ZoneInfo, until: datetime | None = None) -> DayFigures:
    """The figures of these events (one center's, in order); open counters count until `until`,
    or until the last event."""
    day = DayFigures()
    counters: dict[int, _Counter] = {}
    for event in events:
        day.events += 1
        day.last_at = event.at
        day.total.count(event)
        if event.service:
            day.services.setdefault(event.service, Tally()).count(event)
        day.hours.setdefault(event.at.astimezone(zone).hour, Tally()).count(event)
        if event.counter is not None:
            day.counters.setdefault(event.counter, Tally()).count(event)
            counters.setdefault(event.counter, _Counter()).step(event)
    end = until or day.last_at
    for number, counter in counters.items():
        if end is not None:
            counter.close_at(end)
        day.counters[number].open_s = counter.open_s
        day.states[number] = counter.state
    day.total.open_s = sum(c.open_s for c in counters.values())
    return day
