"""The whole center as real processes: kiosk button → printed ticket → staff call → hall screen."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from harness.event_stream import EventStream
from harness.role_process import RoleProcess
from harness.web_session import get_json, post_json, staff_session
from xephang.mosquitto import Mosquitto


@pytest.fixture
def center(mosquitto: Mosquitto, tmp_path: Path) -> Iterator[dict[str, RoleProcess]]:
    tickets = tmp_path / "tickets"
    roles = {
        "broker": RoleProcess("broker", mosquitto.access("broker"), tmp_path, "--db", str(tmp_path / "q.db")),
        "kiosk": RoleProcess("kiosk", mosquitto.access("kiosk-1"), tmp_path, "--id", "kiosk-1",
                             "--output", str(tickets)),
        "hall": RoleProcess("display", mosquitto.access("hall-1"), tmp_path, "--id", "hall-1"),
    }
    try:
        for role in roles.values():
            role.start()
        yield roles
    finally:
        for role in roles.values():
            role.stop()


def waiting(state: dict[str, object], code: str) -> int:
    services = state["services"]
    assert isinstance(services, list)
    return int(next(s["waiting"] for s in services if s["code"] == code))


def test_press_print_call_show(center: dict[str, RoleProcess], tmp_path: Path) -> None:
    hall = EventStream(center["hall"].url + "/events")
    kiosk_events = EventStream(center["kiosk"].url + "/events")
    try:
        hall.wait_for("state", lambda s: s["has_state"], timeout=10)

        status, _ = post_json(center["kiosk"].url + "/press/HT")
        assert status == 202
        issued = kiosk_events.wait_for("kiosk", lambda k: k["state"] == "ticket", timeout=10)
        assert issued["number"] == "1001"
        assert issued["service_name"] == "Tư pháp – Hộ tịch"

        png = tmp_path / "tickets" / issued["png"]
        with Image.open(png) as image:
            assert image.mode == "1" and image.width == 576  # the raster sent to an 80 mm printer
        hall.wait_for("state", lambda s: waiting(s, "HT") == 1)

        staff = staff_session(center["broker"].url, tmp_path / "q.db", counters=(1,))
        reply = staff.post_json("/api/counter/1/command",
                                {"command_id": str(uuid.uuid4()), "action": "call_next"})[1]
        assert reply["ok"] and reply["ticket"]["number"] == "1001"
        shown = hall.wait_for("state", lambda s: s["current"] is not None)
        assert (shown["current"]["number"], shown["current"]["counter_label"]) == ("1001", "Quầy 1")
        assert waiting(shown, "HT") == 0

        counter = get_json(center["broker"].url + "/api/state")["counters"][0]
        assert counter["status"] == "calling" and counter["ticket"]["number"] == "1001"
        assert "1001" in staff.get_text("/counter/1")
    finally:
        hall.close()
        kiosk_events.close()
