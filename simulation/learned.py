"""A day's arrivals learned from the center's own history: the same weekday of the last
`[day] history_weeks` weeks in the broker's database (closed days' figures, open days' tickets),
tickets per service and local hour averaged over the days found. Fewer than `history_min_tickets`
tickets in those days together: the configured profile (site.toml [day]) instead."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from broker.reports.stats import load_figures
from broker.store.db import Store
from simulation.profile import Profile
from xephang.config import SiteConfig


@dataclass(frozen=True)
class ExpectedDay:
    profile: Profile
    tickets: int | None  # tickets expected that day (the learned days' mean); None: not known
    source: str  # "history" or "config"
    days: tuple[str, ...]  # the days learned from, oldest first


def expected_day(config: SiteConfig, store: Store, day: date) -> ExpectedDay:
    configured = Profile.from_config(config)
    weeks = config.day.history_weeks
    same = {earlier.isoformat() for back in range(1, weeks + 1)
            if (earlier := _weeks_before(day, back)) is not None}
    if not same:  # the first week of the calendar: nothing before it
        return ExpectedDay(configured, None, "config", ())
    figures = load_figures(store, config.site.zone, min(same), max(same))
    codes = {s.code for s in config.services}
    counts: dict[str, list[float]] = defaultdict(lambda: [0.0] * 24)
    found: set[str] = set()
    for figure in figures.issued:
        if figure.day in same and figure.service in codes and 0 <= figure.hour < 24:
            counts[figure.service][figure.hour] += figure.total
            found.add(figure.day)
    total = sum(sum(hours) for hours in counts.values())
    if not found or total < config.day.history_min_tickets:
        return ExpectedDay(configured, None, "config", ())
    arrivals = {code: tuple(n / len(found) for n in counts[code]) for code in sorted(codes)
                if any(counts[code])}
    return ExpectedDay(configured.with_mix_of(arrivals), round(total / len(found)), "history",
                       tuple(sorted(found)))


def _weeks_before(day: date, weeks: int) -> date | None:
    """The same weekday `weeks` weeks earlier; None before the calendar's first day."""
    try:
        return day - timedelta(weeks=weeks)
    except OverflowError:
        return None
