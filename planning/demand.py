"""A day's expected arrivals per service and hour, for the plan: the simulator's profile of the day
(site.toml [day], or the center's own history when there is enough: simulation/learned.py) and the
day's ticket count.

The simulator draws citizens from the same profile and count (simulation/profile.citizens); this
module gives the plan's quick screen the expectation of those draws."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from broker.store.db import Store
from planning.schedule import Block
from simulation.learned import expected_day
from simulation.profile import Profile, demand, issuing_spans, open_seconds
from xephang.config import SiteConfig


@dataclass(frozen=True)
class Demand:
    """The day the plan is made for: its profile and ticket count, and the expected arrivals per
    service in each hour from opening (index 0 = the first hour)."""

    profile: Profile
    tickets: int
    hourly: Mapping[str, tuple[float, ...]]
    source: str  # "history" or "profile"
    days: tuple[str, ...] = ()  # the days it was learned from

    @property
    def total(self) -> float:
        return sum(sum(row) for row in self.hourly.values())

    def in_block(self, service: str, block: Block) -> float:
        """Expected arrivals of a service inside a block (hours cut pro rata)."""
        out = 0.0
        for hour, count in enumerate(self.hourly.get(service, ())):
            overlap = min(block.end_s, (hour + 1) * 3600.0) - max(block.start_s, hour * 3600.0)
            out += count * max(0.0, overlap) / 3600.0
        return out


def expected_demand(config: SiteConfig, profile: Profile, tickets: int, source: str = "profile",
                    days: tuple[str, ...] = ()) -> Demand:
    hours = math.ceil(open_seconds(config) / 3600)
    mix = dict(profile.mix) if profile.mix else demand(config)  # as citizens() draws them
    hourly = {}
    for code, share in mix.items():
        pieces = _pieces(config, profile, code)
        total = sum(w for _, _, w in pieces) or 1.0
        row = [0.0] * hours
        for start, end, weight in pieces:
            for hour in range(int(start // 3600), min(hours, math.ceil(end / 3600))):
                inside = min(end, (hour + 1) * 3600.0) - max(start, hour * 3600.0)
                row[hour] += tickets * share * weight / total * max(0.0, inside) / (end - start)
        hourly[code] = tuple(row)
    return Demand(profile, tickets, hourly, source, days)


def _pieces(config: SiteConfig, profile: Profile, code: str) -> list[tuple[float, float, float]]:
    """Where a service's citizens arrive: (start, end, weight) as the simulator draws them."""
    spans = issuing_spans(config, profile)
    if profile.arrivals is None:  # the old model: weights per hour from opening
        weights = profile.hourly
        return [(lo, hi, weights[min(h, len(weights) - 1)] * (hi - lo) / 3600)
                for h in range(math.ceil(spans[-1][1] / 3600))
                for a, b in spans for lo, hi in [(max(a, h * 3600.0), min(b, (h + 1) * 3600.0))]
                if hi > lo]
    opens = config.site.opens.hour * 3600 + config.site.opens.minute * 60
    row = profile.arrivals.get(code, ())
    return [(lo, hi, weight * (hi - lo) / 3600)
            for hour, weight in enumerate(row) if weight > 0
            for a, b in spans
            for lo, hi in [(max(a, hour * 3600.0 - opens), min(b, (hour + 1) * 3600.0 - opens))]
            if hi > lo]


def day_demand(store: Store, config: SiteConfig, day: date, tickets: int | None) -> Demand:
    """The plan's demand for `day`: the center's own history when there is enough
    (simulation/learned.py: the same weekday of recent weeks, their mean count, their arrivals per
    service and clock hour), else site.toml's profile; `tickets`, when given, replaces the count."""
    learned = expected_day(config, store, day)
    count = tickets or learned.tickets or DEFAULT_TICKETS
    return expected_demand(config, learned.profile, count,
                           "history" if learned.source == "history" else "profile", learned.days)


DEFAULT_TICKETS = 1000  # a ward center's day when neither history nor the manager says otherwise
