"""The `event` stream is at least once: a change committed but not published before a crash is
published when the broker comes back, and a fresh call among them is announced again."""

from __future__ import annotations

import uuid
from pathlib import Path

from broker.queue.tickets import Queue
from broker.store.db import Store
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import CounterCommand, TicketRequest, Topics


def commit_without_publishing(config: SiteConfig, db: Path) -> None:
    """What a broker killed between its commit and its publish leaves behind."""
    queue = Queue(config, Store(db))
    queue.issue(TicketRequest(request_id=uuid.uuid4(), service="HT"), "kiosk-1")
    queue.command(1, CounterCommand(command_id=uuid.uuid4(), action="call_next"))


def published_seq(store: Store) -> int:
    with store.snapshot() as tx:
        return tx.published_seq()


def test_unpublished_events_and_calls_are_published_after_a_restart(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    db = tmp_path / "queue.db"
    commit_without_publishing(config, db)
    probe.subscribe(topics.event)
    probe.subscribe(topics.hall_announce)
    with running_broker(config, mosquitto.access("broker"), db, probe):
        events = [probe.next(topics.event)[1] for _ in range(2)]
        assert [(e["seq"], e["type"]) for e in events] == [(1, "ticket_issued"), (2, "ticket_called")]
        call = probe.next(topics.hall_announce)[1]
        assert call["text"] == "Mời công dân có số thứ tự 1001 đến quầy số 1"
        assert call["call_id"] == "call-2"


def test_acknowledged_events_are_not_published_again(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        tmp_path: Path) -> None:
    db = tmp_path / "queue.db"
    probe.subscribe(topics.event)
    with running_broker(config, mosquitto.access("broker"), db, probe):
        ask_ticket(probe, topics)
        assert probe.next(topics.event)[1]["seq"] == 1
    assert published_seq(Store(db)) == 1  # Mosquitto's acknowledgement, stored at the latest on stop
    with running_broker(config, mosquitto.access("broker"), db, probe):
        ask_ticket(probe, topics)
        first_after_restart = probe.next(topics.event)[1]
        assert first_after_restart["seq"] == 2, "event 1 was acknowledged; it is not sent again"
