"""A center's statistics for a day or a range, from the days' anonymous figures
(broker/reports/figures.py): stored for closed days, made from tickets and events for open ones.

Definitions (the printed report says the same):
- issued: tickets issued on those days, by the service they were issued for and the local hour;
  `offline` counts those a kiosk printed while the server was away.
- served: visits that ended `done` (a ticket is finished once), by service and the local hour it
  ended; a visit, its wait and service time, and its staff member: see broker/reports/figures.py.
- every service's row adds up (the identity is in broker/reports/figures.py and on the page):
  issued + transferred in + returned = the visits' endings + still waiting + cancelled; a
  counter's and an official's calls = their visits' endings (`ENDINGS`).
- percentiles interpolate linearly between the nearest ranks (numpy's default).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import numpy

from broker.reports.figures import BUTTON, day_figures
from broker.reports.pool import Readable
from broker.store.db import EventRow, TicketRow
from broker.store.figures import CHUNK, DayFigures, RatingFigure, VisitFigure, VisitRow
from xephang.protocol import EXPIRED

__all__ = ["BUTTON", "Stats", "Summary", "compute", "for_days", "from_figures", "summarize"]
# The groups a visit's wait and service time are summarised by; `all` is the "*" line.
GROUPS = ("service", "counter", "staff", "hour", "all")
# Where a visit's fields are in its row (broker/store/figures.py VisitFigure).
SERVICE, COUNTER, ACCOUNT, CALLED_HOUR, ENDED_HOUR, OUTCOME, WAIT, SERVICE_S = (
    VisitFigure._fields.index(name) for name in ("service", "counter", "account", "called_hour",
                                                 "ended_hour", "outcome", "wait_s", "service_s"))
# How a visit ended (its outcome; None, still at the counter, is "at_counter"), in column order.
ENDINGS = ("done", "no_show", "transferred", "returning", EXPIRED, "at_counter")


@dataclass(frozen=True)
class Summary:
    count: int
    mean: float | None
    median: float | None
    p90: float | None


EMPTY = Summary(0, None, None, None)


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
    staff_ratings: dict[str, Counter[str]] = field(default_factory=dict)  # by the official served
    # How visits ended (ENDINGS) by service ("*" = all), counter and staff account.
    endings: dict[str, Counter[str]] = field(default_factory=dict)
    counter_endings: dict[int, Counter[str]] = field(default_factory=dict)
    staff_endings: dict[str, Counter[str]] = field(default_factory=dict)
    # The line's other flows by service (broker/store/figures.py FLOWS), "*" = all.
    flows: dict[str, Counter[str]] = field(default_factory=dict)
    without_flows: list[str] = field(default_factory=list)  # closed days without flow figures

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
        return EMPTY
    return Summary(len(data), sum(data) / len(data), percentile(data, 0.5), percentile(data, 0.9))


def from_figures(figures: DayFigures, first_day: str, last_day: str) -> Stats:
    """The statistics of these days from their figures (one pass over the visits)."""
    stats = Stats(first_day, last_day)
    for issued in figures.issued:
        stats.issued[issued.service] += issued.total
        stats.issued_by_hour[issued.hour] += issued.total
        if issued.offline:
            stats.offline[issued.service] += issued.total
    _count_visits(stats, figures.visits)
    _times(stats, figures.visits)
    _ratings(stats, figures.ratings)
    stats.flows["*"] = Counter()
    for flow in figures.flows:
        stats.flows.setdefault(flow.service, Counter())[flow.kind] += flow.total
        stats.flows["*"][flow.kind] += flow.total
    stats.without_flows = sorted(figures.without_flows)
    return stats


def _count_visits(stats: Stats, visits: Sequence[VisitRow]) -> None:
    """How the visits ended, by service, counter and account (counted in C: a year is half a
    million visits)."""
    ends = Counter(map(itemgetter(SERVICE, COUNTER, ACCOUNT, OUTCOME), visits))
    stats.endings["*"] = Counter()
    for (service, counter, account, outcome), count in ends.items():
        ending = outcome or "at_counter"
        for key in (service, "*"):
            stats.endings.setdefault(key, Counter())[ending] += count
        stats.counter_endings.setdefault(counter or 0, Counter())[ending] += count
        stats.staff_endings.setdefault(account, Counter())[ending] += count
        if outcome == "done":
            stats.served[service] += count
        elif outcome == "no_show":
            stats.no_show[service] += count
    for (hour, outcome), count in Counter(map(itemgetter(ENDED_HOUR, OUTCOME), visits)).items():
        if outcome == "done" and hour is not None:
            stats.served_by_hour[hour] += count


def _times(stats: Stats, visits: Sequence[VisitRow]) -> None:
    """Wait and service-time summaries by service, counter, staff member and hour of the call;
    a year is half a million visits, so the grouping, sorting and sums run in numpy."""
    columns = _columns(visits)
    wait = numpy.asarray(columns[WAIT], dtype=float)
    served = numpy.array(columns[SERVICE_S], dtype=float)  # None (not served) becomes NaN
    done = ~numpy.isnan(served)
    keys: dict[str, Any] = {"service": columns[SERVICE],
                            "counter": [c or 0 for c in columns[COUNTER]],
                            "staff": columns[ACCOUNT], "hour": columns[CALLED_HOUR]}
    waits, service = {}, {}
    for group in GROUPS:
        if group == "all":
            labels, codes = ["*"], numpy.zeros(len(wait), dtype=int)
        else:
            labels, codes = _codes(keys[group])
        waits[group] = _grouped(labels, codes, wait)
        serves = _grouped(labels, codes[done], served[done])
        # Every group that had a visit gets both summaries (an empty one if none was served).
        service[group] = {k: serves.get(k, EMPTY) for k in waits[group]}
    stats.wait = {**waits["service"], "*": waits["all"].get("*", EMPTY)}
    stats.service_time = {**service["service"], "*": service["all"].get("*", EMPTY)}
    stats.counter_wait, stats.counter_service = waits["counter"], service["counter"]
    stats.staff_wait, stats.staff_service = waits["staff"], service["staff"]
    stats.wait_by_hour = dict(sorted(waits["hour"].items()))


def _columns(visits: Sequence[VisitRow]) -> list[list[Any]]:
    """The visits' fields as columns, transposed a chunk at a time (one zip(*a year) would hold
    the interpreter lock, and a counter's command, for its whole length)."""
    columns: list[list[Any]] = [[] for _ in VisitFigure._fields]
    for start in range(0, len(visits), CHUNK):
        rows = zip(*visits[start:start + CHUNK], strict=True)
        for column, values in zip(columns, rows, strict=True):
            column.extend(values)
    return columns


