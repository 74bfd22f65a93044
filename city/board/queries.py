"""Everything the board reads from (and the rollups it writes to) the city's PostgreSQL.

Today is read from `city_events` per center through its `(site, at)` index; closed days from the
`city_days` rollups (city/board/rollup.py), so a month's report never scans a month of events.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import tuple_row

from city.board.day import DayFigures
from city.board.figures import Tally, Times
from city.board.summing import TALLY_COLUMNS, sum_days, tally_from

TABLES = Path(__file__).with_name("tables.sql")
Connection = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True)
class Center:
    site: str
    name: str
    district: str


@dataclass(frozen=True)
class Today:
    """One center's day so far, as the overview shows it (summed by PostgreSQL)."""

    center: Center
    figures: Tally
    open_counters: int
    paused_counters: int
    last_event_at: datetime | None
    last_received_at: datetime | None


_TODAY = f"""
SELECT c.site, c.name, c.district, k.open, k.paused, m.last_event_at, m.last_received_at, f.*
FROM centers c
LEFT JOIN LATERAL (
    SELECT {TALLY_COLUMNS}
    FROM city_events WHERE site = c.site AND at >= %(start)s AND at < %(end)s
) f ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE kind IN ('counter_opened', 'counter_resumed', 'ticket_called')) AS open,
           count(*) FILTER (WHERE kind = 'counter_paused') AS paused
    FROM (SELECT DISTINCT ON (counter) type AS kind FROM city_events e
          WHERE e.site = c.site AND e.at >= %(start)s AND e.at < %(end)s AND e.counter IS NOT NULL
            AND e.type IN ('counter_opened', 'counter_resumed', 'ticket_called', 'counter_paused',
                           'counter_closed')
          ORDER BY counter, at DESC, seq DESC) last_state
) k ON true
LEFT JOIN LATERAL (
    SELECT max(last_event_at) AS last_event_at, max(last_received_at) AS last_received_at
    FROM center_marks WHERE site = c.site
) m ON true
ORDER BY c.site"""


def _times(kind: str) -> str:
    timed = f"({kind} ->> 'n')::bigint > 0"
    return f"""sum(({kind} ->> 'n')::integer), sum(({kind} ->> 's')::bigint)::bigint,
           CASE WHEN count(*) FILTER (WHERE {timed}) = 1
                THEN (array_agg({kind} -> 'p90') FILTER (WHERE {timed}))[1] END"""


def _minutes(kind: str) -> str:
    return f"""SELECT site, '{kind}' AS kind, x.key::integer AS minute, sum(x.value::integer) AS n
        FROM d CROSS JOIN jsonb_each_text(d.{kind} -> 'm') AS x GROUP BY 1, 2, 3"""


# Each center's closed days [first, last] summed from the rollups' totals (each read once into
# columns; a day's counts fit an integer, whose sum PostgreSQL adds several times faster than a
# bigint's): counts and sums added, the minutes histograms and ratings added key by key (as arrays
# of keys and counts), and a 90th percentile kept only when one day alone has the times (then it is
# that day's exact one, as `Times.merge` keeps it; many days read it from the summed minutes).
_SPANS = f"""
WITH d AS MATERIALIZED (
    SELECT c.site, c.events, t.* FROM city_days c, jsonb_to_record(c.total) AS t (
        issued integer, offline integer, "in" integer, out integer, served integer, no_show integer,
        open_s integer, wait jsonb, service jsonb, ratings jsonb)
    WHERE c.day BETWEEN %(first)s AND %(last)s
), minutes AS (
    SELECT site, kind, array_agg(minute) AS minutes, array_agg(n) AS counts
    FROM ({_minutes('wait')} UNION ALL {_minutes('service')}) s GROUP BY 1, 2
), ratings AS (
    SELECT site, array_agg(rating) AS ratings, array_agg(n) AS counts FROM (
        SELECT d.site, x.key AS rating, sum(x.value::integer) AS n
        FROM d CROSS JOIN jsonb_each_text(d.ratings) AS x GROUP BY 1, 2) s
    GROUP BY 1
), sums AS (
    SELECT site, sum(events), sum(issued), sum(offline), sum("in"), sum(out), sum(served),
           sum(no_show), sum(open_s),
           {_times('wait')}, {_times('service')}
    FROM d GROUP BY site
)
SELECT s.*, w.minutes, w.counts, v.minutes, v.counts, r.ratings, r.counts
FROM sums s LEFT JOIN minutes w ON w.site = s.site AND w.kind = 'wait'
LEFT JOIN minutes v ON v.site = s.site AND v.kind = 'service' LEFT JOIN ratings r ON r.site = s.site"""


