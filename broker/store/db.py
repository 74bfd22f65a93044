"""The SQLite store: the only code that writes queue state.

Every change runs in one `BEGIN IMMEDIATE` transaction that also appends its event and the reply to
be sent, and commits with `synchronous=FULL` in WAL mode before anyone is answered: a SIGKILL at any
moment loses nothing that was acknowledged. One lock serialises the MQTT thread and the web threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from broker.store.schema import MIGRATIONS, SCHEMA

Clock = Callable[[], datetime]
ReplyKind = Literal["request", "command"]

_TICKET_FIELDS = frozenset(
    {"service", "status", "counter", "called_at", "finished_at", "recalls", "rating", "returned_at"}
)
_COUNTER_FIELDS = frozenset({"status", "ticket", "last_ticket", "since"})


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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
class CounterRow:
    id: int
    status: str
    ticket: str | None
    last_ticket: str | None
    since: datetime


@dataclass(frozen=True)
class EventRow:
    seq: int
    at: datetime
    type: str
    ticket: str | None
    counter: int | None
    data: dict[str, Any]


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


class Store:
    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode (isolation_level=None): transactions are exactly the BEGINs we write.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        _migrate(self._db)
        self._lock = threading.RLock()
        self._clock = clock

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One durable change: committed on normal exit, rolled back if the block raises."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._db, self._clock())
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Consistent reads: a deferred transaction that sees one state of the database."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield Tx(self._db, self._clock())
            finally:
                self._db.execute("ROLLBACK")

    def ensure_counters(self, counter_ids: Iterable[int]) -> None:
        with self.transaction() as tx:
            for counter_id in counter_ids:
                tx.execute("INSERT OR IGNORE INTO counters (id, status, since) VALUES (?, 'idle', ?)",
                           (counter_id, iso(tx.now)))


class Tx:
    """The reads and writes of one transaction; `now` is fixed for all of it."""

    def __init__(self, db: sqlite3.Connection, now: datetime) -> None:
        self._db = db
        self.now = now

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo a partial change (a rejected command) while keeping the transaction."""
        self.execute("SAVEPOINT step")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK TO step")
            raise
        finally:
            self.execute("RELEASE step")

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

    # -- tickets -------------------------------------------------------------------------------
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

    def ticket(self, ticket_id: str | None) -> TicketRow | None:
        if ticket_id is None:
            return None
        row = self.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return None if row is None else _ticket(row)

    def ticket_by_request(self, request_id: str) -> TicketRow | None:
        row = self.execute("SELECT * FROM tickets WHERE request_id = ?", (request_id,)).fetchone()
        return None if row is None else _ticket(row)

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

    def update_ticket(self, ticket_id: str, **fields: Any) -> None:
        self._update("tickets", _TICKET_FIELDS, ticket_id, fields)

    # -- counters ------------------------------------------------------------------------------
    def counter(self, counter_id: int) -> CounterRow:
        row = self.execute("SELECT * FROM counters WHERE id = ?", (counter_id,)).fetchone()
        if row is None:
            self.execute("INSERT INTO counters (id, status, since) VALUES (?, 'idle', ?)",
                         (counter_id, iso(self.now)))
            return CounterRow(counter_id, "idle", None, None, self.now)
        return CounterRow(int(row["id"]), str(row["status"]), row["ticket"], row["last_ticket"],
                          _time(row["since"]))

    def counters(self) -> list[CounterRow]:
        ids = [int(row["id"]) for row in self.execute("SELECT id FROM counters ORDER BY id")]
        return [self.counter(counter_id) for counter_id in ids]

    def update_counter(self, counter_id: int, **fields: Any) -> None:
        self._update("counters", _COUNTER_FIELDS, counter_id, fields)

    # -- events --------------------------------------------------------------------------------
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

    def published_seq(self) -> int:
        """The newest event Mosquitto acknowledged on the `event` topic (0 before any)."""
        row = self.execute("SELECT value FROM settings WHERE key = 'event_published_seq'").fetchone()
        return 0 if row is None else int(row["value"])

    def mark_published(self, seq: int) -> None:
        self.execute("INSERT INTO settings (key, value) VALUES ('event_published_seq', ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
                     "WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)", (str(seq),))

    def recent_events(self, types: tuple[str, ...], limit: int) -> list[EventRow]:
        marks = ", ".join("?" for _ in types)
        rows = self.execute(f"SELECT * FROM events WHERE type IN ({marks}) ORDER BY seq DESC LIMIT ?",
                            (*types, limit))
        return [_event(row) for row in rows]

    def _update(self, table: str, allowed: frozenset[str], key: object, fields: dict[str, Any]) -> None:
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"{table}: cannot set {', '.join(sorted(unknown))}")
        values = [iso(v) if isinstance(v, datetime) else v for v in fields.values()]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*values, key))


def _migrate(db: sqlite3.Connection) -> None:
    for table, column, kind in MIGRATIONS:
        if column not in {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _reply_table(kind: ReplyKind) -> tuple[str, str]:
    return ("request_replies", "request_id") if kind == "request" else ("command_replies", "command_id")


def _time(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def _ticket(row: sqlite3.Row) -> TicketRow:
    return TicketRow(
        id=row["id"], request_id=row["request_id"], day=row["day"], service=row["service"],
        seq=int(row["seq"]), number=row["number"], priority=row["priority"], source=row["source"],
        origin=row["origin"], status=row["status"], issued_at=_time(row["issued_at"]),
        counter=row["counter"], called_at=_time(row["called_at"]) if row["called_at"] else None,
        recalls=int(row["recalls"]), rating=row["rating"],
        returned_at=_time(row["returned_at"]) if row["returned_at"] else None,
    )


def _event(row: sqlite3.Row) -> EventRow:
    return EventRow(int(row["seq"]), _time(row["at"]), row["type"], row["ticket"], row["counter"],
                    json.loads(row["data"]))
