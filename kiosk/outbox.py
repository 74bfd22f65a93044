"""The kiosk's offline outbox: tickets it issued from its own number block while the broker was away.

SQLite in WAL mode with `synchronous=FULL`: a ticket is in the outbox (and its number used up) before
it is printed, so a power cut after printing can neither lose the ticket nor reuse its number. The
last number used per service and day is kept apart from the outbox rows, so a restarted kiosk carries
on where it stopped even after every ticket was delivered. A row is deleted only when the broker's
reply for it arrives; `OutboxSender` delivers rows one at a time, in issue-time order.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from xephang.config import OfflineBlock
from xephang.protocol import OfflineTicket, TicketReply

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS offline_seq (
    day     TEXT NOT NULL,
    service TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (day, service)
);
CREATE TABLE IF NOT EXISTS outbox (
    request_id TEXT PRIMARY KEY,
    service    TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    rejected   TEXT            -- the broker's error, when it refused the ticket
);
"""


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def issue(self, day: str, service: str, block: OfflineBlock,
              make: Callable[[int], OfflineTicket]) -> OfflineTicket | None:
        """The next number of `block` for (day, service), made into a ticket by `make` and stored,
        in one transaction; None when the block is used up for the day."""
        with self._transaction() as db:
            row = db.execute("SELECT last FROM offline_seq WHERE day = ? AND service = ?",
                             (day, service)).fetchone()
            seq = block.first if row is None else max(int(row[0]) + 1, block.first)
            if seq > block.last:
                return None
            db.execute("INSERT INTO offline_seq (day, service, last) VALUES (?, ?, ?) "
                       "ON CONFLICT (day, service) DO UPDATE SET last = excluded.last",
                       (day, service, seq))
            ticket = make(seq)
            db.execute("INSERT INTO outbox (request_id, service, issued_at, payload) "
                       "VALUES (?, ?, ?, ?)", (str(ticket.request_id), service,
                                               ticket.issued_at.isoformat(), ticket.model_dump_json()))
            return ticket

    def pending(self) -> list[OfflineTicket]:
        """Undelivered tickets, oldest first (the broker merges them in issue-time order)."""
        with self._lock:
            rows = self._db.execute("SELECT payload FROM outbox WHERE rejected IS NULL "
                                    "ORDER BY issued_at, rowid").fetchall()
        return [OfflineTicket.model_validate_json(row[0]) for row in rows]

    def waiting(self, service: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE service = ? AND rejected IS NULL",
                                   (service,)).fetchone()
        return int(row[0])

    def delivered(self, request_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM outbox WHERE request_id = ?", (request_id,))

    def refused(self, request_id: str, error: str) -> None:
        """Kept (the citizen holds the paper) but never sent again; staff must sort it out."""
        with self._transaction() as db:
            db.execute("UPDATE outbox SET rejected = ? WHERE request_id = ?", (error, request_id))

    def refused_count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE rejected IS NOT NULL").fetchone()
        return int(row[0])


class OutboxSender:
    """Delivers the outbox on `kiosk/{id}/offline-issued`, one ticket at a time, whenever connected.

    `wake()` after a new ticket or a reconnection; every `retry_s` it tries again anyway. The next
    ticket goes only once the previous one is answered, which keeps the broker's merge in order.
    """

    def __init__(self, outbox: Outbox, publish: Callable[[OfflineTicket], None],
                 is_connected: Callable[[], bool], *, reply_timeout_s: float = 5.0,
                 retry_s: float = 10.0, on_refused: Callable[[int], None] | None = None) -> None:
        self.outbox = outbox
        self._publish = publish
        self._is_connected = is_connected
        self._reply_timeout_s = reply_timeout_s
        self._retry_s = retry_s
        self._on_refused = on_refused
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: str | None = None
        self._answer: TicketReply | None = None
        self._answered = threading.Event()
        self._thread: threading.Thread | None = None
        self.empty = threading.Event()  # set whenever the outbox was found delivered to the last

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-outbox", daemon=True)
        self._thread.start()
        self.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._answered.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self.empty.clear()
        self._wake.set()

    def handle_reply(self, reply: TicketReply) -> bool:
        """A reply on the kiosk's topic: True if it answers the ticket being delivered."""
        with self._lock:
            if self._in_flight != str(reply.request_id):
                return False
            self._answer = reply
            self._answered.set()
            return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._retry_s)
            self._wake.clear()
            try:
                self._drain()
            except (sqlite3.Error, ValueError):
                log.exception("offline outbox delivery failed; retrying in %.0f s", self._retry_s)

    def _drain(self) -> None:
        while not self._stop.is_set() and self._is_connected():
            pending = self.outbox.pending()
            if not pending:
                self.empty.set()
                return
            reply = self._deliver(pending[0])
            if reply is None:
                log.info("no answer for offline ticket %s yet; will retry", pending[0].number)
                return
            self._settle(pending[0], reply)

    def _deliver(self, ticket: OfflineTicket) -> TicketReply | None:
        with self._lock:
            self._in_flight, self._answer = str(ticket.request_id), None
            self._answered.clear()
        try:
            self._publish(ticket)
            self._answered.wait(self._reply_timeout_s)
            return self._answer
        finally:
            with self._lock:
                self._in_flight = None

    def _settle(self, ticket: OfflineTicket, reply: TicketReply) -> None:
        if reply.ok:
            self.outbox.delivered(str(ticket.request_id))
            log.info("offline ticket %s merged by the queue server", ticket.number)
            return
        log.error("queue server refused offline ticket %s: %s: %s", ticket.number, reply.error,
                  reply.detail)
        self.outbox.refused(str(ticket.request_id), reply.error or "refused")
        if self._on_refused is not None:
            self._on_refused(self.outbox.refused_count())
