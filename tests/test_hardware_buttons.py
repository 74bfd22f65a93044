"""Physical buttons on gpiozero's mock pins: pressed like the library's own tests press them."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hardware.buttons import ServiceButtons, pin_factory
from hardware.errors import ButtonsUnavailable


def test_pressing_a_pin_calls_back_with_the_button_name(mock_pins: Any) -> None:
    pressed: list[str] = []
    seen = threading.Event()
    buttons = ServiceButtons({"HT": 5, "CT": 6}, lambda name: (pressed.append(name), seen.set()))
    try:
        mock_pins.pin(6).drive_low()
        mock_pins.pin(6).drive_high()
        assert seen.wait(2)
        assert pressed == ["CT"]
        assert buttons.is_mock
        assert buttons.press("HT")
        assert pressed == ["CT", "HT"]
        assert not buttons.press("XX")
    finally:
        buttons.close()


def test_a_pin_in_use_is_a_clear_error(mock_pins: Any) -> None:
    first = ServiceButtons({"HT": 5}, lambda name: None)
    try:
        with pytest.raises(ButtonsUnavailable, match="HT"):
            ServiceButtons({"HT": 5}, lambda name: None)
    finally:
        first.close()


def test_pin_factory_by_name() -> None:
    from gpiozero.pins.mock import MockFactory

    factory = pin_factory("mock")
    try:
        assert isinstance(factory, MockFactory)
    finally:
        factory.close()
    with pytest.raises(ButtonsUnavailable, match="mock"):
        pin_factory("no-such-factory")
