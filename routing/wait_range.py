"""The wait printed on a ticket: an honest range around the estimate, never a promise.

One definition for the kiosk that prints it, the broker that estimates it and the simulator that
measures how often real waits fall inside it.
"""

from __future__ import annotations

import math

RANGE_LOW = 0.6  # of the estimate
RANGE_HIGH = 1.3  # of the estimate, plus RANGE_SLACK_S
RANGE_SLACK_S = 120.0
LONG_WAIT_MIN = 180


def wait_range(eta_s: float, round_min: int = 5) -> tuple[int, int]:
    """The range printed on a ticket, in minutes: wide enough to be honest, rounded outwards."""
    step = round_min
    low = math.floor(eta_s * RANGE_LOW / 60 / step) * step
    high = math.ceil((eta_s * RANGE_HIGH + RANGE_SLACK_S) / 60 / step) * step
    return low, max(high, low + step)


def within(wait_s: float, eta_s: float, round_min: int = 5) -> bool:
    low, high = wait_range(eta_s, round_min)
    return low * 60 <= wait_s <= high * 60


def wait_text(eta_s: int, ahead: int, round_min: int = 5) -> str:
    """The range in Vietnamese, as printed and shown: `khoảng 15–25 phút`."""
    if eta_s == 0 and ahead == 0:
        return "Được phục vụ ngay"
    low, high = wait_range(eta_s, round_min)
    if low >= LONG_WAIT_MIN:
        return "hơn 3 giờ"
    if low == 0:
        return f"dưới {high} phút"
    return f"khoảng {low}–{high} phút"
