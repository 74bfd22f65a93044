"""The display's exception family."""

from __future__ import annotations

from xephang.errors import XephangError


class DisplayError(XephangError):
    """The display cannot run as configured (e.g. its page's port is taken)."""


class ButtonsUnavailable(DisplayError, RuntimeError):
    """No pin factory could drive the buttons, or a pin is missing or already taken."""
