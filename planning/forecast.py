"""What a schedule is predicted to give: per service the mean, p90 and max wait and who left, per
block of arrival the p90 (where the search should add a counter), overtime and counter-hours."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from planning.schedule import Block, Schedule


@dataclass(frozen=True)
class Waited:
    """One citizen of a predicted day: when they came and how long they waited (None: never
    called); `left` when they gave up (their wait is then how long they stood it)."""

    service: str
    arrival_s: float
    wait_s: float | None
    left: bool = False


@dataclass(frozen=True)
class ServiceForecast:
    mean_min: float
    p90_min: float
    max_min: float
    served: float  # per day, averaged over the days predicted
    left: float  # citizens per day who left or were never called
    block_p90_min: tuple[float, ...]  # p90 of those who arrived in each block (0 when none did)
    day_p90_min: tuple[float, ...] = ()  # p90 of each predicted day (how much it varies by chance)


@dataclass(frozen=True)
class Forecast:
    services: Mapping[str, ServiceForecast]
    overtime_min: float  # counter-minutes worked after closing, per day
    counter_hours: float  # the schedule's open counter-hours (plus overtime)

    def late(self, targets: Mapping[str, float]) -> dict[str, float]:
        """Services whose p90 is over target: by how many minutes."""
        return {code: round(f.p90_min - targets[code], 1) for code, f in self.services.items()
                if f.p90_min > targets[code] + 1e-9}


Evaluate = Callable[[Schedule], Forecast]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank, like the simulator's report."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summarise(days: Sequence[Sequence[Waited]], services: Sequence[str], blocks: Sequence[Block],
              overtime_min: float, counter_hours: float) -> Forecast:
    """Pool several predicted days: p90 and mean over every citizen, max as the mean daily max."""
    n = max(1, len(days))
    out = {}
    for code in services:
        pooled = [w for day in days for w in day if w.service == code]
        waits = [w.wait_s / 60 for w in pooled if w.wait_s is not None]
        maxima = [max((w.wait_s for w in day if w.service == code and w.wait_s is not None),
                      default=0.0) / 60 for day in days]
        by_block = tuple(percentile([w.wait_s / 60 for w in pooled if w.wait_s is not None
                                     and b.start_s <= w.arrival_s < b.end_s], 0.9) for b in blocks)
        out[code] = ServiceForecast(
            mean_min=round(sum(waits) / len(waits), 1) if waits else 0.0,
            p90_min=round(percentile(waits, 0.9), 1), max_min=round(sum(maxima) / n, 1),
            served=sum(1 for w in pooled if not w.left and w.wait_s is not None) / n,
            left=sum(1 for w in pooled if w.left or w.wait_s is None) / n,
            block_p90_min=tuple(round(p, 1) for p in by_block),
            day_p90_min=tuple(round(percentile([w.wait_s / 60 for w in day if w.service == code
                                                and w.wait_s is not None], 0.9), 1) for day in days))
    return Forecast(out, round(overtime_min, 1), round(counter_hours, 2))
