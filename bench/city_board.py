"""The city board's query times with a city's worth of events in a real PostgreSQL.

    .venv/bin/python bench/city_board.py [--centers 170] [--days 31] [--tickets 1200] [--runs 5]

A throwaway PostgreSQL (city/postgres.py, durable) gets `--centers` centers × `--days` days ×
`--tickets` tickets a day, generated inside PostgreSQL (issued, called after a random wait, done or
absent, a third rated: ≈ 3.3 events a ticket, plus each counter opened and closed), in the city
schema's monthly partitions. "Today" is the last day, at 17:00. Then, each the median of `--runs`:

- the overview (every center's day so far): summed whole from today's events (what every round did
  before city/board/running.py: the same-run baseline), the first round of a started board (the
  same once), and a round that folds in what arrived in it (`--arrivals` events a center, about 30
  s of a city's afternoon), checked equal to the whole sum; beside it, just counting today's events;
- the nightly rollup of one closed day for every center, and the backfill rate (center-days/s);
- the city's month (closed days) from the rollups, summed by PostgreSQL, beside two same-run
  baselines: the rollups read and added in Python (what the page did before) and the same days
  summed straight from the raw events by one SQL GROUP BY (what the rollups avoid); then the same
  over `--month-days` days of rollups (the generated days' rollups copied back in time: the page
  reads only rollups); a center's month with today;
- a center's day in detail, and every page over HTTP through the board's app (Flask test client).

The figures depend on this machine (2 shared cores); ratios are from this one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from city.board.accounts import BoardAccounts  # noqa: E402
from city.board.app import create_board_app  # noqa: E402
from city.board.day import DayFigures  # noqa: E402
from city.board.periods import Periods  # noqa: E402
from city.board.queries import BoardDb, Center  # noqa: E402
from city.board.reports import CenterSpan  # noqa: E402
from city.board.rollup import Rollup, day_start  # noqa: E402
from city.board.running import RunningToday  # noqa: E402
from city.board.settings import BoardSection  # noqa: E402
from city.config import CenterEntry  # noqa: E402
from city.database import CITY_ZONE, CityStore, month_start  # noqa: E402
from city.postgres import PostgresCluster  # noqa: E402
from xephang.protocol import UplinkEvent  # noqa: E402

SERVICES = ["HT", "KS", "DD", "CT", "TP", "XD"]
COUNTERS = 12
PASSWORD = "mat-khau-do-toc-do"

# One center's days: ticket n of day d is issued at 07:30 + n × (9 h / tickets), waits a pseudo-random
# 0-60 min, is served 5-15 min (1 in 20 absent), 1 in 3 rated; counters open 07:30, close 17:00.
_GENERATE = """
WITH t AS (
    SELECT d, n, %(first)s::timestamptz + d * interval '1 day' + interval '7 hours 30 minutes'
                 + n * (interval '9 hours' / %(tickets)s) AS issued,
           abs(hashtext(%(site)s || '/' || d || '/' || n)) %% 3600 AS wait_s,
           300 + abs(hashtext('s' || %(site)s || d || '/' || n)) %% 600 AS service_s,
           abs(hashtext('r' || %(site)s || d || '/' || n)) %% 60 AS r
    FROM generate_series(0, %(days)s - 1) d, generate_series(0, %(tickets)s - 1) n
)
INSERT INTO city_events (site, epoch, seq, at, type, service, counter, wait_s, service_s, rating,
                         received_at)
SELECT %(site)s, %(epoch)s, 100 + (d * 10000 + n) * 4 + k, v.at, v.type,
       (ARRAY['HT', 'KS', 'DD', 'CT', 'TP', 'XD'])[n %% 6 + 1],
       CASE WHEN k = 1 THEN NULL ELSE n %% 12 + 1 END, v.wait_s, v.service_s, v.rating, v.at
