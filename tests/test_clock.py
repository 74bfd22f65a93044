"""Clocks: a device whose clock is not synchronised says so on the manager's board, and the broker
refuses to number tickets on a clock that runs behind its own newest ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from broker.devices import Devices
from broker.role import BrokerRole
from broker.web.board import describe_problems
from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from tests.support.broker import ask_ticket, wait_ready
from tests.support.fake_clock import FakeClock
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def test_a_kiosk_with_an_unsynchronised_clock_shows_it_on_the_board(
        mosquitto: Mosquitto, devices: Devices, tmp_path: Path) -> None:
    kiosk = RoleProcess("kiosk", mosquitto.access("kiosk-1"), tmp_path, "--id", "kiosk-1",
                        "--output", str(tmp_path / "tickets"),
                        env={"XEPHANG_CLOCK": "fake-unsynced"}).start()
    try:
        seen = devices.wait_for("kiosk-1", lambda d: "clock" in d.detail, timeout=10)
        assert seen is not None and seen.online
        assert describe_problems(seen.detail) == "Đồng hồ chưa đồng bộ giờ"
    finally:
        kiosk.stop()


def _broker(config: SiteConfig, mosquitto: Mosquitto, db: Path, clock: FakeClock) -> BrokerRole:
    role = BrokerRole(config, mqtt=mosquitto.access("broker"), db_path=db, http=None, clock=clock)
    role.start()
    return role


def test_the_broker_will_not_number_tickets_on_a_clock_behind_its_newest_ticket(
        config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics,
        devices: Devices, tmp_path: Path) -> None:
    evening = datetime(2026, 11, 27, 9, 55, tzinfo=UTC)  # 16:55 in Hà Nội
    clock = FakeClock(evening)
    role = _broker(config, mosquitto, tmp_path / "q.db", clock)
    try:
        wait_ready(probe, topics)
        assert ask_ticket(probe, topics, "HT")["ticket"]["number"] == "1001"
    finally:
        role.stop()

    # A Pi without a real-time clock boots at the time it last saved, hours in the past.
    clock.now = evening - timedelta(hours=3)
    role = _broker(config, mosquitto, tmp_path / "q.db", clock)
    try:
        broker = devices.wait_for("broker", lambda d: d.online and bool(d.detail), timeout=10)
        assert broker is not None
        assert describe_problems(broker.detail) == "Đồng hồ máy chủ chạy sai (sớm hơn vé đã cấp)"
        refused = ask_ticket(probe, topics, "HT")
        assert (refused["ok"], refused["error"]) == (False, "clock_wrong")
        assert "13:55 ngày 27/11/2026" in refused["detail"]  # what the clock says, local time
        assert "16:55 ngày 27/11/2026" in refused["detail"]  # the newest ticket it is behind

        clock.now = evening + timedelta(hours=15)  # chrony set it right: the next morning's numbers
        role.clock.check()
        assert devices.wait_for("broker", lambda d: not d.detail, timeout=10) is not None
        assert ask_ticket(probe, topics, "HT")["ticket"]["number"] == "1001"
    finally:
        role.stop()