class BoardDb:
    """The board's way into the city database: a short connection per page."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with psycopg.connect(self.dsn, row_factory=tuple_row) as connection:
            yield connection

    def apply_tables(self) -> None:
        """The board's own tables (city/board/tables.sql), made when missing."""
        with self.connect() as connection:
            # Two processes starting at once would race on CREATE IF NOT EXISTS: one waits here.
            connection.execute("SELECT pg_advisory_xact_lock(hashtext('city_board_tables'))")
            connection.execute(TABLES.read_text(encoding="utf-8"))

    def centers(self) -> list[Center]:
        with self.connect() as connection:
            rows = connection.execute("SELECT site, name, district FROM centers ORDER BY site")
            return [Center(*row) for row in rows]

    def today(self, start: datetime, end: datetime) -> list[Today]:
        """Every center's day summed whole from its events (the overview folds instead,
        city/board/running.py; this is what the fold must equal, and the bench's baseline)."""
        with self.connect() as connection:
            rows = connection.execute(_TODAY, {"start": start, "end": end}).fetchall()
        return [_today(row) for row in rows]

    def sum_days(self, sites: list[str], start: datetime, end: datetime, zone: ZoneInfo,
                 now: datetime) -> dict[tuple[str, date], DayFigures]:
        """The days of these centers between two moments, summed from their events."""
        with self.connect() as connection:
            return sum_days(connection, sites, start, end, zone, now)

    def summed_days(self, first: date, last: date) -> dict[str, DayFigures]:
        """Each center's closed days in [first, last] summed by PostgreSQL from the rollups (totals
        only): a city's month is a few thousand rollups."""
        with self.connect() as connection:
            rows = connection.execute(_SPANS, {"first": first, "last": last}).fetchall()
        return {row[0]: _span(row[1:]) for row in rows}

    def stored_days(self, first: date, last: date, site: str | None = None,
                    *, detail: bool = False) -> list[tuple[str, date, DayFigures]]:
        """The rollups of closed days in [first, last], of one center or all."""
        columns = "site, day, events, total, " + ("detail" if detail else "'{}'::jsonb")
        sql = f"SELECT {columns} FROM city_days WHERE day BETWEEN %s AND %s"
        params: list[Any] = [first, last]
        if site is not None:
            sql += " AND site = %s"
            params.append(site)
        with self.connect() as connection:
            rows = connection.execute(sql + " ORDER BY site, day", params).fetchall()
        return [(row[0], row[1], _stored(row[3], row[4], row[2], detail)) for row in rows]


def _stored(total: dict[str, Any], detail: dict[str, Any], events: int,
            with_detail: bool) -> DayFigures:
    if with_detail:
        return DayFigures.from_json(total, detail, events)
    return DayFigures.from_json(total, {"services": {}, "hours": {}, "counters": {}, "states": {}},
                                events)


def _span(row: tuple[Any, ...]) -> DayFigures:
    """A center's days from a row of `_SPANS` (only the total, as `_stored` without detail)."""
    events, issued, offline, into, out, served, no_show, open_s, *times = row
    wait_n, wait_s, wait_p90, service_n, service_s, service_p90, *keyed = times
    wait_m, wait_c, service_m, service_c, rating_k, rating_c = (k or [] for k in keyed)
    tally = Tally(issued, offline, into, out, served, no_show,
                  Times(wait_n, wait_s, Counter(dict(zip(wait_m, wait_c, strict=True))), wait_p90),
                  Times(service_n, service_s, Counter(dict(zip(service_m, service_c, strict=True))),
                        service_p90),
                  Counter(dict(zip(rating_k, rating_c, strict=True))), float(open_s))
    return DayFigures(total=tally, events=events)


def store_day(connection: Connection, site: str, day: date, figures: DayFigures) -> None:
    connection.execute(
        "INSERT INTO city_days (site, day, events, total, detail) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (site, day) DO UPDATE SET events = excluded.events, total = excluded.total,"
        " detail = excluded.detail, built_at = now()",
        (site, day, figures.events, json.dumps(figures.total.to_json()),
         json.dumps(figures.detail_json())))


def _today(row: tuple[Any, ...]) -> Today:
    site, name, district, open_, paused, last_event, last_received, *counts = row
    return Today(Center(site, name, district), tally_from(counts), open_, paused, last_event,
                 last_received)