FROM t CROSS JOIN LATERAL (VALUES
    (1, t.issued, 'ticket_issued', NULL::int, NULL::int, NULL::text),
    (2, t.issued + t.wait_s * interval '1 second', 'ticket_called', t.wait_s, NULL, NULL),
    (3, t.issued + (t.wait_s + t.service_s) * interval '1 second',
        CASE WHEN t.r %% 20 = 0 THEN 'ticket_no_show' ELSE 'ticket_done' END,
        NULL, CASE WHEN t.r %% 20 = 0 THEN NULL ELSE t.service_s END, NULL),
    (4, t.issued + (t.wait_s + t.service_s + 5) * interval '1 second', 'ticket_rated', NULL, NULL,
        (ARRAY['very_satisfied', 'satisfied', 'unsatisfied'])[t.r %% 3 + 1])
) AS v(k, at, type, wait_s, service_s, rating)
WHERE v.k < 4 OR (t.r %% 3 = 0 AND t.r %% 20 <> 0)"""

_COUNTERS = """
INSERT INTO city_events (site, epoch, seq, at, type, counter, received_at)
SELECT %(site)s, %(epoch)s, 1 + (d * 100 + c) * 2 + k + 50000000,
       %(first)s::timestamptz + d * interval '1 day'
           + CASE WHEN k = 0 THEN interval '7 hours 25 minutes' ELSE interval '17 hours' END,
       CASE WHEN k = 0 THEN 'counter_opened' ELSE 'counter_closed' END, c, now()
FROM generate_series(0, %(days)s - 1) d, generate_series(1, 12) c, generate_series(0, 1) k
WHERE %(first)s::timestamptz + d * interval '1 day' + interval '17 hours' < %(now)s
   OR k = 0"""


# What a city sends in about 30 s of an afternoon: `per_center` new events of each generated center
# (issued, called, done, rated in turn), acknowledged as the aggregator acknowledges them.
_ARRIVALS = """
INSERT INTO city_events (site, epoch, seq, at, type, service, counter, wait_s, service_s, rating,
                         received_at)
SELECT m.site, m.epoch, m.acked_seq + k, %(at)s,
       (ARRAY['ticket_issued', 'ticket_called', 'ticket_done', 'ticket_rated'])[1 + (k - 1) %% 4],
       'HT', 1 + (m.acked_seq + k) %% 12,
       CASE WHEN (k - 1) %% 4 = 1 THEN (m.acked_seq * 397 + k) %% 3600 END,
       CASE WHEN (k - 1) %% 4 = 2 THEN 300 + (m.acked_seq * 131 + k) %% 600 END,
       CASE WHEN (k - 1) %% 4 = 3 THEN 'satisfied' END, now()
FROM center_marks m, generate_series(1, %(per_center)s) k WHERE m.epoch::text LIKE '00000000-%%'"""
_ACKNOWLEDGE = """
UPDATE center_marks SET acked_seq = acked_seq + %(per_center)s, last_received_at = now(),
                        last_event_at = %(at)s
WHERE epoch::text LIKE '00000000-%%'"""


def median_ms(action: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def generate(dsn: str, centers: int, days: int, tickets: int, now: datetime) -> tuple[int, float]:
    """The city's events; (rows, seconds)."""
    first = day_start((now - timedelta(days=days - 1)).astimezone(CITY_ZONE).date(), CITY_ZONE)
    sites = [f"phuong-{n:03d}" for n in range(1, centers + 1)]
    store = CityStore.connect(dsn)
    store.sync_centers(CenterEntry(id=s, name=f"Trung tâm phường số {n}") for n, s in enumerate(sites, 1))
    month = month_start(first)
    while month <= now:  # a real first event per month makes its partition the aggregator's way
        store.store([(sites[0], UplinkEvent(epoch="ffffffff-0000-0000-0000-000000000000", seq=1 + month.month,
                                            at=month + timedelta(hours=7), type="counter_opened",
                                            counter=1))])
        month = month_start(month + timedelta(days=32))
    store.close()
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as connection:
        for n, site in enumerate(sites, 1):
            epoch = f"00000000-0000-0000-0000-{n:012d}"
            params = {"site": site, "epoch": epoch, "first": first, "days": days, "tickets": tickets,
                      "now": now}
            connection.execute(_GENERATE, params)
            connection.execute(_COUNTERS, params)
            connection.execute(  # every event acknowledged (the generated seqs leave holes)
                "INSERT INTO center_marks (site, epoch, acked_seq, last_event_at, last_received_at)"
                " SELECT %s, %s, max(seq), max(at) FILTER (WHERE at < %s), max(at) FILTER (WHERE at < %s)"
                " FROM city_events WHERE site = %s"
                " ON CONFLICT (site, epoch) DO UPDATE SET acked_seq = excluded.acked_seq,"
                " last_event_at = excluded.last_event_at, last_received_at = excluded.last_received_at",
                (site, epoch, now, now, site))
            if n % 10 == 0:
                print(f"  {n}/{centers} centers written", flush=True)
        connection.execute("ANALYZE")
        rows = connection.execute("SELECT count(*) FROM city_events").fetchone()
    return (int(rows[0]) if rows else 0), time.perf_counter() - started


