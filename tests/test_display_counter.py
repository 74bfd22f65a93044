"""The counter unit against a real mosquitto and over real HTTP, its buttons on gpiozero mock pins."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from display.guard import PressGuard
from display.role import DisplayRole
from harness.event_stream import EventStream
from harness.mqtt_probe import Probe
from tests.support.display import AT, counter_state, counter_unit
from tests.support.fake_clock import FakeClock
from tests.support.kiosk import press
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

CALL_NEXT_PIN = 17  # counter-5's buttons in config/site.toml
RECALL_PIN = 27


def http(url: str, method: str = "GET") -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, _body(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _body(error.read())


def _body(data: bytes) -> Any:
    text = data.decode("utf-8")
    return json.loads(text) if text.startswith("{") else text


@pytest.fixture
def unit(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, topics: Topics, mock_pins: Any,
         clock: FakeClock) -> Iterator[DisplayRole]:
    with counter_unit(config, mosquitto.access("counter-5"), probe, counter_state("idle"),
                      PressGuard(clock=clock.monotonic)) as role:
        yield role


@pytest.fixture
def events(unit: DisplayRole) -> Iterator[EventStream]:
    client = EventStream(f"{unit.http_url}/events")
    yield client
    client.close()


def reply(probe: Probe, topics: Topics, command: dict[str, Any], **fields: Any) -> None:
    probe.publish(topics.counter_reply(5), {"v": 1, "command_id": command["command_id"], "ok": True,
                                            **fields})


def test_pressing_call_next_sends_one_command(
    unit: DisplayRole, probe: Probe, topics: Topics, mock_pins: Any
) -> None:
    press(mock_pins, CALL_NEXT_PIN)
    topic, command = probe.next(topics.counter_command(5))
    assert topic == topics.counter_command(5)
    assert (command["v"], command["action"], command["args"]) == (1, "call_next", {})
    assert uuid.UUID(command["command_id"])


def test_a_double_press_sends_one_command(
    unit: DisplayRole, events: EventStream, probe: Probe, topics: Topics, mock_pins: Any,
    clock: FakeClock,
) -> None:
    press(mock_pins, CALL_NEXT_PIN)
    clock.advance(seconds=0.2)
    press(mock_pins, CALL_NEXT_PIN)
    _, first = probe.next(topics.counter_command(5))
    reply(probe, topics, first)
    events.wait_for("state", lambda s: s["message"] is not None)  # the unit has the reply
    clock.advance(seconds=1.5)
    press(mock_pins, RECALL_PIN)  # a marker: the unit's commands arrive in the order it sent them
    _, second = probe.next(topics.counter_command(5))
    assert (first["action"], second["action"]) == ("call_next", "recall")


def test_a_press_while_the_reply_is_awaited_is_ignored(
    unit: DisplayRole, events: EventStream, probe: Probe, topics: Topics, mock_pins: Any,
    clock: FakeClock,
) -> None:
    press(mock_pins, CALL_NEXT_PIN)
    _, first = probe.next(topics.counter_command(5))
    clock.advance(seconds=2.0)  # past the double-press gap, but the broker has not answered yet
    press(mock_pins, CALL_NEXT_PIN)
    ticket = {"id": "t-2004", "number": "2004", "service": "CT", "issued_at": AT, "ahead": 0,
              "eta_s": 0}
    reply(probe, topics, first, ticket=ticket, status="calling")
    state = events.wait_for("state", lambda s: s["message"] is not None)
    assert (state["pending"], state["message"]) == (None, {"ok": True, "text": "Đang gọi số 2004"})
    press(mock_pins, RECALL_PIN)
    _, second = probe.next(topics.counter_command(5))
    assert second["action"] == "recall"


def test_a_refused_command_is_explained_on_screen(
    unit: DisplayRole, events: EventStream, probe: Probe, topics: Topics, mock_pins: Any
) -> None:
    press(mock_pins, CALL_NEXT_PIN)
    _, command = probe.next(topics.counter_command(5))
    probe.publish(topics.counter_reply(5), {"v": 1, "command_id": command["command_id"], "ok": False,
                                            "error": "queue_empty", "detail": "Không còn ai chờ"})
    state = events.wait_for("state", lambda s: s["message"] is not None)
    assert state["message"] == {"ok": False,
                                "text": "Gọi số tiếp không thực hiện được: Không còn ai chờ"}


def test_the_page_buttons_send_commands_too(
    unit: DisplayRole, probe: Probe, topics: Topics, clock: FakeClock
) -> None:
    status, body = http(f"{unit.http_url}/press/no_show", "POST")
    assert (status, body["ok"], body["code"]) == (202, True, "sent")
    _, command = probe.next(topics.counter_command(5))
    assert (command["action"], command["command_id"]) == ("no_show", body["command_id"])
    status, body = http(f"{unit.http_url}/press/no_show", "POST")
    assert (status, body["code"]) == (409, "busy")
    assert http(f"{unit.http_url}/press/teleport", "POST")[0] == 400


def test_the_counter_state_is_shown(
    unit: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.counter_state(5), counter_state("serving", "2003"), retain=True)
    events.wait_for("state", lambda s: s["number"] == "2003")
    status, state = http(f"{unit.http_url}/api/state")
    assert status == 200
    assert (state["label"], state["number"], state["status"], state["status_label"], state["service"]) \
        == ("Quầy 5", "2003", "serving", "Đang phục vụ", "Chứng thực")
    _, html = http(f"{unit.http_url}/")
    for text in ("Quầy 5", "2003", "Đang phục vụ", "Gọi số tiếp", "Gọi lại", "Vắng mặt"):
        assert text in html


def test_the_retained_state_is_there_right_after_start(unit: DisplayRole) -> None:
    _, state = http(f"{unit.http_url}/api/state")
    assert (state["has_state"], state["status_label"], state["number"]) == (True, "Đang chờ gọi số", None)


def test_another_counters_state_and_bad_payloads_are_dropped(
    unit: DisplayRole, events: EventStream, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.counter_state(5), b"\xff\xfe")
    probe.publish(topics.counter_state(5), {**counter_state("serving", "9999"), "counter": 6})
    probe.publish(topics.counter_reply(5), {"v": 1, "ok": True})
    probe.publish(topics.counter_state(5), counter_state("paused"))
    state = events.wait_for("state", lambda s: s["status"] == "paused")
    assert (state["status_label"], state["number"]) == ("Tạm dừng", None)


def test_no_command_is_sent_while_mqtt_is_down(
    unit: DisplayRole, events: EventStream, mosquitto: Mosquitto
) -> None:
    events.wait_for("state", lambda s: s["mqtt_connected"])
    mosquitto.stop()
    events.wait_for("state", lambda s: not s["mqtt_connected"])
    status, body = http(f"{unit.http_url}/press/call_next", "POST")
    assert (status, body["code"]) == (503, "offline")
    assert "Mất kết nối" in body["detail"]


def test_unknown_counter_id_is_a_config_error(config: SiteConfig, mosquitto: Mosquitto) -> None:
    from xephang.errors import ConfigError

    with pytest.raises(ConfigError, match="counter-5"):
        DisplayRole(config, display_id="counter-42", mqtt=mosquitto.access("counter-5"), http=None)
