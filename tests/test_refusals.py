"""A service the center cannot serve now is refused with a code and a Vietnamese reason (the same
the kiosk shows on its button), and a transfer that would strand a citizen is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from broker.queue.manager import Desk
from harness.mqtt_probe import Probe
from routing.availability import outside_hours, why_closed
from tests.support.broker import ask_ticket, command, running_broker
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

VX_COUNTERS = (3, 8, 9, 12)


def test_outside_opening_hours_no_ticket_is_issued(
    config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, tmp_path: Path
) -> None:
    config = config.model_copy(update={"site": config.site.model_copy(
        update={"issue_outside_hours": False})})
    evening = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)  # 18:30 in Hà Nội
    with running_broker(config, mosquitto.access("broker"), tmp_path / "late.db", probe,
                        clock=lambda: evening):
        refused = ask_ticket(probe, topics, "HT")
        assert (refused["ok"], refused["error"]) == (False, "outside_hours")
        assert refused["detail"].startswith("Ngoài giờ cấp số (07:30–16:30)")  # the last ticket
    morning = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 09:00
    with running_broker(config, mosquitto.access("broker"), tmp_path / "early.db", probe,
                        clock=lambda: morning):
        assert ask_ticket(probe, topics, "HT")["ok"]


@pytest.mark.parametrize(("local", "detail"), [
    ((11, 45), "Đang giờ nghỉ trưa (11:30–13:30), tạm ngừng cấp số. Mời công dân quay lại lúc 13:30."),
    ((16, 40), "Ngoài giờ cấp số (07:30–16:30). Mời công dân quay lại trong giờ làm việc."),
])
def test_no_ticket_at_lunch_nor_after_the_last_ticket_s_time(local: tuple[int, int], detail: str,
                                                           config: SiteConfig) -> None:
    """The site file's [day]: the kiosk's buttons and the broker refuse alike, with the reason."""
    config = config.model_copy(update={"site": config.site.model_copy(
        update={"issue_outside_hours": False})})
    at = datetime(2026, 11, 27, *local, tzinfo=config.site.zone)
    closed = why_closed(config, "HT", now=at, counter_status={}, issued_today=0)
    assert closed is not None and (closed.reason, closed.detail) == ("outside_hours", detail)
    assert outside_hours(config, at.replace(hour=13, minute=30)) is None


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
        to_closed = command(probe, topics, 1, "transfer", counter=3)
        assert (to_closed["ok"], to_closed["error"]) == (False, "counter_closed")
        to_itself = command(probe, topics, 1, "transfer", service="HT")
        assert (to_itself["ok"], to_itself["error"]) == (False, "same_service")
        to_closed_line = command(probe, topics, 1, "transfer", service="VX")
        assert (to_closed_line["ok"], to_closed_line["error"]) == (False, "service_closed")
        assert command(probe, topics, 1, "transfer", service="CT")["ok"]  # an open line takes it


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
