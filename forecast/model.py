"""What the forecast starts from: the hall now, as plain data, and the few things learned today.

The broker builds it from its store (broker/queue/live.py), the bench from a simulated day; both hand
it to `forecast.run.forecast`, so what the bench scores is what the broker prints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from routing.call_rule import Candidate, PriorityMode
from simulation.profile import PATIENCE_SPREAD

DeskStatus = Literal["idle", "busy", "paused", "closed"]
ArrivalKind = Literal["normal", "priority", "returning"]

# Arrival rates are learned over the last hour of issues (never less than this much of the day).
RATE_WINDOW_S = 3600.0
MIN_RATE_WINDOW_S = 900.0
# A called citizen who is gone: the prior share, worth this many calls, blended with today's.
NO_SHOW_PRIOR = 0.05
NO_SHOW_PRIOR_CALLS = 20.0


@dataclass(frozen=True)
class Desk:
    """One counter now: the services it serves (in preference order), what it is doing and for how
    long so far (a busy counter's service is that far along; a paused one that far into its pause)."""

    services: tuple[str, ...]
    status: DeskStatus
    for_s: float = 0.0
    serving: str | None = None  # the service of the ticket a busy counter is on, when known
    # Breaks ahead, when known: (seconds from now it may start, negative if due already; its length).
    # Staff finish the citizen in front of them first, then leave for that long; an idle counter
    # leaves at its time.
    breaks: tuple[tuple[float, float], ...] = ()
    # How long a pause lasts in all, when known (the planned break it is on); None: about half an
    # hour (forecast/run.py PAUSE_S).
    pause_s: float | None = None


@dataclass(frozen=True)
class ServiceModel:
    """One service: its target wait, and its service times (the configured mean, worth
    `prior_weight` services, and today's most recent ones)."""

    target_s: float
    prior_mean_s: float
    prior_weight: float = 5.0
    recent_s: tuple[float, ...] = ()  # oldest first
    window: int = 30  # how many of today's last services the estimate keeps (routing eta_window)
    spread: float = 0.5  # lognormal shape of a service time drawn around the configured mean


# The day's expected arrivals over time, relative: (from_s, until_s, weight) in seconds from now,
# covering the last hour too (negative moments) and ending when the kiosks stop issuing.
Shape = tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class Arrival:
    """Tickets expected per hour of one service and kind for the rest of the issuing window; with
    a shape, per hour at weight 1 (the rate at a moment is this times the shape's weight then)."""

    service: str
    kind: ArrivalKind
    per_hour: float
    seen: int = 0  # the tickets it was learned from (0: taken as known)


@dataclass(frozen=True)
class HallNow:
    """Everything the forward simulation starts from."""

    now: datetime
    waiting: tuple[Candidate, ...]
    desks: tuple[Desk, ...]
    services: Mapping[str, ServiceModel]
    arrivals: tuple[Arrival, ...] = ()
    issuing_for_s: float = 0.0  # seconds from now until the kiosks stop issuing
    shape: Shape = ()  # none: arrivals go on at the last hour's rate until issuing stops
    shapes: Mapping[str, Shape] = field(default_factory=dict)  # a service's own shape, if it has one
    # When the center is closed (lunch), in seconds from now: counters finish the citizen in front
    # of them, call nobody until it ends, and are back at its end.
    closures: tuple[tuple[float, float], ...] = ()
    # Citizens give up after about this long on average (lognormal, PATIENCE_SPREAD): their ticket
    # stays in line and costs a no-show call. None: nobody gives up.
    patience_s: float | None = None
    no_show_share: float = NO_SHOW_PRIOR
    mode: PriorityMode = "interleaved"
    every: int = 3
    idle_call_s: float = 60.0  # an idle counter calls a ticket for it within this (0: at once)
    streak: int = 3  # normal calls since the center's last priority call (call_rule.normal_streak)


@dataclass(frozen=True)
class Band:
    """The 5th and 95th percentile of a wait from issue, in seconds (`high_s` may be infinite: in
    more than one run in twenty the ticket was not called within the forecast's horizon)."""

    low_s: float
    high_s: float


@dataclass(frozen=True)
class Forecast:
    """Each waiting ticket's wait band (by id) and each service's next normal and next priority
    ticket's, at `at`."""

    at: datetime
    tickets: Mapping[str, Band] = field(default_factory=dict)
    services: Mapping[str, Band] = field(default_factory=dict)
    priority: Mapping[str, Band] = field(default_factory=dict)

    def next_ticket(self, service: str, priority: bool) -> Band | None:
        """The band a ticket of `service` issued now is printed with (None: not forecast)."""
        return (self.priority if priority else self.services).get(service)
    runs: int = 0


def arrival_rates(issues: Iterable[tuple[datetime, str, ArrivalKind]], now: datetime,
                  opened_at: datetime, shape: Shape = (),
                  shapes: Mapping[str, Shape] | None = None) -> tuple[Arrival, ...]:
    """Tickets per hour per (service, kind) over the last hour of `issues` (issue moment, service,
    kind); a day younger than an hour counts from its opening, at least MIN_RATE_WINDOW_S. With a
    shape (a service's own in `shapes`, else `shape`), divided by its mean weight over that hour:
    the day's level, not the last hour's rate."""
    window = max(MIN_RATE_WINDOW_S, min(RATE_WINDOW_S, (now - opened_at).total_seconds()))
    counts: dict[tuple[str, ArrivalKind], int] = {}
    for moment, service, kind in issues:
        if 0 <= (now - moment).total_seconds() <= window:
            counts[(service, kind)] = counts.get((service, kind), 0) + 1
    return tuple(Arrival(service, kind, n * 3600.0 / window
                         / _mean_weight((shapes or {}).get(service) or shape, window), n)
                 for (service, kind), n in sorted(counts.items()))


def _mean_weight(shape: Shape, window: float) -> float:
    """The shape's mean weight over the last `window` seconds (1 without a shape, or when it expected
    nobody then: the plain rate is kept)."""
    weight = weight_between(shape, -window, 0.0) / window if shape else 1.0
    return weight if weight > 0 else 1.0


def weight_between(shape: Shape, start: float, end: float) -> float:
    """The shape's weight × seconds between two moments (seconds from now)."""
    return sum(weight * max(0.0, min(end, until) - max(start, begin)) for begin, until, weight in shape)


def no_show_share(no_shows: int, calls: int, gave_up: float = 0.0) -> float:
    """Today's share of called citizens who were gone for another reason than a long wait, pulled
    towards the prior early in the day. `gave_up`: how many of the no-shows a long wait explains
    (`gave_up_by`), the forecast draws those from each ticket's own wait."""
    gone = max(0.0, no_shows - gave_up)
    return (NO_SHOW_PRIOR * NO_SHOW_PRIOR_CALLS + gone) / (NO_SHOW_PRIOR_CALLS + max(0, calls))


def gave_up_share(waited_s: float, patience_s: float | None) -> float:
    """The share of citizens who have given up after waiting this long (lognormal patience of mean
    `patience_s` and shape PATIENCE_SPREAD, as simulation/profile.py draws it)."""
    if patience_s is None or waited_s <= 0:
        return 0.0
    mu = math.log(patience_s) - PATIENCE_SPREAD ** 2 / 2
    return 0.5 * (1.0 + math.erf((math.log(waited_s) - mu) / (PATIENCE_SPREAD * math.sqrt(2.0))))


def gave_up_by(waits_s: Iterable[float], patience_s: float | None) -> float:
    """How many of the citizens called after these waits are expected to have given up."""
    return sum(gave_up_share(waited, patience_s) for waited in waits_s)


def kind_of(candidate: Candidate) -> ArrivalKind:
    return "returning" if candidate.returning else "priority" if candidate.is_priority else "normal"


def services_of(desks: Sequence[Desk]) -> set[str]:
    return {code for desk in desks for code in desk.services}
