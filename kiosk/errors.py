"""The kiosk's exception family."""

from __future__ import annotations

from xephang.errors import XephangError


class KioskError(XephangError):
    """Something the kiosk needs is missing or failed."""


class FontsMissing(KioskError, FileNotFoundError):
    """The DejaVu fonts that print Vietnamese are not installed."""