def raw_month(dsn: str, first: datetime, end: datetime) -> None:
    """The baseline: the city's month straight from the events, one GROUP BY over them."""
    with psycopg.connect(dsn) as connection:
        connection.execute(
            "SELECT site, count(*) FILTER (WHERE type = 'ticket_done'),"
            " avg(wait_s) FILTER (WHERE type = 'ticket_called'),"
            " percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_s) FILTER (WHERE type = 'ticket_called'),"
            " count(*) FILTER (WHERE type = 'ticket_rated')"
            " FROM city_events WHERE at >= %s AND at < %s GROUP BY site", (first, end)).fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--centers", type=int, default=170)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--tickets", type=int, default=1200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--arrivals", type=int, default=4, help="new events a center, a round")
    parser.add_argument("--month-days", type=int, default=30, help="days of rollups for the month")
    args = parser.parse_args()
    today = datetime.now(CITY_ZONE).date()
    now = datetime.combine(today, datetime.min.time(), CITY_ZONE).replace(hour=17)
    cluster = PostgresCluster(durable=True).start()
    try:
        dsn = cluster.new_database()
        print(f"Scale: {args.centers} centers × {args.days} days × {args.tickets} tickets/day")
        rows, seconds = generate(dsn, args.centers, args.days, args.tickets, now)
        print(f"  {rows:,} events written in {seconds:.0f} s ({rows / seconds:,.0f}/s)")
        measure(dsn, args, now)
    finally:
        cluster.stop()
    return 0


def measure(dsn: str, args: argparse.Namespace, now: datetime) -> None:
    db = BoardDb(dsn)
    db.apply_tables()
    periods = Periods(db, CITY_ZONE, lambda: now)
    start, end = periods.bounds(periods.today)
    runs = args.runs

    def count_today() -> None:
        with db.connect() as connection:
            connection.execute("SELECT count(*) FROM city_events WHERE at >= %s AND at < %s",
                               (start, end)).fetchone()

    print("\nToday (every center's day so far):")
    overview(dsn, db, periods, args.arrivals, runs)
    print(f"  baseline: count today's events   {median_ms(count_today, runs):9.1f} ms")
    site = db.centers()[0].site
    print(f"  a center's day (events, summed)  {median_ms(lambda: periods.live_day(site), runs):9.1f} ms")

    rollup = Rollup(db, CITY_ZONE, 400, clock=lambda: now)
    yesterday = periods.today - timedelta(days=1)
    centers = db.centers()
    started = time.perf_counter()
    for center in centers:
        rollup.build(center.site, yesterday, yesterday)
    nightly = time.perf_counter() - started
    print(f"\nNightly rollup of one closed day, {len(centers)} centers: {nightly:.1f} s "
          f"({len(centers) / nightly:.1f} center-days/s)")
    started = time.perf_counter()
    built = rollup.refresh()
    backfill = time.perf_counter() - started
    print(f"Backfill of every other closed day: {built} center-days in {backfill:.0f} s "
          f"({built / max(backfill, 1e-9):.1f} center-days/s)")

    first_day = periods.today.replace(day=1)
    month_first = day_start(first_day, CITY_ZONE)
    print(f"\nThis month's closed days ({first_day:%m/%Y}):")
    last_closed = periods.today - timedelta(days=1)
    month(periods, centers, first_day, last_closed, runs)
    print(f"  baseline: same from raw events   "
          f"{median_ms(lambda: raw_month(dsn, month_first, start), max(1, runs // 2)):9.1f} ms")
    print(f"  a center's month, today included "
          f"{median_ms(lambda: periods.center_days(site, first_day, periods.today), runs):9.1f} ms")
    first_of_span = last_closed - timedelta(days=args.month_days - 1)
    copied = copy_rollups(dsn, last_closed, args.month_days)
    print(f"\n{args.month_days} closed days of rollups ({copied} copied from {last_closed:%d/%m}'s):")
    month(periods, centers, first_of_span, last_closed, runs)
    pages(db, now, site, runs, first_of_span, last_closed)


