"""Helpers shared by the broker tests: a running broker, a kiosk's request, a counter's command."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from broker.role import BrokerRole
from broker.store.db import utc_now
from harness.mqtt_probe import Probe
from xephang.config import SiteConfig
from xephang.mqtt_access import MqttAccess
from xephang.protocol import Topics


@contextmanager
def running_broker(config: SiteConfig, mqtt: MqttAccess, db_path: Path, probe: Probe,
                   http: bool = False, clock: Callable[[], datetime] = utc_now
                   ) -> Iterator[BrokerRole]:
    role = BrokerRole(config, mqtt=mqtt, db_path=db_path,
                      http=("127.0.0.1", 0) if http else None, clock=clock)
    role.start()
    try:
        wait_ready(probe, Topics(config.site.id))
        yield role
    finally:
        role.stop()


def wait_ready(probe: Probe, topics: Topics) -> None:
    """The broker publishes retained hall state after subscribing; seeing it means it listens."""
    probe.subscribe(topics.hall_state)
    probe.next(topics.hall_state, timeout=10)


def ask_ticket(probe: Probe, topics: Topics, service: str = "HT", *, kiosk: str = "kiosk-1",
               request_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """Publish a kiosk request and return the broker's reply to it."""
    rid = request_id or str(uuid.uuid4())
    reply_topic = topics.kiosk_reply(kiosk)
    probe.subscribe(reply_topic)
    probe.publish(topics.kiosk_request(kiosk),
                  {"v": 1, "request_id": rid, "service": service, "source": "button", **extra})
    return probe.wait_for(reply_topic, lambda r: r.get("request_id") == rid)


def command(probe: Probe, topics: Topics, counter: int | str, action: str, /, *,
            command_id: str | None = None, **args: Any) -> dict[str, Any]:
    """Send a counter's command (its `args` as keywords, `counter=` among them for a transfer) and
    return the broker's reply to it."""
    cid = command_id or str(uuid.uuid4())
    reply_topic = topics.counter_reply(counter)
    probe.subscribe(reply_topic)
    probe.publish(topics.counter_command(counter),
                  {"v": 1, "command_id": cid, "action": action, "args": args})
    return probe.wait_for(reply_topic, lambda r: r.get("command_id") == cid)
