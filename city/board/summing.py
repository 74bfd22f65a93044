"""Centers' days summed by PostgreSQL from their uplink events: one row per (center, day) and per
service, hour and counter of it, the minutes histograms of waits and service times, and how long
each counter was open. The rollups, today's figures and a center's live day all come from here.

The city sees no ticket ids (DESIGN §2), so "waiting" is counted from the events that put a ticket
into a line (issued, printed offline, transferred, back with a missing paper, its call withdrawn)
and take it out (called, cancelled). A withdrawn call's wait stays among the waits (the citizen was
called after it). A wait is a `ticket_called`'s `wait_s` (from the ticket's issue, as the center
counts it), a service time a `ticket_done`'s `service_s`.

A counter is open from `counter_opened`/`counter_resumed` (or, opened on an earlier day, its first
call) until `counter_closed`/`counter_paused`; still open at the end, it counts until now for today,
until the center's last event for a closed day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from city.board.day import DayFigures
from city.board.figures import Tally, Times
from xephang.protocol import RATINGS, TICKET_CALL_WITHDRAWN

_EVENTS = """
WITH e AS (
    SELECT site, (at AT TIME ZONE %(zone)s)::date AS day,
           extract(hour FROM at AT TIME ZONE %(zone)s)::int AS hour,
           at, seq, type, service, counter, wait_s, service_s, rating
    FROM city_events WHERE site = ANY(%(sites)s) AND at >= %(start)s AND at < %(end)s
)"""
# One slice's figures from its events, in the order `tally_from` reads them.
TALLY_COLUMNS = f"""count(*) FILTER (WHERE type IN ('ticket_issued', 'ticket_offline')),
       count(*) FILTER (WHERE type = 'ticket_offline'),
       count(*) FILTER (WHERE type IN ('ticket_issued', 'ticket_offline', 'ticket_transferred',
                                       'ticket_returned', '{TICKET_CALL_WITHDRAWN}')),
       count(*) FILTER (WHERE type IN ('ticket_called', 'ticket_cancelled')),
       count(*) FILTER (WHERE type = 'ticket_done'),
       count(*) FILTER (WHERE type = 'ticket_no_show'),
       count(wait_s) FILTER (WHERE type = 'ticket_called'),
       coalesce(sum(wait_s) FILTER (WHERE type = 'ticket_called'), 0),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_s) FILTER (WHERE type = 'ticket_called'),
       count(service_s) FILTER (WHERE type = 'ticket_done'),
       coalesce(sum(service_s) FILTER (WHERE type = 'ticket_done'), 0),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY service_s) FILTER (WHERE type = 'ticket_done'),
       count(*) FILTER (WHERE type = 'ticket_rated' AND rating = 'very_satisfied'),
       count(*) FILTER (WHERE type = 'ticket_rated' AND rating = 'satisfied'),
       count(*) FILTER (WHERE type = 'ticket_rated' AND rating = 'unsatisfied')"""
_PART = """CASE WHEN GROUPING(service) = 0 THEN 'service' WHEN GROUPING(hour) = 0 THEN 'hour'
                WHEN GROUPING(counter) = 0 THEN 'counter' ELSE 'total' END AS part,
           coalesce(service, hour::text, counter::text, '') AS key"""

_FIGURES = _EVENTS + f"""
SELECT site, day, {_PART}, count(*), max(at),
       {TALLY_COLUMNS}
