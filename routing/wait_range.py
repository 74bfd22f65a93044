"""The wait printed on a ticket: an honest range around the estimate, never a promise.

One definition for the kiosk that prints it, the broker that estimates it and the simulator that
measures how often real waits fall inside it.
"""

from __future__ import annotations

import math

from xephang.protocol import Ticket, WaitRange

RANGE_LOW = 0.6  # of the estimate
RANGE_HIGH = 1.3  # of the estimate, plus RANGE_SLACK_S
RANGE_SLACK_S = 120.0
LONG_WAIT_MIN = 180
FINE_BELOW_MIN = 10  # a forecast range below this many minutes is given to the minute


def wait_range(eta_s: float, round_min: int = 5) -> tuple[int, int]:
    """The range printed on a ticket, in minutes: wide enough to be honest, rounded outwards."""
    step = round_min
    low = math.floor(eta_s * RANGE_LOW / 60 / step) * step
    high = math.ceil((eta_s * RANGE_HIGH + RANGE_SLACK_S) / 60 / step) * step
    return low, max(high, low + step)


def within(wait_s: float, eta_s: float, round_min: int = 5) -> bool:
    low, high = wait_range(eta_s, round_min)
    return low * 60 <= wait_s <= high * 60


Band = tuple[float, float]  # a forecast's 5th and 95th percentile wait, in seconds


def printed_range(eta_s: float, band: Band | None, round_min: int = 5) -> tuple[int, int]:
    """The range printed, in minutes: the forecast's band when there is one, else today's range
    around the estimate."""
    return band_range(band[0], band[1], round_min) if band else wait_range(eta_s, round_min)


def wait_text(eta_s: int, ahead: int, round_min: int = 5, band: Band | None = None) -> str:
    """The range in Vietnamese, as printed and shown: `khoảng 15–25 phút`."""
    if ahead == 0 and (band[1] < 60 if band else eta_s == 0):
        return "Được phục vụ ngay"
    return range_words(*printed_range(eta_s, band, round_min))


def range_words(low: int, high: int) -> str:
    """A printed range (minutes) in words: `khoảng 15–25 phút`, `dưới 5 phút`, `hơn 3 giờ`."""
    if low >= LONG_WAIT_MIN:
        return "hơn 3 giờ"
    if low == 0:
        return f"dưới {high} phút"
    return f"khoảng {low}–{high} phút"


def band_range(low_s: float, high_s: float, round_min: int = 5) -> tuple[int, int]:
    """A forecast's band (forecast/run.py: its 5th–95th percentile, calibrated on simulated days)
    as printed, in minutes, without widening it further: the low end rounded down, the high end to
    the nearest step, at least one step wide. The step is a minute below FINE_BELOW_MIN minutes
    (`khoảng 3–6 phút`), `round_min` above (`khoảng 25–40 phút`): rounding a short wait outwards to
    five minutes made the range as wide as today's (bench/forecast.py). Past the horizon it reads
    as LONG_WAIT_MIN."""
    low_min = min(low_s, LONG_WAIT_MIN * 60.0) / 60
    low = math.floor(low_min / _step(low_min, round_min)) * _step(low_min, round_min)
    high_min = min(high_s, (LONG_WAIT_MIN + round_min) * 60.0) / 60
    step = _step(high_min, round_min)
    high = math.floor(high_min / step + 0.5) * step
    return low, max(high, low + _step(low, round_min))


def _step(minutes: float, round_min: int) -> int:
    return 1 if minutes < FINE_BELOW_MIN else round_min


def band_of(wait: WaitRange | None) -> Band | None:
    return (wait.low_s, wait.high_s) if wait is not None else None


def ticket_wait_text(ticket: Ticket, round_min: int = 5) -> str:
    """A ticket's wait as printed: its forecast range, else the range around its estimate."""
    return wait_text(ticket.eta_s, ticket.ahead, round_min, band_of(ticket.wait))
