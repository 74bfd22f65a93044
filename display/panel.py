"""The counter unit's physical panel: staff and rating buttons on GPIO, an LED beside each.

Every press goes through the screen, which decides (double press, offline, already rated); only a
press it took lights the button's LED, so the person pressing sees it counted.
"""

from __future__ import annotations

import logging
from typing import Any

from display.counter import CounterScreen
from hardware.buttons import ButtonLights, ServiceButtons
from hardware.errors import ButtonsUnavailable
from xephang.config import Display
from xephang.health import DeviceProblems

log = logging.getLogger(__name__)


class CounterPanel:
    def __init__(self, display: Display, pin_factory: Any = None) -> None:
        self._pins = {**{str(a): p for a, p in display.buttons.items()},
                      **{str(r): p for r, p in display.rating_buttons.items()}}
        self._led_pins = {str(name): pin for name, pin in display.leds.items()}
        self._factory = pin_factory
        self._screen: CounterScreen | None = None
        self._buttons: ServiceButtons | None = None
        self._lights: ButtonLights | None = None

    def start(self, screen: CounterScreen, problems: DeviceProblems) -> None:
        self._screen = screen
        if not self._pins:
            return
        try:
            self._buttons = ServiceButtons(self._pins, self._pressed, factory=self._factory)
            if self._led_pins:
                self._lights = ButtonLights(self._led_pins, factory=self._factory)
        except ButtonsUnavailable as exc:
            # The page's buttons still work; the screen and the device status say what is wrong.
            log.error("%s", exc)
            screen.set_buttons_broken(str(exc.__cause__ or exc))
            problems.set("buttons", "buttons_unavailable")

    def _pressed(self, name: str) -> None:
        assert self._screen is not None
        outcome = self._screen.press(name)
        log.info("button %s: %s", name, outcome.code)
        if outcome.ok and self._lights is not None:
            self._lights.flash(name)

    def close(self) -> None:
        if self._buttons is not None:
            self._buttons.close()
        if self._lights is not None:
            self._lights.close()
