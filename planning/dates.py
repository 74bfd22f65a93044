"""Which dates a staffing plan is made for: the next working day by default, and no date a manager
can only have mistyped (long past, or more than a year ahead). Messages in the manager's words."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from simulation.history import WORKING_DAYS
from xephang.config import SiteConfig

PAST_DAYS = 31  # a plan for a day up to a month ago can still be compared with what happened
AHEAD_DAYS = 366  # a year ahead: further is a mistyped year


def refusal(day: date, today: date) -> str | None:
    """Why no plan is made for `day` (None: it can be)."""
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)
    if first <= day <= last:
        return None
    why = "đã qua quá lâu" if day < first else "còn quá xa"
    return (f"Ngày {vn_day(day)} {why}: chỉ lập kế hoạch cho ngày từ {vn_day(first)} "
            f"đến {vn_day(last)}.")


def past_note(day: date, today: date) -> str:
    """A plan for a day already over is only a comparison: say so."""
    return f"Ngày {vn_day(day)} đã qua." if day < today else ""


WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def closed_day_note(day: date) -> str:
    """A plan for a day the center does not work is made as if it did: say so."""
    if day.weekday() in WORKING_DAYS:
        return ""
    return (f"Ngày {vn_day(day)} là {WEEKDAY_NAMES[day.weekday()]}, trung tâm không làm việc; "
            "kế hoạch dưới đây tính như thể trung tâm vẫn mở cửa.")


def next_workday(config: SiteConfig, now: datetime) -> date:
    """The day a manager plans: today while it is a working day and the center has not closed,
    else the next working day."""
    local = now.astimezone(config.site.zone)
    day = local.date()
    if day.weekday() in WORKING_DAYS and local.time() < config.site.closes:
        return day
    day += timedelta(days=1)
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    return day


def vn_day(day: date) -> str:
    """dd/mm/yyyy with the year in four digits (year 1 as 0001)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
