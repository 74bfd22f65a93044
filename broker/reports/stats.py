"""A center's statistics for a day or a range: pure functions over ticket and event rows.

Definitions (the printed report says the same):
- issued: tickets issued on those days, by the service they were issued for and the local hour;
  `offline` counts those a kiosk printed while the server was away.
- served: `ticket_done` events (a ticket is finished once), by service and the local hour it ended.
- a visit is one call of a ticket to a counter, until it is done, a no-show, transferred or sent for
  a missing paper. Its wait runs from when the ticket last joined a line (issue, transfer, return) to
  the call; its service time from the call to `done` (only visits that ended served).
- the staff member of a visit is the account that called it (none for a counter unit's button).
- percentiles interpolate linearly between the nearest ranks (numpy's default).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from broker.store.db import EventRow, Store, TicketRow

ENDINGS = {"ticket_done": "done", "ticket_no_show": "no_show",
           "ticket_transferred": "transferred", "ticket_returning": "returning"}
BUTTON = "(nút tại quầy)"
K = TypeVar("K", str, int)


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass
class Visit:
    ticket: str
    service: str
    counter: int | None
    account: str
    waited_from: datetime
    called_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None

    @property
    def wait_s(self) -> float:
        return (self.called_at - self.waited_from).total_seconds()

    @property
    def service_s(self) -> float | None:
        if self.outcome != "done" or self.ended_at is None:
            return None
        return (self.ended_at - self.called_at).total_seconds()


@dataclass
class Stats:
    first_day: str
    last_day: str
    issued: Counter[str] = field(default_factory=Counter)
    offline: Counter[str] = field(default_factory=Counter)
    served: Counter[str] = field(default_factory=Counter)
    no_show: Counter[str] = field(default_factory=Counter)
    issued_by_hour: Counter[int] = field(default_factory=Counter)
    served_by_hour: Counter[int] = field(default_factory=Counter)
    wait: dict[str, Summary] = field(default_factory=dict)          # by service, "*" = all
    service_time: dict[str, Summary] = field(default_factory=dict)
    wait_by_hour: dict[int, Summary] = field(default_factory=dict)  # by the hour of the call
    counter_wait: dict[int, Summary] = field(default_factory=dict)
    counter_service: dict[int, Summary] = field(default_factory=dict)
    staff_wait: dict[str, Summary] = field(default_factory=dict)
    staff_service: dict[str, Summary] = field(default_factory=dict)
    ratings: dict[str, Counter[str]] = field(default_factory=dict)  # by service, "*" = all
    counter_ratings: dict[int, Counter[str]] = field(default_factory=dict)

    @property
    def total_issued(self) -> int:
        return sum(self.issued.values())

    @property
    def total_served(self) -> int:
        return sum(self.served.values())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Iterable[float]) -> Summary:
    data = list(values)
    if not data:
        return Summary(0, None, None, None)
    return Summary(len(data), sum(data) / len(data), percentile(data, 0.5), percentile(data, 0.9))


def visits(tickets: Iterable[TicketRow], events: Iterable[EventRow]) -> list[Visit]:
    """Every call of these tickets, in order, with how it ended (None while still at the counter)."""
    joined = {t.id: t.issued_at for t in tickets}
    found: list[Visit] = []
    open_visits: dict[str, Visit] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.ticket not in joined:
            continue
        if event.type == "ticket_called":
            visit = Visit(event.ticket, str(event.data.get("service", "")), event.counter,
                          str(event.data.get("account") or BUTTON), joined[event.ticket], event.at)
            open_visits[event.ticket] = visit
            found.append(visit)
        elif event.type in ENDINGS and event.ticket in open_visits:
            ended = open_visits.pop(event.ticket)
            ended.ended_at, ended.outcome = event.at, ENDINGS[event.type]
        if event.type in ("ticket_transferred", "ticket_returned"):
            joined[event.ticket] = event.at
    return found


def compute(tickets: list[TicketRow], events: list[EventRow], zone: ZoneInfo,
            first_day: str, last_day: str) -> Stats:
    stats = Stats(first_day, last_day)
    first_service = _issued_services(events)
    for ticket in tickets:
        service = first_service.get(ticket.id, ticket.service)
        stats.issued[service] += 1
        stats.issued_by_hour[ticket.issued_at.astimezone(zone).hour] += 1
        if ticket.origin == "offline":
            stats.offline[service] += 1
    _count_endings(stats, events, zone)
    _times(stats, visits(tickets, events), zone)
    _ratings(stats, events)
    return stats


def _issued_services(events: list[EventRow]) -> dict[str, str]:
    return {e.ticket: str(e.data["service"]) for e in events
            if e.type in ("ticket_issued", "ticket_offline") and e.ticket and "service" in e.data}


def _count_endings(stats: Stats, events: list[EventRow], zone: ZoneInfo) -> None:
    for event in events:
        service = str(event.data.get("service", ""))
        if event.type == "ticket_done":
            stats.served[service] += 1
            stats.served_by_hour[event.at.astimezone(zone).hour] += 1
        elif event.type == "ticket_no_show":
            stats.no_show[service] += 1


def _times(stats: Stats, found: list[Visit], zone: ZoneInfo) -> None:
    stats.wait, stats.service_time = _summaries(found, lambda v: v.service)
    stats.counter_wait, stats.counter_service = _summaries(found, lambda v: v.counter or 0)
    stats.staff_wait, stats.staff_service = _summaries(found, lambda v: v.account)
    stats.wait["*"] = summarize(v.wait_s for v in found)
    stats.service_time["*"] = summarize(s for v in found if (s := v.service_s) is not None)
    by_hour, _ = _summaries(found, lambda v: v.called_at.astimezone(zone).hour)
    stats.wait_by_hour = dict(sorted(by_hour.items()))


def _summaries(found: list[Visit],
               group: Callable[[Visit], K]) -> tuple[dict[K, Summary], dict[K, Summary]]:
    """(wait, service time) summaries of the visits, grouped by `group`."""
    waits: defaultdict[K, list[float]] = defaultdict(list)
    serves: defaultdict[K, list[float]] = defaultdict(list)
    for visit in found:
        waits[group(visit)].append(visit.wait_s)
        if (seconds := visit.service_s) is not None:
            serves[group(visit)].append(seconds)
    return ({k: summarize(w) for k, w in waits.items()},
            {k: summarize(serves.get(k, [])) for k in waits})


def _ratings(stats: Stats, events: list[EventRow]) -> None:
    stats.ratings["*"] = Counter()
    for event in events:
        if event.type != "ticket_rated":
            continue
        rating = str(event.data.get("rating"))
        stats.ratings.setdefault(str(event.data.get("service", "")), Counter())[rating] += 1
        stats.ratings["*"][rating] += 1
        if event.counter is not None:
            stats.counter_ratings.setdefault(event.counter, Counter())[rating] += 1


def load(store: Store, first_day: str, last_day: str) -> tuple[list[TicketRow], list[EventRow]]:
    """The tickets issued on those (local) days and every event about them."""
    with store.snapshot() as tx:
        tickets = tx.issued_between(first_day, last_day)
        events = tx.ticket_events_between(first_day, last_day)
    return tickets, events


def for_days(store: Store, zone: ZoneInfo, first_day: str, last_day: str) -> Stats:
    tickets, events = load(store, first_day, last_day)
    return compute(tickets, events, zone, first_day, last_day)
