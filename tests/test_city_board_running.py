"""The overview's running day (city/board/running.py) over a real PostgreSQL: folded round by round
from each center's acknowledged events, it equals the day summed whole from the events; an event is
never counted twice (rounds with nothing new, a board restarted, events above a gap waiting for it);
a center's backlog of an earlier day leaves today alone; a new day starts from nothing."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from city.board.queries import BoardDb, Today
from city.board.rollup import day_start
from city.board.running import Durations, RunningToday
from city.database import CITY_ZONE
from tests.support.city_board import CenterDay, at, local_morning, store, store_events
from xephang.protocol import RATINGS, UplinkEvent

DAY = local_morning(3)
START, END = day_start(DAY.date(), CITY_ZONE), day_start(DAY.date() + timedelta(days=1), CITY_ZONE)
CENTERS = [("phuong-a", "Trung tâm Phường Ánh Dương"), ("phuong-b", "Trung tâm Phường Bình Minh"),
           ("xa-c", "Trung tâm Xã Cẩm Cường")]


def _busy_day(site: str, tickets: int, seed: int) -> list[UplinkEvent]:
    """A day of tickets with waits and service times of many lengths (repeats too), absences,
    ratings, offline tickets, counters opened, paused and closed; numbered in time order."""
    rng, day = random.Random(seed), CenterDay(site)
    for counter in (1, 2, 3):
        day.open_counter(at(DAY, "07:30"), counter)
    for n in range(tickets):
        issued = at(DAY, "07:35") + timedelta(seconds=97 * n)
        day.ticket(issued, rng.choice(["HT", "KS", "DD"]), counter=rng.choice([1, 2, 3]),
                   wait_s=rng.choice([None, rng.randrange(0, 3600), 600]),
                   service_s=rng.randrange(30, 1200), absent=rng.random() < 0.1,
                   rating=rng.choice([None, *RATINGS]), offline=rng.random() < 0.05)
    day.add(at(DAY, "11:30"), "counter_paused", counter=2)
    day.add(at(DAY, "12:00"), "counter_closed", counter=3)
    return day.ordered()


def _same(folded: list[Today], whole: list[Today]) -> None:
    assert [t.center for t in folded] == [t.center for t in whole]
    for mine, theirs in zip(folded, whole, strict=True):
        assert mine == theirs, mine.center.site


def _figures(today: list[Today]) -> list[tuple[object, ...]]:
    """What the events say (not when the last one came: that is the mark's, gap or not)."""
    return [(t.figures, t.open_counters, t.paused_counters) for t in today]


def _fold(db: BoardDb, running: RunningToday) -> list[Today]:
    return running.fold(DAY.date(), START, END)


def test_the_running_day_equals_the_day_summed_whole(city_dsn: str) -> None:
    db = BoardDb(city_dsn)
    a, b = _busy_day("phuong-a", 400, 1), _busy_day("phuong-b", 150, 2)
    store(city_dsn, CENTERS, [])
    store_events(city_dsn, "phuong-a", a[:300])
    store_events(city_dsn, "phuong-b", b)
    running = RunningToday(db)
    first = _fold(db, running)
    _same(first, db.today(START, END))
    assert first[0].figures.served > 0 and first[0].figures.wait.p90_s is not None
    assert first[2].figures.issued == 0 and first[2].last_event_at is None  # xa-c: nothing yet

    store_events(city_dsn, "phuong-a", a[300:600])
    _same(_fold(db, running), db.today(START, END))
    _same(_fold(db, running), db.today(START, END))  # nothing new: nothing counted again
    store_events(city_dsn, "phuong-a", a[600:])
    _same(_fold(db, running), db.today(START, END))
    _same(RunningToday(db).fold(DAY.date(), START, END), db.today(START, END))  # a restarted board


def test_events_above_a_gap_wait_for_it_and_count_once(city_dsn: str) -> None:
    db = BoardDb(city_dsn)
    a = _busy_day("phuong-a", 120, 3)
    store(city_dsn, CENTERS, [])
    store_events(city_dsn, "phuong-a", a[:100])
    running = RunningToday(db)
    before = _fold(db, running)
    store_events(city_dsn, "phuong-a", a[101:])  # seq 101 lost on the way: the mark stays at 100
    assert _figures(_fold(db, running)) == _figures(before)
    assert _figures(RunningToday(db).fold(DAY.date(), START, END)) == _figures(before)  # restarted
    store_events(city_dsn, "phuong-a", a[100:101])  # the center sends the gap again
    _same(_fold(db, running), db.today(START, END))
    assert _fold(db, running)[0].figures.issued == sum(
        e.type in ("ticket_issued", "ticket_offline") for e in a)


def test_a_backlog_of_an_earlier_day_and_a_new_database_today(city_dsn: str) -> None:
    db = BoardDb(city_dsn)
    store(city_dsn, CENTERS, [])
    today = _busy_day("phuong-b", 60, 4)
    store_events(city_dsn, "phuong-b", today[:40])
    running = RunningToday(db)
    _fold(db, running)
    yesterday = DAY - timedelta(days=1)
    backlog = [UplinkEvent(epoch=today[0].epoch, seq=len(today) + n, at=at(yesterday, "15:00"),
                           type="ticket_issued", service="HT") for n in range(1, 6)]
    store_events(city_dsn, "phuong-b", [*today[40:], *backlog])  # the rest of today, then the day before
    reimaged = _busy_day("phuong-b", 20, 5)  # the center's server re-imaged: a new epoch from seq 1
    store_events(city_dsn, "phuong-b", reimaged)
    folded = _fold(db, running)
    _same(folded, db.today(START, END))
    assert folded[1].figures.issued == sum(e.type in ("ticket_issued", "ticket_offline")
                                           for e in [*today, *reimaged])


def test_a_new_day_starts_from_nothing(city_dsn: str) -> None:
    db = BoardDb(city_dsn)
    store(city_dsn, CENTERS, [])
    store_events(city_dsn, "phuong-a", _busy_day("phuong-a", 30, 6))
    running = RunningToday(db)
    assert _fold(db, running)[0].figures.issued > 0
    next_day = DAY.date() + timedelta(days=1)
    after = running.fold(next_day, END, day_start(next_day + timedelta(days=1), CITY_ZONE))
    assert [t.figures.issued for t in after] == [0, 0, 0]
    assert after[0].open_counters == 0 and after[0].last_event_at is not None


def _p90(lengths: dict[int, int]) -> float | None:
    durations = Durations()
    durations.add(list(lengths), list(lengths.values()))
    return durations.percentile_cont(0.9)


def test_the_90th_percentile_is_postgresqls_percentile_cont() -> None:
    assert _p90({}) is None
    assert _p90({300: 1}) == 300.0
    assert _p90({1500: 1, 300: 1, 900: 1}) == 1380.0  # 900 + 0.8 × 600
    assert _p90({60: 9, 600: 1}) == pytest.approx(114.0)