def overview(dsn: str, db: BoardDb, periods: Periods, arrivals: int, runs: int) -> None:
    """Every center's day so far: summed whole (each round before), folded from a fresh start (a
    board's first round), and a round that folds what arrived since the last."""
    day = periods.today
    start, end = periods.bounds(day)
    print(f"  summed whole from today's events (every round before)  "
          f"{median_ms(lambda: db.today(start, end), runs):9.1f} ms")
    print(f"  first round of a started board (summed once)           "
          f"{median_ms(lambda: RunningToday(db).fold(day, start, end), runs):9.1f} ms")
    running = RunningToday(db)
    running.fold(day, start, end)
    print(f"  a round with nothing new                               "
          f"{median_ms(lambda: running.fold(day, start, end), runs):9.1f} ms")
    times = []
    for n in range(runs):
        params = {"per_center": arrivals, "at": periods.clock() - timedelta(seconds=30 - n)}
        with psycopg.connect(dsn, autocommit=True) as connection, connection.transaction():
            connection.execute(_ARRIVALS, params)
            connection.execute(_ACKNOWLEDGE, params)
        times.append(median_ms(lambda: running.fold(day, start, end), 1))
    centers = len(db.centers())
    print(f"  a round folding {arrivals} new events × {centers} centers         "
          f"{statistics.median(times):9.1f} ms")
    assert running.fold(day, start, end) == db.today(start, end), "the fold differs from the whole sum"
    print("  (the folded figures equal the whole sum: checked)")


def python_spans(db: BoardDb, centers: list[Center], first: date, last: date) -> list[CenterSpan]:
    """The baseline: the month page before, every rollup read and added in Python."""
    merged = {center.site: DayFigures() for center in centers}
    for site, _, figures in db.stored_days(first, last):
        if site in merged:
            merged[site].merge(figures)
    return [CenterSpan(center, merged[center.site]) for center in centers]


def month(periods: Periods, centers: list[Center], first: date, last: date, runs: int) -> None:
    """Summed by PostgreSQL and added in Python, run by run in turn (the machine's load drifts)."""
    sql, python = [], []
    for _ in range(runs):
        sql.append(median_ms(lambda: periods.city_spans(centers, first, last), 1))
        python.append(median_ms(lambda: python_spans(periods.db, centers, first, last), 1))
    print(f"  city's {(last - first).days + 1} days from rollups, summed by PostgreSQL "
          f"{statistics.median(sql):9.1f} ms")
    print(f"  baseline: the same added in Python (before)   {statistics.median(python):9.1f} ms")
    assert periods.city_spans(centers, first, last) == python_spans(periods.db, centers, first, last)
    print("  (the same figures both ways: checked)")


def copy_rollups(dsn: str, day: date, days: int) -> int:
    """`day`'s rollups of every center copied to the `days - 1` days before it where none is: a
    month of closed days to read, without rolling a month of events up here."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(
            "INSERT INTO city_days (site, day, events, total, detail)"
            " SELECT site, day - k, events, total, detail FROM city_days, generate_series(1, %s) k"
            " WHERE day = %s ON CONFLICT DO NOTHING", (days - 1, day))
        connection.execute("ANALYZE city_days")
        return cursor.rowcount


def pages(db: BoardDb, now: datetime, site: str, runs: int, first: date, last: date) -> None:
    """Every page as a signed-in browser gets it (the board's Flask app, its test client)."""
    BoardAccounts(db).create("dotoc", PASSWORD)
    app = create_board_app(db, BoardSection(), clock=lambda: now)  # the overview: its first view sums
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/login", data={"username": "dotoc", "password": PASSWORD, "csrf_token": token})
    month = now.astimezone(CITY_ZONE).strftime("%Y-%m")
    print("\nPages over the app (signed in):")
    for label, path in [("overview /", "/"), ("a center's day", f"/center/{site}"),
                        ("a center's month", f"/report?site={site}&month={month}"),
                        ("the city's month", f"/report?month={month}"),
                        ("the city's month, Excel", f"/report.xlsx?month={month}"),
                        ("comparison, month so far", "/compare"),
                        (f"comparison, {(last - first).days + 1} days", f"/compare?from={first}&to={last}")]:
        def get(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        print(f"  {label:<32} {median_ms(get, runs):9.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
