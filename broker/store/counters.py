"""Counters' live state, and the services a manager assigned to a counter at run time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from broker.store.base import Queries, iso, parse_time

_COUNTER_FIELDS = frozenset({"status", "ticket", "last_ticket", "since", "closing"})


@dataclass(frozen=True)
class CounterRow:
    id: int
    status: str
    ticket: str | None
    last_ticket: str | None
    since: datetime
    # A manager closed the counter while a citizen was at it: it closes when that ticket ends. The
    # account that asked ("" for none); None when no close is pending.
    closing: str | None = None


class CounterQueries(Queries):
    def add_counter(self, counter_id: int) -> None:
        """A counter of the site file, idle until someone works it; one already known is kept."""
        self.execute("INSERT OR IGNORE INTO counters (id, status, since) VALUES (?, 'idle', ?)",
                     (counter_id, iso(self.now)))

    def counter(self, counter_id: int) -> CounterRow:
        row = self.execute("SELECT * FROM counters WHERE id = ?", (counter_id,)).fetchone()
        if row is None:
            self.add_counter(counter_id)
            return CounterRow(counter_id, "idle", None, None, self.now)
        return CounterRow(int(row["id"]), str(row["status"]), row["ticket"], row["last_ticket"],
                          parse_time(row["since"]), row["closing"])

    def counters(self) -> list[CounterRow]:
        ids = [int(row["id"]) for row in self.execute("SELECT id FROM counters ORDER BY id")]
        return [self.counter(counter_id) for counter_id in ids]

    def holding_before(self, day: str) -> list[CounterRow]:
        """Counters whose current ticket is of a day before `day`."""
        rows = self.execute("SELECT c.id FROM counters c JOIN tickets t ON t.id = c.ticket"
                            " WHERE t.day < ? ORDER BY c.id", (day,))
        return [self.counter(int(row["id"])) for row in rows.fetchall()]

    def forget_last_before(self, day: str) -> None:
        """A counter's last ticket of an earlier day is no longer its own to rate."""
        self.execute("UPDATE counters SET last_ticket = NULL WHERE last_ticket IS NOT NULL AND"
                     " (SELECT t.day FROM tickets t WHERE t.id = last_ticket) < ?", (day,))

    def update_counter(self, counter_id: int, **fields: Any) -> None:
        self._update("counters", _COUNTER_FIELDS, counter_id, fields)

    def assigned_services(self) -> dict[int, list[str]]:
        """The services a manager gave counters at run time, by counter (overriding the site file)."""
        rows = self.execute("SELECT counter, services FROM counter_services").fetchall()
        return {int(row["counter"]): list(json.loads(row["services"])) for row in rows}

    def assign_services(self, counter_id: int, services: list[str]) -> None:
        self.execute("INSERT INTO counter_services (counter, services) VALUES (?, ?) ON CONFLICT"
                     " (counter) DO UPDATE SET services = excluded.services",
                     (counter_id, json.dumps(services)))


HEARD_KEY = "heard_calls"  # settings: {counter: [number, first said at]} (broker/heard.py)


class HeardQueries(Queries):
    def heard_calls(self) -> dict[int, tuple[str, datetime]]:
        """Each counter's last call a hall display has said, and when it first said it."""
        row = self.execute("SELECT value FROM settings WHERE key = ?", (HEARD_KEY,)).fetchone()
        said: dict[str, list[str]] = json.loads(row["value"]) if row else {}
        return {int(c): (number, parse_time(at)) for c, (number, at) in said.items()}

    def keep_heard_calls(self, said: dict[int, tuple[str, datetime]]) -> None:
        value = json.dumps({str(c): [number, iso(at)] for c, (number, at) in said.items()})
        self.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                     " SET value = excluded.value", (HEARD_KEY, value))
