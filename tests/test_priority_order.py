"""Priority through the real broker and store: within a service a priority ticket is never called
after a normal ticket issued later, whatever the center's interleaving count."""

from __future__ import annotations

from pathlib import Path

from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def test_a_disabled_citizen_is_called_before_a_later_normal_ticket_of_the_same_service(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    assert config.routing.priority_mode == "interleaved"
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe):
        elder = ask_ticket(probe, topics, "HT", priority="elderly")["ticket"]["number"]
        assert command(probe, topics, 1, "call_next")["ticket"]["number"] == elder
        # The center just made a priority call: interleaving would now favour normal tickets.
        disabled = ask_ticket(probe, topics, "DD", priority="disabled")["ticket"]
        later = ask_ticket(probe, topics, "DD")["ticket"]
        assert later["ahead"] == 1
        assert command(probe, topics, 6, "call_next")["ticket"]["number"] == disabled["number"]
        assert command(probe, topics, 6, "call_next")["ticket"]["number"] == later["number"]