def _codes(keys: Sequence[Any]) -> tuple[list[Any], numpy.ndarray[Any, Any]]:
    """(the distinct keys sorted, each key's index among them)."""
    labels = sorted(set(keys))
    index = {label: code for code, label in enumerate(labels)}
    return labels, numpy.fromiter((index[k] for k in keys), dtype=numpy.int64, count=len(keys))


def _grouped(labels: list[Any], codes: numpy.ndarray[Any, Any],
             values: numpy.ndarray[Any, Any]) -> dict[Any, Summary]:
    """Summaries of `values` by their label's code; labels without values are left out."""
    order = numpy.lexsort((values, codes))
    bounds = numpy.searchsorted(codes[order], numpy.arange(len(labels) + 1))
    ordered = values[order]
    return {label: _summary(ordered[bounds[code]:bounds[code + 1]])
            for code, label in enumerate(labels) if bounds[code + 1] > bounds[code]}


def _summary(ordered: numpy.ndarray[Any, Any]) -> Summary:
    if not len(ordered):
        return EMPTY
    return Summary(len(ordered), float(ordered.sum()) / len(ordered), _at(ordered, 0.5),
                   _at(ordered, 0.9))


def _at(ordered: numpy.ndarray[Any, Any], q: float) -> float:
    """The q-quantile of sorted values, interpolating between the nearest ranks (as percentile)."""
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _ratings(stats: Stats, ratings: list[RatingFigure]) -> None:
    stats.ratings["*"] = Counter()
    for figure in ratings:
        stats.ratings.setdefault(figure.service, Counter())[figure.rating] += figure.total
        stats.ratings["*"][figure.rating] += figure.total
        if figure.counter is not None:
            stats.counter_ratings.setdefault(figure.counter, Counter())[figure.rating] += figure.total
        if figure.account:
            stats.staff_ratings.setdefault(figure.account, Counter())[figure.rating] += figure.total


def compute(tickets: list[TicketRow], events: list[EventRow], zone: ZoneInfo,
            first_day: str, last_day: str) -> Stats:
    """Statistics straight from tickets and events (a recount, and the days still open)."""
    return from_figures(day_figures(tickets, events, zone), first_day, last_day)


def load_figures(store: Readable, zone: ZoneInfo, first_day: str, last_day: str) -> DayFigures:
    """Closed days from their stored figures, the others (today) from their tickets and events;
    on a connection of its own, so a year's report never holds up the queue."""
    with store.reading() as tx:
        figures = tx.figures_between(first_day, last_day)
        closed = tx.closed_days(first_day, last_day)
        for start, end in _open_runs(first_day, last_day, closed):
            tickets = tx.issued_between(start, end)
            figures.extend(day_figures(tickets, tx.ticket_events_between(start, end), zone))
    return figures


def _open_runs(first_day: str, last_day: str, closed: set[str]) -> list[tuple[str, str]]:
    """The spans of consecutive days among first..last that are not closed."""
    runs: list[tuple[str, str]] = []
    day, last = date.fromisoformat(first_day), date.fromisoformat(last_day)
    while day <= last:
        if day.isoformat() not in closed:
            if runs and runs[-1][1] == (day - timedelta(days=1)).isoformat():
                runs[-1] = (runs[-1][0], day.isoformat())
            else:
                runs.append((day.isoformat(), day.isoformat()))
        day += timedelta(days=1)
    return runs


def for_days(store: Readable, zone: ZoneInfo, first_day: str, last_day: str) -> Stats:
    return from_figures(load_figures(store, zone, first_day, last_day), first_day, last_day)
