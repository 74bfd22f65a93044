"""The counter unit's rating buttons and LEDs on gpiozero mock pins, against a real mosquitto."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from display.role import DisplayRole
from harness.event_stream import EventStream
from harness.mqtt_probe import Probe
from tests.support.display import counter_state, counter_unit
from xephang.config import SiteConfig
from xephang.mosquitto import Mosquitto
from xephang.protocol import Topics

VERY_SATISFIED_PIN, VERY_SATISFIED_LED, CALL_NEXT_LED = 5, 16, 24  # config/site.toml, counter-5


def lit(mock_pins: Any, pin: int, timeout: float = 2.0) -> bool:
    """Whether the LED comes on within `timeout` (gpiozero drives it from the pressing thread)."""
    deadline = time.monotonic() + timeout
    while not mock_pins.pin(pin).state:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def unit(config: SiteConfig, mosquitto: Mosquitto, probe: Probe, mock_pins: Any
         ) -> Iterator[DisplayRole]:
    with counter_unit(config, mosquitto.access("counter-5"), probe, counter_state("serving", "1023")) as role:
        yield role


def press(mock_pins: Any, pin: int) -> None:
    mock_pins.pin(pin).drive_low()
    mock_pins.pin(pin).drive_high()


def test_a_rating_is_sent_once_for_the_served_ticket_and_its_led_confirms(
    unit: DisplayRole, mock_pins: Any, probe: Probe, topics: Topics
) -> None:
    probe.publish(topics.counter_state(5), counter_state("idle"), retain=True)  # service ended
    events = EventStream(f"{unit.http_url}/events")
    events.wait_for("state", lambda s: s["number"] is None and s["status"] == "idle")
    events.close()
    assert not mock_pins.pin(VERY_SATISFIED_LED).state
    press(mock_pins, VERY_SATISFIED_PIN)
    press(mock_pins, VERY_SATISFIED_PIN)  # a double press
    _, command = probe.next(topics.counter_command(5))
    assert (command["action"], command["args"]) == ("rate", {"rating": "very_satisfied",
                                                             "ticket": "t-1023"})
    assert lit(mock_pins, VERY_SATISFIED_LED)
    assert not mock_pins.pin(CALL_NEXT_LED).state
    probe.publish(topics.counter_reply(5), {"v": 1, "command_id": command["command_id"], "ok": True})
    outcome = unit.screen.press("very_satisfied")  # type: ignore[union-attr]
    deadline = time.monotonic() + 5
    while outcome.code == "busy" and time.monotonic() < deadline:  # until the reply has arrived
        time.sleep(0.01)
        outcome = unit.screen.press("very_satisfied")  # type: ignore[union-attr]
    assert outcome.code == "already_rated"
    with pytest.raises(AssertionError):
        probe.next(topics.counter_command(5), timeout=0.5)


def test_transfer_sends_the_citizen_to_the_configured_service(
    unit: DisplayRole, mock_pins: Any, probe: Probe, topics: Topics
) -> None:
    press(mock_pins, 23)  # "Chuyển"
    _, command = probe.next(topics.counter_command(5))
    assert (command["action"], command["args"]) == ("transfer", {"service": "TKQ"})
