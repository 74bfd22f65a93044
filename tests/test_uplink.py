"""The center's side of the city uplink, with a test client playing the city over the real
Mosquitto: it stores each event by (epoch, seq) and acks its contiguous mark after "committing"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.queue.tickets import Queue
from broker.store.db import Store
from broker.uplink import batches
from harness.mqtt_probe import Probe
from tests.support.broker import running_broker
from tests.support.paths import SITE_TOML
from xephang.config import SiteConfig, UplinkSection, load_config
from xephang.errors import ConfigError
from xephang.mosquitto import Mosquitto
from xephang.protocol import (
    UPLINK_BATCH_BYTES,
    UPLINK_BATCH_EVENTS,
    CounterCommand,
    TicketRequest,
    Topics,
    UplinkEvent,
)

ALLOWED = {"v", "epoch", "seq", "at", "type", "service", "counter", "priority", "wait_s",
           "service_s", "rating", "account"}
ID_HASH = "ab" * 32


def with_uplink(config: SiteConfig, window: int = 10, rewind_s: float = 1.0) -> SiteConfig:
    return config.model_copy(update={"uplink": UplinkSection(enabled=True, window=window,
                                                             rewind_s=rewind_s)})


def a_day_of_events(config: SiteConfig, db: Path, citizens: int) -> int:
    """Tickets issued (by CCCD, with a dossier code), called, served and rated; the events made."""
    store = Store(db)
    queue = Queue(config, store)
    for _ in range(citizens):
        queue.issue(TicketRequest(request_id=uuid.uuid4(), service="HT", source="cccd",
                                  id_hash=ID_HASH, dossier_code="HS-000123"), "kiosk-1")
        for action in ("call_next", "done"):
            queue.command(1, CounterCommand(command_id=uuid.uuid4(), action=action))
        queue.command(1, CounterCommand(command_id=uuid.uuid4(), action="rate",
                                        args={"rating": "satisfied"}))
    with store.snapshot() as tx:
        return tx.last_event_seq()


class City:
    """Stores each event once by (epoch, seq); acks its contiguous mark, retained, after storing."""

    def __init__(self, probe: Probe, topics: Topics) -> None:
        self.probe, self.topics = probe, topics
        self.stored: dict[tuple[str, int], dict[str, Any]] = {}
        self.arrivals: list[int] = []
        self.marks: dict[str, int] = {}
        self.messages = 0
        probe.subscribe(topics.uplink_event)

    def collect(self, epoch_events: int, *, drop: frozenset[int] = frozenset(),
                ack_every: int = 1) -> str:
        """Receive until one epoch's `epoch_events` are all stored; returns that epoch."""
        dropped: set[int] = set()
        while True:
            for event in self.next_batch():
                epoch, seq = event["epoch"], event["seq"]
                self.arrivals.append(seq)
                if seq in drop and seq not in dropped:  # lost on the way, once
                    dropped.add(seq)
                    continue
                if self.store(event, ack_every, epoch_events) == epoch_events:
                    return str(epoch)

    def next_batch(self) -> list[dict[str, Any]]:
        batch = self.probe.next(self.topics.uplink_event, timeout=15)[1]
        self.messages += 1
        assert set(batch) == {"v", "events"}
        events: list[dict[str, Any]] = batch["events"]
        return events

    def store(self, event: dict[str, Any], ack_every: int, epoch_events: int) -> int:
        """Store one event; ack the epoch's contiguous mark (every `ack_every`) and return it."""
        epoch = event["epoch"]
        self.stored.setdefault((epoch, event["seq"]), event)
        mark = self.marks.get(epoch, 0)
        while (epoch, mark + 1) in self.stored:
            mark += 1
        self.marks[epoch] = mark
        if mark % ack_every == 0 or mark == epoch_events:
            self.probe.publish(self.topics.uplink_ack,
                               {"v": 1, "epoch": epoch, "acked_seq": mark}, retain=True)
        return mark


