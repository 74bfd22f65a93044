"""The counter unit's physical staff buttons, read with gpiozero (BCM pin numbers from the config).

gpiozero is imported only when buttons are made, and its pin factory is whatever the environment
names (`GPIOZERO_PIN_FACTORY`, `mock` in the demo) unless one is passed in, so none of this touches a
GPIO pin at import time and tests swap in `MockFactory`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from display.errors import ButtonsUnavailable

log = logging.getLogger(__name__)

PressHandler = Callable[[str], None]


class StaffButtons:
    """One gpiozero Button per action; a press calls `on_press(action)` in gpiozero's thread."""

    def __init__(self, pins: Mapping[str, int], on_press: PressHandler, *,
                 pin_factory: Any = None) -> None:
        from gpiozero import Button
        from gpiozero.exc import GPIOZeroError

        self._buttons: list[Any] = []
        try:
            for action, pin in pins.items():
                # No bounce_time: our PressGuard does the debouncing (bounce_time is a no-op on mocks).
                button = Button(pin, pull_up=True, pin_factory=pin_factory)
                button.when_pressed = _caller(on_press, action)
                self._buttons.append(button)
        except GPIOZeroError as exc:
            self.close()
            raise ButtonsUnavailable(f"cannot read the counter buttons {dict(pins)}: {exc}") from exc
        log.info("staff buttons ready: %s", ", ".join(f"{a}=GPIO{p}" for a, p in pins.items()))

    def close(self) -> None:
        for button in self._buttons:
            button.close()
        self._buttons.clear()


def _caller(on_press: PressHandler, action: str) -> Callable[[], None]:
    def pressed() -> None:
        on_press(action)

    return pressed
