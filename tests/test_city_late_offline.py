"""A kiosk's ticket printed offline and synced late counts in the city on the day it was printed, as
the center counts it: the broker's uplink dates its `ticket_offline` when it was printed (never after
it reached the broker); the city board builds that closed day again when it arrives, exactly once
whatever the order (a gap filled later) or how often it is sent; today's overview leaves it out.
Real Mosquitto, a real broker on a fake clock, and the city's real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from city.board.queries import BoardDb, Today
from city.board.rollup import Rollup, day_start
from city.board.running import RunningToday
from city.database import CITY_ZONE
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, running_broker
from tests.support.city_board import CenterDay, at, local_morning, store, store_events
from tests.support.fake_clock import FakeClock
from xephang.config import SiteConfig, UplinkSection
from xephang.mosquitto import Mosquitto
from xephang.protocol import TICKET_OFFLINE, Topics, UplinkEvent, decode_uplink

MONDAY = local_morning(8)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(TUESDAY, "10:00")
CENTERS = [("phuong-a", "Trung tâm Phường Ánh Dương")]


def _monday_and_tuesday() -> list[UplinkEvent]:
    """Monday: three tickets served; Tuesday morning: two so far."""
    center = CenterDay("phuong-a")
    for day, count in ((MONDAY, 3), (TUESDAY, 2)):
        center.open_counter(at(day, "07:30"), 1)
        for n in range(count):
            center.ticket(at(day, "08:00") + timedelta(minutes=20 * n), "HT", counter=1,
                          wait_s=300, service_s=600)
    return center.ordered()


def _offline(first: UplinkEvent, seq: int, printed: datetime) -> UplinkEvent:
    return UplinkEvent(epoch=first.epoch, seq=seq, at=printed, type=TICKET_OFFLINE, service="HT")


def _issued_on(db: BoardDb, day: date) -> tuple[int, int]:
    """(issued, of them offline) of the center's closed day, from its rollup."""
    [(_, _, figures)] = db.stored_days(day, day, "phuong-a")
    return figures.total.issued, figures.total.offline


def _today(db: BoardDb, running: RunningToday) -> Today:
    day = NOW.astimezone(CITY_ZONE).date()
    start, end = day_start(day, CITY_ZONE), day_start(day + timedelta(days=1), CITY_ZONE)
    [folded] = running.fold(day, start, end)
    [whole] = db.today(start, end)
    assert folded == whole
    return folded


def test_a_late_offline_ticket_rebuilds_its_closed_day_once_in_any_order(city_dsn: str) -> None:
    db = BoardDb(city_dsn)
    db.apply_tables()
    rollup, running = Rollup(db, CITY_ZONE, 30, clock=lambda: NOW), RunningToday(db)
    events = _monday_and_tuesday()
    store(city_dsn, CENTERS, [])
    store_events(city_dsn, "phuong-a", events)
    rollup.refresh()
    assert _issued_on(db, MONDAY.date()) == (3, 0)
    assert _today(db, running).figures.issued == 2

    # Two tickets a kiosk printed on Monday evening, synced on Tuesday after the center's
    # Tuesday events; the first is lost on the way and comes again after the second.
    last = len(events)
    late = [_offline(events[0], last + 1, at(MONDAY, "16:50")),
            _offline(events[0], last + 2, at(MONDAY, "16:55"))]
    store_events(city_dsn, "phuong-a", late[1:])
    rollup.refresh()
    assert _issued_on(db, MONDAY.date()) == (3, 0)  # above a gap: not acknowledged, not yet
    store_events(city_dsn, "phuong-a", late[:1])
    assert rollup.refresh() >= 1
    assert _issued_on(db, MONDAY.date()) == (5, 2)
    store_events(city_dsn, "phuong-a", [*late, *late])  # sent again, twice
    rollup.refresh()
    assert _issued_on(db, MONDAY.date()) == (5, 2)
    assert db.summed_days(MONDAY.date(), MONDAY.date())["phuong-a"].total.issued == 5
    today = _today(db, running)
    assert (today.figures.issued, today.figures.offline) == (2, 0)  # not Tuesday's
    # A board started afresh builds nothing twice either.
    Rollup(db, CITY_ZONE, 30, clock=lambda: NOW).refresh()
    assert _issued_on(db, MONDAY.date()) == (5, 2)


