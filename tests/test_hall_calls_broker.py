"""What the broker tells the hall about calls: each number once among the recent calls, and when
each call was made."""

from __future__ import annotations

import uuid
from pathlib import Path

from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def test_a_ticket_called_again_elsewhere_is_listed_once_with_its_latest_counter(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe):
        first = ask_ticket(probe, topics, "HT")["ticket"]["number"]
        second = ask_ticket(probe, topics, "HT")["ticket"]["number"]
        probe.subscribe(topics.hall_announce)
        assert command(probe, topics, 1, "call_next")["ok"]
        called = probe.next(topics.hall_announce)[1]
        assert called["number"] == first and called["at"]
        probe.subscribe(topics.counter_reply(1))
        probe.publish(topics.counter_command(1), {"v": 1, "command_id": str(uuid.uuid4()),
                                                  "action": "transfer", "args": {"counter": 2}})
        assert probe.next(topics.counter_reply(1))[1]["ok"]
        assert command(probe, topics, 2, "call_next")["ok"]  # the transferred ticket, at 2
        assert command(probe, topics, 1, "call_next")["ok"]
        hall = probe.wait_for(topics.hall_state, lambda h: len(h["recent_calls"]) == 2)
        assert [(c["number"], c["counter"]) for c in hall["recent_calls"]] == [(second, 1),
                                                                               (first, 2)]
