"""The board's devices page (`/devices`): per center, the devices in trouble now, and a day's
incidents with their down time, from `device_incidents` (written by the aggregator from the centers'
`device_problem` / `device_ok` events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, render_template, request

from broker.reports.formats import duration_vi, vn_date
from city.board.auth import signed_in
from city.board.periods import Periods
from city.board.queries import BoardDb, Center
from xephang.labels import DEVICE_PROBLEM_NAMES
from xephang.protocol import DEVICE_PROBLEMS
from xephang.web import shared

devices_page = Blueprint("devices", __name__)
BAD_DAY = "Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-03-04. Đang hiển thị hôm nay."
UNKNOWN_PROBLEM = "Sự cố khác"

# Incidents still open (partial index) of the database each center sends from now (a re-imaged
# center's old database never ends its own), and those that ended inside the day.
_INCIDENTS = """
SELECT i.site, i.device, i.problem, i.started_at, i.ended_at FROM device_incidents i
JOIN (SELECT DISTINCT ON (site) site, epoch FROM center_marks
      ORDER BY site, last_received_at DESC NULLS LAST) m ON m.site = i.site AND m.epoch = i.epoch
WHERE i.ended_at IS NULL
UNION ALL
SELECT site, device, problem, started_at, ended_at FROM device_incidents
WHERE ended_at > %(start)s AND started_at < %(end)s
ORDER BY site, started_at, device"""


@dataclass(frozen=True)
class Incident:
    device: str
    problem: str  # in Vietnamese
    started_at: datetime
    ended_at: datetime | None  # None: still in trouble

    def down_s(self, start: datetime, end: datetime, now: datetime) -> float:
        """Seconds of this incident inside [start, end), counting an open one until now."""
        until = min(self.ended_at or now, end, now)
        return max(0.0, (until - max(self.started_at, start)).total_seconds())


@dataclass
class CenterDevices:
    center: Center
    incidents: list[Incident] = field(default_factory=list)


def read_incidents(db: BoardDb, start: datetime, end: datetime) -> dict[str, list[Incident]]:
    """Every center's incidents that touch [start, end) or are open, by site."""
    names: dict[str, str] = {kind: DEVICE_PROBLEM_NAMES[kind] for kind in DEVICE_PROBLEMS}
    found: dict[str, list[Incident]] = {}
    with db.connect() as connection:
        for site, device, problem, started, ended in connection.execute(
                _INCIDENTS, {"start": start, "end": end}):
            found.setdefault(site, []).append(
                Incident(device, names.get(problem, UNKNOWN_PROBLEM), started, ended))
    return found


def open_troubles(db: BoardDb) -> dict[str, list[str]]:
    """Per site, its devices in trouble now, in words ("kiosk-1: Máy in hết giấy")."""
    found = read_incidents(db, datetime.max.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    return {site: [f"{i.device}: {i.problem}" for i in incidents if i.ended_at is None]
            for site, incidents in found.items()}


def page_rows(centers: list[Center], found: dict[str, list[Incident]], start: datetime,
              end: datetime, now: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """One row per center: its devices in trouble now, the day's incidents and their down time."""
    rows = []
    for center in centers:
        incidents = found.get(center.site, [])
        today = [i for i in incidents if i.started_at < end and (i.ended_at or now) > start]
        rows.append({
            "site": center.site, "name": center.name, "district": center.district,
            "now": [f"{i.device}: {i.problem}" for i in incidents if i.ended_at is None],
            "count": len(today),
            "down": duration_vi(sum(i.down_s(start, end, now) for i in today)),
            "incidents": [_incident_row(i, start, end, now, zone) for i in today],
        })
    return rows


def _incident_row(incident: Incident, start: datetime, end: datetime, now: datetime,
                  zone: ZoneInfo) -> dict[str, str]:
    return {"device": incident.device, "problem": incident.problem,
            "from": _moment(incident.started_at, start, zone),
            "until": "Chưa khắc phục" if incident.ended_at is None
            else _moment(incident.ended_at, start, zone),
            "down": duration_vi(incident.down_s(start, end, now))}


def _moment(moment: datetime, day_start: datetime, zone: ZoneInfo) -> str:
    """The time of day, with the date when it is not the day shown."""
    local = moment.astimezone(zone)
    same_day = local.date() == day_start.astimezone(zone).date()
    return local.strftime("%H:%M") if same_day else local.strftime("%H:%M %d/%m/%Y")


@devices_page.get("/devices")
@signed_in
def devices() -> str:
    periods = shared("city_periods", Periods)
    day = _day_arg(periods.today)
    start, end = periods.bounds(day)
    now = periods.clock()
    found = read_incidents(periods.db, start, end)
    rows = page_rows(periods.db.centers(), found, start, end, now, periods.zone)
    return render_template("devices.html", rows=rows, day=day, day_vi=vn_date(day),
                           today=day == periods.today, previous=day - timedelta(days=1),
                           next=day + timedelta(days=1),
                           troubled=sum(bool(row["now"]) for row in rows))


def _day_arg(today: date) -> date:
    try:
        return date.fromisoformat(request.args.get("day") or today.isoformat())
    except ValueError:
        flash(BAD_DAY, "error")
        return today
