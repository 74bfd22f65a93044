"""The board's daily rollups: one row of figures per center and closed day (`city_days`), so reports
and comparisons over a month or a year read a few thousand rows, never the raw events.

A closed day is built once after midnight (and every missing day back to `backfill_days`). Events
that arrive later for an older day (a center back after days offline) are found from the center's
newest event time (`center_marks.last_event_at`): when that was on an older day at the last look and
has moved since, the days from then to yesterday are built again. Building a day is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from city.board.day import DayFigures
from city.board.queries import BoardDb, store_day
from city.board.summing import sum_days

log = logging.getLogger(__name__)
CHUNK_DAYS = 31  # one center's days summed in one round when building many


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


class Rollup:
    def __init__(self, db: BoardDb, zone: ZoneInfo, backfill_days: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self.zone, self.backfill_days, self._clock = db, zone, backfill_days, clock

    def refresh(self) -> int:
        """Build every missing closed day and every day that received late events; how many."""
        today = self._clock().astimezone(self.zone).date()
        built = 0
        for site, newest, seen in self._marks():
            first = self._first_missing(site, today)
            if seen is not None and newest is not None and newest > seen:
                late = seen.astimezone(self.zone).date()
                first = min(first, late) if first is not None else late
            if first is not None and first < today:
                built += self.build(site, first, today - timedelta(days=1))
            if newest is not None:
                self._seen(site, newest)
        return built

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