def _uplinked(probe: Probe, topics: Topics, last_seq: int) -> list[UplinkEvent]:
    """The center's uplink events up to `last_seq`, acknowledged as they come, checked as the
    city's aggregator checks them."""
    found: dict[int, UplinkEvent] = {}
    while len(found) < last_seq:
        payload = probe.next(topics.uplink_event, timeout=15)[1]
        events, refused = decode_uplink(json.dumps(payload).encode())
        assert refused == []
        found.update((e.seq, e) for e in events)
        probe.publish(topics.uplink_ack, {"v": 1, "epoch": str(events[0].epoch),
                                          "acked_seq": max(found)}, retain=True)
    return [found[seq] for seq in sorted(found)]


def _offline_ticket(number: str, printed: datetime) -> dict[str, Any]:
    return {"v": 1, "request_id": str(uuid.uuid4()), "id": uuid.uuid4().hex, "number": number,
            "service": "HT", "issued_at": printed.isoformat(), "ahead": 0, "eta_s": 0}


def test_the_uplink_dates_an_offline_ticket_when_printed_and_the_city_counts_it_then(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path,
        city_dsn: str) -> None:
    config = config.model_copy(update={"uplink": UplinkSection(enabled=True, window=500)})
    monday_evening = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 16:30 in Hà Nội
    clock = FakeClock(monday_evening)
    probe.subscribe(topics.uplink_event)
    probe.subscribe(topics.kiosk_reply("kiosk-1"))
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe,
                        clock=clock) as role:
        ask_ticket(probe, topics, "HT")
        assert command(probe, topics, 1, "call_next")["ticket"]["number"] == "1001"
        clock.now = monday_evening + timedelta(hours=16, minutes=30)  # Tuesday 09:00
        assert ask_ticket(probe, topics, "HT")["ticket"]["number"] == "1001"
        printed = {"1800": monday_evening + timedelta(minutes=20),  # Monday 16:50, offline
                   "1801": clock.now + timedelta(minutes=30)}  # a kiosk clock 30 min ahead
        for number, moment in printed.items():
            probe.publish(topics.kiosk_offline_issued("kiosk-1"), _offline_ticket(number, moment))
            assert probe.next(topics.kiosk_reply("kiosk-1"))[1]["ok"]
        with role.store.snapshot() as tx:
            last = tx.last_event_seq()
        events = _uplinked(probe, topics, last)
    offline = [e for e in events if e.type == TICKET_OFFLINE]
    assert [e.at for e in offline] == [printed["1800"], clock.now]  # never after it was stored

    db = BoardDb(city_dsn)
    db.apply_tables()
    store(city_dsn, [(config.site.id, config.site.name)], [])
    tuesday = clock.now.astimezone(CITY_ZONE).date()
    rollup = Rollup(db, CITY_ZONE, 30, clock=lambda: clock.now + timedelta(days=1))
    store_events(city_dsn, config.site.id, events[:-3])  # all but the two offline tickets' events
    rollup.refresh()
    monday = tuesday - timedelta(days=1)
    assert [(d, f.total.issued) for _, d, f in db.stored_days(monday, tuesday)] == [
        (monday, 1), (tuesday, 1)]
    store_events(city_dsn, config.site.id, events[-3:])
    rollup.refresh()
    assert [(d, f.total.issued, f.total.offline) for _, d, f in db.stored_days(monday, tuesday)] == [
        (monday, 2, 1), (tuesday, 2, 1)]
