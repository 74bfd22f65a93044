"""Numbers, times and dates the Vietnamese way: 1.234 · 12,5 · 08:15 · 23/11/2026."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def vn_int(value: float | None) -> str:
    return "—" if value is None else f"{round(value):,}".replace(",", ".")


def vn_dec(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def minutes(seconds: float | None) -> str:
    """A duration in minutes with one decimal: 754 s -> "12,6"."""
    return "—" if seconds is None else vn_dec(seconds / 60)


def clock(moment: datetime | None, zone: ZoneInfo) -> str:
    return "—" if moment is None else moment.astimezone(zone).strftime("%H:%M")


def vn_date(day: str | date) -> str:
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return value.strftime("%d/%m/%Y")


def percent(part: float, whole: float) -> str:
    return "—" if not whole else vn_dec(100 * part / whole) + "%"


def duration_vi(seconds: float) -> str:
    """A down time in Vietnamese: "dưới 1 phút", "45 phút", "2 giờ 05 phút"."""
    total = int(seconds // 60)
    if total < 1:
        return "dưới 1 phút" if seconds > 0 else "0 phút"
    hours, mins = divmod(total, 60)
    return f"{hours} giờ {mins:02d} phút" if hours else f"{mins} phút"
