"""Wait estimates: people ahead times the mean service time, shared by the open counters."""

from __future__ import annotations

from collections.abc import Iterable

from xephang.config import Counter, Service

OPEN_STATUSES = frozenset({"idle", "calling", "serving"})


def open_counters(service: str, counters: Iterable[Counter], statuses: dict[int, str]) -> int:
    """Counters that serve `service` and are neither paused nor closed."""
    return sum(1 for c in counters
               if service in c.services and statuses.get(c.id, "idle") in OPEN_STATUSES)


def eta_seconds(ahead: int, service: Service, open_count: int) -> int:
    return round(ahead * service.mean_service_min * 60 / max(1, open_count))
