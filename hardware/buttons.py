"""Physical push buttons through gpiozero, one per name (a service code, a counter action).

Nothing touches GPIO at import time. The pin factory is gpiozero's default (which honours
`GPIOZERO_PIN_FACTORY`, `mock` in the demo and the tests) unless one is passed by name or object.
gpiozero's `bounce_time` does nothing on mock pins and `when_pressed` runs in whichever thread
pressed, so callers guard against double presses themselves and must return quickly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from hardware.errors import ButtonsUnavailable

log = logging.getLogger(__name__)

BOUNCE_S = 0.05
HINT = ("on a Pi install python3-lgpio; off a Pi set GPIOZERO_PIN_FACTORY=mock "
        "to use the touch page only")


def pin_factory(name: str) -> Any:
    """A gpiozero pin factory by its registered name (`mock`, `lgpio`, `rpigpio`, `native`, …)."""
    factories = {ep.name.lower(): ep for ep in entry_points(group="gpiozero_pin_factories")}
    entry = factories.get(name.lower())
    if entry is None:
        raise ButtonsUnavailable(
            f"unknown GPIO pin factory {name!r}; valid: {', '.join(sorted(factories))}"
        )
    return entry.load()()


class ServiceButtons:
    """Buttons wired between a BCM pin and ground; `on_press(name)` runs on every press."""

    def __init__(self, pins: Mapping[str, int], on_press: Callable[[str], object],
                 *, factory: Any | str | None = None) -> None:
        self._on_press = on_press
        self._factory = pin_factory(factory) if isinstance(factory, str) else factory
        self._buttons: dict[str, Any] = {}
        from gpiozero.exc import GPIOZeroError

        try:
            for name, pin in pins.items():
                self._buttons[name] = self._make(name, pin)
        except GPIOZeroError as exc:  # no pin factory here, a pin in use, an invalid pin…
            self.close()
            raise ButtonsUnavailable(f"cannot set up the buttons {dict(pins)}: {exc} ({HINT})") from exc

    def _make(self, name: str, pin: int) -> Any:
        from gpiozero import Button

        button = Button(pin, pull_up=True, bounce_time=BOUNCE_S, pin_factory=self._factory)
        button.when_pressed = lambda: self._pressed(name)
        log.debug("button %s on BCM %d", name, pin)
        return button

    def _pressed(self, name: str) -> None:
        log.info("button %s pressed", name)
        self._on_press(name)

    @property
    def names(self) -> list[str]:
        return list(self._buttons)

    @property
    def is_mock(self) -> bool:
        from gpiozero.pins.mock import MockPin

        return any(isinstance(button.pin, MockPin) for button in self._buttons.values())

    def press(self, name: str) -> bool:
        """Press a button in software: drive a mock pin (the real path), else call the handler.

        Returns False if there is no button by that name.
        """
        button = self._buttons.get(name)
        if button is None:
            return False
        if self.is_mock:
            button.pin.drive_low()
            button.pin.drive_high()
        else:
            self._pressed(name)
        return True

    def close(self) -> None:
        for button in self._buttons.values():
            button.close()
        self._buttons.clear()


class ButtonLights:
    """An LED beside each button, lit for `on_s` seconds when a press was taken (not when ignored)."""

    def __init__(self, pins: Mapping[str, int], *, factory: Any | str | None = None,
                 on_s: float = 1.0) -> None:
        from gpiozero import LED
        from gpiozero.exc import GPIOZeroError

        self._on_s = on_s
        self._factory = pin_factory(factory) if isinstance(factory, str) else factory
        self._leds: dict[str, Any] = {}
        self._timers: dict[str, threading.Timer] = {}
        try:
            for name, pin in pins.items():
                self._leds[name] = LED(pin, pin_factory=self._factory)
        except GPIOZeroError as exc:
            self.close()
            raise ButtonsUnavailable(f"cannot set up the LEDs {dict(pins)}: {exc} ({HINT})") from exc

    def flash(self, name: str) -> None:
        led = self._leds.get(name)
        if led is None:
            return
        led.on()
        previous = self._timers.pop(name, None)
        if previous is not None:
            previous.cancel()  # a new press keeps it lit for the full time again
        timer = threading.Timer(self._on_s, led.off)
        timer.daemon = True
        self._timers[name] = timer
        timer.start()

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        for led in self._leds.values():
            led.close()
        self._leds.clear()
