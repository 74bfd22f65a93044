"""A slice of a center's figures (a day, a service, an hour, a counter): tickets issued, still
waiting, served, absent, wait and service times, ratings, and how long a counter was open.

Times keep their exact count and sum, one day's exact 90th percentile, and a histogram in whole
minutes so that days add up to a month and its 90th percentile (read from the histogram,
interpolated within the minute).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Times:
    """Durations in seconds: how many, their sum, how many fell in each whole minute, and one
    day's exact 90th percentile (PostgreSQL's percentile_cont); days summed read it from the
    minutes."""

    count: int = 0
    total_s: int = 0
    minutes: Counter[int] = field(default_factory=Counter)
    exact_p90_s: float | None = None  # one day's, exact; None once days are summed

    def merge(self, other: Times) -> None:
        if not other.count:
            return
        self.exact_p90_s = other.exact_p90_s if not self.count else None
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
                   data.get("p90"))


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
