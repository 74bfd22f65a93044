"""A service the center cannot serve now is refused with a code and a Vietnamese reason (the same
the kiosk shows on its button), and a transfer that would strand a citizen is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from broker.queue.manager import Desk
from broker.role import BrokerRole
from harness.mqtt_probe import Probe
from tests.support.broker import ask_ticket, command, running_broker, wait_ready
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

VX_COUNTERS = (3, 8, 9, 12)


@contextmanager
def broker_at(config: SiteConfig, mosquitto: Mosquitto, db: Path, probe: Probe,
              moment: datetime) -> Iterator[BrokerRole]:
    role = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=db, http=None, clock=lambda: moment)
    role.start()
    try:
        wait_ready(probe, Topics(config.site.id))
        yield role
    finally:
        role.stop()


def transfer(probe: Probe, topics: Topics, at: int, **args: Any) -> dict[str, Any]:
    cid = str(uuid.uuid4())
    probe.subscribe(topics.counter_reply(at))
    probe.publish(topics.counter_command(at),
                  {"v": 1, "command_id": cid, "action": "transfer", "args": args})
    return probe.wait_for(topics.counter_reply(at), lambda r: r.get("command_id") == cid)


def test_outside_opening_hours_no_ticket_is_issued(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    config = config.model_copy(update={"site": config.site.model_copy(
        update={"issue_outside_hours": False})})
    evening = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)  # 18:30 in Hà Nội
    with broker_at(config, mosquitto, tmp_path / "late.db", probe, evening):
        refused = ask_ticket(probe, topics, "HT")
        assert (refused["ok"], refused["error"]) == (False, "outside_hours")
        assert refused["detail"].startswith("Ngoài giờ cấp số (07:30–17:00)")
    morning = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 09:00
    with broker_at(config, mosquitto, tmp_path / "early.db", probe, morning):
        assert ask_ticket(probe, topics, "HT")["ok"]


def test_a_service_with_every_counter_closed_is_refused_and_shown_closed(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe) as role:
        for counter in VX_COUNTERS:
            role.service.run(lambda c=counter: Desk(role.queue).close(c, None))
        hall = probe.wait_for(topics.hall_state, lambda h: "VX" in h.get("unavailable", {}))
        assert hall["unavailable"]["VX"]["reason"] == "no_open_counter"
        refused = ask_ticket(probe, topics, "VX")
        assert (refused["ok"], refused["error"]) == (False, "no_open_counter")
        assert refused["detail"] == hall["unavailable"]["VX"]["detail"]
        assert "Hiện chưa có quầy nào mở" in refused["detail"]
        assert ask_ticket(probe, topics, "HT")["ok"]


def test_a_transfer_to_a_closed_counter_or_to_its_own_service_is_refused(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe) as role:
        for counter in VX_COUNTERS:
            role.service.run(lambda c=counter: Desk(role.queue).close(c, None))
        ask_ticket(probe, topics, "HT")
        assert command(probe, topics, 1, "call_next")["ok"]
        to_closed = transfer(probe, topics, 1, counter=3)
        assert (to_closed["ok"], to_closed["error"]) == (False, "counter_closed")
        to_itself = transfer(probe, topics, 1, service="HT")
        assert (to_itself["ok"], to_itself["error"]) == (False, "same_service")
        to_closed_line = transfer(probe, topics, 1, service="VX")
        assert (to_closed_line["ok"], to_closed_line["error"]) == (False, "service_closed")
        assert transfer(probe, topics, 1, service="CT")["ok"]  # an open line takes it


def test_a_service_past_its_daily_quota_is_refused(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    services = [s.model_copy(update={"daily_quota": 2}) if s.code == "HT" else s
                for s in config.services]
    config = config.model_copy(update={"services": services})
    with running_broker(config, mosquitto.access("broker"), tmp_path / "queue.db", probe):
        assert ask_ticket(probe, topics, "HT")["ok"] and ask_ticket(probe, topics, "HT")["ok"]
        refused = ask_ticket(probe, topics, "HT")
        assert (refused["ok"], refused["error"]) == (False, "quota_reached")
        assert "đã cấp đủ 2 số trong hôm nay" in refused["detail"]
        assert ask_ticket(probe, topics, "CT")["ok"]
