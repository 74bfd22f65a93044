"""Devices' open incidents (a device in trouble past its grace), kept so that a restarted broker
knows which troubles it already recorded, and the `device_problem` / `device_ok` events that open and
close them, written in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from broker.store.base import iso, parse_time
from broker.store.events import EventQueries, EventRow
from xephang.protocol import DEVICE_OK, DEVICE_PROBLEM, DEVICE_PROBLEMS, DeviceProblem


@dataclass(frozen=True)
class OpenTrouble:
    device: str
    problem: DeviceProblem
    since: datetime  # when the trouble began (not when its grace ran out)


class DeviceQueries(EventQueries):
    def open_troubles(self) -> list[OpenTrouble]:
        rows = self.execute("SELECT device, problem, since FROM device_troubles ORDER BY device, problem")
        kinds = {kind: kind for kind in DEVICE_PROBLEMS}
        return [OpenTrouble(row["device"], kinds.get(row["problem"], "other"),
                            parse_time(row["since"])) for row in rows]

    def open_trouble(self, device: str, problem: DeviceProblem, since: datetime) -> EventRow | None:
        """Record the incident and its `device_problem` event; None if it is already open."""
        cursor = self.execute("INSERT INTO device_troubles (device, problem, since) VALUES (?, ?, ?)"
                              " ON CONFLICT (device, problem) DO NOTHING", (device, problem, iso(since)))
        if cursor.rowcount == 0:
            return None
        return self.append_event(DEVICE_PROBLEM, device=device, problem=problem, since=iso(since))

    def close_trouble(self, device: str, problem: DeviceProblem, until: datetime) -> EventRow | None:
        """End the open incident with its `device_ok` event; None if none was open."""
        row = self.execute("DELETE FROM device_troubles WHERE device = ? AND problem = ? RETURNING since",
                           (device, problem)).fetchone()
        if row is None:
            return None
        return self.append_event(DEVICE_OK, device=device, problem=problem, since=row["since"],
                                 until=iso(until))
