"""Every center's today, kept running: each round folds in only the events acknowledged since the
last round, so a round costs what arrived in it, not the whole day (bench/city_board.py).

Each center database's events are folded from the seq after the last folded one up to
`center_marks.acked_seq`: every seq up to the mark is committed and never changes (city/schema.sql),
so each event is folded exactly once; events above a gap wait until the gap is filled, as the mark
does. A board that starts (and each new day) sums the day once from its events up to the marks, and
folds from there. With every event acknowledged the figures equal the day summed whole from the
events (`BoardDb.today`): tests/test_city_board_running.py.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from city.board.figures import Tally, Times
from city.board.queries import BoardDb, Center, Today
from city.board.summing import STATE_OF
from xephang.protocol import RATINGS, TICKET_CALL_WITHDRAWN

_MARKS = """
SELECT c.site, c.name, c.district, m.epoch, m.acked_seq, m.last_event_at, m.last_received_at
FROM centers c LEFT JOIN center_marks m ON m.site = c.site ORDER BY c.site"""

_RANGES = """unnest(%(sites)s::text[], %(epochs)s::uuid[], %(after)s::bigint[], %(upto)s::bigint[])
    AS r(site, epoch, after, upto)"""
_COLUMNS = "e.site, e.epoch, e.seq, e.at, e.type, e.counter, e.rating, e.wait_s, e.service_s"

# The events to fold, read the one way that is cheap for each case (OFFSET 0 keeps the planner from
# reading them the other way). A whole day so far: by the (site, at) index, cut at each database's
# mark.
_WHOLE_DAY = f"""
WITH new AS NOT MATERIALIZED (
    SELECT d.* FROM (SELECT {_COLUMNS} FROM city_events e
                     WHERE e.site = ANY(%(sites)s) AND e.at >= %(start)s AND e.at < %(end)s OFFSET 0) d
    JOIN {_RANGES} ON r.site = d.site AND r.epoch = d.epoch AND d.seq > r.after AND d.seq <= r.upto
)"""
# What was acknowledged since the last round: by (site, epoch, seq); other days' events (a center's
# backlog of earlier days) left out.
_SINCE = f"""
WITH new AS NOT MATERIALIZED (
    SELECT d.* FROM (SELECT {_COLUMNS} FROM {_RANGES} JOIN city_events e
                       ON e.site = r.site AND e.epoch = r.epoch AND e.seq > r.after AND e.seq <= r.upto
                     OFFSET 0) d
    WHERE d.at >= %(start)s AND d.at < %(end)s
)"""
# Events counted by type and rating, with how many of each length in seconds (waits on a call,
# service times on a done) as two arrays; and each counter's last state.
_FOLD = """
SELECT site, type, rating, sum(n)::bigint, array_agg(seconds) FILTER (WHERE seconds IS NOT NULL),
       array_agg(n) FILTER (WHERE seconds IS NOT NULL), NULL::integer, NULL::timestamptz, NULL::bigint
