"""What a simulated day looks like: arrivals per hour, the service mix, breaks, no-shows, priority."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from xephang.config import SiteConfig

# Relative arrivals per hour from opening: a morning peak, a lunch lull, a quieter afternoon.
HOURLY = (1.0, 1.6, 1.5, 1.2, 0.6, 0.5, 0.9, 0.8, 0.6)


@dataclass(frozen=True)
class Profile:
    hourly: tuple[float, ...] = HOURLY
    last_issue_before_close_s: float = 1800.0  # kiosks stop issuing half an hour before closing
    sigma: float = 0.5  # shape of the lognormal service times
    no_show: float = 0.05  # called citizens who are gone
    no_show_s: float = 90.0  # the counter's time spent calling and recalling them
    priority: float = 0.08  # elderly, disabled, pregnant, merit, appointment
    returning: float = 0.03  # served citizens sent for a missing paper, who come back
    returning_after_s: float = 1200.0
    break_s: float = 1800.0  # one staggered break per counter
    breaks_from_s: float = 3.5 * 3600  # breaks start between these times after opening
    breaks_until_s: float = 6.0 * 3600


@dataclass(frozen=True)
class Citizen:
    """One ticket's fixed draws, identical for every policy run on the same seed."""

    arrival_s: float
    service: str
    priority: str
    service_s: float
    no_show: bool
    returns: bool
    second_service_s: float


def demand(config: SiteConfig) -> dict[str, float]:
    """Share of tickets per service: from [routing] demand, else what the counters are sized for."""
    if config.routing.demand:
        raw = {s.code: config.routing.demand.get(s.code, 0.0) for s in config.services}
    else:
        raw = {s.code: 0.0 for s in config.services}
        for counter in config.counters:
            for code in counter.services:
                raw[code] += 1.0 / len(counter.services)
        raw = {s.code: raw[s.code] / s.mean_service_min for s in config.services}
    total = sum(raw.values())
    return {code: value / total for code, value in raw.items()}


def opening(config: SiteConfig) -> datetime:
    return datetime.combine(datetime(2025, 3, 10).date(), config.site.opens, tzinfo=config.site.zone)


def open_seconds(config: SiteConfig) -> float:
    start = opening(config)
    end = datetime.combine(start.date(), config.site.closes, tzinfo=config.site.zone)
    return (end - start).total_seconds()


def citizens(config: SiteConfig, profile: Profile, count: int, seed: int) -> list[Citizen]:
    rng = random.Random(seed)
    arrivals = sorted(_arrivals(config, profile, count, rng))
    mix = demand(config)
    codes, weights = list(mix), list(mix.values())
    means = {s.code: s.mean_service_min * 60 for s in config.services}
    out = []
    for at in arrivals:
        code = rng.choices(codes, weights)[0]
        out.append(Citizen(
            arrival_s=at, service=code,
            priority="elderly" if rng.random() < profile.priority else "none",
            service_s=_lognormal(rng, means[code], profile.sigma),
            no_show=rng.random() < profile.no_show, returns=rng.random() < profile.returning,
            second_service_s=_lognormal(rng, means[code] / 2, profile.sigma)))
    return out


def _arrivals(config: SiteConfig, profile: Profile, count: int, rng: random.Random) -> list[float]:
    issuing = max(3600.0, open_seconds(config) - profile.last_issue_before_close_s)
    hours = math.ceil(issuing / 3600)
    weights = [profile.hourly[min(h, len(profile.hourly) - 1)] for h in range(hours)]
    out = []
    for hour in rng.choices(range(hours), weights, k=count):
        out.append(min(issuing, (hour + rng.random()) * 3600))
    return out


def _lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def break_starts(config: SiteConfig, profile: Profile) -> dict[int, float]:
    """Staggered so that a service's counters do not all leave at once."""
    span = profile.breaks_until_s - profile.breaks_from_s
    ids = [c.id for c in config.counters]
    return {cid: profile.breaks_from_s + span * i / max(1, len(ids)) for i, cid in enumerate(ids)}


def at(config: SiteConfig, seconds: float) -> datetime:
    return opening(config) + timedelta(seconds=seconds)
