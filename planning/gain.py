"""Whether one schedule's forecast is really worse than another's, or only by chance: the plan's
simulated days are a sample, so two schedules followed on the same days differ in each service's
p90 by what they do plus noise. A difference counts when it is beyond `SPREAD` standard errors of
the per-day differences (paired: the same citizens meet both schedules) and at least `FLOOR_MIN`.
The plan changes a counter from what it does today only for a gain that counts."""

from __future__ import annotations

import math
from collections.abc import Mapping

from planning.forecast import Forecast, ServiceForecast

SPREAD = 2.0  # standard errors of the paired per-day p90 differences
FLOOR_MIN = 1.0  # a p90 difference under a minute is never a reason to change a counter
LEFT_FLOOR = 0.5  # citizens a day who leave or are never called: more than this many more counts
LEFT_SHARE = 0.1  # … or this share more, on a day when many leave


def noise_min(a: ServiceForecast, b: ServiceForecast) -> float:
    """How far apart two forecasts of a service's p90 may be by chance, in minutes."""
    days = list(zip(a.day_p90_min, b.day_p90_min, strict=False))
    if len(days) < 2:
        return FLOOR_MIN
    diffs = [x - y for x, y in days]
    mean = sum(diffs) / len(diffs)
    spread = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1))
    return max(FLOOR_MIN, SPREAD * spread / math.sqrt(len(diffs)))


def clearly_worse(forecast: Forecast, reference: Forecast, targets: Mapping[str, float]) -> list[str]:
    """The services `forecast` serves worse than `reference` in a way a manager would count: over
    target where the reference is within it, or over target with a p90 longer by more than the
    noise; or more citizens a day who leave or are never called (their waits are not in the p90).
    A p90 that stays within its target is as good as the target asks, whatever it is."""
    late, was_late = forecast.late(targets), reference.late(targets)
    out = []
    for code, f in forecast.services.items():
        ref = reference.services[code]
        if (code in late and (code not in was_late or f.p90_min - ref.p90_min > noise_min(f, ref))) \
                or f.left > ref.left + max(LEFT_FLOOR, LEFT_SHARE * ref.left):
            out.append(code)
    return out


def clearly_better(forecast: Forecast, reference: Forecast, targets: Mapping[str, float]) -> bool:
    """`forecast` serves some service better than `reference` beyond chance (brought within its
    target, or a p90 shorter beyond the noise) and none worse: a gain worth changing counters for
    when the counter-hours are the same."""
    return (bool(clearly_worse(reference, forecast, targets))
            and not clearly_worse(forecast, reference, targets))
