"""The display's exception family."""

from __future__ import annotations

from xephang.errors import XephangError


class DisplayError(XephangError):
    """The display cannot run as configured (e.g. its page's port is taken)."""


class VoiceUnavailable(DisplayError, RuntimeError):
    """The configured voice cannot speak: espeak-ng missing or failing, a clip set incomplete."""
