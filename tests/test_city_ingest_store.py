"""The city database (real PostgreSQL 15): a batch is stored once, the mark is contiguous, months
get their own partitions, a re-imaged center's new epoch starts its own count."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from city.database import CityStore, Mark
from xephang.protocol import UplinkEvent

START = datetime(2026, 11, 30, 16, 58, tzinfo=UTC)  # 23:58 in Hà Nội, two minutes before December


def event(epoch: uuid.UUID, seq: int, **fields: object) -> UplinkEvent:
    return UplinkEvent(epoch=epoch, seq=seq, at=START + timedelta(minutes=seq), type="ticket_issued",
                       service="HT", **fields)  # type: ignore[arg-type]


@pytest.fixture
def store(city_dsn: str) -> Iterator[CityStore]:
    city = CityStore.connect(city_dsn)
    yield city
    city.close()


def stored(dsn: str, site: str) -> list[tuple[uuid.UUID, int]]:
    with psycopg.connect(dsn) as connection:
        rows = connection.execute("SELECT epoch, seq FROM city_events WHERE site = %s ORDER BY seq",
                                  (site,)).fetchall()
    return [(epoch, seq) for epoch, seq in rows]


def test_a_resent_batch_is_stored_once_and_answered_with_the_same_mark(store: CityStore,
        city_dsn: str) -> None:
    epoch = uuid.uuid4()
    batch = [("ba-dinh", event(epoch, n)) for n in range(1, 6)]
    assert store.store(batch) == [Mark("ba-dinh", epoch, 5)]
    assert store.store(batch + batch[:2]) == [Mark("ba-dinh", epoch, 5)]
    assert stored(city_dsn, "ba-dinh") == [(epoch, n) for n in range(1, 6)]


def test_a_gap_holds_the_mark_until_the_missing_events_come(store: CityStore,
        city_dsn: str) -> None:
    epoch = uuid.uuid4()
    assert store.store([("ba-dinh", event(epoch, n)) for n in (1, 2, 4, 5)]) == [
        Mark("ba-dinh", epoch, 2)]
    assert store.store([("ba-dinh", event(epoch, 6))]) == [Mark("ba-dinh", epoch, 2)]
    assert store.store([("ba-dinh", event(epoch, 3))]) == [Mark("ba-dinh", epoch, 6)]
    assert [seq for _, seq in stored(city_dsn, "ba-dinh")] == [1, 2, 3, 4, 5, 6]


def test_an_event_below_the_mark_is_not_stored_again_even_with_another_time(store: CityStore,
        city_dsn: str) -> None:
    epoch = uuid.uuid4()
    store.store([("ba-dinh", event(epoch, n)) for n in (1, 2)])
    moved = UplinkEvent(epoch=epoch, seq=2, at=START - timedelta(days=40), type="ticket_issued")
    assert store.store([("ba-dinh", moved)]) == [Mark("ba-dinh", epoch, 2)]
    assert len(stored(city_dsn, "ba-dinh")) == 2


def test_a_new_epoch_counts_from_one_beside_the_old_one(store: CityStore,
        city_dsn: str) -> None:
    old, new = uuid.uuid4(), uuid.uuid4()
    store.store([("ba-dinh", event(old, n)) for n in (1, 2, 3)])
    marks = store.store([("ba-dinh", event(new, n)) for n in (1, 2)] + [("kim-ma", event(old, 1))])
    assert sorted(marks, key=lambda m: (m.site, m.acked_seq)) == [
        Mark("ba-dinh", new, 2), Mark("kim-ma", old, 1)]
    assert store.latest_marks() == [Mark("ba-dinh", new, 2), Mark("kim-ma", old, 1)]
    assert len(stored(city_dsn, "ba-dinh")) == 5


def test_events_go_to_the_partition_of_their_month_in_vietnam(store: CityStore,
        city_dsn: str) -> None:
    epoch = uuid.uuid4()
    store.store([("ba-dinh", event(epoch, n)) for n in (1, 2, 3)])  # 23:59, 00:00, 00:01 local
    with psycopg.connect(city_dsn) as connection:
        rows = connection.execute("SELECT tableoid::regclass::text, count(*) FROM city_events"
                                  " GROUP BY 1 ORDER BY 1").fetchall()
    assert rows == [("city_events_2026_11", 1), ("city_events_2026_12", 2)]


def test_the_stored_fields_are_the_events_own(store: CityStore,
        city_dsn: str) -> None:
    epoch = uuid.uuid4()
    store.store([("ba-dinh", event(epoch, 1, counter=5, priority="elderly", wait_s=312,
                                   account="canbo1"))])
    with psycopg.connect(city_dsn) as connection:
        row = connection.execute("SELECT type, service, counter, priority, wait_s, service_s, rating,"
                                 " account, at FROM city_events").fetchone()
    assert row == ("ticket_issued", "HT", 5, "elderly", 312, None, None, "canbo1",
                   START + timedelta(minutes=1))
