"""The hardware exception family: each error also is the built-in it resembles."""

from __future__ import annotations

from xephang.errors import XephangError


class HardwareError(XephangError):
    """A device (printer, buttons) is missing, misconfigured or failed."""


class PrinterUnavailable(HardwareError, OSError):
    """The ticket printer cannot be reached, or stopped in the middle of a job."""


class ButtonsUnavailable(HardwareError, RuntimeError):
    """No GPIO pin factory could drive the buttons (e.g. not on a Pi and none named)."""
