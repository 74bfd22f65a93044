"""The SQLite store: the only code that reads or writes the queue database.

Every change runs in one `BEGIN IMMEDIATE` transaction that also appends its event and the reply to
be sent, and commits with `synchronous=FULL` in WAL mode before anyone is answered: a SIGKILL at any
moment loses nothing that was acknowledged. One lock serialises the MQTT thread and the web threads.

A transaction (`Tx`) carries every named query, gathered by table family from the modules beside
this one; its rows are importable from here too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from broker.store.accounts import AccountQueries, AccountRow
from broker.store.base import iso, utc_now
from broker.store.counters import CounterQueries, CounterRow, HeardQueries
from broker.store.devices import DeviceQueries
from broker.store.events import EventQueries, EventRow
from broker.store.figures import FigureQueries
from broker.store.line import KeptLine, LineView
from broker.store.retention import RetentionQueries
from broker.store.schema import MIGRATIONS, SCHEMA
from broker.store.tickets import NewTicket, TicketQueries, TicketRow
from broker.store.uplink import UplinkQueries

__all__ = ["AccountRow", "Clock", "CounterRow", "EventRow", "NewTicket", "Store", "TicketRow",
           "Tx", "iso", "utc_now"]

Clock = Callable[[], datetime]


class Tx(TicketQueries, CounterQueries, HeardQueries, DeviceQueries, EventQueries, AccountQueries,
         FigureQueries, RetentionQueries, UplinkQueries):
    """The reads and writes of one transaction; `now` is fixed for all of it."""


class Store:
    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode (isolation_level=None): transactions are exactly the BEGINs we write.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        # Space freed by retention goes back to the file system (on a database made from now on;
        # an older file reuses its free pages instead).
        self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        _migrate(self._db)
        self._lock = threading.RLock()
        self._clock = clock
        self._line = KeptLine()
        self._path = path.resolve()
        self._readers = threading.local()
        self._reader_list: list[sqlite3.Connection] = []

    @property
    def path(self) -> Path:
        """The database file (report workers open it read-only)."""
        return self._path

    def now(self) -> datetime:
        """The store's clock (what a transaction begun now would take as its `now`)."""
        return self._clock()

    def close(self) -> None:
        with self._lock:
            for reader in self._reader_list:
                reader.close()
            self._db.close()

    def responsive(self, timeout_s: float) -> bool:
        """The store answers a query within `timeout_s` (for the systemd watchdog): False while a
        change holds it that long, e.g. a transaction stuck on a full or failing disk."""
        if not self._lock.acquire(timeout=timeout_s):
            return False
        try:
            self._db.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False
        finally:
            self._lock.release()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One durable change: committed on normal exit, rolled back if the block raises."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._line.check(self._db)
            view = LineView(self._line)
            try:
                tx = Tx(self._db, self._clock(), view)
                yield tx
                tx.settle_line()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._line.commit(view.changes)

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Consistent reads: a deferred transaction that sees one state of the database."""
        with self._lock:
            self._db.execute("BEGIN")
            self._line.check(self._db)
            try:
                yield Tx(self._db, self._clock(), LineView(self._line))
            finally:
                self._db.execute("ROLLBACK")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """Consistent reads on a connection of this thread's own, without the queue's lock: a
        year's report never holds up a counter's command (in WAL mode readers and the writer do
        not wait for each other)."""
        db = self._reader()
        db.execute("BEGIN")
        try:
            yield Tx(db, self._clock())
        finally:
            db.execute("ROLLBACK")

    def _reader(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._readers, "db", None)
        if db is None:
            db = sqlite3.connect(self._path.as_uri() + "?mode=ro", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            self._readers.db = db
            with self._lock:
                self._reader_list.append(db)
        return db

    def reclaim(self) -> None:
        """Give the pages retention freed back to the file system (incremental vacuum)."""
        with self._lock:
            # executescript steps it to the end (execute frees a single page per call)
            self._db.executescript("PRAGMA incremental_vacuum;")

    def ensure_counters(self, counter_ids: Iterable[int]) -> None:
        with self.transaction() as tx:
            for counter_id in counter_ids:
                tx.add_counter(counter_id)


def _migrate(db: sqlite3.Connection) -> None:
    for table, column, kind in MIGRATIONS:
        if column not in {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
