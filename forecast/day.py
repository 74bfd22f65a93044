"""What the site file says of the day ahead, as the forecast takes it: the expected arrivals' shape
and the staff breaks still to come (simulation/profile.py reads the same [day] section)."""

from __future__ import annotations

from collections.abc import Mapping

from forecast.model import Shape
from simulation.profile import Profile, break_starts, issuing_spans
from xephang.config import SiteConfig

HOUR_S = 3600.0


def arrival_shape(config: SiteConfig, profile: Profile, now_s: float) -> Shape:
    """The profile's relative arrivals per hour, inside the issuing spans, in seconds from now
    (`now_s`: seconds from opening). A profile without clock-hour arrivals (the old day model)
    counts its hours from opening."""
    opens = config.site.opens.hour * HOUR_S + config.site.opens.minute * 60.0
    hours, offset = (profile.hourly, 0.0) if profile.arrivals is None else (_overall(profile), opens)
    out = []
    for hour, weight in enumerate(hours):
        begin, end = hour * HOUR_S - offset, (hour + 1) * HOUR_S - offset
        for span_start, span_end in issuing_spans(config, profile):
            low, high = max(begin, span_start), min(end, span_end)
            if high > low and end > now_s - HOUR_S:
                out.append((low - now_s, high - now_s, weight))
    return tuple(piece for piece in out if piece[1] > piece[0])


def _overall(profile: Profile) -> tuple[float, ...]:
    arrivals: Mapping[str, tuple[float, ...]] = profile.arrivals or {}
    if not arrivals:
        return profile.hourly
    columns = list(zip(*arrivals.values(), strict=True))
    return tuple(sum(column) / len(column) for column in columns)


def breaks_ahead(config: SiteConfig, profile: Profile,
                 now_s: float) -> dict[int, tuple[tuple[float, float], ...]]:
    """Per counter, the breaks that start after now, the lunch closure among them: (seconds from
    now, length)."""
    lunch = [profile.lunch] if profile.lunch is not None else []
    return {counter: tuple(sorted((start - now_s, length) for start, length in
                                  [*breaks, *((begin, end - begin) for begin, end in lunch)]
                                  if start > now_s))
            for counter, breaks in planned_breaks(config, profile).items()}


def planned_breaks(config: SiteConfig, profile: Profile) -> dict[int, list[tuple[float, float]]]:
    """Per counter, its breaks (start, length) in seconds from opening, in time order."""
    out: dict[int, list[tuple[float, float]]] = {c.id: [] for c in config.counters}
    for counter_id, start, length in sorted(break_starts(config, profile), key=lambda b: b[1]):
        out.setdefault(counter_id, []).append((start, length))
    return out
