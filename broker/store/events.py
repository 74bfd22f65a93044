"""The event log (every change, in order), how far Mosquitto has acknowledged it, and the stored
replies that answer a repeated request or command the same way."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from broker.store.base import Queries, iso, parse_time

ReplyKind = Literal["request", "command"]


@dataclass(frozen=True)
class EventRow:
    seq: int
    at: datetime
    type: str
    ticket: str | None
    counter: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Transfer:
    """A ticket's transfer: from which service and counter, to which service (and counter, when
    sent to one counter rather than to the service's line)."""

    at: datetime
    from_service: str
    from_counter: int | None
    to_service: str
    to_counter: int | None


class EventQueries(Queries):
    def append_event(self, type_: str, *, ticket: str | None = None, counter: int | None = None,
                     **data: Any) -> EventRow:
        cursor = self.execute(
            "INSERT INTO events (at, type, ticket, counter, data) VALUES (?, ?, ?, ?, ?)",
            (iso(self.now), type_, ticket, counter, json.dumps(data, ensure_ascii=False)),
        )
        assert cursor.lastrowid is not None
        return EventRow(cursor.lastrowid, self.now, type_, ticket, counter, data)

    def events_after(self, seq: int, limit: int = 1000) -> list[EventRow]:
        rows = self.execute("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [_event(row) for row in rows.fetchall()]

    def recent_events(self, types: tuple[str, ...], limit: int,
                      since: datetime | None = None) -> list[EventRow]:
        """The newest events of these types (dated at or after `since`, if given), newest first.
        `since` narrows by the first event dated then (the `at` index), so a day without such
        events yet reads no history."""
        marks = ", ".join("?" for _ in types)
        if since is None:
            rows = self.execute(f"SELECT * FROM events WHERE type IN ({marks})"
                                " ORDER BY seq DESC LIMIT ?", (*types, limit))
            return [_event(row) for row in rows]
        first = self.execute("SELECT seq FROM events WHERE at >= ? ORDER BY at LIMIT 1",
                             (iso(since),)).fetchone()
        if first is None:
            return []
        rows = self.execute(f"SELECT * FROM events WHERE type IN ({marks}) AND seq >= ? AND at >= ?"
                            " ORDER BY seq DESC LIMIT ?", (*types, first["seq"], iso(since), limit))
        return [_event(row) for row in rows]

    def ticket_events_between(self, first_day: str, last_day: str) -> list[EventRow]:
        """Every event about the tickets issued on these (local) days, in order."""
        rows = self.execute("SELECT e.* FROM events e JOIN tickets t ON e.ticket = t.id"
                            " WHERE t.day BETWEEN ? AND ? ORDER BY e.seq", (first_day, last_day))
        return [_event(row) for row in rows]

    def audit_trail(self, since: datetime, until: datetime, *, account: str | None = None,
                    counter: int | None = None, type_: str | None = None,
                    limit: int = 1000) -> list[EventRow]:
        """The events between two moments, newest first, narrowed to who did them (`account`),
        where (`counter`) and what (`type_`)."""
        sql = "SELECT * FROM events WHERE at >= ? AND at < ?"
        params: list[Any] = [iso(since), iso(until)]
        for clause, value in (("json_extract(data, '$.account') = ?", account),
                              ("counter = ?", counter), ("type = ?", type_)):
            if value is not None:
                sql += f" AND {clause}"
                params.append(value)
        rows = self.execute(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))
        return [_event(row) for row in rows.fetchall()]

    def transfers(self, ticket_ids: list[str]) -> dict[str, Transfer]:
        """Of these tickets, those transferred at least once, with their last transfer."""
        found: dict[str, Transfer] = {}
        for start in range(0, len(ticket_ids), 500):
            chunk = ticket_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.execute(f"SELECT at, ticket, counter, data FROM events"
                                f" WHERE type = 'ticket_transferred' AND ticket IN ({marks})"
                                " ORDER BY seq", tuple(chunk))
            for row in rows:
                data = json.loads(row["data"])
                found[row["ticket"]] = Transfer(
                    parse_time(row["at"]), str(data.get("from_service", "")), row["counter"],
                    str(data.get("service", "")), data.get("to_counter"))
        return found

    def transferred_to_counter(self, ticket_id: str) -> int | None:
        """The counter a ticket was sent to wait for, when its last way into a line was a transfer
        to one (a return after fetching a paper waits for the whole line again)."""
        row = self.execute("SELECT type, data FROM events WHERE ticket = ? AND type IN"
                           " ('ticket_transferred', 'ticket_returned') ORDER BY seq DESC LIMIT 1",
                           (ticket_id,)).fetchone()
        if row is None or row["type"] != "ticket_transferred":
            return None
        counter = json.loads(row["data"]).get("to_counter")
        return counter if isinstance(counter, int) else None

    def last_event_seq(self) -> int:
        row = self.execute("SELECT MAX(seq) AS seq FROM events").fetchone()
        return int(row["seq"] or 0)

    def published_seq(self) -> int:
        """The newest event Mosquitto acknowledged on the `event` topic (0 before any)."""
        row = self.execute("SELECT value FROM settings WHERE key = 'event_published_seq'").fetchone()
        return 0 if row is None else int(row["value"])

    def mark_published(self, seq: int) -> None:
        self.execute("INSERT INTO settings (key, value) VALUES ('event_published_seq', ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
                     "WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)", (str(seq),))

    # -- idempotency ---------------------------------------------------------------------------
    def stored_reply(self, kind: ReplyKind, key: str) -> str | None:
        table, column = _reply_table(kind)
        row = self.execute(f"SELECT reply FROM {table} WHERE {column} = ?", (key,)).fetchone()
        return None if row is None else str(row["reply"])

    def store_reply(self, kind: ReplyKind, key: str, reply: str, counter: int | None = None) -> None:
        if kind == "request":
            self.execute("INSERT INTO request_replies (request_id, reply, at) VALUES (?, ?, ?)",
                         (key, reply, iso(self.now)))
        else:
            self.execute("INSERT INTO command_replies (command_id, counter, reply, at) "
                         "VALUES (?, ?, ?, ?)", (key, counter, reply, iso(self.now)))


def _reply_table(kind: ReplyKind) -> tuple[str, str]:
    return ("request_replies", "request_id") if kind == "request" else ("command_replies", "command_id")


def _event(row: sqlite3.Row) -> EventRow:
    return EventRow(int(row["seq"]), parse_time(row["at"]), row["type"], row["ticket"], row["counter"],
                    json.loads(row["data"]))
