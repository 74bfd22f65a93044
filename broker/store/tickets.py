"""Tickets and the per-day number sequences they are numbered from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from broker.store.base import Queries, iso, optional_time, parse_time
from broker.store.line import Entry

CLOCK_SEEN = "clock_seen"  # settings: the last moment seen on a believed clock (ISO, UTC)
_TICKET_FIELDS = frozenset(
    {"service", "status", "counter", "called_at", "finished_at", "recalls", "rating", "returned_at",
     "served_at"}
)


@dataclass(frozen=True)
class TicketRow:
    id: str
    request_id: str
    day: str
    service: str
    seq: int
    number: str
    priority: str
    source: str
    origin: str
    status: str
    issued_at: datetime
    counter: int | None
    called_at: datetime | None
    recalls: int
    rating: str | None
    returned_at: datetime | None = None
    served_at: datetime | None = None  # when the citizen was at the desk (Bắt đầu phục vụ)
    kiosk: str | None = None  # the kiosk that asked for it or printed it offline


@dataclass(frozen=True)
class NewTicket:
    id: str
    request_id: str
    day: str
    service: str
    seq: int
    number: str
    priority: str
    source: str
    issued_at: datetime
    origin: str = "broker"
    kiosk: str | None = None
    id_hash: str | None = None
    booking_code: str | None = None
    dossier_code: str | None = None


class TicketQueries(Queries):
    def allocate_seq(self, day: str, service: str, start: int) -> int:
        """The next number of a service's day, inside this transaction (never MAX()+1 outside one)."""
        self.execute("INSERT INTO sequences (day, service, last) VALUES (?, ?, ?) "
                     "ON CONFLICT (day, service) DO UPDATE SET last = last + 1",
                     (day, service, start))
        row = self.execute("SELECT last FROM sequences WHERE day = ? AND service = ?",
                           (day, service)).fetchone()
        return int(row["last"])

    def issued_today(self, day: str) -> dict[str, int]:
        """Tickets of the day per service, however issued (online, offline, cancelled or not)."""
        rows = self.execute("SELECT service, COUNT(*) AS n FROM tickets WHERE day = ? GROUP BY service",
                            (day,))
        return {str(row["service"]): int(row["n"]) for row in rows}

    def insert_ticket(self, new: NewTicket) -> TicketRow:
        self.execute(
            "INSERT INTO tickets (id, request_id, day, service, seq, number, priority, source, origin,"
            " kiosk, id_hash, booking_code, dossier_code, issued_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.id, new.request_id, new.day, new.service, new.seq, new.number, new.priority,
             new.source, new.origin, new.kiosk, new.id_hash, new.booking_code, new.dossier_code,
             iso(new.issued_at)),
        )
        row = self.execute("SELECT rowid AS row_order, * FROM tickets WHERE id = ?",
                           (new.id,)).fetchone()
        entry = _entry(row)
        self._line.change(new.id, entry)
        return entry[1]

    def newest_issued_at(self) -> datetime | None:
        """When the broker last issued a ticket by its own clock (offline tickets carry a kiosk's
        clock, which must not decide whether the broker's is wrong)."""
        row = self.execute("SELECT MAX(issued_at) AS newest FROM tickets"
                           " WHERE origin = 'broker'").fetchone()
        return None if row["newest"] is None else parse_time(row["newest"])

    def clock_seen(self) -> datetime | None:
        """The last moment the broker saw on a clock it believed (broker/queue/clock_check.py):
        noted, or when it last issued a ticket (only ever issued on a believed clock). None before
        anything was noted (a new database, or one from before the check: believed at first)."""
        row = self.execute("SELECT value FROM settings WHERE key = ?", (CLOCK_SEEN,)).fetchone()
        if row is None:
            return None
        return max(parse_time(row["value"]), self.newest_issued_at() or parse_time(row["value"]))

    def note_clock(self, moment: datetime) -> None:
        """Note a moment seen on a believed clock (only moves forward)."""
        self.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                     " SET value = excluded.value WHERE value < excluded.value",
                     (CLOCK_SEEN, iso(moment)))

    def ticket(self, ticket_id: str | None) -> TicketRow | None:
        if ticket_id is None:
            return None
        row = self.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return None if row is None else _ticket(row)

    def numbered_day(self, day: str) -> bool:
        """Whether the broker has issued any number on this (local) day."""
        row = self.execute("SELECT 1 FROM sequences WHERE day = ? LIMIT 1", (day,)).fetchone()
        return row is not None

    def ticket_by_request(self, request_id: str) -> TicketRow | None:
        row = self.execute("SELECT * FROM tickets WHERE request_id = ?", (request_id,)).fetchone()
        return None if row is None else _ticket(row)

    def offline_number_taken(self, day: str, number: str) -> bool:
        """Whether an offline ticket of `day` already carries `number`."""
        row = self.execute("SELECT 1 FROM tickets WHERE day = ? AND number = ? AND origin = 'offline'",
                           (day, number)).fetchone()
        return row is not None

    def live_ticket(self, day: str, service: str, id_hash: str) -> TicketRow | None:
        """The citizen's (by keyed ID hash) waiting ticket for a service today, if any."""
        row = self.execute("SELECT * FROM tickets WHERE id_hash = ? AND day = ? AND service = ?"
                           " AND status = 'waiting' ORDER BY issued_at LIMIT 1",
                           (id_hash, day, service)).fetchone()
        return None if row is None else _ticket(row)

    def waiting(self, services: Iterable[str] | None = None) -> list[TicketRow]:
        """Waiting tickets in line order (issued_at, then insertion), from the kept line."""
        tickets = self._line.tickets(self._load_waiting, self._read_entries)
        if services is None:
            return list(tickets)  # the caller's own list: the kept one is shared
        wanted = set(services)
        return [t for t in tickets if t.service in wanted]

    def waiting_counts(self) -> dict[str, int]:
        """Waiting tickets per service (a service with none may be missing), from the kept line."""
        return dict(self._line.counts(self._load_waiting, self._read_entries))

    def waiting_number(self, day: str, number: str) -> TicketRow | None:
        """The waiting ticket of `day` printed with `number` (an offline one if both exist)."""
        row = self.execute("SELECT * FROM tickets WHERE day = ? AND number = ? AND status = 'waiting'"
                           " ORDER BY issued_at LIMIT 1", (day, number)).fetchone()
        return None if row is None else _ticket(row)

    def returning(self) -> list[TicketRow]:
        """Tickets set aside while their citizen fetches a missing paper, oldest issued first."""
        rows = self.execute("SELECT * FROM tickets WHERE status = 'returning' ORDER BY issued_at")
        return [_ticket(row) for row in rows]

    def left_before(self, day: str) -> list[TicketRow]:
        """Tickets of days before `day` still in a line, set aside for a paper or at a counter:
        what the end of their day has not ended yet (index tickets_waiting: today's few)."""
        rows = self.execute("SELECT * FROM tickets WHERE status IN ('waiting', 'returning', 'called')"
                            " AND day < ? ORDER BY issued_at", (day,))
        return [_ticket(row) for row in rows]

    def others_kept(self, day: str, ticket_id: str) -> bool:
        """Whether tickets of `day` besides this one are still kept (retention has not reduced it)."""
        row = self.execute("SELECT 1 FROM tickets WHERE day = ? AND id != ? LIMIT 1",
                           (day, ticket_id)).fetchone()
        return row is not None

    def issued_between(self, first_day: str, last_day: str) -> list[TicketRow]:
        """The tickets issued on these (local) days, in issue order."""
        rows = self.execute("SELECT * FROM tickets WHERE day BETWEEN ? AND ? ORDER BY issued_at",
                            (first_day, last_day))
        return [_ticket(row) for row in rows]

    def service_durations(self, day: str, service: str, limit: int) -> list[float]:
        """Seconds from the start of service (or the call, when staff never pressed "Bắt đầu phục
        vụ") to done of a service's last `limit` completed tickets of the day, oldest first (index
        tickets_done: a bounded read, whatever the history)."""
        rows = self.execute(
            "SELECT COALESCE(served_at, called_at) AS called_at, finished_at FROM tickets"
            " WHERE day = ? AND service = ?"
            " AND status = 'done' AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?",
            (day, service, limit)).fetchall()
        return [(parse_time(row["finished_at"]) - parse_time(row["called_at"])).total_seconds()
                for row in reversed(rows) if row["called_at"] is not None]

    def update_ticket(self, ticket_id: str, **fields: Any) -> None:
        self._update("tickets", _TICKET_FIELDS, ticket_id, fields)
        self._line.touch(ticket_id)

    def settle_line(self) -> None:
        """Before commit: the line's view of every ticket this transaction wrote."""
        self._line.settle(self._read_entries)

    def _load_waiting(self) -> dict[str, Entry]:
        rows = self.execute("SELECT rowid AS row_order, * FROM tickets WHERE status = 'waiting'")
        return {row["id"]: _entry(row) for row in rows}

    def _read_entries(self, ticket_ids: list[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for start in range(0, len(ticket_ids), 500):
            chunk = ticket_ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.execute(f"SELECT rowid AS row_order, * FROM tickets WHERE id IN ({marks})",
                                tuple(chunk))
            found.update((row["id"], _entry(row)) for row in rows)
        return found


def _entry(row: sqlite3.Row) -> Entry:
    return (row["issued_at"], int(row["row_order"])), _ticket(row)


def _ticket(row: sqlite3.Row) -> TicketRow:
    return TicketRow(
        id=row["id"], request_id=row["request_id"], day=row["day"], service=row["service"],
        seq=int(row["seq"]), number=row["number"], priority=row["priority"], source=row["source"],
        origin=row["origin"], status=row["status"], issued_at=parse_time(row["issued_at"]),
        counter=row["counter"], called_at=optional_time(row["called_at"]),
        recalls=int(row["recalls"]), rating=row["rating"],
        returned_at=optional_time(row["returned_at"]), served_at=optional_time(row["served_at"]),
        kiosk=row["kiosk"],
    )
