"""A center's figures summed from its uplink events: tickets issued, still waiting, served, absent,
wait and service times, ratings, and how long each counter was open.

The city sees no ticket ids (DESIGN §2), so "waiting now" is counted from the events that move a
ticket into a line (issued, printed offline, transferred, back with a missing paper) and out of it
(called, cancelled). A wait is the `wait_s` of a `ticket_called` (from the ticket's issue, as the
center counts it); a service time the `service_s` of a `ticket_done`.

Times keep their exact count and sum, and a histogram in whole minutes so that days add up to a
month and its 90th percentile (read from the histogram, interpolated within the minute).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from xephang.protocol import RATINGS

INTO_LINE = ("ticket_issued", "ticket_offline", "ticket_transferred", "ticket_returned")
OUT_OF_LINE = ("ticket_called", "ticket_cancelled")
OPENS = ("counter_opened", "counter_resumed")
SHUTS = ("counter_closed", "counter_paused")
COUNTER_STATES = {"counter_opened": "open", "counter_resumed": "open", "ticket_called": "open",
                  "counter_paused": "paused", "counter_closed": "closed"}
# The columns every figure is summed from, in this order (city_events).
EVENT_COLUMNS = "at, type, service, counter, wait_s, service_s, rating"


class Event(NamedTuple):
    at: datetime
    type: str
    service: str | None
    counter: int | None
    wait_s: int | None
    service_s: int | None
    rating: str | None


@dataclass
class Times:
    """Durations in seconds: how many, their sum, and how many fell in each whole minute. Built
    from events it also keeps the values, so one day's 90th percentile is exact (PostgreSQL's
    percentile_cont); a stored day keeps that exact figure; days summed read it from the minutes."""

    count: int = 0
    total_s: int = 0
    minutes: Counter[int] = field(default_factory=Counter)
    values: list[int] | None = field(default_factory=list)
    exact_p90_s: float | None = None

    def add(self, seconds: int) -> None:
        self.count += 1
        self.total_s += seconds
        self.minutes[seconds // 60] += 1
        if self.values is not None:
            self.values.append(seconds)

    def merge(self, other: Times) -> None:
        if not other.count:
            return
        if not self.count:
            self.values = None if other.values is None else list(other.values)
            self.exact_p90_s = other.exact_p90_s
        else:
            joined = None if self.values is None or other.values is None else self.values + other.values
            self.values, self.exact_p90_s = joined, None
        self.count += other.count
        self.total_s += other.total_s
        self.minutes.update(other.minutes)

    @property
    def mean_s(self) -> float | None:
        return self.total_s / self.count if self.count else None

    @property
    def p90_s(self) -> float | None:
        if not self.count:
            return None
        if self.values:
            return _percentile_cont(sorted(self.values), 0.9)
        return self.exact_p90_s if self.exact_p90_s is not None else self._from_minutes(0.9)

    def _from_minutes(self, share: float) -> float:
        """The duration below which `share` of them fell, interpolated within its minute."""
        rank, seen = share * self.count, 0
        for minute in sorted(self.minutes):
            here = self.minutes[minute]
            if seen + here >= rank:
                return 60.0 * (minute + max(0.0, rank - seen) / here)
            seen += here
        return 60.0 * (max(self.minutes) + 1)

    def to_json(self) -> dict[str, Any]:
        return {"n": self.count, "s": self.total_s, "p90": self.p90_s,
                "m": {str(k): v for k, v in self.minutes.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Times:
        return cls(int(data["n"]), int(data["s"]), Counter({int(k): int(v) for k, v in data["m"].items()}),
                   None, data.get("p90"))


def _percentile_cont(ordered: list[int], share: float) -> float:
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


@dataclass
class Tally:
    """The figures of one slice of a center's day: the whole day, one service, hour or counter."""

    issued: int = 0
    offline: int = 0
    into_line: int = 0  # issued, printed offline, transferred in, back with a missing paper
    out_of_line: int = 0  # called or cancelled
    served: int = 0
    no_show: int = 0
    wait: Times = field(default_factory=Times)
    service: Times = field(default_factory=Times)
    ratings: Counter[str] = field(default_factory=Counter)
    open_s: float = 0.0  # seconds a counter was open (a counter's tally only)

    @property
    def waiting(self) -> int:
        return max(0, self.into_line - self.out_of_line)

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    def count(self, event: Event) -> None:
        kind = event.type
        self.issued += kind in ("ticket_issued", "ticket_offline")
        self.offline += kind == "ticket_offline"
        self.into_line += kind in INTO_LINE
        self.out_of_line += kind in OUT_OF_LINE
        self.served += kind == "ticket_done"
        self.no_show += kind == "ticket_no_show"
        if kind == "ticket_called" and event.wait_s is not None:
            self.wait.add(event.wait_s)
        elif kind == "ticket_done" and event.service_s is not None:
            self.service.add(event.service_s)
        elif kind == "ticket_rated" and event.rating in RATINGS:
            self.ratings[event.rating] += 1

    def merge(self, other: Tally) -> None:
        for name in ("issued", "offline", "into_line", "out_of_line", "served", "no_show", "open_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wait.merge(other.wait)
        self.service.merge(other.service)
        self.ratings.update(other.ratings)

    def to_json(self) -> dict[str, Any]:
        return {"issued": self.issued, "offline": self.offline, "in": self.into_line,
                "out": self.out_of_line, "served": self.served, "no_show": self.no_show,
                "wait": self.wait.to_json(), "service": self.service.to_json(),
                "ratings": dict(self.ratings), "open_s": round(self.open_s)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        return cls(data["issued"], data["offline"], data["in"], data["out"], data["served"],
                   data["no_show"], Times.from_json(data["wait"]), Times.from_json(data["service"]),
                   Counter(data["ratings"]), float(data["open_s"]))