FROM e
GROUP BY GROUPING SETS ((site, day), (site, day, service), (site, day, hour), (site, day, counter))"""

_MINUTES = _EVENTS + f""", d AS (
    SELECT *, CASE WHEN type = 'ticket_called' THEN 'wait' ELSE 'service' END AS kind,
           CASE WHEN type = 'ticket_called' THEN wait_s ELSE service_s END / 60 AS minute
    FROM e WHERE (type = 'ticket_called' AND wait_s IS NOT NULL)
              OR (type = 'ticket_done' AND service_s IS NOT NULL)
), h AS (
    SELECT site, day, {_PART}, kind, minute, count(*) AS n
    FROM d GROUP BY GROUPING SETS ((site, day, kind, minute), (site, day, service, kind, minute),
                                   (site, day, hour, kind, minute), (site, day, counter, kind, minute))
)
SELECT site, day, part, key, kind, jsonb_object_agg(minute, n) FROM h
GROUP BY site, day, part, key, kind"""

_COUNTERS = _EVENTS + """, s AS (
    SELECT site, day, counter, at, seq, type,
           lead(at) OVER (PARTITION BY site, day, counter ORDER BY at, seq) AS next_at
    FROM e WHERE counter IS NOT NULL AND type IN ('counter_opened', 'counter_resumed',
                                                  'ticket_called', 'counter_paused', 'counter_closed')
), ends AS (
    SELECT site, day, CASE WHEN day = %(today)s THEN %(now)s ELSE max(at) END AS until
    FROM e GROUP BY site, day
)
SELECT s.site, s.day, s.counter,
       coalesce(sum(extract(epoch FROM greatest(coalesce(s.next_at, x.until) - s.at, interval '0')))
                FILTER (WHERE s.type IN ('counter_opened', 'counter_resumed', 'ticket_called')), 0),
       (array_agg(s.type ORDER BY s.at DESC, s.seq DESC))[1]
FROM s JOIN ends x ON x.site = s.site AND x.day = s.day
GROUP BY s.site, s.day, s.counter"""

STATE_OF = {"counter_opened": "open", "counter_resumed": "open", "ticket_called": "open",
            "counter_paused": "paused", "counter_closed": "closed"}
Key = tuple[str, date]


def sum_days(connection: Any, sites: Sequence[str], start: datetime, end: datetime, zone: ZoneInfo,
             now: datetime) -> dict[Key, DayFigures]:
    """Every (center, local day) with events between `start` and `end`."""
    params = {"zone": str(zone), "sites": list(sites), "start": start, "end": end,
              "today": now.astimezone(zone).date(), "now": now}
    days: dict[Key, DayFigures] = {}
    for row in connection.execute(_FIGURES, params):
        _figures(days, row)
    for site, day, part, key, kind, minutes in connection.execute(_MINUTES, params):
        tally = _slice(days[(site, day)], part, key)
        if tally is not None:
            times = tally.wait if kind == "wait" else tally.service
            times.minutes = Counter({int(m): int(n) for m, n in minutes.items()})
    for site, day, counter, open_s, last in connection.execute(_COUNTERS, params):
        figures = days[(site, day)]
        figures.counters.setdefault(counter, Tally()).open_s = float(open_s)
        figures.total.open_s += float(open_s)
        figures.states[counter] = STATE_OF[last]
    return days


def _figures(days: dict[Key, DayFigures], row: tuple[Any, ...]) -> None:
    site, day, part, key, events, last_at, *counts = row
    figures = days.setdefault((site, day), DayFigures())
    if part == "total":
        figures.events, figures.last_at = events, last_at
    elif not key:
        return  # the events without a service (or counter): only in the day's total
    tally = tally_from(counts)
    if part == "total":
        figures.total = tally
    else:
        _parts(figures, part)[_key(part, key)] = tally


def tally_from(counts: Sequence[Any]) -> Tally:
    """A slice's figures from the TALLY_COLUMNS of a row (the minutes histograms come apart)."""
    tally = Tally(*counts[:6])
    wait_n, wait_sum, wait_p90, service_n, service_sum, service_p90, *ratings = counts[6:]
    tally.wait = Times(wait_n, wait_sum, Counter(), wait_p90)
    tally.service = Times(service_n, service_sum, Counter(), service_p90)
    tally.ratings = Counter({r: n for r, n in zip(RATINGS, ratings, strict=True) if n})
    return tally


def _parts(figures: DayFigures, part: str) -> dict[Any, Tally]:
    found: dict[Any, Tally] = {"service": figures.services, "hour": figures.hours,
                               "counter": figures.counters}[part]  # type: ignore[assignment]
    return found


def _key(part: str, key: str) -> str | int:
    return key if part == "service" else int(key)


def _slice(figures: DayFigures, part: str, key: str) -> Tally | None:
    if part == "total":
        return figures.total
    return _parts(figures, part).get(_key(part, key)) if key else None
