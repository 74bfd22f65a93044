"""What the city uplink reads and keeps: this database's epoch, and its events as the city may see
them (the ticket's priority joined in; nothing that names a citizen). The acknowledged mark itself
lives with retention, which it holds back (retention.py)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from broker.store.base import Queries, optional_time, parse_time

UPLINK_EPOCH = "uplink_epoch"


@dataclass(frozen=True)
class UplinkRow:
    seq: int
    at: datetime
    type: str
    counter: int | None
    priority: str | None  # the ticket's, for events about a ticket
    data: dict[str, Any]
    issued_at: datetime | None = None  # the ticket's: for a kiosk's, when it printed it


class UplinkQueries(Queries):
    def uplink_epoch(self) -> str:
        """This database's epoch (a uuid made once, on first asking): a replaced database has
        another, so the city tells its seq 1 apart from the old one's."""
        self.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                     (UPLINK_EPOCH, str(uuid.uuid4())))
        row = self.execute("SELECT value FROM settings WHERE key = ?", (UPLINK_EPOCH,)).fetchone()
        return str(row["value"])

    def uplink_events(self, after: int, limit: int) -> list[UplinkRow]:
        """Up to `limit` events after seq `after`, in order."""
        rows = self.execute("SELECT e.seq, e.at, e.type, e.counter, e.data, t.priority,"
                            " t.issued_at FROM events e LEFT JOIN tickets t ON t.id = e.ticket"
                            " WHERE e.seq > ? ORDER BY e.seq LIMIT ?", (after, limit))
        return [UplinkRow(int(row["seq"]), parse_time(row["at"]), str(row["type"]), row["counter"],
                          row["priority"], json.loads(row["data"]), optional_time(row["issued_at"]))
                for row in rows]
