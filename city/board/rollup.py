"""The board's daily rollups: one row of figures per center and closed day (`city_days`), so reports
and comparisons over a month or a year read a few thousand rows, never the raw events.

A closed day is built once after midnight (and every missing day back to `backfill_days`). Events
that arrive later for an older day are found two ways, and their days built again:
- each center database's events acknowledged since the last round (`city_rolled_marks`, read by
  seq as the overview's fold reads them) that are dated before today: a ticket a kiosk printed
  offline and synced days or minutes after midnight (its `ticket_offline` is dated when printed),
  or a center's backlog;
- a center's newest event time (`center_marks.last_event_at`) that was on an older day at the last
  look and has moved since (a center back after days offline): the days from then to yesterday.
Building a day sums its stored events again (each stored once), so it is idempotent: a day built
again counts a late event once, whatever the order or how often it was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from city.board.day import DayFigures
from city.board.queries import BoardDb, store_day
from city.board.summing import sum_days

log = logging.getLogger(__name__)
CHUNK_DAYS = 31  # one center's days summed in one round when building many

_UNROLLED = """
SELECT m.site, m.epoch, coalesce(r.seq, 0), m.acked_seq
FROM center_marks m LEFT JOIN city_rolled_marks r ON r.site = m.site AND r.epoch = m.epoch
WHERE m.acked_seq > coalesce(r.seq, 0)"""
# The closed days of the events acknowledged since the last round (by the (site, epoch, seq) key).
_LATE_DAYS = """
SELECT DISTINCT e.site, (e.at AT TIME ZONE %(zone)s)::date
FROM unnest(%(sites)s::text[], %(epochs)s::uuid[], %(after)s::bigint[], %(upto)s::bigint[])
     AS r(site, epoch, after, upto)
JOIN city_events e ON e.site = r.site AND e.epoch = r.epoch AND e.seq > r.after AND e.seq <= r.upto
WHERE e.at < %(today)s"""
_ROLLED = """
INSERT INTO city_rolled_marks (site, epoch, seq) VALUES (%s, %s, %s)
ON CONFLICT (site, epoch) DO UPDATE SET seq = greatest(city_rolled_marks.seq, excluded.seq)"""
Unrolled = list[tuple[str, UUID, int, int]]  # (site, epoch, looked at up to, acknowledged up to)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


class Rollup:
    def __init__(self, db: BoardDb, zone: ZoneInfo, backfill_days: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self.zone, self.backfill_days, self._clock = db, zone, backfill_days, clock

    def refresh(self) -> int:
        """Build every missing closed day and every day that received late events; how many."""
        today = self._clock().astimezone(self.zone).date()
        unrolled = self._unrolled()
        late = self._late_days(unrolled, today)
        built, done = 0, set()
        for site, newest, seen in self._marks():
            first = self._first_missing(site, today)
            if seen is not None and newest is not None and newest > seen:
                moved = seen.astimezone(self.zone).date()
                first = min(first, moved) if first is not None else moved
            if first is not None and first < today:
                built += self.build(site, first, today - timedelta(days=1))
                done |= {(site, first + timedelta(days=n)) for n in range((today - first).days)}
            if newest is not None:
                self._seen(site, newest)
        for site, day in sorted(late - done):
            built += self.build(site, day, day)
        self._rolled(unrolled)
        return built

    def _unrolled(self) -> Unrolled:
        """Each center database whose acknowledged events go past those looked at for late days."""
        with self.db.connect() as connection:
            return [(site, epoch, int(after), int(upto))
                    for site, epoch, after, upto in connection.execute(_UNROLLED).fetchall()]

    def _late_days(self, unrolled: Unrolled, today: date) -> set[tuple[str, date]]:
        """The closed days (before `today`) of the events acknowledged since they were looked at."""
        if not unrolled:
            return set()
        sites, epochs, after, upto = (list(column) for column in zip(*unrolled, strict=True))
        with self.db.connect() as connection:
            rows = connection.execute(_LATE_DAYS, {
                "zone": str(self.zone), "sites": sites, "epochs": epochs, "after": after,
                "upto": upto, "today": day_start(today, self.zone)}).fetchall()
        return {(site, day) for site, day in rows}

    def _rolled(self, unrolled: Unrolled) -> None:
        """Their events are looked at (and their days built): the next round starts after them."""
        with self.db.connect() as connection:
            for site, epoch, _, upto in unrolled:
                connection.execute(_ROLLED, (site, epoch, upto))

    def build(self, site: str, first: date, last: date) -> int:
        """Sum and store the days [first, last] of one center (a day without events too)."""
        day, built = first, 0
        while day <= last:
            end = min(last, day + timedelta(days=CHUNK_DAYS - 1))
            self._store(site, day, end)
            built += (end - day).days + 1
            day = end + timedelta(days=1)
        return built

    def _store(self, site: str, first: date, last: date) -> None:
        start, end = day_start(first, self.zone), day_start(last + timedelta(days=1), self.zone)
        with self.db.connect() as connection:
            summed = sum_days(connection, [site], start, end, self.zone, self._clock())
            day = first
            while day <= last:
                store_day(connection, site, day, summed.get((site, day), DayFigures()))
                day += timedelta(days=1)

    def _marks(self) -> list[tuple[str, datetime | None, datetime | None]]:
        """Each center, its newest event time now, and at the last look."""
        with self.db.connect() as connection:
            return connection.execute(
                "SELECT c.site, (SELECT max(last_event_at) FROM center_marks m WHERE m.site = c.site),"
                " d.seen_last_at FROM centers c LEFT JOIN city_day_marks d ON d.site = c.site"
                " ORDER BY c.site").fetchall()

    def _first_missing(self, site: str, today: date) -> date | None:
        """The earliest closed day of this center without a rollup, from its first event on."""
        with self.db.connect() as connection:
            first_at = connection.execute("SELECT min(at) FROM city_events WHERE site = %s",
                                          (site,)).fetchone()
            if first_at is None or first_at[0] is None:
                return None
            start = max(first_at[0].astimezone(self.zone).date(),
                        today - timedelta(days=self.backfill_days))
            row = connection.execute(
                "SELECT min(d)::date FROM generate_series(%s::date, %s::date, interval '1 day') d"
                " WHERE NOT EXISTS (SELECT 1 FROM city_days WHERE site = %s AND day = d::date)",
                (start, today - timedelta(days=1), site)).fetchone()
        return None if row is None else row[0]

    def _seen(self, site: str, newest: datetime) -> None:
        with self.db.connect() as connection:
            connection.execute(
                "INSERT INTO city_day_marks (site, seen_last_at) VALUES (%s, %s) ON CONFLICT (site)"
                " DO UPDATE SET seen_last_at = excluded.seen_last_at", (site, newest))
