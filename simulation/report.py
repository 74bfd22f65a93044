"""A simulated day's figures, as `xephang simulate` prints them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from routing.wait_range import within
from simulation.engine import Day, Desk


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(day: Day) -> dict[str, Any]:
    """The day's figures. Waits are of citizens called (a citizen who left is counted in `left`,
    not as a wait); overtime and counter-hours are per counter, in seconds and hours."""
    served = [r for r in day.records if r.wait_s is not None]
    waits = [r.wait_s for r in served if r.wait_s is not None]
    errors = [abs(r.wait_s - r.eta_s) for r in served if r.wait_s is not None]
    round_min = day.config.routing.eta_round_min
    inside = [within(r.wait_s, r.eta_s, round_min) for r in served if r.wait_s is not None]
    return {
        "policy": day.policy,
        "tickets": len(day.records),
        "mean_wait_s": _round(_mean(waits)),
        "p95_wait_s": _round(percentile(waits, 0.95)),
        "max_wait_s": _round(max(waits, default=0.0)),
        "served": len(served),
        "left": sum(1 for r in day.records if r.left),
        "per_service": _per_service(day),
        "utilisation": _utilisation(day),
        "overtime_s": {str(cid): _round(desk.overtime_s) for cid, desk in day.desks.items()},
        "counter_hours": {str(cid): round(counter_hours(desk), 3) for cid, desk in day.desks.items()},
        "eta_mae_s": _round(_mean(errors)),
        "eta_within_range": round(sum(inside) / len(inside), 3) if inside else 0.0,
    }


def _per_service(day: Day) -> dict[str, dict[str, float]]:
    out = {}
    for service in day.config.services:
        mine = [r for r in day.records if r.service == service.code]
        waits = [r.wait_s for r in mine if r.wait_s is not None]
        out[service.code] = {"mean_wait_s": _round(_mean(waits)),
                             "p90_wait_s": _round(percentile(waits, 0.90)),
                             "p95_wait_s": _round(percentile(waits, 0.95)),
                             "max_wait_s": _round(max(waits, default=0.0)),
                             "served": len(waits), "left": sum(1 for r in mine if r.left)}
    return out


def counter_hours(desk: Desk) -> float:
    """Hours a counter was staffed: its blocks plus its overtime (breaks are not subtracted)."""
    return (sum(end - start for start, end, _ in desk.blocks) + desk.overtime_s) / 3600


def _utilisation(day: Day) -> dict[str, float]:
    """Share of a counter's staffed time (its blocks and overtime, less the breaks it took) spent
    serving: the lunch closure and hours it was closed do not count as idle. At most 1: the citizen
    a counter finishes after its block ends is served in time the blocks do not count."""
    return {str(cid): round(min(1.0, desk.busy_s / max(1.0, counter_hours(desk) * 3600
                                                         - desk.break_taken_s)), 3)
            for cid, desk in day.desks.items()}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _round(value: float) -> float:
    return round(value, 1)
