"""Tickets and the per-day number sequences they are numbered from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from broker.store.base import Queries, iso, optional_time, parse_time

_TICKET_FIELDS = frozenset(
    {"service", "status", "counter", "called_at", "finished_at", "recalls", "rating", "returned_at"}
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

    def insert_ticket(self, new: NewTicket) -> TicketRow:
        self.execute(
            "INSERT INTO tickets (id, request_id, day, service, seq, number, priority, source, origin,"
            " kiosk, id_hash, booking_code, dossier_code, issued_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.id, new.request_id, new.day, new.service, new.seq, new.number, new.priority,
             new.source, new.origin, new.kiosk, new.id_hash, new.booking_code, new.dossier_code,
             iso(new.issued_at)),
        )
        ticket = self.ticket(new.id)
        assert ticket is not None
        return ticket

    def newest_issued_at(self) -> datetime | None:
        """When the broker last issued a ticket by its own clock (offline tickets carry a kiosk's
        clock, which must not decide whether the broker's is wrong)."""
        row = self.execute("SELECT MAX(issued_at) AS newest FROM tickets"
                           " WHERE origin = 'broker'").fetchone()
        return None if row["newest"] is None else parse_time(row["newest"])

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
        rows = self.execute("SELECT * FROM tickets WHERE status = 'waiting' ORDER BY issued_at, rowid")
        tickets = [_ticket(row) for row in rows]
        if services is None:
            return tickets
        wanted = set(services)
        return [t for t in tickets if t.service in wanted]

    def returning(self) -> list[TicketRow]:
        """Tickets set aside while their citizen fetches a missing paper, oldest issued first."""
        rows = self.execute("SELECT * FROM tickets WHERE status = 'returning' ORDER BY issued_at")
        return [_ticket(row) for row in rows]

    def issued_between(self, first_day: str, last_day: str) -> list[TicketRow]:
        """The tickets issued on these (local) days, in issue order."""
        rows = self.execute("SELECT * FROM tickets WHERE day BETWEEN ? AND ? ORDER BY issued_at",
                            (first_day, last_day))
        return [_ticket(row) for row in rows]

    def service_durations(self, day: str, limit: int) -> list[tuple[str, float]]:
        """(service, seconds from call to done) of the day's last `limit` completed services,
        oldest first."""
        rows = self.execute(
            "SELECT service, called_at, finished_at FROM ("
            " SELECT service, called_at, finished_at FROM tickets WHERE day = ? AND status = 'done'"
            " AND called_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?)"
            " ORDER BY finished_at", (day, limit)).fetchall()
        return [(str(row["service"]),
                 (parse_time(row["finished_at"]) - parse_time(row["called_at"])).total_seconds())
                for row in rows]

    def update_ticket(self, ticket_id: str, **fields: Any) -> None:
        self._update("tickets", _TICKET_FIELDS, ticket_id, fields)


def _ticket(row: sqlite3.Row) -> TicketRow:
    return TicketRow(
        id=row["id"], request_id=row["request_id"], day=row["day"], service=row["service"],
        seq=int(row["seq"]), number=row["number"], priority=row["priority"], source=row["source"],
        origin=row["origin"], status=row["status"], issued_at=parse_time(row["issued_at"]),
        counter=row["counter"], called_at=optional_time(row["called_at"]),
        recalls=int(row["recalls"]), rating=row["rating"],
        returned_at=optional_time(row["returned_at"]),
    )
