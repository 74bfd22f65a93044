"""Device health: every device's retained status and last will reach the broker's live list."""

from __future__ import annotations

from pathlib import Path

from broker.devices import Devices
from broker.web.board import describe_problems
from harness.mqtt_probe import Probe
from harness.role_process import RoleProcess
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics


def test_a_display_is_online_then_offline_by_its_last_will(
        mosquitto: Mosquitto, devices: Devices, tmp_path: Path) -> None:
    display = RoleProcess("display", mosquitto.access("hall-1"), tmp_path, "--id", "hall-1").start()
    try:
        online = devices.wait_for("hall-1", lambda d: d.online, timeout=10)
        assert online is not None and online.version
        display.kill()  # a power cut: no goodbye, mosquitto sends the last will
        offline = devices.wait_for("hall-1", lambda d: not d.online, timeout=10)
        assert offline is not None and offline.seen >= online.seen
    finally:
        display.stop()


def test_problems_are_listed_in_vietnamese(devices: Devices, probe: Probe,
                                           topics: Topics) -> None:
    probe.publish(topics.device_status("kiosk-1"),
                  {"v": 1, "status": "online", "version": "0.1.0",
                   "detail": "paper_out; camera_unavailable"}, retain=True)
    kiosk = devices.wait_for("kiosk-1", lambda d: bool(d.detail), timeout=5)
    assert kiosk is not None
    assert describe_problems(kiosk.detail) == "Máy in hết giấy; Camera không hoạt động"
    assert describe_problems("") == "Bình thường"


def test_a_malformed_status_is_ignored(devices: Devices, probe: Probe, topics: Topics) -> None:
    probe.publish(topics.device_status("kiosk-2"), b"\xff not json")
    probe.publish(topics.device_status("kiosk-2"), {"v": 1, "status": "online"})
    assert devices.wait_for("kiosk-2", lambda d: d.online, timeout=5) is not None
    assert [d.id for d in devices.all()] == ["kiosk-2"]
