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
    if profile.arrivals is None:
        return _shape(config, profile, profile.hourly, 0.0, now_s)
    return _shape(config, profile, _overall(profile), _opens_s(config), now_s)


def arrival_shapes(config: SiteConfig, profile: Profile, now_s: float) -> dict[str, Shape]:
    """Each service's own shape, when the profile gives one per service (results are collected
    mostly in the afternoon): a service's rate learned in the morning is its level, not the
    center's."""
    arrivals: Mapping[str, tuple[float, ...]] = profile.arrivals or {}
    return {code: _shape(config, profile, hours, _opens_s(config), now_s)
            for code, hours in arrivals.items()}


def _opens_s(config: SiteConfig) -> float:
    return config.site.opens.hour * HOUR_S + config.site.opens.minute * 60.0


def _shape(config: SiteConfig, profile: Profile, hours: tuple[float, ...], offset: float,
           now_s: float) -> Shape:
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
    """Per counter, the breaks that start after now: (seconds from now, length)."""
    return {counter: tuple((start - now_s, length) for start, length in breaks if start > now_s)
            for counter, breaks in planned_breaks(config, profile).items()}


def closures_ahead(profile: Profile, now_s: float) -> tuple[tuple[float, float], ...]:
    """The lunch closure, if it has not ended, in seconds from now: every counter finishes the
    citizen in front of it, and all are back when the center reopens, at its end sharp (the hours
    on the door; the kiosks issue nothing meanwhile, routing/availability.py)."""
    if profile.lunch is None or profile.lunch[1] <= now_s:
        return ()
    return ((profile.lunch[0] - now_s, profile.lunch[1] - now_s),)


def pause_length(profile: Profile, now_s: float, paused_for_s: float) -> float | None:
    """How long a counter paused for `paused_for_s` is likely away in all: a planned break's length
    when the pause began inside a break window (site file [day] breaks), else None (unknown)."""
    began = now_s - paused_for_s
    for start, end, length in profile.breaks or ():
        if start <= began <= end:
            return length
    return None


def planned_breaks(config: SiteConfig, profile: Profile) -> dict[int, list[tuple[float, float]]]:
    """Per counter, its breaks (start, length) in seconds from opening, in time order."""
    out: dict[int, list[tuple[float, float]]] = {c.id: [] for c in config.counters}
    for counter_id, start, length in sorted(break_starts(config, profile), key=lambda b: b[1]):
        out.setdefault(counter_id, []).append((start, length))
    return out
