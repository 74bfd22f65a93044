"""Wait estimates from the live state: people ahead, the counters serving the line, service times.

Pure code fed by the broker's store (broker/queue/live.py) and by the simulator alike. Service times are
learned from the day's completed services, starting from the config's mean; the counters a service
shares with others count for the share of their time that service needs. The result is printed as a
rounded range, never as a promise (`routing.wait_range`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from xephang.config import RoutingSection, Service

OPEN_STATUSES = frozenset({"idle", "calling", "serving"})


class ServiceTimes:
    """Mean service time per service: the config's mean, worth `prior_weight` observations, blended
    with the last `window` completed services of the day."""

    def __init__(self, prior_s: Mapping[str, float], prior_weight: float = 5.0, window: int = 30) -> None:
        self._prior = dict(prior_s)
        self._weight = prior_weight
        self._recent: dict[str, deque[float]] = {code: deque(maxlen=window) for code in self._prior}
        self._window = window

    @classmethod
    def from_config(cls, services: Iterable[Service], routing: RoutingSection) -> ServiceTimes:
        prior = {s.code: s.mean_service_min * 60.0 for s in services}
        return cls(prior, routing.eta_prior_weight, routing.eta_window)

    def observe(self, service: str, seconds: float) -> None:
        if seconds >= 0:
            self._recent.setdefault(service, deque(maxlen=self._window)).append(seconds)

    def mean_s(self, service: str) -> float:
        recent = self._recent.get(service, ())
        prior = self._prior.get(service, 480.0)
        return (prior * self._weight + sum(recent)) / (self._weight + len(recent) or 1)

    def means(self) -> dict[str, float]:
        return {code: self.mean_s(code) for code in self._prior}


@dataclass(frozen=True)
class Floor:
    """The hall now: waiting tickets per service, and the services of each open counter."""

    waiting: Mapping[str, int]
    open_counters: Sequence[Sequence[str]]  # services of each counter that is working now
    idle_counters: Sequence[Sequence[str]]  # services of each open counter with nobody at it
    mean_s: Mapping[str, float]


def capacity(service: str, floor: Floor) -> float:
    """Counters' worth of work the open counters give `service`: a shared counter splits its time
    among its services in proportion to the work waiting in each line."""
    total = 0.0
    for services in floor.open_counters:
        if service in services:
            total += _share(service, services, floor)
    return total


def _share(service: str, services: Sequence[str], floor: Floor) -> float:
    def need(code: str) -> float:
        return (floor.waiting.get(code, 0) + 1) * floor.mean_s.get(code, 480.0)

    return need(service) / sum(need(code) for code in services)


def eta_seconds(service: str, ahead: int, floor: Floor) -> int:
    """Expected wait of a ticket with `ahead` people before it in its line."""
    idle = sum(1 for services in floor.idle_counters if service in services)
    if ahead < idle:
        return 0
    mean = floor.mean_s.get(service, 480.0)
    servers = capacity(service, floor)
    if servers <= 0:
        return round((ahead + 1) * mean)  # nobody serves it now: a counter must come back first
    # The first free counter: half a service on average; then one service per ticket ahead.
    return round((ahead - idle + 0.5) * mean / servers)

