"""What a simulated day looks like: arrivals per hour, the service mix, breaks, no-shows, priority.

`Profile()` is the old day model (kept for comparing rules with the targets set on it): arrivals per
hour from opening, one staggered 30-minute break per counter, no lunch closure, nobody leaves, one
service-time spread. `Profile.from_config(config)` is a center's real day from site.toml's [day]
section: lunch closure, staff breaks, arrivals per service and clock hour, patience, the last ticket's
time and a spread per service (simulation/learned.py replaces the arrivals with the center's own
history when there is enough).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from xephang.config import SiteConfig

# Relative arrivals per hour from opening: a morning peak, a lunch lull, a quieter afternoon.
HOURLY = (1.0, 1.6, 1.5, 1.2, 0.6, 0.5, 0.9, 0.8, 0.6)
PATIENCE_SPREAD = 0.5  # lognormal shape of how long citizens wait before giving up

Window = tuple[float, float, float]  # (from_s, until_s, length_s) of a break, from opening


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
    # The real day (from_config); the defaults above are the old model.
    lunch: tuple[float, float] | None = None  # closed between these (seconds from opening)
    breaks: tuple[Window, ...] | None = None  # None: the single break above
    arrivals: Mapping[str, tuple[float, ...]] | None = None  # service -> weight per clock hour 0-23
    last_ticket_s: float | None = None  # None: last_issue_before_close_s before closing
    patience_s: float | None = None  # mean time a citizen waits before leaving; None: never leaves
    spread: Mapping[str, float] = field(default_factory=dict)  # per-service sigma; default `sigma`
    mix: Mapping[str, float] | None = None  # share of tickets per service; None: demand(config)

    @classmethod
    def from_config(cls, config: SiteConfig) -> Profile:
        day = config.day
        lunch = None
        if day.lunch_start is not None and day.lunch_end is not None:
            lunch = (clock_s(config, day.lunch_start), clock_s(config, day.lunch_end))
        hours = _hours(day.arrivals)
        arrivals = {s.code: _hours(day.arrivals_by_service.get(s.code, day.arrivals))
                    for s in config.services}
        return cls(
            hourly=hours, lunch=lunch,
            breaks=tuple((clock_s(config, b.start), clock_s(config, b.end), b.minutes * 60.0)
                         for b in day.breaks),
            arrivals=arrivals,
            last_ticket_s=clock_s(config, day.last_ticket or config.site.closes),
            patience_s=day.patience_min * 60.0 if day.patience_min is not None else None,
            spread=dict(day.service_spread))

    def with_arrivals(self, arrivals: Mapping[str, tuple[float, ...]]) -> Profile:
        return replace(self, arrivals=dict(arrivals))

    def with_mix_of(self, arrivals: Mapping[str, tuple[float, ...]]) -> Profile:
        """Arrivals per service and clock hour in tickets (a learned day): the mix follows them."""
        total = sum(sum(hours) for hours in arrivals.values())
        return replace(self, arrivals=dict(arrivals),
                       mix={code: sum(hours) / total for code, hours in arrivals.items()})


def _hours(weights: Mapping[str, float]) -> tuple[float, ...]:
    """`{"08": 1.5, ...}` -> a weight per clock hour 0-23 (missing hours weigh 0)."""
    return tuple(float(weights.get(f"{hour:02d}", 0.0)) for hour in range(24))


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
    patience_s: float | None = None  # leaves if not called by arrival + this; None: never


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
    return clock_s(config, config.site.closes)


def clock_s(config: SiteConfig, moment: time) -> float:
    """A time of day as seconds from opening (what the engine's clock and blocks count in)."""
    start = opening(config)
    return (datetime.combine(start.date(), moment, tzinfo=config.site.zone) - start).total_seconds()


def citizens(config: SiteConfig, profile: Profile, count: int, seed: int) -> list[Citizen]:
    rng = random.Random(seed)
    mix = dict(profile.mix) if profile.mix else demand(config)
    codes, weights = list(mix), list(mix.values())
    pairs: Iterable[tuple[float, str | None]]
    if profile.arrivals is None:  # the old model: times first, then the service of each
        pairs = [(at, None) for at in sorted(_arrivals(config, profile, count, rng))]
    else:
        pairs = sorted(_arrivals_by_service(config, profile, count, rng, mix))
    means = {s.code: s.mean_service_min * 60 for s in config.services}
    out = []
    for at, drawn in pairs:
        code = drawn or rng.choices(codes, weights)[0]
        sigma = profile.spread.get(code, profile.sigma)
        out.append(Citizen(
            arrival_s=at, service=code,
            priority="elderly" if rng.random() < profile.priority else "none",
            service_s=_lognormal(rng, means[code], sigma),
            no_show=rng.random() < profile.no_show, returns=rng.random() < profile.returning,
            second_service_s=_lognormal(rng, means[code] / 2, sigma),
            patience_s=(None if profile.patience_s is None
                        else _lognormal(rng, profile.patience_s, PATIENCE_SPREAD))))
    return out


def _arrivals(config: SiteConfig, profile: Profile, count: int, rng: random.Random) -> list[float]:
    issuing = max(3600.0, open_seconds(config) - profile.last_issue_before_close_s)
    hours = math.ceil(issuing / 3600)
    weights = [profile.hourly[min(h, len(profile.hourly) - 1)] for h in range(hours)]
    out = []
    for hour in rng.choices(range(hours), weights, k=count):
        out.append(min(issuing, (hour + rng.random()) * 3600))
    return out


def issuing_spans(config: SiteConfig, profile: Profile) -> list[tuple[float, float]]:
    """When kiosks issue tickets (seconds from opening): opening to the last ticket, lunch apart."""
    last = profile.last_ticket_s
    if last is None:
        last = max(3600.0, open_seconds(config) - profile.last_issue_before_close_s)
    if profile.lunch is None:
        return [(0.0, last)]
    return [(0.0, min(last, profile.lunch[0])), (profile.lunch[1], last)]


def _arrivals_by_service(config: SiteConfig, profile: Profile, count: int, rng: random.Random,
                         mix: Mapping[str, float]) -> list[tuple[float, str]]:
    """Each citizen's service from the mix, then a moment from that service's hourly weights,
    inside the issuing spans."""
    assert profile.arrivals is not None
    segments = {code: _segments(config, profile, hours) for code, hours in profile.arrivals.items()}
    out = []
    for code in rng.choices(list(mix), list(mix.values()), k=count):
        pieces = segments.get(code) or segments.get("", [])
        if not pieces:
            raise ValueError(f"service {code}: no arrivals in any issuing hour")
        start, end, _ = rng.choices(pieces, [w for _, _, w in pieces])[0]
        out.append((start + rng.random() * (end - start), code))
    return out


def _segments(config: SiteConfig, profile: Profile,
              hours: tuple[float, ...]) -> list[tuple[float, float, float]]:
    """The parts of each clock hour inside the issuing spans, weighted by hour weight × length."""
    opens = config.site.opens.hour * 3600 + config.site.opens.minute * 60
    out = []
    for hour, weight in enumerate(hours):
        begin, end = hour * 3600 - opens, (hour + 1) * 3600 - opens
        for span_start, span_end in issuing_spans(config, profile):
            lo, hi = max(begin, span_start), min(end, span_end)
            if hi > lo and weight > 0:
                out.append((lo, hi, weight * (hi - lo) / 3600))
    return out


def _lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def break_starts(config: SiteConfig, profile: Profile) -> list[tuple[int, float, float]]:
    """(counter, start, length) of every staff break, staggered so that a service's counters do
    not all leave at once."""
    windows = profile.breaks
    if windows is None:
        windows = ((profile.breaks_from_s, profile.breaks_until_s, profile.break_s),)
    ids = [c.id for c in config.counters]
    out = []
    for start, until, length in windows:
        span = until - start if profile.breaks is None else max(0.0, until - start - length)
        out += [(cid, start + span * i / max(1, len(ids)), length) for i, cid in enumerate(ids)]
    return out


def at(config: SiteConfig, seconds: float) -> datetime:
    return opening(config) + timedelta(seconds=seconds)