FROM (
    SELECT site, type, rating, count(*) AS n,
           CASE type WHEN 'ticket_called' THEN wait_s WHEN 'ticket_done' THEN service_s END AS seconds
    FROM new GROUP BY site, type, rating, seconds
) counted GROUP BY site, type, rating
UNION ALL (
    SELECT DISTINCT ON (site, counter) site, type, NULL, NULL, NULL, NULL, counter, at, seq FROM new
    WHERE counter IS NOT NULL AND type IN ('counter_opened', 'counter_resumed', 'ticket_called',
                                           'counter_paused', 'counter_closed')
    ORDER BY site, counter, at DESC, seq DESC
)"""

INTO_LINE = ("ticket_issued", "ticket_offline", "ticket_transferred", "ticket_returned",
             TICKET_CALL_WITHDRAWN)


class Durations:
    """Waits (or service times) folded so far: how many lasted each whole second, the seconds in
    order (a day's distinct lengths are a few thousand at most), their count and sum."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.lengths: list[int] = []  # sorted
        self.count = self.total_s = 0

    def add(self, lengths: list[int], counts: list[int]) -> None:
        for length, count in zip(lengths, counts, strict=True):
            if length not in self.counts:
                bisect.insort(self.lengths, length)
                self.counts[length] = 0
            self.counts[length] += count
            self.count += count
            self.total_s += length * count

    def percentile_cont(self, share: float) -> float | None:
        """PostgreSQL's percentile_cont (linear between the two nearest), as the whole sum has it."""
        if not self.count:
            return None
        position = share * (self.count - 1)
        low, high = self._nth(math.floor(position)), self._nth(math.ceil(position))
        return low + (high - low) * (position - math.floor(position))

    def _nth(self, index: int) -> float:
        """The index-th shortest, counted from the longest end (a 90th percentile is near it)."""
        above = self.count - 1 - index
        for length in reversed(self.lengths):
            above -= self.counts[length]
            if above < 0:
                return float(length)
        raise IndexError(index)

    def times(self) -> Times:
        return Times(self.count, self.total_s, Counter(), self.percentile_cont(0.9))


@dataclass
class CenterToday:
    """One center's events of the day folded so far: counted by type, waits and service times by
    the second, ratings, and each counter's last state (at, seq, type)."""

    types: Counter[str] = field(default_factory=Counter)
    waits: Durations = field(default_factory=Durations)
    services: Durations = field(default_factory=Durations)
    ratings: Counter[str] = field(default_factory=Counter)
    counters: dict[int, tuple[datetime, int, str]] = field(default_factory=dict)

    def fold(self, type_: str, rating: str | None, count: int, lengths: list[int] | None,
             counts: list[int] | None) -> None:
        """`count` events of this type (and rating); `counts[i]` of them lasted `lengths[i]` s."""
        self.types[type_] += count
        if type_ == "ticket_rated" and rating in RATINGS:
            self.ratings[rating] += count
        if lengths and counts and type_ in ("ticket_called", "ticket_done"):
            (self.waits if type_ == "ticket_called" else self.services).add(lengths, counts)

    def fold_state(self, counter: int, at: datetime, seq: int, type_: str) -> None:
        known = self.counters.get(counter)
        if known is None or (at, seq) > known[:2]:
            self.counters[counter] = (at, seq, type_)

    def tally(self) -> Tally:
        types = self.types
        return Tally(types["ticket_issued"] + types["ticket_offline"], types["ticket_offline"],
                     sum(types[t] for t in INTO_LINE), types["ticket_called"] + types["ticket_cancelled"],
                     types["ticket_done"], types["ticket_no_show"], self.waits.times(),
                     self.services.times(), Counter(+self.ratings))

    def states(self) -> Counter[str]:
        return Counter(STATE_OF[type_] for _, _, type_ in self.counters.values())


class RunningToday:
    """Today's figures of every center, folded round by round (one lock: a view that finds no
    round yet may fold at the same time as the rounds)."""

    def __init__(self, db: BoardDb) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._day: date | None = None
        self._folded: dict[tuple[str, UUID], int] = {}  # (site, epoch): last seq folded
        self._centers: dict[str, CenterToday] = {}

    def fold(self, day: date, start: datetime, end: datetime) -> list[Today]:
        """Fold in what was acknowledged since the last call; every center's day so far."""
        with self._lock:
            if day != self._day:
                self._day, self._folded, self._centers = day, {}, {}
            with self.db.connect() as connection:
                marks = connection.execute(_MARKS).fetchall()
                ranges = [(site, epoch, self._folded.get((site, epoch), 0), acked)
                          for site, _, _, epoch, acked, _, _ in marks
                          if epoch is not None and acked > self._folded.get((site, epoch), 0)]
                rows = self._read(connection, ranges, start, end) if ranges else []
            for row in rows:
                self._apply(row)
            self._folded.update({(site, epoch): upto for site, epoch, _, upto in ranges})
            return self._today(marks)

    def _read(self, connection: Any, ranges: list[tuple[str, UUID, int, int]], start: datetime,
              end: datetime) -> list[tuple[Any, ...]]:
        sites, epochs, after, upto = (list(column) for column in zip(*ranges, strict=True))
        head = _SINCE if self._folded else _WHOLE_DAY
        if head is _WHOLE_DAY:  # a city's day sorted in memory, not in temporary files (bench)
            connection.execute("SET LOCAL work_mem = '64MB'")
        params = {"sites": sites, "epochs": epochs, "after": after, "upto": upto, "start": start,
                  "end": end}
        rows: list[tuple[Any, ...]] = connection.execute(head + _FOLD, params).fetchall()
        return rows

    def _apply(self, row: tuple[Any, ...]) -> None:
        site, type_, rating, count, lengths, counts, counter, at, seq = row
        center = self._centers.setdefault(site, CenterToday())
        if counter is None:
            center.fold(type_, rating, count, lengths, counts)
        else:
            center.fold_state(counter, at, seq, type_)

    def _today(self, marks: list[tuple[Any, ...]]) -> list[Today]:
        found: dict[str, tuple[Center, datetime | None, datetime | None]] = {}
        for site, name, district, _, _, last_event, last_received in marks:
            _, newest, received = found.get(site, (None, None, None))
            found[site] = (Center(site, name, district), _latest(newest, last_event),
                           _latest(received, last_received))
        today = []
        for site, (center, last_event, last_received) in found.items():
            running = self._centers.get(site, CenterToday())
            states = running.states()
            today.append(Today(center, running.tally(), states["open"], states["paused"], last_event,
                               last_received))
        return today


def _latest(one: datetime | None, other: datetime | None) -> datetime | None:
    return max((m for m in (one, other) if m is not None), default=None)
