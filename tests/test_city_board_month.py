"""The city's month (one row per center, summed by PostgreSQL from the daily rollups) over a real
PostgreSQL: the same figures as the rollups added day by day in Python (`DayFigures.merge`), with a
center's only day with waits keeping that day's exact 90th percentile, and a center without days
left at nothing."""

from __future__ import annotations

import random
from datetime import date, timedelta

from city.board.day import DayFigures
from city.board.periods import Periods
from city.board.queries import BoardDb
from city.board.rollup import Rollup
from city.database import CITY_ZONE
from tests.support.city_board import CenterDay, at, local_morning, store
from xephang.protocol import RATINGS

FIRST = local_morning(12)
DAYS = 8
CENTERS = [("phuong-a", "Trung tâm Phường Ánh Dương"), ("phuong-b", "Trung tâm Phường Bình Minh"),
           ("xa-c", "Trung tâm Xã Cẩm Cường")]


def _days() -> list[CenterDay]:
    rng = random.Random(7)
    a, b = CenterDay("phuong-a"), CenterDay("phuong-b")
    for n in range(DAYS):
        morning = FIRST + timedelta(days=n)
        a.open_counter(at(morning, "07:30"), 1)
        for k in range(rng.randrange(0, 40)):  # some days without a ticket at all
            a.ticket(at(morning, "08:00") + timedelta(minutes=7 * k), rng.choice(["HT", "KS"]),
                     counter=1, wait_s=rng.choice([None, rng.randrange(0, 5400)]),
                     service_s=rng.randrange(60, 900), absent=rng.random() < 0.1,
                     rating=rng.choice([None, *RATINGS]), offline=rng.random() < 0.1)
        b.ticket(at(morning, "09:00"), "DD")  # issued every day, never called…
    b.ticket(at(FIRST + timedelta(days=3), "10:00"), "DD", counter=2, wait_s=421, service_s=300)
    b.ticket(at(FIRST + timedelta(days=3), "10:05"), "DD", counter=2, wait_s=1003, service_s=200)
    return [a, b]  # …but on one day: its waits are that day's alone


def _python_sums(db: BoardDb, first: date, last: date) -> dict[str, DayFigures]:
    merged = {site: DayFigures() for site, _ in CENTERS}
    for site, _, figures in db.stored_days(first, last):
        merged[site].merge(figures)
    return merged


def test_the_citys_month_summed_in_sql_equals_the_rollups_added_in_python(city_dsn: str) -> None:
    store(city_dsn, CENTERS, _days())
    db = BoardDb(city_dsn)
    db.apply_tables()
    now = at(FIRST + timedelta(days=DAYS + 1), "09:00")
    first, last = FIRST.date(), FIRST.date() + timedelta(days=DAYS - 1)
    assert Rollup(db, CITY_ZONE, 400, clock=lambda: now).refresh() >= 2 * DAYS
    periods = Periods(db, CITY_ZONE, lambda: now)
    centers = db.centers()
    for span_first, span_last in [(first, last), (first + timedelta(days=2), first + timedelta(days=4)),
                                  (first + timedelta(days=3), first + timedelta(days=3))]:
        python = _python_sums(db, span_first, span_last)
        spans = periods.city_spans(centers, span_first, span_last)
        assert [s.center.site for s in spans] == [site for site, _ in CENTERS]
        for span in spans:
            assert span.figures == python[span.center.site], (span.center.site, span_first, span_last)
    a, b, c = (span.figures for span in periods.city_spans(centers, first, last))
    assert a.total.wait.count > 20 and a.total.wait.exact_p90_s is None  # many days: from minutes
    assert b.total.issued == DAYS + 2 and b.total.wait.p90_s == 421 + 0.9 * (1003 - 421)
    assert c == DayFigures()