def test_every_event_reaches_the_city_once_in_order_through_the_window(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    # The product's wait before sending again: a quicker one would ask every ack to come within
    # it, which a loaded machine need not (the test with losses below shows the rewind).
    config = with_uplink(config, window=10, rewind_s=UplinkSection().rewind_s)
    db = tmp_path / "queue.db"
    total = a_day_of_events(config, db, citizens=15)
    city = City(probe, topics)
    with running_broker(config, mosquitto.access("broker"), db, probe):
        epoch = city.collect(total, ack_every=4)  # the city acks late, in batches
    assert sorted(seq for e, seq in city.stored if e == epoch) == list(range(1, total + 1))
    assert city.arrivals == list(range(1, total + 1)), "nothing lost: nothing is sent twice"
    assert city.messages < total / 2, "events go up several to a message"
    with Store(db).snapshot() as tx:
        assert tx.uplink_acked_seq() == total  # stored: retention may now reduce these days
    types = {event["type"] for event in city.stored.values()}
    assert {"ticket_issued", "ticket_called", "ticket_done", "ticket_rated"} <= types
    served = [e for e in city.stored.values() if e["type"] == "ticket_done"]
    assert all(e["service_s"] is not None and e["service"] == "HT" for e in served)
    rated = [e for e in city.stored.values() if e["type"] == "ticket_rated"]
    assert {e["rating"] for e in rated} == {"satisfied"}


def test_events_the_city_lost_are_sent_again_when_its_mark_stalls(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    config = with_uplink(config, window=8, rewind_s=1.0)
    db = tmp_path / "queue.db"
    total = a_day_of_events(config, db, citizens=8)
    city = City(probe, topics)
    with running_broker(config, mosquitto.access("broker"), db, probe):
        epoch = city.collect(total, drop=frozenset({3, 17, total}))
    assert sorted(seq for e, seq in city.stored if e == epoch) == list(range(1, total + 1))
    assert {3, 17, total} <= {seq for seq in city.arrivals if city.arrivals.count(seq) > 1}


def test_a_replaced_database_starts_a_new_epoch_at_seq_1(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    config = with_uplink(config)
    city = City(probe, topics)
    old_db, new_db = tmp_path / "old.db", tmp_path / "new.db"
    old_total = a_day_of_events(config, old_db, citizens=2)
    with running_broker(config, mosquitto.access("broker"), old_db, probe):
        old_epoch = city.collect(old_total)
    new_total = a_day_of_events(config, new_db, citizens=3)  # a re-imaged Pi, the old ack retained
    with running_broker(config, mosquitto.access("broker"), new_db, probe):
        new_epoch = city.collect(new_total)
    assert new_epoch != old_epoch
    assert city.arrivals[old_total] == 1, "the new database starts again at seq 1"
    assert sorted(seq for e, seq in city.stored if e == new_epoch) == list(range(1, new_total + 1))
    assert len(city.stored) == old_total + new_total


def test_no_citizen_data_goes_up(config: SiteConfig, mosquitto: Mosquitto, probe: Probe,
                                 topics: Topics, tmp_path: Path) -> None:
    config = with_uplink(config)
    db = tmp_path / "queue.db"
    total = a_day_of_events(config, db, citizens=3)
    with Store(db).snapshot() as tx:
        ticket_ids = {e.ticket for e in tx.events_after(0) if e.ticket}
    city = City(probe, topics)
    with running_broker(config, mosquitto.access("broker"), db, probe):
        city.collect(total)
    for event in city.stored.values():
        assert set(event) <= ALLOWED
        text = str(event)
        assert ID_HASH not in text and "HS-000123" not in text and "kiosk" not in text
        assert not any(ticket_id in text for ticket_id in ticket_ids)


def test_retention_is_held_from_the_start_until_the_city_acks(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    config = with_uplink(config, window=5)
    db = tmp_path / "queue.db"
    total = a_day_of_events(config, db, citizens=3)
    probe.subscribe(topics.uplink_event)
    with running_broker(config, mosquitto.access("broker"), db, probe) as role:
        window: list[int] = []
        while len(window) < 5:  # the first window, in one batch or more
            window += [event["seq"] for event in probe.next(topics.uplink_event)[1]["events"]]
        assert role.uplink is not None
        epoch = str(role.uplink.epoch)
        probe.publish(topics.uplink_ack, {"v": 1, "epoch": str(uuid.uuid4()), "acked_seq": 5},
                      retain=True)  # another database's ack moves nothing
        probe.publish(topics.uplink_ack, {"v": 1, "epoch": epoch, "acked_seq": 3}, retain=True)
        probe.wait_for(topics.uplink_event,
                       lambda batch: any(e["seq"] == 8 for e in batch["events"]))
    assert window == [1, 2, 3, 4, 5]
    with Store(db).snapshot() as tx:
        assert tx.uplink_acked_seq() == 3 < total


def test_the_uplink_section_is_checked_and_off_by_default(tmp_path: Path) -> None:
    assert load_config(SITE_TOML).uplink.enabled is False
    path = tmp_path / "site.toml"
    path.write_text(SITE_TOML.read_text(encoding="utf-8") + "\n[uplink]\nenabled = true\n"
                    "window = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"uplink\.window"):
        load_config(path)
    path.write_text(SITE_TOML.read_text(encoding="utf-8") + "\n[uplink]\nenabled = true\n",
                    encoding="utf-8")
    assert load_config(path).uplink == UplinkSection(enabled=True, window=500, rewind_s=30.0)


def test_a_batch_stays_within_the_message_limits_in_seq_order() -> None:
    epoch = uuid.uuid4()
    at = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    long = [UplinkEvent(epoch=epoch, seq=seq, at=at, type="ticket_called", counter=3, wait_s=60,
                        account="c" * 64, service="HT", priority="none", service_s=9,
                        rating="satisfied") for seq in range(1, 1001)]
    short = [UplinkEvent(epoch=epoch, seq=seq, at=at, type="ticket_issued")
             for seq in range(1, 1001)]
    for events in (long, short):
        packed = list(batches(events))
        assert [e.seq for batch in packed for e in batch.events] == list(range(1, 1001))
        assert all(len(batch.encode()) <= UPLINK_BATCH_BYTES for batch in packed)
        assert all(len(batch.events) <= UPLINK_BATCH_EVENTS for batch in packed)
    assert len(list(batches(short))) == 1000 // UPLINK_BATCH_EVENTS
